"""API rules AWS applies that no request shape states: registry-policy scopes (the rule itself is
aws_facts.ecr_account_settings'), the KMS key-policy lockout check, tag-mutability exclusion filters,
replication to the source itself. Each rule cites its page."""

from __future__ import annotations

import json
from typing import Any

from .. import models
from ..ecr_account_settings import REGISTRY_POLICY_SCOPE, REGISTRY_POLICY_SCOPE_URL, read_statement
from ..iam.actions import action_matches
from ..iam.document import parse
from ..problems import Problem

ECR_GUIDE = "https://docs.aws.amazon.com/AmazonECR/latest/userguide"
LOCKOUT_URL = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key"
MUTABILITY_URL = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html"
REPLICATION_URL = f"{ECR_GUIDE}/replication.html"

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
