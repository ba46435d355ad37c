"""API rules AWS applies that no request shape states: registry-policy scopes (the rule itself is
aws_facts.ecr_account_settings'), the KMS key-policy lockout check, the key usages and rotation a KMS key spec
takes, tag-mutability exclusion filters, replication to the source itself, the scan frequencies of a scan type.
Each rule cites its page."""

from __future__ import annotations

import json
from typing import Any

from .. import kms, models
from ..ecr_account_settings import REGISTRY_POLICY_SCOPE, REGISTRY_POLICY_SCOPE_URL, read_statement
from ..ecr_scanning import SCANNING_FREQUENCIES
from ..iam.actions import action_matches
from ..iam.document import parse
from ..problems import Problem

ECR_GUIDE = "https://docs.aws.amazon.com/AmazonECR/latest/userguide"
LOCKOUT_URL = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key"
MUTABILITY_URL = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html"
REPLICATION_URL = f"{ECR_GUIDE}/replication.html"
SCANNING_RULE_URL = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RegistryScanningRule.html"

# The tag mutabilities that take exclusion filters (ECR's ImageTagMutability enum, the *_WITH_EXCLUSION ones).
WITH_EXCLUSION = tuple(m for m in models.enum("ecr", "ImageTagMutability") if m.endswith("_WITH_EXCLUSION"))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def registry_scope_problems(document: Any, scope: str) -> list[Problem]:
    """What PutRegistryPolicy refuses under `scope` (aws_facts.ecr_account_settings.read_statement)."""
    source = f"ECR {REGISTRY_POLICY_SCOPE} {scope}"
    problems: list[Problem] = []
    for statement in parse(document).statements:
        where = f".Statement[{statement.index}].{'NotAction' if statement.not_action else 'Action'}"
        reading = read_statement(scope, statement.actions, statement.not_action)
        problems += [
            Problem(where, why, _shown(action), source, REGISTRY_POLICY_SCOPE_URL) for action, why in reading.refused
        ]
    return problems


def kms_lockout_problems(document: Any, bypass: Any) -> list[Problem]:
    """AWS's lockout safety check, the part that holds whoever deploys: CreateKey and PutKeyPolicy refuse a
    policy under which no principal may call kms:PutKeyPolicy again (unless BypassPolicyLockoutSafetyCheck).
    Which principal deploys is not known offline, so a policy that lets some principal manage it passes."""
    if bypass is True:
        return []
    if isinstance(document, str):
        try:
            json.loads(document)
        except ValueError:
            return []  # not JSON: the request shapes and the provider report it
    parsed = parse(document)
    for statement in parsed.statements:
        if _denies_everyone_put_key_policy(statement):
            return [
                Problem(
                    f".Statement[{statement.index}]",
                    "denies kms:PutKeyPolicy to every principal without a condition, so no one may change the policy "
                    "again and AWS's lockout safety check refuses it",
                    _shown(statement.actions),
                    "KMS CreateKey/PutKeyPolicy lockout safety check",
                    LOCKOUT_URL,
                )
            ]
    for statement in parsed.statements:
        if not statement.is_allow or statement.principals is None or statement.not_principal:
            continue
        named = any(p.kind in ("*", "AWS") for p in statement.principals)
        if not named:
            continue
        grants = action_matches(statement.actions, "kms:PutKeyPolicy")
        if statement.not_action:
            grants = not grants
        if grants and not statement.unknown:
            return []
    if parsed.statements and any(s.unknown for s in parsed.statements):
        return []  # a part is not known yet: AWS judges it at deploy
    return [
        Problem(
            ".Statement",
            "no statement lets an AWS principal call kms:PutKeyPolicy, so AWS's lockout safety check refuses "
            "the policy (allow it to the account root, arn:aws:iam::<account>:root)",
            "no such grant",
            "KMS CreateKey/PutKeyPolicy lockout safety check",
            LOCKOUT_URL,
        )
    ]


def _denies_everyone_put_key_policy(statement: Any) -> bool:
    """An explicit Deny wins over any Allow: a Deny of kms:PutKeyPolicy to the wildcard principal, without a
    condition, on the key ("*" or NotResource absent), holds whoever deploys."""
    if statement.is_allow or statement.unknown or statement.not_principal or statement.conditions:
        return False
    if statement.principals is None or not any(p.kind in ("*", "AWS") and p.value == "*" for p in statement.principals):
        return False
    if statement.not_resource or statement.resources is not None and "*" not in statement.resources:
        return False
    denied = action_matches(statement.actions, "kms:PutKeyPolicy")
    return not denied if statement.not_action else denied


def kms_key_problems(spec: Any, usage: Any, rotation: Any, key_store: Any, multi_region: Any = None) -> list[Problem]:
    """CreateKey: the key usage must be one the key spec takes, and a custom key store holds single-Region
    symmetric encryption keys only; EnableKeyRotation: only a symmetric encryption key outside a custom key store
    rotates. Absent values are CreateKey's defaults (the provider sends them too)."""
    spec = spec if isinstance(spec, str) else kms.DEFAULT_KEY_SPEC
    usage = usage if isinstance(usage, str) else kms.DEFAULT_KEY_USAGE
    in_key_store = isinstance(key_store, str) and key_store != ""
    problems: list[Problem] = []
    if in_key_store and (spec not in kms.CUSTOM_KEY_STORE_SPECS or multi_region is True):
        problems.append(
            Problem(
                "customKeyStoreId",
                f"a custom key store holds single-Region {' and '.join(kms.CUSTOM_KEY_STORE_SPECS)} keys only",
                _shown(f"{spec}{', multi-Region' if multi_region is True else ''}"),
                "KMS CreateKey CustomKeyStoreId",
                kms.CREATE_KEY_URL,
            )
        )
    usages = kms.key_usages(spec)
    if usages is not None and usage not in usages:
        problems.append(
            Problem(
                "keyUsage",
                f"a {spec} key takes keyUsage {' or '.join(usages)}",
                _shown(usage),
                "KMS CreateKey KeyUsage",
                kms.CREATE_KEY_URL,
            )
        )
    if rotation is True and spec not in kms.ROTATABLE_SPECS:
        problems.append(
            Problem(
                "enableKeyRotation",
                f"automatic rotation is only for {' and '.join(kms.ROTATABLE_SPECS)} (symmetric encryption) keys",
                _shown(spec),
                "KMS EnableKeyRotation",
                kms.ROTATION_URL,
            )
        )
    elif rotation is True and in_key_store:
        problems.append(
            Problem(
                "enableKeyRotation",
                "automatic rotation is not available for keys in a custom key store",
                _shown(key_store),
                "KMS EnableKeyRotation",
                kms.ROTATION_URL,
            )
        )
    return problems


def replica_primary_problems(primary: Any) -> list[Problem]:
    """ReplicateKey replicates a multi-Region primary key (key id `mrk-...`), never a single-Region key."""
    if not isinstance(primary, str) or not kms.names_single_region_key(primary):
        return []
    return [
        Problem(
            "primaryKeyArn",
            "names a single-Region key; only a multi-Region primary key (key id mrk-...) can be replicated",
            _shown(primary),
            "KMS ReplicateKey",
            kms.REPLICATE_KEY_URL,
        )
    ]


def scan_frequency_problems(scan_type: Any, rules: Any) -> list[Problem]:
    """A rule's scanFrequency must be one its scan type takes (RegistryScanningRule.scanFrequency: ENHANCED takes
    CONTINUOUS_SCAN and SCAN_ON_PUSH, BASIC SCAN_ON_PUSH). A frequency no type scans with (MANUAL) is not judged."""
    takes = SCANNING_FREQUENCIES.get(scan_type) if isinstance(scan_type, str) else None
    if takes is None or not isinstance(rules, list):
        return []
    scanning = {frequency for frequencies in SCANNING_FREQUENCIES.values() for frequency in frequencies}
    problems: list[Problem] = []
    for index, rule in enumerate(rules):
        frequency = rule.get("scanFrequency") if isinstance(rule, dict) else None
        if frequency in scanning and frequency not in takes:
            problems.append(
                Problem(
                    f"rules[{index}].scanFrequency",
                    f"scan type {scan_type} takes scanFrequency {' or '.join(takes)}",
                    _shown(frequency),
                    "ECR PutRegistryScanningConfiguration",
                    SCANNING_RULE_URL,
                )
            )
    return problems


def mutability_problems(
    mutability: Any, filters: Any, field: str = "imageTagMutabilityExclusionFilters"
) -> list[Problem]:
    """Exclusion filters go with a *_WITH_EXCLUSION mutability, and such a mutability needs them."""
    source = "ECR CreateRepository/PutImageTagMutability"
    has_filters = isinstance(filters, list) and len(filters) > 0
    if not isinstance(mutability, str):
        mutability = None
    if has_filters and mutability not in WITH_EXCLUSION:
        return [
            Problem(
                field,
                f"exclusion filters need imageTagMutability {' or '.join(WITH_EXCLUSION)}",
                _shown(mutability or "MUTABLE (the default)"),
                source,
                MUTABILITY_URL,
            )
        ]
    if mutability in WITH_EXCLUSION and not has_filters:
        return [
            Problem(
                field,
                f"imageTagMutability {mutability} needs at least one exclusion filter",
                "none",
                source,
                MUTABILITY_URL,
            )
        ]
    return []


def replication_destination_problems(
    configuration: Any, source_region: str | None, source_account: str | None
) -> list[Problem]:
    """A replication rule may not name the source registry itself (same region, same account)."""
    if not source_region or not source_account:
        return []
    problems: list[Problem] = []
    rules = configuration.get("rules") if isinstance(configuration, dict) else None
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        destinations = rule.get("destinations") if isinstance(rule, dict) else None
        for position, destination in enumerate(destinations if isinstance(destinations, list) else []):
            if not isinstance(destination, dict):
                continue
            if destination.get("region") == source_region and destination.get("registryId") == source_account:
                problems.append(
                    Problem(
                        f"replicationConfiguration.rules[{index}].destinations[{position}]",
                        "replicates to the source registry itself (same region and account), which ECR refuses",
                        _shown(f"{source_region}/{source_account}"),
                        "ECR PutReplicationConfiguration",
                        REPLICATION_URL,
                    )
                )
    return problems
