"""Least-privilege deployer policies: what each stack's owner role may do, and nothing else.

Each of the three stacks is deployed by its own role (`model-registry-deployer-<stack>`, the role that
`aws:assumeRoles` in the stack's Pulumi.<env>.yaml names). Its IAM policy grants exactly the ECR, IAM
and KMS actions that the Pulumi AWS provider calls to create, read, update and delete that stack's
resources, on that stack's resources only:

- repositories by ARN under the registry namespace (`repository/<namespace>/*`);
- IAM roles by their exact names (the constants below; the per-team CI push roles by their name prefix)
  and the GitHub OIDC provider by its ARN;
- KMS keys by the `pulumi-project` tag the stacks put on them (`aws:ResourceTag` / `aws:RequestTag`),
  the alias by its ARN;
- registry-wide settings (scanning, replication, registry policy, creation templates, pull-through cache
  rules, the signing configuration and Cloud Control's calls for it, account settings) take no resource
  in IAM, so they are `*`, bound to their region with `aws:RequestedRegion` when the regions are known
  (account settings also to the settings the stack pins, `ecr:AccountSetting`).

Resources that the stacks keep with `retain_on_delete` (repositories, keys) are never deleted by the
provider, so their delete actions are left out: no deployer can delete a model's images or its key.

No deployer can escalate: every role it creates must carry the permissions boundary
`model-registry-role-boundary` (`boundary_policy`), it may write policies only into roles that carry
it, may neither remove nor replace it, and is denied every IAM action on the deployer roles and on the
boundary policy. The example trust policy names the owning team's role, not the account root.

`python -m deployer_policies` (cli.py) writes the policies; aws_facts.provider_actions holds the actions the
provider calls, per resource type. The Target and the names the statements use are in scope.py, the
permissions boundary and the statements that keep a deployer from escalating in boundary.py, the statement
builders the three policies share in statements.py.
"""

from __future__ import annotations

from aws_facts import resource_types
from aws_facts.ecr_account_settings import BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE
from aws_facts.iam.quotas import MANAGED_POLICY
from aws_facts.iam.quotas import policy_size as iam_policy_size
from aws_facts.provider_actions import SIGNING_TYPE
from model_registry.contract import ACCESS, REGISTRY, REPLICATION
from model_registry.policy_documents import Document, document, statement
from model_registry.policy_documents.iam import GITHUB_OIDC_HOST

from .boundary import bounded_roles
from .scope import PROJECT_TAG, ROLES_OF, Target, key_alias
from .statements import own_keys, service_actions, service_linked_role, string_equals

# The account settings the replication stack pins (aws_facts.ecr_account_settings): its deployer may put
# these and no other (ecr:AccountSetting names the setting of a Put/GetAccountSetting request).
PINNED_ACCOUNT_SETTINGS = (BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE)
# IAM's limit for a managed policy, counted as IAM counts (aws_facts.iam.quotas).
MAX_MANAGED_POLICY_CHARS = MANAGED_POLICY


# What ECR checks on the cache repositories when a template describes them.
CACHE_REPOSITORY_ACTIONS = ["ecr:CreateRepository", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy"]


def registry_policy(target: Target) -> Document:
    """The registry stack: repositories and their lifecycle policies, the key and its alias, scanning, and
    the upstream caches (rules, creation templates, the template role) when the catalog names upstreams."""
    repository_types = (resource_types.ECR_REPOSITORY, resource_types.ECR_LIFECYCLE_POLICY)
    cache_rule = resource_types.ECR_PULL_THROUGH_CACHE_RULE
    template = resource_types.ECR_REPOSITORY_CREATION_TEMPLATE
    role_types = (resource_types.IAM_ROLE, resource_types.IAM_ROLE_POLICY)
    scanning = resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION
    alias_actions = service_actions(resource_types.KMS_ALIAS, prefix="kms:")
    # Key administration, and DescribeKey for ECR's encrypted repositories.
    key_actions = sorted(
        set(service_actions(resource_types.KMS_KEY, prefix="kms:")) - {"kms:CreateKey"} | {"kms:DescribeKey"}
    )
    alias = f"arn:aws:kms:{target.region}:{target.account_id}:{key_alias(target.namespace)}"
    return document(
        statement(
            "ManageModelRepositories",
            service_actions(*repository_types, prefix="ecr:"),
            resources=target.repositories(),
        ),
        statement(
            "ManageRegistryScanning",
            service_actions(scanning, prefix="ecr:") + service_actions(scanning, prefix="inspector2:"),
            resources="*",
            conditions=string_equals(target.in_regions((target.region,))),
        ),
        service_linked_role(target, scanning),
        *own_keys(target, REGISTRY, (target.region,), key_actions),
        # Creating a KMS-encrypted repository makes ECR create grants on the key for itself.
        statement(
            "LetEcrUseTheKeyForRepositories",
            ["kms:CreateGrant"],
            resources=target.keys(),
            conditions={
                "StringEquals": {f"aws:ResourceTag/{PROJECT_TAG}": REGISTRY},
                "Bool": {"kms:GrantIsForAWSResource": "true"},
            },
        ),
        # IAM checks the alias actions on the alias and on the key: one statement must name both. The
        # alias is pinned by name; the key part cannot take a tag condition (the alias has no tags).
        statement(
            "ManageTheRegistryKeyAlias",
            sorted(set(alias_actions) - {"kms:ListAliases"}),
            resources=[alias, *target.keys()],
        ),
        # ListAliases takes no resource in IAM.
        statement("ListKeyAliases", ["kms:ListAliases"], resources="*"),
        # Pull-through caches (when the catalog names upstreams): the rules and their creation templates
        # are registry settings (`*`, in the home region); ECR checks the repository actions of a template
        # on the cache repositories; the template's role carries the boundary and is passed to ECR only.
        statement(
            "ManageUpstreamCacheRulesAndTemplates",
            sorted(
                set(service_actions(cache_rule, template, prefix="ecr:"))
                - set(CACHE_REPOSITORY_ACTIONS)
                - {"ecr:DescribeRepositories"}
            ),
            resources="*",
            conditions=string_equals(target.in_regions((target.region,))),
        ),
        statement(
            "SetUpCacheRepositoriesThroughTemplates",
            CACHE_REPOSITORY_ACTIONS,
            resources=[f"arn:aws:ecr:{target.region}:{target.account_id}:repository/{target.cache_prefix}/*"],
        ),
        service_linked_role(target, template),
        # ECR managed signing (registry:signing) through Cloud Control: the signing configuration is a registry
        # setting (no resource in IAM), in the home region; Cloud Control's actions take no resource either,
        # and its handler can do only what this policy grants (the ECR signing calls here).
        statement(
            "ManageTheSigningConfigurationThroughCloudControl",
            service_actions(SIGNING_TYPE, prefix="ecr:") + service_actions(SIGNING_TYPE, prefix="cloudformation:"),
            resources="*",
            conditions=string_equals(target.in_regions((target.region,))),
        ),
        statement(
            "PassTheCacheTemplateRoleToEcr",
            ["iam:PassRole"],
            resources=target.roles(*ROLES_OF[REGISTRY]),
            conditions={"StringEquals": {"iam:PassedToService": "ecr.amazonaws.com"}},
        ),
        # The template role, with the boundary; and the Denies that keep any deployer from escalating.
        *bounded_roles(target, REGISTRY, role_types),
    )


def replication_policy(target: Target) -> Document:
    """The replication stack: replication, registry policy, templates, replica keys, the template role."""
    replication = resource_types.ECR_REPLICATION_CONFIGURATION
    registry_policy_type = resource_types.ECR_REGISTRY_POLICY
    template = resource_types.ECR_REPOSITORY_CREATION_TEMPLATE
    replica_key = resource_types.KMS_REPLICA_KEY
    scanning = resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION
    role_types = (resource_types.IAM_ROLE, resource_types.IAM_ROLE_POLICY)
    # What ECR checks on repositories when a template describes them: granted in replica regions only,
    # so this deployer cannot set the policy of a repository in the registry's own region.
    template_repository_actions = ["ecr:CreateRepository", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy"]
    template_actions = sorted(set(service_actions(template, prefix="ecr:")) - set(template_repository_actions))
    # ReplicateKey is granted on the primary key, CreateKey by own_keys.
    replica_key_actions = sorted(
        set(service_actions(replica_key, prefix="kms:")) - {"kms:CreateKey", "kms:ReplicateKey"}
    )
    replicate_conditions: dict[str, dict[str, object]] = {"StringEquals": {f"aws:ResourceTag/{PROJECT_TAG}": REGISTRY}}
    if target.replica_regions:
        replicate_conditions["StringEquals"]["kms:ReplicaRegion"] = sorted(target.replica_regions)
    return document(
        statement(
            "ManageReplicationAndTheRegistryPolicy",
            service_actions(replication, prefix="ecr:") + service_actions(registry_policy_type, prefix="ecr:"),
            resources="*",
            conditions=string_equals(target.in_regions((target.region,))),
        ),
        # Only the settings the stack pins (not BLOB_MOUNTING, nor a setting ECR adds later).
        statement(
            "PinTheRegistryPolicyScopeAndBasicScanVersion",
            service_actions(resource_types.ECR_ACCOUNT_SETTING, prefix="ecr:"),
            resources="*",
            conditions={
                "StringEquals": {
                    **target.in_regions((target.region,)),
                    "ecr:AccountSetting": sorted(PINNED_ACCOUNT_SETTINGS),
                }
            },
        ),
        # Registry settings of the replica regions: creation templates and registry scanning.
        statement(
            "ManageReplicaRegionTemplatesAndScanning",
            sorted(
                {
                    *template_actions,
                    *service_actions(scanning, prefix="ecr:"),
                    *service_actions(scanning, prefix="inspector2:"),
                }
            ),
            resources="*",
            conditions=string_equals(target.in_regions(target.replicas)),
        ),
        statement(
            "SetUpReplicaRepositoriesThroughTemplates",
            template_repository_actions,
            resources=target.repositories(target.replicas),
        ),
        service_linked_role(target, replication),
        service_linked_role(target, template),
        statement(
            "ReplicateTheRegistryKey",
            ["kms:ReplicateKey"],
            resources=target.keys(),
            conditions=replicate_conditions,
        ),
        statement(
            "DescribeTheRegistryKey",
            ["kms:DescribeKey"],
            resources=target.keys(),
            conditions={"StringEquals": {f"aws:ResourceTag/{PROJECT_TAG}": REGISTRY}},
        ),
        *own_keys(target, REPLICATION, target.replicas, replica_key_actions),
        service_linked_role(target, scanning),
        *bounded_roles(target, REPLICATION, role_types),
        statement(
            "PassTheReplicaTemplateRoleToEcr",
            ["iam:PassRole"],
            resources=target.roles(*ROLES_OF[REPLICATION]),
            conditions={"StringEquals": {"iam:PassedToService": "ecr.amazonaws.com"}},
        ),
    )


def access_policy(target: Target) -> Document:
    """The access stack: repository policies, the CI push and inference pull roles, the OIDC provider."""
    role_types = (resource_types.IAM_ROLE, resource_types.IAM_ROLE_POLICY)
    oidc = resource_types.IAM_OPENID_CONNECT_PROVIDER
    return document(
        statement(
            "ManageModelRepositoryPolicies",
            service_actions(resource_types.ECR_REPOSITORY_POLICY, prefix="ecr:"),
            resources=target.repositories(),
        ),
        *bounded_roles(target, ACCESS, role_types),
        statement(
            "ManageTheGitHubOidcProvider",
            service_actions(oidc, prefix="iam:"),
            resources=[f"arn:aws:iam::{target.account_id}:oidc-provider/{GITHUB_OIDC_HOST}"],
        ),
    )


POLICIES = {REGISTRY: registry_policy, REPLICATION: replication_policy, ACCESS: access_policy}


def deployer_policy(stack: str, target: Target) -> Document:
    """The permission policy of `stack`'s deployer role."""
    return POLICIES[stack](target)


# The team that owns each stack (CODEOWNERS): its deployer role trusts that team's identity only.
OWNER_TEAM = {REGISTRY: "registry", REPLICATION: "platform", ACCESS: "security"}


def team_role_name(stack: str) -> str:
    """The example identity of the owning team: an IAM role its people or CI sign in to (SSO, SAML, OIDC)."""
    return f"model-registry-{OWNER_TEAM[stack]}-team"


def trust_policy(stack: str, account_id: str, team_principal: str | None = None) -> Document:
    """The deployer role's trust policy: the owning team's identity (a named role ARN), nothing else.

    `team_principal` is the owning team's role, e.g. its SSO permission-set role; by default the
    example `model-registry-<team>-team` role of the account. Not the account root: with the root any
    principal of the account allowed sts:AssumeRole could use the role.
    """
    principal = team_principal or f"arn:aws:iam::{account_id}:role/{team_role_name(stack)}"
    return document(statement("AssumedByTheOwningTeamOnly", ["sts:AssumeRole"], principal={"AWS": principal}))


def policy_size(doc: Document) -> int:
    """Characters IAM counts against the managed-policy limit (white space outside strings excluded)."""
    return iam_policy_size(doc)
