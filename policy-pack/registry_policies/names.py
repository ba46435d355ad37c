"""Every name the pack publishes, in one place: the pack's own name and each policy's name.

A policy's name is an interface: the engine reports violations under it, `config/<env>.json` configures
and exempts by it, SARIF uses it as the rule id. The pack's modules and the tests import these constants
instead of spelling the names; `tests/policy_pack/test_policy_names.py` holds the published list as an
independent literal, the specification of the interface. The trusted zone's policy name is shared with the
stacks' library (which reads the zone from the pack's config), so it is defined once in the leaf package
(aws_facts.pack_interface) and named here.
"""

from aws_facts import pack_interface

PACK_NAME = "ecr-model-registry-guardrails"

# Exemptions (pack.py, exemptions.py): the config's exemption list, and the notes on what it waived.
EXEMPTIONS = "policy-exemptions"
EXEMPTION_NOTES = "exemption-notes"

# Effective access and IAM (iam.py).
# "no-wildcard-principal" (the id predates the rule: it now judges effective access), shared with the library.
NO_WILDCARD_PRINCIPAL = pack_interface.ZONE_POLICY
NO_WILDCARD_ACTIONS = "no-wildcard-actions"
CROSS_ACCOUNT = "cross-account-principals-allowed"
GITHUB_OIDC = "github-oidc-sub-restricted"

# ECR (ecr.py, stack.py, scanning.py).
SCANNING = "ecr-scanning-enabled"
SCANNING_COVERAGE = "ecr-scanning-coverage"
TAGS_IMMUTABLE = "ecr-tags-immutable"
KMS_ENCRYPTION = "ecr-kms-encryption"
LIFECYCLE = "ecr-lifecycle-policy"
NO_FORCE_DELETE = "ecr-no-force-delete"
REPLICATION_ALLOWED = "replication-destinations-allowed"

# Tags (tags.py).
REQUIRED_TAGS = "required-tags"

# AWS's quotas (quotas.py).
QUOTAS = "aws-quotas"
QUOTAS_AGGREGATE = "aws-quotas-aggregate"

# AWS's and the provider's request rules (validation.py).
VALIDATION = "aws-request-validation"
VALIDATION_COVERAGE = "aws-request-validation-coverage"
ACCOUNT_WIDE = "account-wide-scanning"
# The other account-wide resources the stacks write (singletons.py).
ACCOUNT_WIDE_REPLICATION = "account-wide-replication"
ACCOUNT_WIDE_REGISTRY_POLICY = "account-wide-registry-policy"

# Issue 19's features: lifecycle by use (lifecycle_by_use.py), upstream caches (pull_through.py), signing
# (signing.py), account settings (account_settings.py).
LIFECYCLE_GRAMMAR = "ecr-lifecycle-grammar"
RELEASES_KEPT = "ecr-releases-kept"
PULL_THROUGH_CACHE = "ecr-pull-through-cache"
RELEASE_SIGNING = "ecr-release-signing"
REGISTRY_POLICY_SCOPE = "ecr-registry-policy-scope"

# Every policy the pack defines, in the order pack_specs.py's SPECS lists them, the exemption policies around them.
POLICIES: tuple[str, ...] = (
    EXEMPTIONS,
    NO_WILDCARD_PRINCIPAL,
    SCANNING,
    SCANNING_COVERAGE,
    TAGS_IMMUTABLE,
    KMS_ENCRYPTION,
    LIFECYCLE,
    NO_FORCE_DELETE,
    NO_WILDCARD_ACTIONS,
    REPLICATION_ALLOWED,
    CROSS_ACCOUNT,
    GITHUB_OIDC,
    REQUIRED_TAGS,
    QUOTAS,
    QUOTAS_AGGREGATE,
    VALIDATION,
    ACCOUNT_WIDE,
    ACCOUNT_WIDE_REPLICATION,
    ACCOUNT_WIDE_REGISTRY_POLICY,
    VALIDATION_COVERAGE,
    LIFECYCLE_GRAMMAR,
    RELEASES_KEPT,
    PULL_THROUGH_CACHE,
    RELEASE_SIGNING,
    REGISTRY_POLICY_SCOPE,
    EXEMPTION_NOTES,
)
