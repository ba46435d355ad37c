"""Evaluate one request against a set of statements, following AWS's policy evaluation logic:
an explicit Deny that applies wins; otherwise an Allow that applies allows; otherwise implicit deny.

A statement applies when its Principal (if any) names the caller, its Action/NotAction covers the action
(case-insensitive), its Resource/NotResource covers the resource (case-sensitive, ARN segment-wise; a
statement without either applies to the resource the policy is attached to), and every condition holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .actions import action_matches
from .conditions import Context, all_hold
from .document import Statement, parse
from .principals import Caller, statement_names
from .wildcard import arn_matches

ALLOW, DENY, IMPLICIT_DENY = "Allow", "Deny", "ImplicitDeny"


def normalise_context(context: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    """Lower-case keys; every value a tuple of strings (booleans "true"/"false")."""
    result: dict[str, tuple[str, ...]] = {}
    for key, value in (context or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        result[key.lower()] = tuple(("true" if v else "false") if isinstance(v, bool) else str(v) for v in values)
    return result


def action_applies(statement: Statement, action: str) -> bool:
    hit = action_matches(statement.actions, action)
    return not hit if statement.not_action else hit


def resource_applies(statement: Statement, resource: str | None) -> bool:
    if statement.resources is None or resource is None:
        return True
    exact, patterns = statement.resource_patterns
    hit = resource in exact or any(arn_matches(p, resource) for p in patterns)
    return not hit if statement.not_resource else hit


def applies(statement: Statement, action: str, resource: str | None, caller: Caller | None, context: Context) -> bool:
    return (
        action_applies(statement, action)
        and resource_applies(statement, resource)
        and statement_names(statement, caller)[0]
        and all_hold(statement.conditions, context)
    )


def statements_of(policy: Any) -> list[Statement]:
    """Statements of a document (JSON string, object or already parsed); a malformed one raises ValueError."""
    if isinstance(policy, list) and all(isinstance(s, Statement) for s in policy):
        return policy
    document = parse(policy)
    if document.errors:
        raise ValueError("; ".join(document.errors))
    return document.statements


def decide(
    policy: Any,
    action: str,
    resource: str | None = None,
    context: Mapping[str, Any] | None = None,
    caller: Caller | None = None,
) -> str:
    """ "Allow", "Deny" (explicit) or "ImplicitDeny" for one request against one policy document."""
    return decide_all([policy], action, resource, context, caller)


def decide_all(
    policies: Iterable[Any],
    action: str,
    resource: str | None = None,
    context: Mapping[str, Any] | None = None,
    caller: Caller | None = None,
) -> str:
    """The same over several documents read together (e.g. a resource policy and identity policies)."""
    merged = normalise_context(context)
    if caller is not None:
        merged = {**caller.context, **merged}
    allowed = False
    for policy in policies:
        for statement in statements_of(policy):
            if not applies(statement, action, resource, caller, merged):
                continue
            if statement.is_deny:
                return DENY
            allowed = True
    return ALLOW if allowed else IMPLICIT_DENY


def allowed_actions(
    statements: Sequence[Statement],
    candidates: Iterable[str],
    resource: str | None,
    caller: Caller | None,
    context: Context,
) -> dict[str, list[Statement]]:
    """Of `candidates`, the actions the statements allow and no Deny removes: action -> granting statements."""
    live = [s for s in statements if resource_applies(s, resource) and statement_names(s, caller)[0]]
    live = [s for s in live if all_hold(s.conditions, context)]
    allows = [s for s in live if s.is_allow]
    denies = [s for s in live if s.is_deny]
    result: dict[str, list[Statement]] = {}
    for action in candidates:
        granting = [s for s in allows if action_applies(s, action)]
        if granting and not any(action_applies(s, action) for s in denies):
            result[action] = granting
    return result
