"""Where a deployer may act: the Target (account, namespace, regions) its ARNs are pinned to, and the names
of the roles, tags and aliases the stacks create, which each deployer's statements name."""

from __future__ import annotations

from dataclasses import dataclass

from model_registry import naming
from model_registry.contract import ACCESS, REGISTRY, REPLICATION
from model_registry.naming import CACHE_TEMPLATE_ROLE, CI_PUSH_ROLES, INFERENCE_PULL_ROLE, REPLICA_TEMPLATE_ROLE

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


def deployer_role_name(stack: str) -> str:
    """The role each stack's Pulumi.<env>.yaml assumes: `model-registry-deployer-<stack>`."""
    return f"model-registry-deployer-{stack}"


def session_name(stack: str) -> str:
    """The `sessionName` of the stack's `aws:assumeRoles` entry."""
    return f"model-registry-{stack}"


def key_alias(namespace: str) -> str:
    """The registry key's alias, as the registry stack names it."""
    return f"alias/{naming.resource_name(namespace, 'registry')}"


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
