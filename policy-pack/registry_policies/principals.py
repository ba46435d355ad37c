"""Who a statement grants to: wildcard principals, restricting conditions, accounts named.

Decisions (documented in README.md):
- A principal value is a wildcard when it contains "*" anywhere: "*", {"AWS": "*"}, an ARN whose
  account field is "*" (arn:aws:iam::*:root) and partial globs alike. AWS refuses partial globs in
  Principal for most services; the pack does not rely on that refusal.
- A "*" principal is acceptable only when the same statement has a restricting condition: a positive
  string or ARN operator (optionally ForAnyValue:), not Not*, not ...IfExists, not Null, not
  ForAllValues: (true when the key is absent), on an identity key, whose values are all concrete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .documents import Statement, string_list
from .values import is_unknown

PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")

IDENTITY_KEYS = {
    "aws:principalorgid": "org",
    "aws:principalorgpaths": "orgpath",
    "aws:principalaccount": "account",
    "aws:sourceaccount": "account",
    "aws:sourceowner": "account",
    "aws:sourcearn": "arn",
    "aws:principalarn": "arn",
}

# Operators that only match when the key is present and equal to / like one of the values.
RESTRICTING_OPERATORS = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}

GLOB_CHARS = ("*", "?")
ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Principal:
    kind: str  # "*", AWS, Service, Federated, CanonicalUser
    value: Any  # a string, or an unknown sentinel


@dataclass(frozen=True)
class PrincipalProblem:
    """A principal element that could not be read."""

    message: str


def principals_of(element: Any) -> list[Principal] | PrincipalProblem:
    """Every principal named by a Principal/NotPrincipal element."""
    if is_unknown(element):
        return [Principal("?", element)]
    if element == "*":
        return [Principal("*", "*")]
    if isinstance(element, str):
        return PrincipalProblem(f'Principal {element!r} must be "*" or an object such as {{"AWS": ...}}')
    if not isinstance(element, dict) or not element:
        return PrincipalProblem(f'Principal must be "*" or a non-empty object, not {element!r:.80}')
    found: list[Principal] = []
    for kind, values in element.items():
        if kind not in PRINCIPAL_KINDS:
            return PrincipalProblem(
                f"Principal has the unknown kind {kind!r}; expected one of " + ", ".join(PRINCIPAL_KINDS)
            )
        if is_unknown(values):
            found.append(Principal(kind, values))
            continue
        listed = string_list(values)
        if listed is None or not listed:
            return PrincipalProblem(f"Principal {kind} must be a string or a non-empty list of strings")
        found.extend(Principal(kind, v) for v in listed)
    return found


def is_wildcard_value(value: str) -> bool:
    """True for "*", an ARN with a "*" account and any other value containing "*"."""
    return "*" in value


def describe(principal: Principal) -> str:
    if principal.kind == "*":
        return 'Principal "*"'
    return f'Principal {{"{principal.kind}": "{principal.value}"}}'


def restricting_conditions(statement: Statement) -> tuple[list[str], list[str], bool]:
    """(restrictions found, reasons other conditions do not restrict, any unknown in the Condition)."""
    condition = statement.get("Condition")
    if condition is None:
        return [], [], False
    if is_unknown(condition):
        return [], [], True
    if not isinstance(condition, dict):
        return [], ["the Condition is not an object"], False
    found: list[str] = []
    rejected: list[str] = []
    unknown = False
    for operator, entries in condition.items():
        if is_unknown(entries):
            unknown = True
            continue
        if not isinstance(entries, dict):
            rejected.append(f"Condition {operator} is not an object")
            continue
        for key, values in entries.items():
            key_kind = IDENTITY_KEYS.get(str(key).lower())
            if key_kind is None:
                continue
            why_not = _operator_problem(str(operator))
            if why_not:
                rejected.append(f"{operator} on {key} does not restrict the caller ({why_not})")
                continue
            if is_unknown(values):
                unknown = True
                continue
            listed = string_list(values)
            if not listed:
                rejected.append(f"{operator} on {key} has no string values")
                continue
            if any(is_unknown(v) for v in listed):
                unknown = True
                continue
            wild = [v for v in listed if _is_wildcard_condition_value(key_kind, v)]
            if wild:
                rejected.append(f"{operator} on {key} allows the wildcard value {wild[0]!r}")
                continue
            found.append(f"{operator} {key}")
    return found, rejected, unknown


def _operator_problem(operator: str) -> str | None:
    lowered = operator.lower()
    if lowered.startswith("forallvalues:"):
        return "ForAllValues: is true when the key is absent"
    lowered = lowered.removeprefix("foranyvalue:")
    if lowered.endswith("ifexists"):
        return "...IfExists is true when the key is absent"
    if "not" in lowered:
        return "a negated operator matches everyone else"
    if lowered == "null":
        return "Null only tests presence"
    if lowered not in RESTRICTING_OPERATORS:
        return "not a string or ARN equality/like operator"
    return None


def _is_wildcard_condition_value(key_kind: str, value: str) -> bool:
    if key_kind == "orgpath":
        # o-abc/r-1/ou-2/* is the documented way to name an organisation subtree: only the
        # organisation id (first segment) must be concrete.
        org = value.split("/", 1)[0]
        return not org or _has_glob(org)
    if key_kind == "arn":
        parts = value.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return True  # not an ARN: it cannot name a caller, so it cannot restrict one
        account, resource = parts[4], parts[5]
        if account:
            return _has_glob(account)
        # Service ARNs without an account (arn:aws:s3:::bucket) are identified by their resource.
        return not resource or _has_glob(resource.split("/", 1)[0])
    return not value or _has_glob(value)


def _has_glob(text: str) -> bool:
    return any(c in text for c in GLOB_CHARS)


def account_of(principal: Principal) -> str | None:
    """The AWS account a principal belongs to, when it names one."""
    if principal.kind != "AWS" or not isinstance(principal.value, str) or is_unknown(principal.value):
        return None
    value = principal.value
    if ACCOUNT_ID.match(value):
        return value
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and ACCOUNT_ID.match(parts[4]):
        return parts[4]
    return None
