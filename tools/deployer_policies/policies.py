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

`python -m deployer_policies --out build/deployer-policies` writes `<stack>.json` (the permission
policy) and `<stack>.trust.json` (the deployer role's trust policy) per stack, and `boundary.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, NoReturn

from aws_facts.ecr_account_settings import BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE
from aws_facts.ecr_pull_through import PULL_THROUGH_ACTIONS
from aws_facts.iam.quotas import MANAGED_POLICY
from aws_facts.iam.quotas import policy_size as iam_policy_size
from model_registry import naming
from model_registry.config import ReplicationConfig, aws_problems, load
from model_registry.contract import ACCESS, DEPLOY_ORDER, REGISTRY, REPLICATION
from model_registry.errors import ConfigError
from model_registry.naming import (
    CACHE_TEMPLATE_ROLE,
    CI_PUSH_ROLES,
    INFERENCE_PULL_ROLE,
    REPLICA_TEMPLATE_ROLE,
    role_boundary_arn,
)
from model_registry.policy_documents import Document, Statement, document, statement
from model_registry.policy_documents.ecr import PUSH_ACTIONS
from model_registry.policy_documents.iam import GITHUB_OIDC_HOST
from model_registry.rules import is_repository_name
from model_registry.sources import SourceError, load_yaml, write_atomically

# --- names ------------------------------------------------------------------------------------
# The IAM roles the stacks create. The stacks spell these names out today; they should import them
# from here so that a rename cannot silently move a role outside its deployer's scope. The CI push roles
# are one per model team, `model-registry-ci-push-<team>`: a name pattern no other role's name matches.
ROLES_OF = {
    REGISTRY: (CACHE_TEMPLATE_ROLE,),
    REPLICATION: (REPLICA_TEMPLATE_ROLE,),
    ACCESS: (CI_PUSH_ROLES, INFERENCE_PULL_ROLE),
}

# The tag every taggable resource carries (model_registry.tagging); KMS keys are scoped by it.
PROJECT_TAG = "pulumi-project"
# IAM's limit for a managed policy, counted as IAM counts (aws_facts.iam.quotas).
MAX_MANAGED_POLICY_CHARS = MANAGED_POLICY


def deployer_role_name(stack: str) -> str:
    """The role each stack's Pulumi.<env>.yaml assumes: `model-registry-deployer-<stack>`."""
    return f"model-registry-deployer-{stack}"


def session_name(stack: str) -> str:
    """The `sessionName` of the stack's `aws:assumeRoles` entry."""
    return f"model-registry-{stack}"


def key_alias(namespace: str) -> str:
    """The registry key's alias, as the registry stack names it."""
    return f"alias/{naming.resource_name(namespace, 'registry')}"


# --- what the provider calls, per resource type -------------------------------------------------


class Crud(NamedTuple):
    """The API actions the (Terraform-bridged) Pulumi AWS provider calls in each phase of a resource."""

    create: tuple[str, ...]
    read: tuple[str, ...]
    update: tuple[str, ...]
    delete: tuple[str, ...]


_KEY_READ = ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags")
_KEY_UPDATE = (
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:PutKeyPolicy",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
)

# ECR managed signing (registry:signing): pulumi-aws has no resource for it, aws-native has (docs/features.md).
SIGNING_TYPE = "aws-native:ecr:SigningConfiguration"
# Cloud Control's create, update and delete are asynchronous: the provider polls the request until it ends.
CLOUD_CONTROL_POLLING = ("cloudformation:GetResourceRequestStatus",)
# The account settings the replication stack pins (aws_facts.ecr_account_settings): its deployer may put
# these and no other (ecr:AccountSetting names the setting of a Put/GetAccountSetting request).
PINNED_ACCOUNT_SETTINGS = (BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE)

REQUIRED_ACTIONS: dict[str, Crud] = {
    "aws:ecr/repository:Repository": Crud(
        # Tags in CreateRepository need ecr:TagResource; a KMS-encrypted repository makes ECR call
        # DescribeKey and CreateGrant on the key with the caller's permissions.
        create=("ecr:CreateRepository", "ecr:TagResource", "kms:CreateGrant", "kms:DescribeKey"),
        read=("ecr:DescribeRepositories", "ecr:ListTagsForResource"),
        update=(
            "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability",
            "ecr:TagResource",
            "ecr:UntagResource",
        ),
        delete=("ecr:DeleteRepository", "kms:RetireGrant"),
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": Crud(
        create=("ecr:PutLifecyclePolicy",),
        read=("ecr:GetLifecyclePolicy",),
        update=("ecr:PutLifecyclePolicy",),
        delete=("ecr:DeleteLifecyclePolicy",),
    ),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": Crud(
        # ENHANCED scanning is Amazon Inspector: ECR enables it with the caller's permissions, and
        # Inspector's service-linked role is created on first use. Delete puts BASIC back.
        create=(
            "ecr:PutRegistryScanningConfiguration",
            "iam:CreateServiceLinkedRole",
            "inspector2:Enable",
            "inspector2:ListAccountPermissions",
        ),
        read=("ecr:GetRegistryScanningConfiguration",),
        update=("ecr:PutRegistryScanningConfiguration", "inspector2:Enable", "inspector2:ListAccountPermissions"),
        delete=("ecr:PutRegistryScanningConfiguration", "inspector2:Disable"),
    ),
    "aws:kms/key:Key": Crud(
        # Tags in CreateKey need kms:TagResource.
        create=("kms:CreateKey", "kms:EnableKeyRotation", "kms:TagResource"),
        read=(*_KEY_READ, "kms:GetKeyRotationStatus"),
        update=(*_KEY_UPDATE, "kms:DisableKeyRotation", "kms:EnableKeyRotation"),
        delete=("kms:ScheduleKeyDeletion",),
    ),
    "aws:kms/alias:Alias": Crud(
        create=("kms:CreateAlias",),
        read=("kms:ListAliases",),
        update=("kms:UpdateAlias",),
        delete=("kms:DeleteAlias",),
    ),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": Crud(
        # ECR creates its replication service-linked role on the first configuration. Delete puts no rules.
        create=("ecr:PutReplicationConfiguration", "iam:CreateServiceLinkedRole"),
        read=("ecr:DescribeRegistry",),
        update=("ecr:PutReplicationConfiguration",),
        delete=("ecr:PutReplicationConfiguration",),
    ),
    "aws:ecr/registryPolicy:RegistryPolicy": Crud(
        create=("ecr:PutRegistryPolicy",),
        read=("ecr:GetRegistryPolicy",),
        update=("ecr:PutRegistryPolicy",),
        delete=("ecr:DeleteRegistryPolicy",),
    ),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": Crud(
        # ECR checks that the caller could itself create what the template describes (repository,
        # lifecycle and repository policy) and pass the custom role; ECR's template service-linked
        # role is created on first use.
        create=(
            "ecr:CreateRepository",
            "ecr:CreateRepositoryCreationTemplate",
            "ecr:PutLifecyclePolicy",
            "ecr:SetRepositoryPolicy",
            "iam:CreateServiceLinkedRole",
            "iam:PassRole",
        ),
        read=("ecr:DescribeRepositoryCreationTemplates",),
        update=(
            "ecr:CreateRepository",
            "ecr:PutLifecyclePolicy",
            "ecr:SetRepositoryPolicy",
            "ecr:UpdateRepositoryCreationTemplate",
            "iam:PassRole",
        ),
        delete=("ecr:DeleteRepositoryCreationTemplate",),
    ),
    "aws:kms/replicaKey:ReplicaKey": Crud(
        # ReplicateKey is authorized on the primary key; the replica is created (CreateKey, and
        # TagResource for its tags) in the replica's region.
        create=("kms:CreateKey", "kms:DescribeKey", "kms:ReplicateKey", "kms:TagResource"),
        read=_KEY_READ,
        update=_KEY_UPDATE,
        delete=("kms:ScheduleKeyDeletion",),
    ),
    "aws:iam/role:Role": Crud(
        # Tags in CreateRole need iam:TagRole as well.
        create=("iam:CreateRole", "iam:TagRole"),
        read=("iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"),
        # PutRolePermissionsBoundary: a role created before it carried the boundary gets it on update.
        update=(
            "iam:PutRolePermissionsBoundary",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
        ),
        delete=("iam:DeleteRole", "iam:DeleteRolePolicy", "iam:ListInstanceProfilesForRole"),
    ),
    "aws:iam/rolePolicy:RolePolicy": Crud(
        create=("iam:PutRolePolicy",),
        read=("iam:GetRolePolicy",),
        update=("iam:PutRolePolicy",),
        delete=("iam:DeleteRolePolicy",),
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": Crud(
        create=("iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"),
        read=("iam:GetOpenIDConnectProvider",),
        update=(
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
            "iam:UpdateOpenIDConnectProviderThumbprint",
        ),
        delete=("iam:DeleteOpenIDConnectProvider",),
    ),
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": Crud(
        create=("ecr:CreatePullThroughCacheRule",),
        read=("ecr:DescribePullThroughCacheRules",),
        update=("ecr:UpdatePullThroughCacheRule",),
        delete=("ecr:DeletePullThroughCacheRule",),
    ),
    # The provider's delete is a no-op (framework.WithNoOpDelete): the setting keeps its value.
    "aws:ecr/accountSetting:AccountSetting": Crud(
        create=("ecr:PutAccountSetting",),
        read=("ecr:GetAccountSetting",),
        update=("ecr:PutAccountSetting",),
        delete=(),
    ),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": Crud(
        create=("ecr:SetRepositoryPolicy",),
        read=("ecr:GetRepositoryPolicy",),
        update=("ecr:SetRepositoryPolicy",),
        delete=("ecr:DeleteRepositoryPolicy",),
    ),
    # aws-native goes through Cloud Control (CloudFormation's resource API): the provider calls Cloud Control,
    # which polls the request's status, and the resource type's handler calls ECR with the caller's credentials.
    SIGNING_TYPE: Crud(
        create=(*CLOUD_CONTROL_POLLING, "cloudformation:CreateResource", "ecr:PutSigningConfiguration"),
        read=("cloudformation:GetResource", "ecr:GetSigningConfiguration"),
        update=(*CLOUD_CONTROL_POLLING, "cloudformation:UpdateResource", "ecr:PutSigningConfiguration"),
        delete=(*CLOUD_CONTROL_POLLING, "cloudformation:DeleteResource", "ecr:DeleteSigningConfiguration"),
    ),
}

# The resource types each stack creates (checked against the stacks run under mocks by the tests).
STACK_RESOURCE_TYPES = {
    REGISTRY: (
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "aws:ecr/repository:Repository",
        "aws:kms/alias:Alias",
        "aws:kms/key:Key",
    ),
    REPLICATION: (
        "aws:ecr/accountSetting:AccountSetting",
        "aws:ecr/registryPolicy:RegistryPolicy",
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "aws:ecr/replicationConfiguration:ReplicationConfiguration",
        "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:kms/replicaKey:ReplicaKey",
    ),
    ACCESS: (
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
    ),
}
# Types the registry stack registers only with registry:signing (ECR managed signing, through aws-native).
SIGNING_TYPES = (SIGNING_TYPE,)
# Types the registry stack registers only when a catalog team names upstreams (pull-through caches): its
# deployer may manage them too (tests/features/test_features_pull_through_cache.py checks each call).
UPSTREAM_CACHE_TYPES = (
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
)
# Types the stacks register with `retain_on_delete`: the provider never deletes them.
RETAINED_TYPES = frozenset({"aws:ecr/repository:Repository", "aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"})

# Service-linked roles the provider's calls create: type -> (service name, role path and name).
SERVICE_LINKED_ROLES = {
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": (
        "inspector2.amazonaws.com",
        "aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2",
    ),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": (
        "replication.ecr.amazonaws.com",
        "aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication",
    ),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": (
        "ecr.amazonaws.com",
        "aws-service-role/ecr.amazonaws.com/AWSServiceRoleForECRTemplate",
    ),
}


def required_actions(resource_type: str, *, retained: bool = False) -> tuple[str, ...]:
    """Every action the provider may call for a resource of this type (no delete if it is retained)."""
    crud = REQUIRED_ACTIONS[resource_type]
    phases = (crud.create, crud.read, crud.update) if retained else crud
    return tuple(sorted({action for phase in phases for action in phase}))


# --- the policies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where the stacks deploy. `*` (the default) leaves that part of the ARNs unpinned."""

    account_id: str = "*"
    namespace: str = "models"
    # The registry's home region (the registry, replication and access stacks all deploy there).
    region: str = "*"
    # The replication stack's same-account destination regions (replica keys and templates).
    replica_regions: tuple[str, ...] = ()
    # registry:upstreamCachePrefix: the pull-through cache repositories are <prefix>/*.
    cache_prefix: str = "cache"

    @property
    def replicas(self) -> tuple[str, ...]:
        return self.replica_regions or ("*",)

    def repositories(self, regions: tuple[str, ...] | None = None) -> list[str]:
        return [
            f"arn:aws:ecr:{region}:{self.account_id}:repository/{self.namespace}/*"
            for region in (regions or (self.region,))
        ]

    def keys(self, regions: tuple[str, ...] | None = None) -> list[str]:
        return [f"arn:aws:kms:{region}:{self.account_id}:key/*" for region in (regions or (self.region,))]

    def roles(self, *names: str) -> list[str]:
        return [f"arn:aws:iam::{self.account_id}:role/{name}" for name in names]

    def in_regions(self, regions: tuple[str, ...]) -> dict[str, list[str]]:
        """The `aws:RequestedRegion` condition of a registry-level (`*`) statement, when regions are pinned."""
        pinned = sorted(r for r in regions if r != "*")
        return {"aws:RequestedRegion": pinned} if pinned else {}


def _actions(*types: str, prefix: str) -> list[str]:
    """The actions of one service (`prefix` "ecr:", "kms:", ...) that resources of these types need."""
    return sorted(
        {
            action
            for t in types
            for action in required_actions(t, retained=t in RETAINED_TYPES)
            if action.startswith(prefix)
        }
    )


def _string_equals(values: Mapping[str, object]) -> dict[str, Mapping[str, object]] | None:
    return {"StringEquals": values} if values else None


def _service_linked_role(target: Target, resource_type: str) -> Statement:
    service, path = SERVICE_LINKED_ROLES[resource_type]
    sid = "CreateServiceLinkedRoleFor" + "".join(p.capitalize() for p in service.split(".")[:-2])
    return statement(
        sid,
        ["iam:CreateServiceLinkedRole"],
        resources=target.roles(path),
        conditions={"StringEquals": {"iam:AWSServiceName": service}},
    )


def _own_keys(target: Target, stack: str, regions: tuple[str, ...], actions: list[str]) -> list[Statement]:
    """Create keys tagged as this stack's, and manage only keys that carry that tag.

    Tagging on create is allowed only for a key without a project tag (a new one), so a deployer
    cannot take over another stack's key by re-tagging it.
    """
    request_tag = f"aws:RequestTag/{PROJECT_TAG}"
    resource_tag = f"aws:ResourceTag/{PROJECT_TAG}"
    # Keys are created only in `regions` (CreateKey's region condition); after that the stack's tag is
    # what scopes them, so the ARNs need not list every region (that would not fit a managed policy).
    own_keys = [f"arn:aws:kms:*:{target.account_id}:key/*"] if len(regions) > 1 else target.keys(regions)
    return [
        statement(
            "CreateKeysTaggedForThisStack",
            ["kms:CreateKey"],
            resources="*",
            conditions=_string_equals({request_tag: stack, **target.in_regions(regions)}),
        ),
        statement(
            "TagNewKeysForThisStack",
            ["kms:TagResource"],
            resources=own_keys,
            conditions={"StringEquals": {request_tag: stack}, "Null": {resource_tag: "true"}},
        ),
        statement(
            "ManageKeysOfThisStack",
            actions,
            resources=own_keys,
            conditions={"StringEquals": {resource_tag: stack}},
        ),
    ]


def boundary_arn(target: Target) -> str:
    """The permissions boundary every role a deployer creates must carry."""
    return role_boundary_arn(target.account_id)


# The role actions IAM lets a policy condition on the role's permissions boundary (iam:PermissionsBoundary).
BOUNDARY_CONDITIONED = frozenset(
    {
        "iam:AttachRolePolicy",
        "iam:CreateRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
    }
)


def _bounded_roles(target: Target, stack: str, role_types: tuple[str, ...]) -> list[Statement]:
    """Manage the stack's roles, creating and changing the policies of only those that carry the boundary.

    The boundary caps whatever policy the deployer writes into the role; the deployer can neither remove
    it nor rewrite it, nor touch its own role (_no_escalation), so it cannot grant more than the
    boundary allows, to itself or to anyone.
    """
    actions = _actions(*role_types, prefix="iam:")
    bounded = sorted(a for a in actions if a in BOUNDARY_CONDITIONED)
    return [
        statement(
            f"CreateAndChangeBoundedRolesOf{stack.capitalize()}",
            bounded,
            resources=target.roles(*ROLES_OF[stack]),
            conditions={"ArnEquals": {"iam:PermissionsBoundary": boundary_arn(target)}},
        ),
        statement(
            f"ManageRolesOf{stack.capitalize()}",
            sorted(set(actions) - BOUNDARY_CONDITIONED),
            resources=target.roles(*ROLES_OF[stack]),
        ),
        *_no_escalation(target),
    ]


def _no_escalation(target: Target) -> list[Statement]:
    """Deny what would let a deployer raise its own permissions: any IAM change to a deployer role or to
    the boundary policy, removing a boundary, or setting another one."""
    return [
        statement(
            "DenyChangingDeployerRolesAndTheBoundary",
            ["iam:*"],
            resources=[*target.roles(deployer_role_name("*")), boundary_arn(target)],
            effect="Deny",
        ),
        statement(
            "DenyRemovingPermissionsBoundaries", ["iam:DeleteRolePermissionsBoundary"], resources="*", effect="Deny"
        ),
        statement(
            "DenyOtherPermissionsBoundaries",
            ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            resources="*",
            conditions={"ArnNotEquals": {"iam:PermissionsBoundary": boundary_arn(target)}},
            effect="Deny",
        ),
    ]


def boundary_policy(target: Target) -> Document:
    """The permissions boundary of every role the stacks create (CI push, inference pull, replica template).

    The most any such role can ever do, whatever its own policies say: pull and push model images and
    let ECR create replica repositories in the namespace, pull through the pull-through caches, get an ECR
    token, and use the account's KMS keys for ECR's grants. Nothing in IAM, STS, or any other service.
    """
    cache_repositories = f"arn:aws:ecr:*:{target.account_id}:repository/{target.cache_prefix}/*"
    repositories = [f"arn:aws:ecr:*:{target.account_id}:repository/{target.namespace}/*", cache_repositories]
    return document(
        statement(
            "ModelImagesOfTheNamespace",
            sorted({*PUSH_ACTIONS, "ecr:CreateRepository", "ecr:TagResource"}),
            resources=repositories,
        ),
        # The CI push roles pull through the registry's caches (access stack): ECR imports the upstream image
        # with the puller's permissions.
        statement("PullThroughTheCaches", PULL_THROUGH_ACTIONS, resources=[cache_repositories]),
        statement("EcrAuthorizationToken", ["ecr:GetAuthorizationToken"], resources="*"),
        statement(
            "KmsForEcrReplicaRepositories",
            ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"],
            resources=[f"arn:aws:kms:*:{target.account_id}:key/*"],
        ),
    )


# What ECR checks on the cache repositories when a template describes them.
CACHE_REPOSITORY_ACTIONS = ["ecr:CreateRepository", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy"]


def registry_policy(target: Target) -> Document:
    """The registry stack: repositories and their lifecycle policies, the key and its alias, scanning, and
    the upstream caches (rules, creation templates, the template role) when the catalog names upstreams."""
    repository_types = ("aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy")
    cache_rule = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
    template = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
    role_types = ("aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy")
    scanning = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
    alias_actions = _actions("aws:kms/alias:Alias", prefix="kms:")
    # Key administration, and DescribeKey for ECR's encrypted repositories.
    key_actions = sorted(set(_actions("aws:kms/key:Key", prefix="kms:")) - {"kms:CreateKey"} | {"kms:DescribeKey"})
    alias = f"arn:aws:kms:{target.region}:{target.account_id}:{key_alias(target.namespace)}"
    return document(
        statement(
            "ManageModelRepositories",
            _actions(*repository_types, prefix="ecr:"),
            resources=target.repositories(),
        ),
        statement(
            "ManageRegistryScanning",
            _actions(scanning, prefix="ecr:") + _actions(scanning, prefix="inspector2:"),
            resources="*",
            conditions=_string_equals(target.in_regions((target.region,))),
        ),
        _service_linked_role(target, scanning),
        *_own_keys(target, REGISTRY, (target.region,), key_actions),
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
                set(_actions(cache_rule, template, prefix="ecr:"))
                - set(CACHE_REPOSITORY_ACTIONS)
                - {"ecr:DescribeRepositories"}
            ),
            resources="*",
            conditions=_string_equals(target.in_regions((target.region,))),
        ),
        statement(
            "SetUpCacheRepositoriesThroughTemplates",
            CACHE_REPOSITORY_ACTIONS,
            resources=[f"arn:aws:ecr:{target.region}:{target.account_id}:repository/{target.cache_prefix}/*"],
        ),
        _service_linked_role(target, template),
        # ECR managed signing (registry:signing) through Cloud Control: the signing configuration is a registry
        # setting (no resource in IAM), in the home region; Cloud Control's actions take no resource either,
        # and its handler can do only what this policy grants (the ECR signing calls here).
        statement(
            "ManageTheSigningConfigurationThroughCloudControl",
            _actions(SIGNING_TYPE, prefix="ecr:") + _actions(SIGNING_TYPE, prefix="cloudformation:"),
            resources="*",
            conditions=_string_equals(target.in_regions((target.region,))),
        ),
        statement(
            "PassTheCacheTemplateRoleToEcr",
            ["iam:PassRole"],
            resources=target.roles(*ROLES_OF[REGISTRY]),
            conditions={"StringEquals": {"iam:PassedToService": "ecr.amazonaws.com"}},
        ),
        # The template role, with the boundary; and the Denies that keep any deployer from escalating.
        *_bounded_roles(target, REGISTRY, role_types),
    )


def replication_policy(target: Target) -> Document:
    """The replication stack: replication, registry policy, templates, replica keys, the template role."""
    replication = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
    registry_policy_type = "aws:ecr/registryPolicy:RegistryPolicy"
    template = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
    replica_key = "aws:kms/replicaKey:ReplicaKey"
    scanning = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
    role_types = ("aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy")
    # What ECR checks on repositories when a template describes them: granted in replica regions only,
    # so this deployer cannot set the policy of a repository in the registry's own region.
    template_repository_actions = ["ecr:CreateRepository", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy"]
    template_actions = sorted(set(_actions(template, prefix="ecr:")) - set(template_repository_actions))
    # ReplicateKey is granted on the primary key, CreateKey by _own_keys.
    replica_key_actions = sorted(set(_actions(replica_key, prefix="kms:")) - {"kms:CreateKey", "kms:ReplicateKey"})
    replicate_conditions: dict[str, dict[str, object]] = {"StringEquals": {f"aws:ResourceTag/{PROJECT_TAG}": REGISTRY}}
    if target.replica_regions:
        replicate_conditions["StringEquals"]["kms:ReplicaRegion"] = sorted(target.replica_regions)
    return document(
        statement(
            "ManageReplicationAndTheRegistryPolicy",
            _actions(replication, prefix="ecr:") + _actions(registry_policy_type, prefix="ecr:"),
            resources="*",
            conditions=_string_equals(target.in_regions((target.region,))),
        ),
        # Only the settings the stack pins (not BLOB_MOUNTING, nor a setting ECR adds later).
        statement(
            "PinTheRegistryPolicyScopeAndBasicScanVersion",
            _actions("aws:ecr/accountSetting:AccountSetting", prefix="ecr:"),
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
            sorted({*template_actions, *_actions(scanning, prefix="ecr:"), *_actions(scanning, prefix="inspector2:")}),
            resources="*",
            conditions=_string_equals(target.in_regions(target.replicas)),
        ),
        statement(
            "SetUpReplicaRepositoriesThroughTemplates",
            template_repository_actions,
            resources=target.repositories(target.replicas),
        ),
        _service_linked_role(target, replication),
        _service_linked_role(target, template),
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
        *_own_keys(target, REPLICATION, target.replicas, replica_key_actions),
        _service_linked_role(target, scanning),
        *_bounded_roles(target, REPLICATION, role_types),
        statement(
            "PassTheReplicaTemplateRoleToEcr",
            ["iam:PassRole"],
            resources=target.roles(*ROLES_OF[REPLICATION]),
            conditions={"StringEquals": {"iam:PassedToService": "ecr.amazonaws.com"}},
        ),
    )


def access_policy(target: Target) -> Document:
    """The access stack: repository policies, the CI push and inference pull roles, the OIDC provider."""
    role_types = ("aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy")
    oidc = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
    return document(
        statement(
            "ManageModelRepositoryPolicies",
            _actions("aws:ecr/repositoryPolicy:RepositoryPolicy", prefix="ecr:"),
            resources=target.repositories(),
        ),
        *_bounded_roles(target, ACCESS, role_types),
        statement(
            "ManageTheGitHubOidcProvider",
            _actions(oidc, prefix="iam:"),
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


# --- command line -------------------------------------------------------------------------------


class _UsageError(Exception):
    """Bad input: the message is the one line the CLI prints."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line instead of argparse's usage block
        raise _UsageError(message)


def _parse_target(args: argparse.Namespace) -> Target:
    if args.account != "*" and not naming.ACCOUNT_ID.fullmatch(args.account):
        raise _UsageError(f"--account: {args.account!r} is not a 12-digit AWS account id")
    if not naming.is_repository_name(args.namespace):
        raise _UsageError(f"--namespace: {args.namespace!r} breaks ECR's repository-name rule")
    replicas = tuple(r.strip() for r in args.replica_regions.split(",") if r.strip())
    for option, region in [("--region", args.region), *(("--replica-regions", r) for r in replicas)]:
        if region != "*" and not naming.REGION.fullmatch(region):
            raise _UsageError(f"{option}: {region!r} is not an AWS region such as us-east-1")
    if args.region in replicas:
        raise _UsageError(f"--replica-regions: {args.region!r} is the registry's own region")
    return Target(args.account, args.namespace, args.region, replicas)


def target_of_environment(stacks_dir: Path, env: str) -> Target:
    """The Target that stacks/*/Pulumi.<env>.yaml deploy to: account, region, namespace, replica regions."""

    def stack_config(project: str) -> tuple[str, dict]:
        path = stacks_dir / project / f"Pulumi.{env}.yaml"
        try:
            data = load_yaml(path).data or {}
        except OSError:
            raise _UsageError(f"--env {env}: {path} does not exist") from None
        except SourceError as error:
            raise _UsageError(str(error)) from None
        config = data.get("config") if isinstance(data, dict) else None
        if not isinstance(config, dict):
            raise _UsageError(f"{path}: `config:` must map keys to values")
        problems = aws_problems({k[len("aws:") :]: v for k, v in config.items() if k.startswith("aws:")})
        if problems:
            raise _UsageError("; ".join(f"{path}: aws:{key}: {rule}" for key, rule in problems))
        return str(path), config

    (registry_file, registry), (_, replication) = stack_config(REGISTRY), stack_config(REPLICATION)
    account = (registry.get("aws:allowedAccountIds") or [naming.LOCAL_ACCOUNT_ID])[0]
    prefix = f"{REPLICATION}:"
    rules = load(
        ReplicationConfig, {k[len(prefix) :]: v for k, v in replication.items() if k.startswith(prefix)}, REPLICATION
    ).rules
    replicas = sorted({d.region for r in rules for d in r.destinations if d.registry_id in (None, account)})
    namespace = registry.get("registry:namespace", "models")
    if not isinstance(namespace, str) or not is_repository_name(namespace):
        raise _UsageError(f"{registry_file}: registry:namespace: {namespace!r} breaks ECR's repository-name rule")
    cache_prefix = registry.get("registry:upstreamCachePrefix", "cache")
    if not isinstance(cache_prefix, str) or not is_repository_name(cache_prefix):
        raise _UsageError(
            f"{registry_file}: registry:upstreamCachePrefix: {cache_prefix!r} breaks ECR's repository-name rule"
        )
    return Target(account, namespace, registry.get("aws:region", "*"), tuple(replicas), cache_prefix)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m deployer_policies", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to write the policies to")
    parser.add_argument("--account", default="*", help="12-digit account id (default: any)")
    parser.add_argument("--namespace", default="models", help="the registry namespace (default: models)")
    parser.add_argument("--region", default="*", help="the registry's region (default: any)")
    parser.add_argument("--replica-regions", default="", help="comma-separated replication regions of this account")
    parser.add_argument("--env", help="pin all of the above to what stacks/*/Pulumi.<env>.yaml deploy to")
    parser.add_argument("--stacks-dir", type=Path, default=Path("stacks"), help="with --env (default: stacks)")
    parser.add_argument(
        "--team-role",
        action="append",
        default=[],
        metavar="STACK=ARN",
        help="the owning team's role that may assume STACK's deployer (default: model-registry-<team>-team)",
    )
    try:
        args = parser.parse_args(argv)
        target = target_of_environment(args.stacks_dir, args.env) if args.env else _parse_target(args)
        team_roles = _parse_team_roles(args.team_role)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except _UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"error: --out: cannot create {out}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        return _write_policies(out, target, team_roles)
    except OSError as error:  # /proc, a full or read-only disk: the file and errno's meaning, nothing half-written
        print(f"error: --out: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2


def _write_policies(out: Path, target, team_roles: dict[str, str]) -> int:
    unpinned = [name for name, value in (("account", target.account_id), ("region", target.region)) if value == "*"]
    note = f" ({' and '.join(unpinned)} not pinned)" if unpinned else ""
    for stack in DEPLOY_ORDER:
        policy = deployer_policy(stack, target)
        size = policy_size(policy)
        if size > MAX_MANAGED_POLICY_CHARS:
            print(f"error: {stack}: {size} characters, over IAM's {MAX_MANAGED_POLICY_CHARS}", file=sys.stderr)
            return 1
        path = out / f"{stack}.json"
        write_atomically(path, json.dumps(policy, indent=2) + "\n")
        trust = trust_policy(stack, target.account_id, team_roles.get(stack))
        write_atomically(out / f"{stack}.trust.json", json.dumps(trust, indent=2) + "\n")
        actions = {a for s in policy["Statement"] for a in s["Action"]}
        print(
            f"{path}: role {deployer_role_name(stack)}, {len(policy['Statement'])} statements, "
            f"{len(actions)} actions, {size}/{MAX_MANAGED_POLICY_CHARS} characters{note}"
        )
    boundary = out / "boundary.json"
    write_atomically(boundary, json.dumps(boundary_policy(target), indent=2) + "\n")
    print(f"{boundary}: managed policy {naming.ROLE_BOUNDARY_POLICY}, the permissions boundary of the stacks' roles")
    return 0


def _parse_team_roles(values: list[str]) -> dict[str, str]:
    """--team-role STACK=ARN: a role ARN (not the root: any principal of the account could then assume)."""
    roles = {}
    for value in values:
        stack, _, arn = value.partition("=")
        if stack not in DEPLOY_ORDER:
            raise _UsageError(f"--team-role {value!r}: the stack must be one of {', '.join(DEPLOY_ORDER)}")
        if not naming.IAM_PRINCIPAL_ARN.fullmatch(arn) or arn.endswith(":root"):
            raise _UsageError(f"--team-role {value!r}: {arn!r} is not a role or user ARN (the account root is refused)")
        roles[stack] = arn
    return roles
