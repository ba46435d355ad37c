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
- registry-wide settings (scanning, replication, registry policy, creation templates) take no resource
  in IAM, so they are `*`, bound to their region with `aws:RequestedRegion` when the regions are known.

Resources that the stacks keep with `retain_on_delete` (repositories, keys) are never deleted by the
provider, so their delete actions are left out: no deployer can delete a model's images or its key.

`python -m model_registry.deployer --out build/deployer-policies` writes `<stack>.json` (the permission
policy) and `<stack>.trust.json` (an example trust policy of the deployer role) per stack.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, NoReturn

import yaml

from . import naming
from .contract import ACCESS, DEPLOY_ORDER, REGISTRY, REPLICATION
from .errors import ConfigError
from .naming import CI_PUSH_ROLES, INFERENCE_PULL_ROLE, REPLICA_TEMPLATE_ROLE
from .policy_documents import Document, Statement, account_root, document, statement
from .policy_documents.iam import GITHUB_OIDC_HOST

# --- names ------------------------------------------------------------------------------------
# The IAM roles the stacks create. The stacks spell these names out today; they should import them
# from here so that a rename cannot silently move a role outside its deployer's scope. The CI push roles
# are one per model team, `model-registry-ci-push-<team>`: a name pattern no other role's name matches.
ROLES_OF = {REGISTRY: (), REPLICATION: (REPLICA_TEMPLATE_ROLE,), ACCESS: (CI_PUSH_ROLES, INFERENCE_PULL_ROLE)}

# The tag every taggable resource carries (model_registry.tagging); KMS keys are scoped by it.
PROJECT_TAG = "pulumi-project"
# IAM's limit for a managed policy, counted without whitespace.
MAX_MANAGED_POLICY_CHARS = 6144


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
        update=(
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
    "aws:ecr/repositoryPolicy:RepositoryPolicy": Crud(
        create=("ecr:SetRepositoryPolicy",),
        read=("ecr:GetRepositoryPolicy",),
        update=("ecr:SetRepositoryPolicy",),
        delete=("ecr:DeleteRepositoryPolicy",),
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
        "aws:ecr/registryPolicy:RegistryPolicy",
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
            resources=target.keys(regions),
            conditions={"StringEquals": {request_tag: stack}, "Null": {resource_tag: "true"}},
        ),
        statement(
            "ManageKeysOfThisStack",
            actions,
            resources=target.keys(regions),
            conditions={"StringEquals": {resource_tag: stack}},
        ),
    ]


def registry_policy(target: Target) -> Document:
    """The registry stack: repositories and their lifecycle policies, the key and its alias, scanning."""
    repository_types = ("aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy")
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
    )


def replication_policy(target: Target) -> Document:
    """The replication stack: replication, registry policy, templates, replica keys, the template role."""
    replication = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
    registry_policy_type = "aws:ecr/registryPolicy:RegistryPolicy"
    template = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
    replica_key = "aws:kms/replicaKey:ReplicaKey"
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
            "ManageReplicationAndRegistryPolicy",
            _actions(replication, prefix="ecr:") + _actions(registry_policy_type, prefix="ecr:"),
            resources="*",
            conditions=_string_equals(target.in_regions((target.region,))),
        ),
        statement(
            "ManageReplicaCreationTemplates",
            template_actions,
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
        statement(
            "ManageTheReplicaTemplateRole",
            _actions(*role_types, prefix="iam:"),
            resources=target.roles(*ROLES_OF[REPLICATION]),
        ),
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
        statement(
            "ManageTheAccessRoles",
            _actions(*role_types, prefix="iam:"),
            resources=target.roles(*ROLES_OF[ACCESS]),
        ),
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


def trust_policy(stack: str, account_id: str) -> Document:
    """An example trust policy of the deployer role: the account's principals, with the stack's session name.

    Narrow `Principal` to the owner team's role (or SSO permission-set role) when you adopt it.
    """
    return document(
        statement(
            "AssumeForThisStackOnly",
            ["sts:AssumeRole"],
            principal={"AWS": account_root(account_id) if account_id != "*" else "*"},
            conditions={"StringEquals": {"sts:RoleSessionName": session_name(stack)}},
        )
    )


def policy_size(doc: Document) -> int:
    """Characters IAM counts against the managed-policy limit (whitespace excluded)."""
    return len(json.dumps(doc, separators=(",", ":")))


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
    from .config import ReplicationConfig, load

    def stack_config(project: str) -> dict:
        path = stacks_dir / project / f"Pulumi.{env}.yaml"
        try:
            return (yaml.safe_load(path.read_text()) or {}).get("config") or {}
        except OSError:
            raise _UsageError(f"--env {env}: {path} does not exist") from None
        except yaml.YAMLError as error:
            raise _UsageError(f"--env {env}: {path} is not valid YAML ({error})") from None

    registry, replication = stack_config(REGISTRY), stack_config(REPLICATION)
    account = str((registry.get("aws:allowedAccountIds") or [naming.LOCAL_ACCOUNT_ID])[0])
    prefix = f"{REPLICATION}:"
    rules = load(
        ReplicationConfig, {k[len(prefix) :]: v for k, v in replication.items() if k.startswith(prefix)}, REPLICATION
    ).rules
    replicas = sorted({d.region for r in rules for d in r.destinations if d.registry_id in (None, account)})
    return Target(
        account, registry.get("registry:namespace", "models"), registry.get("aws:region", "*"), tuple(replicas)
    )


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m model_registry.deployer", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to write the policies to")
    parser.add_argument("--account", default="*", help="12-digit account id (default: any)")
    parser.add_argument("--namespace", default="models", help="the registry namespace (default: models)")
    parser.add_argument("--region", default="*", help="the registry's region (default: any)")
    parser.add_argument("--replica-regions", default="", help="comma-separated replication regions of this account")
    parser.add_argument("--env", help="pin all of the above to what stacks/*/Pulumi.<env>.yaml deploy to")
    parser.add_argument("--stacks-dir", type=Path, default=Path("stacks"), help="with --env (default: stacks)")
    try:
        args = parser.parse_args(argv)
        target = target_of_environment(args.stacks_dir, args.env) if args.env else _parse_target(args)
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
        return 1
    unpinned = [name for name, value in (("account", target.account_id), ("region", target.region)) if value == "*"]
    note = f" ({' and '.join(unpinned)} not pinned)" if unpinned else ""
    for stack in DEPLOY_ORDER:
        policy = deployer_policy(stack, target)
        size = policy_size(policy)
        if size > MAX_MANAGED_POLICY_CHARS:
            print(f"error: {stack}: {size} characters, over IAM's {MAX_MANAGED_POLICY_CHARS}", file=sys.stderr)
            return 1
        path = out / f"{stack}.json"
        path.write_text(json.dumps(policy, indent=2) + "\n")
        (out / f"{stack}.trust.json").write_text(json.dumps(trust_policy(stack, target.account_id), indent=2) + "\n")
        actions = {a for s in policy["Statement"] for a in s["Action"]}
        print(
            f"{path}: role {deployer_role_name(stack)}, {len(policy['Statement'])} statements, "
            f"{len(actions)} actions, {size}/{MAX_MANAGED_POLICY_CHARS} characters{note}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
