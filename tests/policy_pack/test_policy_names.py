"""The names the pack publishes: one place in the code (registry_policies/names.py), one list here.

The literal list below is the specification of the published interface (what `config/<env>.json`,
exemptions, SARIF rule ids and the engine's violations use), written independently of the code.
"""

from registry_policies import names
from registry_policies.names import PACK_NAME
from registry_policies.pack_specs import DEFAULT_LEVELS, SPECS

PUBLISHED = [
    "policy-exemptions",
    "no-wildcard-principal",
    "ecr-scanning-enabled",
    "ecr-scanning-coverage",
    "ecr-tags-immutable",
    "ecr-kms-encryption",
    "ecr-lifecycle-policy",
    "ecr-no-force-delete",
    "no-wildcard-actions",
    "replication-destinations-allowed",
    "cross-account-principals-allowed",
    "github-oidc-sub-restricted",
    "required-tags",
    "aws-quotas",
    "aws-quotas-aggregate",
    "aws-request-validation",
    "account-wide-scanning",
    "account-wide-replication",
    "account-wide-registry-policy",
    "aws-request-validation-coverage",
    "ecr-lifecycle-grammar",
    "ecr-releases-kept",
    "ecr-pull-through-cache",
    "ecr-release-signing",
    "ecr-registry-policy-scope",
    "exemption-notes",
]


def test_the_pack_publishes_exactly_the_specified_names_in_order():
    assert PACK_NAME == "ecr-model-registry-guardrails"
    assert list(names.POLICIES) == PUBLISHED
    assert list(DEFAULT_LEVELS) == PUBLISHED


def test_every_spec_is_named_by_a_constant_of_names():
    constants = {value for key, value in vars(names).items() if key.isupper() and isinstance(value, str)}
    assert {spec.name for spec in SPECS} <= constants
    assert constants == {*PUBLISHED, "ecr-model-registry-guardrails"}
