"""Pure checks over ECR resources: scanning, tag immutability, encryption, force delete, replication."""

from __future__ import annotations

from typing import Any

from aws_facts import ecr_scanning, models
from aws_facts.ecr_scanning import DEFAULT_SCAN_TYPE, FilterType, ScanFrequency

from . import scanning
from .findings import Finding, cannot_evaluate
from .names import KMS_ENCRYPTION as KMS_ENCRYPTION
from .names import LIFECYCLE as LIFECYCLE
from .names import NO_FORCE_DELETE as NO_FORCE_DELETE
from .names import REPLICATION_ALLOWED as REPLICATION_ALLOWED
from .names import SCANNING as SCANNING
from .names import TAGS_IMMUTABLE as TAGS_IMMUTABLE
from .values import first_block, get_path, is_unknown

# ECR's ImageTagMutability values that keep tags immutable (the enum read from botocore's model).
IMMUTABLE_MODES = tuple(m for m in models.enum("ecr", "ImageTagMutability") if m.startswith("IMMUTABLE"))
KMS_TYPES = ("KMS", "KMS_DSSE")


def repository_scanning_findings(props: dict[str, Any]) -> list[Finding]:
    """A repository scans on push; a missing or empty imageScanningConfiguration is off."""
    config = first_block(props.get("imageScanningConfiguration"))
    if is_unknown(config):
        return [cannot_evaluate(SCANNING, "imageScanningConfiguration")]
    scan_on_push = get_path(config, "scanOnPush")
    if is_unknown(scan_on_push):
        return [cannot_evaluate(SCANNING, "imageScanningConfiguration.scanOnPush")]
    if scan_on_push is True:
        return []
    state = "missing" if config is None else f"scanOnPush={scan_on_push!r}"
    return [
        Finding(
            f"the repository does not scan images on push ({state}); set imageScanningConfiguration.scanOnPush to true"
        )
    ]


def scanning_configuration(props: dict[str, Any]) -> tuple[scanning.Configuration | None, list[Finding]]:
    """The configuration a RegistryScanningConfiguration puts, or None with the unknowns that hide it.

    Filters of a type other than WILDCARD (which ECR refuses) are left out: they match nothing.
    """
    scan_type = props.get("scanType") or DEFAULT_SCAN_TYPE
    rules = props.get("rules")
    if is_unknown(scan_type):
        return None, [cannot_evaluate(SCANNING, "scanType")]
    if is_unknown(rules):
        return None, [cannot_evaluate(SCANNING, "rules")]
    parsed: list[scanning.Rule] = []
    unknowns: list[Finding] = []
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        frequency, filters = get_path(rule, "scanFrequency"), get_path(rule, "repositoryFilters")
        for what, value in (("scanFrequency", frequency), ("repositoryFilters", filters)):
            if is_unknown(value):
                unknowns.append(cannot_evaluate(SCANNING, f"rules[{index}].{what}"))
        patterns: list[str] = []
        for f_index, entry in enumerate(filters if isinstance(filters, list) else []):
            pattern, kind = get_path(entry, "filter"), get_path(entry, "filterType")
            if is_unknown(pattern) or is_unknown(kind):
                unknowns.append(cannot_evaluate(SCANNING, f"rules[{index}].repositoryFilters[{f_index}]"))
            elif (kind or FilterType.WILDCARD) == FilterType.WILDCARD and isinstance(pattern, str):
                patterns.append(pattern)
        parsed.append(scanning.Rule(str(frequency), tuple(patterns)))
    if unknowns:
        return None, unknowns
    return scanning.Configuration(str(scan_type), tuple(parsed)), []


def _rule_problems(rules: Any) -> list[str]:
    """What ECR refuses in a scanning configuration's rules: counts, filter types and patterns."""
    if not isinstance(rules, list):
        return []
    problems = []
    if len(rules) > ecr_scanning.MAX_RULES:
        problems.append(f"{len(rules)} rules; ECR allows at most {ecr_scanning.MAX_RULES}")
    for index, rule in enumerate(rules):
        filters = get_path(rule, "repositoryFilters")
        if not isinstance(filters, list) or not filters:
            if not is_unknown(filters):
                problems.append(f"rules[{index}] has no repository filter, so it matches no repository")
            continue
        if len(filters) > ecr_scanning.MAX_FILTERS_PER_RULE:
            problems.append(
                f"rules[{index}] has {len(filters)} filters; ECR allows at most {ecr_scanning.MAX_FILTERS_PER_RULE}"
            )
        for f_index, entry in enumerate(filters):
            pattern, kind = get_path(entry, "filter"), get_path(entry, "filterType")
            if is_unknown(pattern) or is_unknown(kind):
                continue
            if kind not in (None, FilterType.WILDCARD):
                problems.append(
                    f"rules[{index}].repositoryFilters[{f_index}] has filterType {kind!r}; use {FilterType.WILDCARD}"
                )
            elif (problem := ecr_scanning.filter_problem(pattern)) is not None:
                problems.append(f"rules[{index}].repositoryFilters[{f_index}]: {problem}")
    return problems


def registry_scanning_findings(props: dict[str, Any]) -> list[Finding]:
    """At least one rule of the registry scanning configuration scans, and ECR would accept the rules."""
    scan_type, rules = props.get("scanType") or DEFAULT_SCAN_TYPE, props.get("rules")
    if is_unknown(scan_type):
        return [cannot_evaluate(SCANNING, "scanType")]
    if is_unknown(rules):
        return [cannot_evaluate(SCANNING, "rules")]
    if rules is None or rules == []:
        return [Finding("the registry scanning configuration has no rule: nothing is scanned")]
    if not isinstance(rules, list):
        return [Finding("the registry scanning configuration's rules are not a list")]
    problems = [Finding(p) for p in _rule_problems(rules)]
    allowed = ecr_scanning.SCANNING_FREQUENCIES.get(scan_type, ())
    frequencies = [get_path(rule, "scanFrequency") for rule in rules]
    if any(not is_unknown(f) and f in allowed for f in frequencies):
        return problems
    unknown = [index for index, f in enumerate(frequencies) if is_unknown(f)]
    if unknown:
        return [cannot_evaluate(SCANNING, f"rules[{unknown[0]}].scanFrequency"), *problems]
    shown = "/".join(allowed or (ScanFrequency.SCAN_ON_PUSH,))
    return [
        Finding(
            f"no rule of the {scan_type} registry scanning configuration scans "
            f"(every rule is {ScanFrequency.MANUAL} or invalid; use {shown})"
        ),
        *problems,
    ]


def tags_immutable_findings(props: dict[str, Any]) -> list[Finding]:
    mode = props.get("imageTagMutability")
    if is_unknown(mode):
        return [cannot_evaluate(TAGS_IMMUTABLE, "imageTagMutability")]
    if mode in IMMUTABLE_MODES:
        return []
    return [
        Finding(
            f"image tags are mutable (imageTagMutability={mode or 'MUTABLE (default)'}); "
            "use IMMUTABLE or IMMUTABLE_WITH_EXCLUSION so a model tag always means one image"
        )
    ]


def kms_encryption_findings(props: dict[str, Any]) -> list[Finding]:
    """encryptionType KMS with a customer-managed key: kmsKey set (an unknown key ARN counts as set)."""
    config = first_block(props.get("encryptionConfigurations"))
    if is_unknown(config):
        return [cannot_evaluate(KMS_ENCRYPTION, "encryptionConfigurations")]
    encryption_type = get_path(config, "encryptionType") or "AES256"
    kms_key = get_path(config, "kmsKey")
    if is_unknown(encryption_type):
        return [cannot_evaluate(KMS_ENCRYPTION, "encryptionConfigurations.encryptionType")]
    if encryption_type not in KMS_TYPES:
        return [Finding(f"the repository is encrypted with {encryption_type}, not KMS with a customer-managed key")]
    if is_unknown(kms_key) or (isinstance(kms_key, str) and kms_key.strip()):
        return []
    return [
        Finding("the repository uses KMS without kmsKey, i.e. the AWS-managed key aws/ecr; set a customer-managed key")
    ]


def force_delete_findings(props: dict[str, Any]) -> list[Finding]:
    force_delete = props.get("forceDelete")
    if is_unknown(force_delete):
        return [cannot_evaluate(NO_FORCE_DELETE, "forceDelete")]
    if force_delete is True:
        return [Finding("forceDelete is true: deleting the repository would delete every model image in it")]
    return []


def replication_findings(
    props: dict[str, Any], allowed_regions: list[str] | None, allowed_accounts: list[str] | None
) -> list[Finding]:
    """Every replication destination is in allowedRegions and allowedAccounts (when configured)."""
    config = first_block(props.get("replicationConfiguration"))
    if is_unknown(config):
        return [cannot_evaluate(REPLICATION_ALLOWED, "replicationConfiguration")]
    rules = get_path(config, "rules")
    if is_unknown(rules):
        return [cannot_evaluate(REPLICATION_ALLOWED, "replicationConfiguration.rules")]
    findings: list[Finding] = []
    for r_index, rule in enumerate(rules if isinstance(rules, list) else []):
        destinations = get_path(rule, "destinations")
        if is_unknown(destinations):
            findings.append(cannot_evaluate(REPLICATION_ALLOWED, f"rules[{r_index}].destinations"))
            continue
        for d_index, destination in enumerate(destinations if isinstance(destinations, list) else []):
            where = f"rules[{r_index}].destinations[{d_index}]"
            for key, what, allowed, option in (
                ("region", "region", allowed_regions, "allowedRegions"),
                ("registryId", "account", allowed_accounts, "allowedAccounts"),
            ):
                if allowed is None:  # a list not configured is not checked
                    continue
                value = get_path(destination, key)
                if is_unknown(value):
                    findings.append(cannot_evaluate(REPLICATION_ALLOWED, f"{where}.{key}"))
                elif value not in allowed:
                    findings.append(
                        Finding(f"{where} replicates to {what} {value!r}, which is not in {option} {sorted(allowed)}")
                    )
    return findings
