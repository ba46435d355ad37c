"""Every policy of the pack: its name, description, default level, check, config options and whether an
exemption may waive it. pack.py wraps each in a CrossGuard policy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aws_facts import resource_types
from pulumi_policy import EnforcementLevel

from . import (
    account_settings,
    ecr,
    iam,
    lifecycle_by_use,
    pull_through,
    quota_aggregates,
    quotas,
    signing,
    singletons,
    validation,
)
from .names import EXEMPTION_NOTES, EXEMPTIONS, SCANNING_COVERAGE
from .pack_checks import (
    ZONE_OPTIONS,
    ResourceCheck,
    StackCheck,
    cross_account_check,
    effective_access,
    github_oidc_check,
    lifecycle_check,
    on_repository,
    replication_check,
    required_tags_check,
    scanning_check,
    scanning_coverage_check,
    wildcard_actions_check,
)
from .tags import REQUIRED_TAGS

STRING_LIST = {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True)
class Spec:
    name: str
    description: str
    level: EnforcementLevel
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # False where an exemption cannot make the finding untrue: AWS refuses the deploy whatever the pack says.
    exemptable: bool = True
    # A resource check that judges only these types (None: every type): other resources are not copied.
    resource_types: frozenset[str] | None = None
    # False for a resource check that reads only the type: the properties are not copied for it.
    reads_props: bool = True


def _pattern_list(pattern: re.Pattern[str], what: str) -> dict[str, Any]:
    """A config schema for a list of strings each matching `pattern` whole (JSON schema's pattern searches)."""
    return {"type": "array", "items": {"type": "string", "pattern": f"^(?:{pattern.pattern})$", "description": what}}


SPECS: list[Spec] = [
    Spec(
        iam.NO_WILDCARD_PRINCIPAL,
        "No resource policy, trust policy, permission or grant lets an identity outside the account, the named "
        "accounts, the organizations and the organization paths in (effective access: conditions and Denies "
        "included).",
        EnforcementLevel.MANDATORY,
        effective_access,
        options={option: _pattern_list(pattern, what) for option, (pattern, what) in ZONE_OPTIONS.items()},
    ),
    Spec(
        ecr.SCANNING,
        "ECR repositories scan on push and registry scanning rules actually scan.",
        EnforcementLevel.MANDATORY,
        scanning_check,
    ),
    Spec(
        SCANNING_COVERAGE,
        "Every repository of the stack is covered by image scanning.",
        EnforcementLevel.MANDATORY,
        stack_check=scanning_coverage_check,
    ),
    Spec(
        ecr.TAGS_IMMUTABLE,
        "ECR image tags are immutable.",
        EnforcementLevel.ADVISORY,
        on_repository(ecr.tags_immutable_findings),
    ),
    Spec(
        ecr.KMS_ENCRYPTION,
        "ECR repositories are encrypted with a customer-managed KMS key.",
        EnforcementLevel.ADVISORY,
        on_repository(ecr.kms_encryption_findings),
    ),
    Spec(
        ecr.LIFECYCLE,
        "Every ECR repository of the stack has a lifecycle policy.",
        EnforcementLevel.ADVISORY,
        stack_check=lifecycle_check,
    ),
    Spec(
        ecr.NO_FORCE_DELETE,
        "ECR repositories are not force-deletable.",
        EnforcementLevel.ADVISORY,
        on_repository(ecr.force_delete_findings),
    ),
    Spec(
        iam.NO_WILDCARD_ACTIONS,
        'Policies do not allow "*" or whole-service actions, nor NotAction.',
        EnforcementLevel.ADVISORY,
        wildcard_actions_check,
    ),
    Spec(
        ecr.REPLICATION_ALLOWED,
        "ECR replication targets only allowed regions and accounts.",
        EnforcementLevel.ADVISORY,
        replication_check,
        options={"allowedRegions": STRING_LIST, "allowedAccounts": STRING_LIST},
    ),
    Spec(
        iam.CROSS_ACCOUNT,
        "Resource policies grant only to accounts on the allow-list.",
        EnforcementLevel.ADVISORY,
        cross_account_check,
        options={"allowedAccounts": STRING_LIST},
    ),
    Spec(
        iam.GITHUB_OIDC,
        "GitHub OIDC trust policies pin the sub claim to a repository and the aud claim to STS.",
        EnforcementLevel.ADVISORY,
        github_oidc_check,
    ),
    Spec(
        REQUIRED_TAGS,
        "Taggable resources carry the required tags.",
        EnforcementLevel.ADVISORY,
        required_tags_check,
        options={"requiredTags": STRING_LIST},
    ),
]

# AWS's quotas (registry_policies/quotas.py, quota_aggregates.py): mandatory, since a deploy that breaks one fails halfway.
SPECS += [
    Spec(
        quotas.QUOTAS,
        "Documents, names, tags and lists fit AWS's documented quotas.",
        EnforcementLevel.MANDATORY,
        quotas.resource_quota_findings,
        options={quotas.TRUST_POLICY_OPTION: {"type": "integer", "minimum": 2048}},
        exemptable=False,
    ),
    Spec(
        quota_aggregates.QUOTAS_AGGREGATE,
        "The inline policies of each IAM role, user and group, together, fit IAM's quota.",
        EnforcementLevel.MANDATORY,
        stack_check=lambda resources, _config: quota_aggregates.aggregate_quota_findings(resources),
        exemptable=False,
    ),
]

# AWS's and the provider's request rules (registry_policies/validation.py, from the leaf's models): mandatory
# and not exemptable, like the quotas; the coverage note on unmapped types is advisory.
SPECS += [
    Spec(
        validation.VALIDATION,
        "Every request the provider will make is one AWS and the provider accept: botocore's shapes (required "
        "members, enums, lengths, ranges, patterns), the provider's schema rules, the policy grammars.",
        EnforcementLevel.MANDATORY,
        stack_check=lambda resources, _config: validation.validation_findings(resources),
        exemptable=False,
    ),
    Spec(
        validation.ACCOUNT_WIDE,
        "A registry scanning configuration (one per account and region) keeps every repository it does not name "
        "scanned, or an exemption acknowledges that it does not.",
        EnforcementLevel.MANDATORY,
        validation.account_wide_scanning_findings,
        resource_types=frozenset({resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION}),
    ),
    Spec(
        singletons.ACCOUNT_WIDE_REPLICATION,
        "A replication configuration (one per account and region, put whole) says what it drops and replicates "
        "outside the stacks' namespaces; an exemption with a reason acknowledges it.",
        EnforcementLevel.MANDATORY,
        singletons.replication_findings,
        options={singletons.NAMESPACES_OPTION: STRING_LIST},
        resource_types=frozenset({resource_types.ECR_REPLICATION_CONFIGURATION}),
    ),
    Spec(
        singletons.ACCOUNT_WIDE_REGISTRY_POLICY,
        "A registry policy (one per account and region, put whole) says what it removes and grants outside the "
        "stacks' namespaces; an exemption with a reason acknowledges it.",
        EnforcementLevel.MANDATORY,
        singletons.registry_policy_findings,
        options={singletons.NAMESPACES_OPTION: STRING_LIST},
        resource_types=frozenset({resource_types.ECR_REGISTRY_POLICY}),
    ),
    Spec(
        validation.VALIDATION_COVERAGE,
        "Names each AWS resource whose type the offline request validation does not know.",
        EnforcementLevel.ADVISORY,
        validation.coverage_finding,
        reads_props=False,
    ),
]
# Features of issue 19 (docs/features.md): lifecycle by use.
SPECS += [
    Spec(
        lifecycle_by_use.GRAMMAR,
        "Lifecycle policies are ones ECR accepts (archive storage and its 90-day minimum included).",
        EnforcementLevel.MANDATORY,
        lifecycle_by_use.grammar_findings,
        exemptable=False,
    ),
    Spec(
        lifecycle_by_use.RELEASES_KEPT,
        "No lifecycle rule deletes a release image from standard storage (archiving is allowed).",
        EnforcementLevel.MANDATORY,
        lifecycle_by_use.releases_kept_findings,
        options={lifecycle_by_use.RELEASE_PREFIXES_OPTION: STRING_LIST},
    ),
]
# Pull-through caches.
SPECS += [
    Spec(
        pull_through.CACHE,
        "Every pull-through cache rule has a creation template with the models' settings and is scanned.",
        EnforcementLevel.MANDATORY,
        stack_check=lambda resources, _config: pull_through.cache_findings(resources),
    ),
]
# Signing for release tags.
SPECS += [
    Spec(
        signing.SIGNING,
        "ECR managed signing covers every repository of the stack (so every release tag).",
        EnforcementLevel.MANDATORY,
        stack_check=signing.signing_findings,
        options={signing.REQUIRE_OPTION: {"type": "boolean"}},
    ),
]
# Pinned account settings.
SPECS += [
    Spec(
        account_settings.SCOPE,
        "Account settings are valid and pinned once; the registry policy takes effect under the scope in force.",
        EnforcementLevel.MANDATORY,
        stack_check=lambda resources, _config: account_settings.scope_findings(resources),
    ),
]

CHECK_NAMES = {spec.name for spec in SPECS}
NOT_EXEMPTABLE = frozenset(spec.name for spec in SPECS if not spec.exemptable)
DEFAULT_LEVELS: dict[str, EnforcementLevel] = {
    EXEMPTIONS: EnforcementLevel.MANDATORY,
    **{spec.name: spec.level for spec in SPECS},
    EXEMPTION_NOTES: EnforcementLevel.ADVISORY,
}
