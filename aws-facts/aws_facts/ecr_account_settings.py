"""ECR account settings (PutAccountSetting) and what REGISTRY_POLICY_SCOPE does to a registry policy.

From ECR's user guide ("Private registry permissions", "Registry settings") and the provider's
`aws_ecr_account_setting` (pulumi-aws 7.51.1: BASIC_SCAN_TYPE_VERSION, BLOB_MOUNTING, REGISTRY_POLICY_SCOPE):

- `REGISTRY_POLICY_SCOPE` `V1`: a registry policy takes effect only for `ecr:ReplicateImage`,
  `ecr:CreateRepository` and `ecr:BatchImportUpstreamImage`; any other action it names is ignored (an
  Allow grants nothing, a Deny denies nothing). `V2`: every ECR action in it applies to every repository
  of the registry, next to the repository policies.
- `BASIC_SCAN_TYPE_VERSION`: `AWS_NATIVE` (the current basic scanning) or `CLAIR` (the older one, which AWS
  is retiring).
- `BLOB_MOUNTING`: `ENABLED` or `DISABLED`.

botocore types the name and value as free strings, so the values are typed here from the provider's
documentation; tests/features/test_features_account_settings.py checks them against the installed SDK's
docstring.
"""

from __future__ import annotations

from .ecr_pull_through import PULL_THROUGH_ACTIONS

REGISTRY_POLICY_SCOPE = "REGISTRY_POLICY_SCOPE"
BASIC_SCAN_TYPE_VERSION = "BASIC_SCAN_TYPE_VERSION"
BLOB_MOUNTING = "BLOB_MOUNTING"
VALUES = {
    REGISTRY_POLICY_SCOPE: ("V1", "V2"),
    BASIC_SCAN_TYPE_VERSION: ("AWS_NATIVE", "CLAIR"),
    BLOB_MOUNTING: ("ENABLED", "DISABLED"),
}
# The actions a V1 registry policy takes effect for; under V2 every ECR action does.
# (replication's ReplicateImage, and pulling through a cache, which may create the cache repository).
V1_REGISTRY_POLICY_ACTIONS = frozenset({"ecr:ReplicateImage", *PULL_THROUGH_ACTIONS})


def value_problem(name: str, value: str) -> str | None:
    """Why ECR refuses this setting, or None."""
    if name not in VALUES:
        return f"{name!r} is not an ECR account setting (known: {', '.join(VALUES)})"
    if value not in VALUES[name]:
        return f"{name} takes {' or '.join(VALUES[name])}, not {value!r}"
    return None


def ignored_under(scope: str, actions: frozenset[str]) -> frozenset[str]:
    """The actions of a registry policy statement that have no effect under `scope` (V1 ignores all but three)."""
    if scope == "V2":
        return frozenset()
    return frozenset(a for a in actions if a not in V1_REGISTRY_POLICY_ACTIONS)
