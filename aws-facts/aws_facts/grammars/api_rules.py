"""API rules AWS applies that no request shape states: registry-policy scopes, the KMS key-policy lockout
check, tag-mutability exclusion filters, replication to the source itself. Each rule cites its page."""

from __future__ import annotations

import json
from typing import Any

from .. import models
from ..iam.actions import action_matches
from ..iam.document import parse
from ..problems import Problem

ECR_GUIDE = "https://docs.aws.amazon.com/AmazonECR/latest/userguide"
SCOPE_URL = f"{ECR_GUIDE}/registry-permissions.html"
LOCKOUT_URL = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key"
MUTABILITY_URL = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html"
REPLICATION_URL = f"{ECR_GUIDE}/replication.html"

# REGISTRY_POLICY_SCOPE (an ECR account setting): under V1 a registry policy takes only these actions;
# under V2, AWS's default for registries created since the setting exists, every ECR action.
REGISTRY_SCOPE_SETTING = "REGISTRY_POLICY_SCOPE"
V1_REGISTRY_ACTIONS = ("ecr:ReplicateImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
DEFAULT_REGISTRY_SCOPE = "V2"
# The tag mutabilities that take exclusion filters (ECR's ImageTagMutability enum, the *_WITH_EXCLUSION ones).
WITH_EXCLUSION = tuple(m for m in models.enum("ecr", "ImageTagMutability") if m.endswith("_WITH_EXCLUSION"))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def registry_scope_problems(document: Any, scope: str) -> list[Problem]:
    """Actions a registry policy may not name under `scope` (V1: three; V2: ECR's only)."""
    parsed = parse(document)
    problems: list[Problem] = []
    source = f"ECR {REGISTRY_SCOPE_SETTING} {scope}"
    for statement in parsed.statements:
        where = f".Statement[{statement.index}].{'NotAction' if statement.not_action else 'Action'}"
        if statement.not_action:
            problems.append(
                Problem(
                    where,
                    "a registry policy lists its actions; NotAction is not accepted",
                    "NotAction",
                    source,
                    SCOPE_URL,
                )
            )
            continue
        for action in statement.actions:
            if scope == "V1" and action.lower() not in {a.lower() for a in V1_REGISTRY_ACTIONS}:
                problems.append(
                    Problem(
                        where,
                        f"under registry policy scope V1 only {', '.join(V1_REGISTRY_ACTIONS)} are accepted",
                        _shown(action),
                        source,
                        SCOPE_URL,
                    )
                )
            elif scope != "V1" and not action.lower().startswith("ecr:"):
                problems.append(
                    Problem(where, "a registry policy takes ECR actions only", _shown(action), source, SCOPE_URL)
                )
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
