"""Condition operators as AWS documents them (IAM JSON policy elements: Condition operators).

- Keys are case-insensitive; values are compared case-sensitively except by the ...IgnoreCase operators.
- Within one condition block, operators and keys are AND-ed; the values of one key are OR-ed.
- A key absent from the request: ...IfExists is true; a negated operator (StringNotEquals, ArnNotLike,
  NotIpAddress, ...) is true; ForAllValues is true; any other operator is false. Null tests presence.
- ForAnyValue: some request value matches; ForAllValues: every request value matches (true for none).
- Numbers and dates are compared as numbers and instants; Bool compares "true"/"false" ignoring case.
- Policy variables `${aws:username}` are replaced from the request; `${*}`, `${?}`, `${$}` are literal. Under
  Version 2008-10-17 or without a Version, `${...}` is literal text (Condition.variables is False).
An operator this module does not know raises UnsupportedCondition: never a silent true or false.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache

from .document import Condition
from .wildcard import arn_matches, matches, split_arn

Context = Mapping[str, Sequence[str]]  # lower-case key -> the request's values (absent key: not in it)


class UnsupportedCondition(ValueError):
    """A condition operator (or value) that IAM would not accept and this library does not evaluate."""


STRING = {"stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase"}
STRING_LIKE = {"stringlike", "stringnotlike"}
NUMERIC = {
    "numericequals",
    "numericnotequals",
    "numericlessthan",
    "numericlessthanequals",
    "numericgreaterthan",
    "numericgreaterthanequals",
}
DATE = {d.replace("numeric", "date") for d in NUMERIC}
ARN = {"arnequals", "arnlike", "arnnotequals", "arnnotlike"}
IP = {"ipaddress", "notipaddress"}
OTHER = {"bool", "binaryequals", "null"}
KNOWN = STRING | STRING_LIKE | NUMERIC | DATE | ARN | IP | OTHER
NEGATED = {
    "stringnotequals",
    "stringnotequalsignorecase",
    "stringnotlike",
    "numericnotequals",
    "datenotequals",
    "arnnotequals",
    "arnnotlike",
    "notipaddress",
}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def check_operator(condition: Condition) -> None:
    if condition.base not in KNOWN or condition.qualifier not in ("", "foranyvalue", "forallvalues"):
        raise UnsupportedCondition(f"condition operator {condition.operator!r} is not an IAM condition operator")


def holds(condition: Condition, context: Context) -> bool:
    """Whether one condition entry (operator, key, values) is true for the request context."""
    check_operator(condition)
    base = condition.base
    actual = context.get(condition.lower_key)
    present = actual is not None and len(actual) > 0
    if base == "null":
        wants_absent = any(v.lower() == "true" for v in condition.values)
        return (not present) == wants_absent
    if not present:
        if condition.if_exists or condition.qualifier == "forallvalues":
            return True
        if condition.qualifier == "foranyvalue":
            return False
        return base in NEGATED
    assert actual is not None
    expected = [_substitute(v, context) if condition.variables else v for v in condition.values]
    negated = base in NEGATED

    def one(value: str) -> bool:
        hit = any(e is not None and _compare(base, e, value) for e in expected)
        return not hit if negated else hit

    if condition.qualifier == "forallvalues":
        return all(one(v) for v in actual)
    if condition.qualifier == "foranyvalue":
        return any(one(v) for v in actual)
    if negated:
        return all(one(v) for v in actual)
    return any(one(v) for v in actual)


def all_hold(conditions: Sequence[Condition], context: Context) -> bool:
    return all(holds(c, context) for c in conditions)


def _substitute(value: str, context: Context) -> str | None:
    """Replace policy variables; None when a variable's key is absent (the value then matches nothing)."""
    if "${" not in value:
        return value
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        if name in ("*", "?", "$"):
            return name
        key, _, default = name.partition(", ")
        found = context.get(key.strip().lower())
        if found:
            return found[0]
        if default.strip().startswith("'") and default.strip().endswith("'"):
            return default.strip()[1:-1]
        missing = True
        return ""

    result = _VARIABLE.sub(replace, value)
    return None if missing else result


def _compare(base: str, expected: str, actual: str) -> bool:
    if base in ("stringequals", "stringnotequals"):
        return expected == actual
    if base in ("stringequalsignorecase", "stringnotequalsignorecase"):
        return expected.casefold() == actual.casefold()
    if base in STRING_LIKE:
        return matches(expected, actual)
    if base in ARN:
        return split_arn(actual) is not None and arn_matches(expected, actual)
    if base == "bool":
        return expected.lower() == actual.lower()
    if base == "binaryequals":
        return _base64(expected) is not None and _base64(expected) == _base64(actual)
    if base in IP:
        return _in_network(expected, actual)
    if base in NUMERIC:
        return _ordered(base.removeprefix("numeric"), as_number(expected), as_number(actual))
    if base in DATE:
        return _ordered(base.removeprefix("date"), as_instant(expected), as_instant(actual))
    raise UnsupportedCondition(f"condition operator {base!r} is not modelled")


def _ordered(relation: str, expected: float | None, actual: float | None) -> bool:
    if expected is None or actual is None:
        return False
    relation = relation.removeprefix("not")  # NotEquals is Equals, negated by the caller
    return {
        "equals": actual == expected,
        "lessthan": actual < expected,
        "lessthanequals": actual <= expected,
        "greaterthan": actual > expected,
        "greaterthanequals": actual >= expected,
    }[relation]


def as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def as_instant(text: str) -> float | None:
    number = as_number(text)
    if number is not None:
        return number  # epoch seconds
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _in_network(expected: str, actual: str) -> bool:
    address, network = _address(actual), _network(expected)
    return address is not None and network is not None and address in network


# The searches of external.py try every candidate request against every value of a condition: a policy with
# 128 networks in a NotIpAddress parsed each network some 1.6 million times for one access matrix (56 of its
# 57 CPU-s). Parsed once per distinct text, the answer is the same objects' `in`.
@lru_cache(maxsize=8192)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
