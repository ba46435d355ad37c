"""The CrossGuard wrappers: one ResourceValidationPolicy/StackValidationPolicy per check.

Each wrapper copies the engine's properties to plain data (keeping unknowns as data), calls a pure
function, drops exempted findings and reports the rest. A wrapper never raises: an unexpected error
is itself reported as a violation, since an exception would fail the whole Analyze call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_facts import names
from aws_facts.iam import Zone
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from . import (
    account_settings,
    ecr,
    iam,
    lifecycle_by_use,
    pull_through,
    quotas,
    scanning_forms,
    signing,
    singletons,
    stack,
    validation,
)
from .exemptions import ExemptionBook, find_exemption, parse_exemptions
from .findings import Finding
from .names import EXEMPTION_NOTES as EXEMPTION_NOTES
from .names import EXEMPTIONS as EXEMPTIONS
from .names import PACK_NAME as PACK_NAME
from .names import SCANNING_COVERAGE as SCANNING_COVERAGE
from .resources import access_subjects, all_documents, resource_documents, subject_zone
from .tags import REQUIRED_TAGS, required_tags_findings
from .values import plain

STRING_LIST = {"type": "array", "items": {"type": "string"}}
EXEMPTION_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "policy": {"type": "string"},
            "resource": {"type": "string", "description": "logical name or URN"},
            "reason": {"type": "string", "minLength": 10},
        },
        "required": ["policy", "resource", "reason"],
    },
}

ResourceCheck = Callable[[str, dict[str, Any], dict[str, Any]], list[Finding]]
StackCheck = Callable[[list[stack.StackResource], dict[str, Any]], list[Finding]]


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


def _config_list(config: dict[str, Any], key: str) -> list[str] | None:
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"the pack config option {key} must be a list of strings, not {value!r}")
    return value


# AWS Organizations' id rules (the leaf's, read from botocore's model): {option: (pattern, what a value is)}.
ZONE_OPTIONS = {
    "trustedAccounts": (names.ACCOUNT_ID, "an account id such as 111111111111"),
    "organizationIds": (names.ORG_ID, "an organization id such as o-a1b2c3d4e5"),
    "trustedOrgPaths": (
        names.ORG_PATH_AS_GIVEN,
        "an organization path such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (each id followed by '/')",
    ),
}


def _zone(config: dict[str, Any]) -> Zone:
    """The trusted zone from the policy's config; a misspelt option or a malformed id is an error, never
    a silent default (an unread `trustedAcounts` would quietly turn the check into a public-only one)."""
    unknown = sorted(set(config) - set(ZONE_OPTIONS))
    if unknown:
        raise ValueError(f"the pack config option {unknown[0]!r} is not known; expected {', '.join(ZONE_OPTIONS)}")
    for option, (pattern, what) in ZONE_OPTIONS.items():
        for index, value in enumerate(_config_list(config, option) or []):
            if not pattern.fullmatch(value):
                raise ValueError(
                    f"the pack config option {option}[{index}] has the malformed id {value!r}; write {what}"
                )
    accounts = _config_list(config, "trustedAccounts")
    organizations = _config_list(config, "organizationIds") or []
    paths = _config_list(config, "trustedOrgPaths") or []
    return Zone(frozenset(accounts) if accounts is not None else None, frozenset(organizations), frozenset(paths))


def effective_access(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    zone = _zone(config)
    findings: list[Finding] = []
    for subject in access_subjects(resource_type, props):
        if subject.refused:
            findings.append(Finding(f"{subject.where} is refused: {subject.refused}; {iam.exemption_hint()}"))
            continue
        if subject.unreadable:
            findings.append(
                Finding(
                    f"{subject.where} cannot be evaluated: {subject.unreadable}, and it can grant access; "
                    f"it is refused because it might grant access {iam.OUTSIDE}; {iam.exemption_hint()}"
                )
            )
            continue
        for finding in iam.effective_access_findings(subject.where, subject.document, subject_zone(subject, zone)):
            if finding.unknown and subject.deploy_time:
                finding = Finding(
                    f"{subject.where} cannot be evaluated: a part of it is a CloudFormation intrinsic function "
                    f"resolved only at deploy time; {iam.exemption_hint()}"
                )
            findings.append(finding)
    return findings


def _wildcard_actions(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return [f for where, doc in all_documents(resource_type, props) for f in iam.wildcard_action_findings(where, doc)]


def _cross_account(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    allowed = _config_list(config, "allowedAccounts")
    if allowed is None:  # nothing configured: nothing to compare with
        return []
    return [
        f
        for where, doc in resource_documents(resource_type, props)
        for f in iam.cross_account_findings(where, doc, allowed)
    ]


def _github_oidc(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    if resource_type != "aws:iam/role:Role" or props.get("assumeRolePolicy") is None:
        return []
    return iam.github_oidc_findings("trust policy (assumeRolePolicy)", props["assumeRolePolicy"])


SCANNING_CHECKS = {
    ecr.REPOSITORY: ecr.repository_scanning_findings,
    ecr.REGISTRY_SCANNING: ecr.registry_scanning_findings,
}


def _scanning(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    if resource_type in SCANNING_CHECKS:
        return SCANNING_CHECKS[resource_type](props)
    # The same resources written as aws-native, in a CloudFormation template or through Cloud Control.
    findings = []
    for label, pulumi_type, shaped in scanning_forms.pulumi_shapes(resource_type, props)[0]:
        check = SCANNING_CHECKS.get(pulumi_type)
        for finding in check(shaped) if check else []:
            where = f"template resource {label}: " if label else ""
            findings.append(Finding(f"{where}{finding.message}", unknown=finding.unknown))
    return findings


def _on_repository(check: Callable[[dict[str, Any]], list[Finding]]) -> ResourceCheck:
    def run(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
        return check(props) if resource_type == ecr.REPOSITORY else []

    return run


def _replication(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    if resource_type != ecr.REPLICATION:
        return []
    return ecr.replication_findings(
        props, _config_list(config, "allowedRegions"), _config_list(config, "allowedAccounts")
    )


def _required_tags(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    return required_tags_findings(resource_type, props, _config_list(config, "requiredTags") or [])


def _scanning_coverage(resources: list[stack.StackResource], _config: dict[str, Any]) -> list[Finding]:
    return stack.scanning_coverage_findings(resources)


def _lifecycle(resources: list[stack.StackResource], _config: dict[str, Any]) -> list[Finding]:
    return stack.lifecycle_coverage_findings(resources)


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
        _scanning,
    ),
    Spec(
        SCANNING_COVERAGE,
        "Every repository of the stack is covered by image scanning.",
        EnforcementLevel.MANDATORY,
        stack_check=_scanning_coverage,
    ),
    Spec(
        ecr.TAGS_IMMUTABLE,
        "ECR image tags are immutable.",
        EnforcementLevel.ADVISORY,
        _on_repository(ecr.tags_immutable_findings),
    ),
    Spec(
        ecr.KMS_ENCRYPTION,
        "ECR repositories are encrypted with a customer-managed KMS key.",
        EnforcementLevel.ADVISORY,
        _on_repository(ecr.kms_encryption_findings),
    ),
    Spec(
        ecr.LIFECYCLE,
        "Every ECR repository of the stack has a lifecycle policy.",
        EnforcementLevel.ADVISORY,
        stack_check=_lifecycle,
    ),
    Spec(
        ecr.NO_FORCE_DELETE,
        "ECR repositories are not force-deletable.",
        EnforcementLevel.ADVISORY,
        _on_repository(ecr.force_delete_findings),
    ),
    Spec(
        iam.NO_WILDCARD_ACTIONS,
        'Policies do not allow "*" or whole-service actions, nor NotAction.',
        EnforcementLevel.ADVISORY,
        _wildcard_actions,
    ),
    Spec(
        ecr.REPLICATION_ALLOWED,
        "ECR replication targets only allowed regions and accounts.",
        EnforcementLevel.ADVISORY,
        _replication,
        options={"allowedRegions": STRING_LIST, "allowedAccounts": STRING_LIST},
    ),
    Spec(
        iam.CROSS_ACCOUNT,
        "Resource policies grant only to accounts on the allow-list.",
        EnforcementLevel.ADVISORY,
        _cross_account,
        options={"allowedAccounts": STRING_LIST},
    ),
    Spec(
        iam.GITHUB_OIDC,
        "GitHub OIDC trust policies pin the sub claim to a repository and the aud claim to STS.",
        EnforcementLevel.ADVISORY,
        _github_oidc,
    ),
    Spec(
        REQUIRED_TAGS,
        "Taggable resources carry the required tags.",
        EnforcementLevel.ADVISORY,
        _required_tags,
        options={"requiredTags": STRING_LIST},
    ),
]

# AWS's quotas (registry_policies/quotas.py): mandatory, since a deploy that breaks one fails halfway.
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
        quotas.QUOTAS_AGGREGATE,
        "The inline policies of each IAM role, user and group, together, fit IAM's quota.",
        EnforcementLevel.MANDATORY,
        stack_check=lambda resources, _config: quotas.aggregate_quota_findings(resources),
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
        resource_types=frozenset({validation.REGISTRY_SCANNING}),
    ),
    Spec(
        singletons.ACCOUNT_WIDE_REPLICATION,
        "A replication configuration (one per account and region, put whole) says what it drops and replicates "
        "outside the stacks' namespaces; an exemption with a reason acknowledges it.",
        EnforcementLevel.MANDATORY,
        singletons.replication_findings,
        options={singletons.NAMESPACES_OPTION: STRING_LIST},
        resource_types=frozenset({singletons.REPLICATION}),
    ),
    Spec(
        singletons.ACCOUNT_WIDE_REGISTRY_POLICY,
        "A registry policy (one per account and region, put whole) says what it removes and grants outside the "
        "stacks' namespaces; an exemption with a reason acknowledges it.",
        EnforcementLevel.MANDATORY,
        singletons.registry_policy_findings,
        options={singletons.NAMESPACES_OPTION: STRING_LIST},
        resource_types=frozenset({singletons.REGISTRY_POLICY}),
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


def _guarded(name: str, run: Callable[[], list[Finding]]) -> list[Finding]:
    # The pack never throws: a bug or an input nobody foresaw becomes a violation, never a crash
    # (a crash fails the engine's Analyze call) and never a silent pass.
    try:
        return run()
    except Exception as error:  # noqa: BLE001 - deliberately broad, see above
        return [
            Finding(
                f"{name} could not evaluate this input ({type(error).__name__}: {str(error)[:200]}); "
                "reported as a violation so that it does not pass unchecked"
            )
        ]


def _resource_policy(spec: Spec, book: ExemptionBook) -> ResourceValidationPolicy:
    check = spec.resource_check
    assert check is not None

    def validate(args, report_violation) -> None:
        if spec.resource_types is not None and args.resource_type not in spec.resource_types:
            return
        findings = _guarded(
            spec.name,
            lambda: check(
                args.resource_type, plain(args.props) if spec.reads_props else {}, plain(args.get_config()) or {}
            ),
        )
        exemptions = book.current()
        for finding in findings:
            if find_exemption(exemptions, spec.name, args.urn, args.name) is None:
                report_violation(finding.message)

    return ResourceValidationPolicy(spec.name, spec.description, validate, spec.level, _schema(spec.options))


def _stack_policy(spec: Spec, book: ExemptionBook) -> StackValidationPolicy:
    check = spec.stack_check
    assert check is not None

    def validate(args, report_violation) -> None:
        def run() -> list[Finding]:
            resources = [
                stack.StackResource(
                    r.resource_type,
                    r.name,
                    r.urn,
                    plain(r.props),
                    tuple(d.urn for d in r.dependencies),
                    {k: tuple(d.urn for d in v) for k, v in r.property_dependencies.items()},
                    plain(r.provider.props) if r.provider is not None else None,
                )
                for r in args.resources
            ]
            return check(resources, plain(args.get_config()) or {})

        exemptions = book.current()
        for finding in _guarded(spec.name, run):
            if find_exemption(exemptions, spec.name, finding.urn, finding.name) is None:
                report_violation(finding.message, finding.urn)

    return StackValidationPolicy(spec.name, spec.description, validate, spec.level, _schema(spec.options))


def _exemptions_policy(book: ExemptionBook) -> ResourceValidationPolicy:
    def validate(args, report_violation) -> None:
        def run() -> list[Finding]:
            valid, invalid = parse_exemptions(plain(args.get_config()) or {}, CHECK_NAMES, NOT_EXEMPTABLE)
            book.publish(valid)
            return [
                Finding(f"exemptions[{bad.index}] {bad.problem}")
                for bad in invalid
                if bad.resource is None or bad.resource in (args.urn, args.name)
            ]

        for finding in _guarded(EXEMPTIONS, run):
            report_violation(finding.message)

    return ResourceValidationPolicy(
        EXEMPTIONS,
        "Every policy exemption names a policy and a resource and gives a reason of at least 10 characters.",
        validate,
        EnforcementLevel.MANDATORY,
        PolicyConfigSchema({"exemptions": EXEMPTION_SCHEMA}),
    )


def _notes_policy(book: ExemptionBook) -> ResourceValidationPolicy:
    def validate(args, report_violation) -> None:
        for exemption in book.current():
            if exemption.resource in (args.urn, args.name):
                report_violation(f"exempted from {exemption.policy}: {exemption.reason}")

    return ResourceValidationPolicy(
        EXEMPTION_NOTES,
        "Shows every exemption that applies to a resource, with its reason.",
        validate,
        EnforcementLevel.ADVISORY,
    )


def _schema(options: dict[str, dict[str, Any]]) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(dict(options)) if options else None


def build_policies(book: ExemptionBook | None = None) -> list[Policy]:
    """Every policy of the pack, in the order the server runs them (exemptions first, notes last)."""
    book = book or ExemptionBook()
    policies: list[Policy] = [_exemptions_policy(book)]
    for spec in SPECS:
        policies.append(_resource_policy(spec, book) if spec.resource_check else _stack_policy(spec, book))
    policies.append(_notes_policy(book))
    return policies
