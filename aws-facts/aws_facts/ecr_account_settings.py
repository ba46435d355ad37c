"""ECR account settings (PutAccountSetting) and what REGISTRY_POLICY_SCOPE does to a registry policy.

From ECR's user guide ("Private registry permissions", "Registry settings") and the provider's
`aws_ecr_account_setting` (pulumi-aws 7.51.1: BASIC_SCAN_TYPE_VERSION, BLOB_MOUNTING, REGISTRY_POLICY_SCOPE):

- `REGISTRY_POLICY_SCOPE` `V1`: ECR enforces a registry policy only for `ecr:ReplicateImage`,
  `ecr:CreateRepository` and `ecr:BatchImportUpstreamImage`. PutRegistryPolicy refuses any other action
  named outright ("If any additional actions are added to the registry policy, an error will occur"), but
  takes a wildcard such as `ecr:*` ("it is possible to add the ecr:* action"), whose other actions are
  then ignored (an Allow grants nothing, a Deny denies nothing). `V2`, AWS's default: every ECR action in
  it applies to every repository of the registry, next to the repository policies.
- `BASIC_SCAN_TYPE_VERSION`: `AWS_NATIVE` (the current basic scanning) or `CLAIR` (the older one, which AWS
  is retiring).
- `BLOB_MOUNTING`: `ENABLED` or `DISABLED`.

botocore types the name and value as free strings, so the values are typed here from the provider's
documentation; tests/features/test_features_account_settings.py checks them against the installed SDK's
docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .ecr_pull_through import PULL_THROUGH_ACTIONS
from .iam.actions import expand
from .iam.wildcard import has_glob

REGISTRY_POLICY_SCOPE = "REGISTRY_POLICY_SCOPE"
BASIC_SCAN_TYPE_VERSION = "BASIC_SCAN_TYPE_VERSION"
BLOB_MOUNTING = "BLOB_MOUNTING"


class RegistryPolicyScope(StrEnum):
    """The values of REGISTRY_POLICY_SCOPE (config schemas take this enum: one copy of the values)."""

    V1 = "V1"
    V2 = "V2"


class BasicScanTypeVersion(StrEnum):
    """The values of BASIC_SCAN_TYPE_VERSION."""

    AWS_NATIVE = "AWS_NATIVE"
    CLAIR = "CLAIR"


VALUES = {
    REGISTRY_POLICY_SCOPE: tuple(v.value for v in RegistryPolicyScope),
    BASIC_SCAN_TYPE_VERSION: tuple(v.value for v in BasicScanTypeVersion),
    BLOB_MOUNTING: ("ENABLED", "DISABLED"),
}
REGISTRY_POLICY_SCOPE_URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions.html"
# The scope of a registry that has never set it (the page above: "The V2 version is the default").
DEFAULT_REGISTRY_POLICY_SCOPE = "V2"
# The actions a V1 registry policy takes effect for; under V2 every ECR action does.
# (replication's ReplicateImage, and pulling through a cache, which may create the cache repository).
V1_REGISTRY_POLICY_ACTIONS = ("ecr:ReplicateImage", *PULL_THROUGH_ACTIONS)
_V1_LOWER = frozenset(a.lower() for a in V1_REGISTRY_POLICY_ACTIONS)


def value_problem(name: str, value: str) -> str | None:
    """Why ECR refuses this setting, or None."""
    if name not in VALUES:
        return f"{name!r} is not an ECR account setting (known: {', '.join(VALUES)})"
    if value not in VALUES[name]:
        return f"{name} takes {' or '.join(VALUES[name])}, not {value!r}"
    return None


@dataclass(frozen=True)
class ScopeReading:
    """What a registry policy statement's actions mean under one scope.

    refused: (the action as written, why) for each action PutRegistryPolicy refuses under the scope;
    ignored: the concrete ECR actions the statement names that have no effect under the scope."""

    refused: tuple[tuple[str, str], ...]
    ignored: frozenset[str]


def read_statement(scope: str, patterns: tuple[str, ...], not_action: bool) -> ScopeReading:
    """The one rule of registry policy scopes: what ECR refuses and what it ignores in a statement."""
    if not_action:
        refused: tuple[tuple[str, str], ...] = (
            ("NotAction", "a registry policy lists its actions; NotAction is not accepted"),
        )
        named = expand("ecr:*") - frozenset(a for p in patterns for a in expand(p))
    else:
        refused = tuple((p, why) for p in patterns if (why := _refusal(scope, p)))
        named = frozenset(a for p in patterns for a in expand(p))
    ignored = frozenset() if scope == "V2" else frozenset(a for a in named if a.lower() not in _V1_LOWER)
    return ScopeReading(refused, ignored)


def _refusal(scope: str, action: str) -> str | None:
    if not action.lower().startswith("ecr:"):
        return "a registry policy takes ECR actions only"
    if scope == "V1" and not has_glob(action) and action.lower() not in _V1_LOWER:
        return f"under registry policy scope V1 only {', '.join(V1_REGISTRY_POLICY_ACTIONS)} are accepted"
    return None
