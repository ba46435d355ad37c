"""Pure checks over ECR resources: scanning, tag immutability, encryption, force delete, replication."""

from __future__ import annotations

import re
from typing import Any

from .findings import Finding, cannot_evaluate
from .values import first_block, get_path, is_unknown

REPOSITORY = "aws:ecr/repository:Repository"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"

SCANNING = "ecr-scanning-enabled"
TAGS_IMMUTABLE = "ecr-tags-immutable"
KMS_ENCRYPTION = "ecr-kms-encryption"
LIFECYCLE = "ecr-lifecycle-policy"
NO_FORCE_DELETE = "ecr-no-force-delete"
REPLICATION_ALLOWED = "replication-destinations-allowed"

IMMUTABLE_MODES = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")
KMS_TYPES = ("KMS", "KMS_DSSE")
# Which scan frequencies actually scan, per registry scan type (anything else is MANUAL).
SCANNING_FREQUENCIES = {"BASIC": ("SCAN_ON_PUSH",), "ENHANCED": ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")}


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


def scanning_rules(props: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[Finding]]:
    """(scan type, rules that scan, findings) of a RegistryScanningConfiguration."""
    scan_type = props.get("scanType") or "BASIC"
    rules = props.get("rules")
    if is_unknown(scan_type):
        return "?", [], [cannot_evaluate(SCANNING, "scanType")]
    if is_unknown(rules):
        return scan_type, [], [cannot_evaluate(SCANNING, "rules")]
    if rules is None or rules == []:
        return scan_type, [], [Finding("the registry scanning configuration has no rule: nothing is scanned")]
    if not isinstance(rules, list):
        return scan_type, [], [Finding("the registry scanning configuration's rules are not a list")]
    scanning: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for index, rule in enumerate(rules):
        frequency = get_path(rule, "scanFrequency")
        if is_unknown(frequency):
            findings.append(cannot_evaluate(SCANNING, f"rules[{index}].scanFrequency"))
        elif frequency in SCANNING_FREQUENCIES.get(scan_type, ()):
            scanning.append(rule)
    return scan_type, scanning, findings


def registry_scanning_findings(props: dict[str, Any]) -> list[Finding]:
    """At least one rule of the registry scanning configuration scans (not MANUAL)."""
    scan_type, scanning, findings = scanning_rules(props)
    if scanning:
        return []
    if findings:
        return findings
    allowed = "/".join(SCANNING_FREQUENCIES.get(scan_type, ("SCAN_ON_PUSH",)))
    return [
        Finding(
            f"no rule of the {scan_type} registry scanning configuration scans "
            f"(every rule is MANUAL or invalid; use {allowed})"
        )
    ]


def wildcard_filter_matches(pattern: str, repository_name: str) -> bool:
    """ECR WILDCARD filter: "*" matches any characters (including "/"), everything else is literal."""
    regex = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, repository_name) is not None


def rule_covers(rule: dict[str, Any], repository_name: str) -> bool | None:
    """Whether a scanning rule's WILDCARD filters match the name (None when unknown)."""
    filters = get_path(rule, "repositoryFilters")
    if is_unknown(filters):
        return None
    if not isinstance(filters, list):
        return False
    for entry in filters:
        pattern, kind = get_path(entry, "filter"), get_path(entry, "filterType")
        if is_unknown(pattern) or is_unknown(kind):
            return None
        if (
            (kind or "WILDCARD") == "WILDCARD"
            and isinstance(pattern, str)
            and wildcard_filter_matches(pattern, repository_name)
        ):
            return True
    return False


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
