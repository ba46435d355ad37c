"""A small evaluator of identity policies: does policy P allow action A on resource R in context C?

Written here because no installed library does it faithfully: parliament lints but does not evaluate,
and moto's `IAMPolicy.is_action_permitted` matches actions case-sensitively, treats a failed Allow
condition as an explicit Deny and ignores every condition operator except StringEquals.

What it models (enough for the deployer policies, and it refuses what it does not model):
- an explicit Deny wins, then any Allow, else implicit deny;
- Action/NotAction matched case-insensitively, Resource/NotResource case-sensitively, `*` and `?`
  wildcards only (no character classes, unlike fnmatch);
- Condition: StringEquals/StringNotEquals/StringLike/StringNotLike/ArnEquals/ArnLike/Bool/Null, with
  `ForAnyValue:`/`ForAllValues:` and `IfExists`; operators AND-ed, keys AND-ed, values OR-ed; a key
  missing from the context fails a positive operator and satisfies a negated one, as in IAM.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

Context = Mapping[str, str | list[str]]


@cache
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _element_matches(statement: dict[str, Any], name: str, value: str, ignore_case: bool) -> bool:
    """Action/NotAction (or Resource/NotResource) of a statement against one value."""
    if name in statement:
        return any(wildcard_match(p, value, ignore_case=ignore_case) for p in _as_list(statement[name]))
    negated = f"Not{name}"
    if negated in statement:
        return not any(wildcard_match(p, value, ignore_case=ignore_case) for p in _as_list(statement[negated]))
    raise ValueError(f"statement {statement.get('Sid', '')!r} has neither {name} nor {negated}")


def _compare(operator: str, expected: str, actual: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return expected == actual
    if operator in ("StringLike", "ArnLike"):
        return wildcard_match(expected, actual)
    if operator == "Bool":
        return expected.lower() == actual.lower()
    raise ValueError(f"condition operator {operator!r} is not modelled by this evaluator")


_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals"}


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, list[str]]) -> bool:
    qualifier, _, operator = operator.rpartition(":")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    expected_values = [str(v) for v in _as_list(expected)]
    actual = context.get(key.lower())
    if operator == "Null":
        return (actual is None) == (expected_values[0].lower() == "true")
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    if actual is None:
        return bool(if_exists or negated or qualifier == "ForAllValues")

    def matches(value: str) -> bool:
        return any(_compare(base, e, value) for e in expected_values)

    # ForAllValues: every value of the request must match; ForAnyValue (and single-valued keys): one.
    result = all(map(matches, actual)) if qualifier == "ForAllValues" else any(map(matches, actual))
    return not result if negated else result


def _conditions_hold(conditions: dict[str, dict[str, Any]], context: Context) -> bool:
    normalised = {k.lower(): [str(x) for x in _as_list(v)] for k, v in context.items()}
    return all(
        _condition_holds(operator, key, expected, normalised)
        for operator, pairs in conditions.items()
        for key, expected in pairs.items()
    )


def decide(policy: dict[str, Any], action: str, resource: str, context: Context | None = None) -> str:
    """ "Allow", "Deny" (explicit) or "ImplicitDeny" for one request."""
    context = context or {}
    allowed = False
    for statement in _as_list(policy["Statement"]):
        if not _element_matches(statement, "Action", action, ignore_case=True):
            continue
        if not _element_matches(statement, "Resource", resource, ignore_case=False):
            continue
        if not _conditions_hold(statement.get("Condition", {}), context):
            continue
        if statement["Effect"] == "Deny":
            return "Deny"
        allowed = True
    return "Allow" if allowed else "ImplicitDeny"


def allows(policy: dict[str, Any], action: str, resource: str, context: Context | None = None) -> bool:
    """True when `policy` allows `action` on `resource` in `context`."""
    return decide(policy, action, resource, context) == "Allow"
