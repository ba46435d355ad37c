"""Parse IAM policy documents (resource, trust and identity policies) into statements.

A document is a JSON string or an object. Parsing never raises: problems come back as error strings.
Element names (`Effect`, `principal`, ...) and condition keys are case-insensitive here, so that a
lower-case element cannot hide a grant; two spellings of one element make the document ambiguous.
Condition values may be strings, numbers or booleans (IAM reads `10` and `true` as "10" and "true").
Values the caller marks as unknown (`is_unknown`, e.g. a Pulumi preview placeholder) are recorded per
element instead of being read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

MAX_DOCUMENT_CHARS = 131_072
MAX_DEPTH = 64
ELEMENTS = (
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
VARIABLES_VERSION = "2012-10-17"  # the policy language version in which `${...}` is a variable
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
_BY_LOWER = {name.lower(): name for name in ELEMENTS}


def _never(_value: Any) -> bool:
    return False


@dataclass(frozen=True)
class PrincipalValue:
    kind: str  # "*" (the bare "*"), AWS, Service, Federated, CanonicalUser
    value: str

    def describe(self) -> str:
        if self.kind == "*":
            return 'the wildcard Principal "*"'
        prefix = "the wildcard " if "*" in self.value else ""
        return f'{prefix}Principal {{"{self.kind}": "{self.value}"}}'


@dataclass(frozen=True)
class Condition:
    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str  # as written
    values: tuple[str, ...]
    # Policy variables (`${aws:username}`) are variables only under Version 2012-10-17; under 2008-10-17 or
    # without a Version they are literal text (IAM JSON policy elements: Version; Policy variables).
    variables: bool = True

    @cached_property
    def lower_key(self) -> str:
        return self.key.lower()

    @cached_property
    def qualifier(self) -> str:
        """ "", "foranyvalue" or "forallvalues"."""
        qualifier, _, _ = self.operator.rpartition(":")
        return qualifier.lower()

    @cached_property
    def base(self) -> str:
        """The operator without qualifier and IfExists, lower case."""
        return self.operator.rpartition(":")[2].lower().removesuffix("ifexists")

    @cached_property
    def if_exists(self) -> bool:
        return self.operator.lower().endswith("ifexists") and self.base != "null"

    def text(self) -> str:
        shown = ",".join(self.values)
        return f"{self.operator} {self.key}={shown}"


@dataclass(frozen=True)
class Statement:
    index: int
    raw: dict[str, Any]
    sid: str | None
    effect: str | None  # None when unknown
    principals: tuple[PrincipalValue, ...] | None  # None: no Principal/NotPrincipal (identity policy)
    not_principal: bool
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: no Resource/NotResource (the resource it is attached to)
    not_resource: bool
    conditions: tuple[Condition, ...]
    unknown: frozenset[str] = frozenset()  # elements whose value is not known yet

    @property
    def label(self) -> str:
        return f'statement "{self.sid}"' if self.sid else f"Statement[{self.index}]"

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def is_deny(self) -> bool:
        return self.effect == "Deny"

    @cached_property
    def resource_patterns(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """(exact ARNs, wildcard patterns) of Resource/NotResource: a policy listing a thousand repository
        ARNs is matched by one set lookup, not a thousand pattern matches."""
        resources = self.resources or ()
        return frozenset(r for r in resources if "*" not in r and "?" not in r), tuple(
            r for r in resources if "*" in r or "?" in r
        )

    def get(self, element: str) -> Any:
        return self.raw.get(element)

    def has(self, element: str) -> bool:
        return element in self.raw


@dataclass
class Document:
    statements: list[Statement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: bool = False  # the whole document, or a whole statement, is unknown


def parse(value: Any, is_unknown: Callable[[Any], bool] = _never) -> Document:
    """Parse a document given as a JSON string or an object; never raises."""
    if is_unknown(value):
        return Document(unknown=True)
    if isinstance(value, str):
        if not value.strip():
            return Document(errors=["the policy document is empty"])
        if len(value) > MAX_DOCUMENT_CHARS:
            return Document(
                errors=[
                    f"the policy document is {len(value)} characters long, more than the "
                    f"{MAX_DOCUMENT_CHARS} this pack reads (AWS accepts at most 20,480)"
                ]
            )
        try:
            value = json.loads(value, object_pairs_hook=_no_duplicate_keys)
        except _DuplicateKey as error:
            return Document(errors=[f"the policy document repeats the key {error}, so its meaning is ambiguous"])
        except RecursionError:
            return Document(errors=["the policy document is nested too deeply to be a policy"])
        except ValueError as error:
            return Document(errors=[f"the policy document is not valid JSON: {error}"])
    if not isinstance(value, dict):
        return Document(errors=[f"the policy document must be a JSON object, not {kind_of(value)}"])
    if _depth(value) > MAX_DEPTH:
        return Document(errors=["the policy document is nested too deeply to be a policy"])
    top, errors = _canonical_keys(value, "the policy document")
    if errors:
        return Document(errors=errors)
    if "Statement" not in top:
        return Document(errors=["the policy document has no Statement"])
    raw_statements = top["Statement"]
    if is_unknown(raw_statements):
        return Document(unknown=True)
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        return Document(errors=[f"Statement must be an object or a list, not {kind_of(raw_statements)}"])
    if not raw_statements:
        return Document(errors=["the policy document has an empty Statement list"])
    document = Document()
    variables = top.get("Version") == VARIABLES_VERSION
    for index, raw in enumerate(raw_statements):
        if is_unknown(raw):
            document.unknown = True
            continue
        if not isinstance(raw, dict):
            document.errors.append(f"Statement[{index}] must be an object, not {kind_of(raw)}")
            continue
        canonical, key_errors = _canonical_keys(raw, f"Statement[{index}]")
        if key_errors:
            document.errors.extend(key_errors)
            continue
        statement, problem = _statement(index, canonical, is_unknown, variables)
        if problem:
            document.errors.append(problem)
        elif statement is not None:
            document.statements.append(statement)
    return document


def _statement(
    index: int, raw: dict[str, Any], is_unknown: Callable[[Any], bool], variables: bool = True
) -> tuple[Statement | None, str]:
    sid_value = raw.get("Sid")
    sid = sid_value if isinstance(sid_value, str) and sid_value and not is_unknown(sid_value) else None
    label = f'statement "{sid}"' if sid else f"Statement[{index}]"
    unknown: set[str] = set()
    effect = raw.get("Effect")
    if is_unknown(effect):
        unknown.add("Effect")
        effect = None
    elif effect not in ("Allow", "Deny"):
        return None, f'{label} has Effect {effect!r}; it must be "Allow" or "Deny"'
    if "Principal" in raw and "NotPrincipal" in raw:
        return None, f"{label} has both Principal and NotPrincipal"
    principals: tuple[PrincipalValue, ...] | None = None
    not_principal = "NotPrincipal" in raw
    if "Principal" in raw or not_principal:
        element = raw["NotPrincipal" if not_principal else "Principal"]
        parsed = _principals(element, is_unknown)
        if isinstance(parsed, str):
            return None, f"{label}: {parsed}"
        if parsed is None:
            unknown.add("Principal")
            parsed = ()
        principals = parsed
    if "Action" in raw and "NotAction" in raw:
        return None, f"{label} has both Action and NotAction"
    not_action = "NotAction" in raw
    actions = _strings(raw.get("NotAction" if not_action else "Action"), is_unknown)
    if actions is None:
        return None, f"{label}: Action must be a string or a list of strings"
    if actions == "unknown":
        unknown.add("Action")
        actions = ()
    if "Resource" in raw and "NotResource" in raw:
        return None, f"{label} has both Resource and NotResource"
    not_resource = "NotResource" in raw
    resources: Any = None
    if "Resource" in raw or not_resource:
        resources = _strings(raw["NotResource" if not_resource else "Resource"], is_unknown)
        if resources is None:
            return None, f"{label}: Resource must be a string or a list of strings"
        if resources == "unknown":
            unknown.add("Resource")
            resources = None
    read = _conditions(raw.get("Condition"), is_unknown, label, variables)
    if isinstance(read, str):
        return None, read
    if read is None:
        unknown.add("Condition")
    conditions = read or []
    return (
        Statement(
            index,
            raw,
            sid,
            effect,
            principals,
            not_principal,
            tuple(actions),
            not_action,
            tuple(resources) if resources is not None else None,
            not_resource,
            tuple(conditions),
            frozenset(unknown),
        ),
        "",
    )


def _principals(element: Any, is_unknown: Callable[[Any], bool]) -> tuple[PrincipalValue, ...] | str | None:
    """The principal values, an error message, or None when a part is unknown."""
    if is_unknown(element):
        return None
    if element == "*":
        return (PrincipalValue("*", "*"),)
    if isinstance(element, str):
        return f'Principal {element!r} must be "*" or an object such as {{"AWS": ...}}'
    if not isinstance(element, dict) or not element:
        return f'Principal must be "*" or a non-empty object, not {element!r:.80}'
    found: list[PrincipalValue] = []
    for kind, values in element.items():
        if kind not in PRINCIPAL_KINDS:
            return f"Principal has the unknown kind {kind!r}; expected one of " + ", ".join(PRINCIPAL_KINDS)
        listed = [values] if isinstance(values, str) else values
        if not isinstance(listed, list) or not listed or not all(isinstance(v, str) for v in listed):
            if is_unknown(values):
                return None
            return f"Principal {kind} must be a string or a non-empty list of strings"
        if any(is_unknown(v) for v in listed):
            return None
        found.extend(PrincipalValue(kind, v) for v in listed)
    return tuple(found)


def _strings(value: Any, is_unknown: Callable[[Any], bool]) -> Any:
    """A string-or-list element: a list, "unknown", or None when malformed. A missing element is []."""
    if value is None:
        return []
    if is_unknown(value):
        return "unknown"
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        return None
    if any(is_unknown(v) for v in listed):
        return "unknown"
    return listed


def condition_value(value: Any) -> str | None:
    """A condition value as IAM reads it: strings as they are, booleans "true"/"false", numbers as digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def _conditions(
    value: Any, is_unknown: Callable[[Any], bool], label: str, variables: bool = True
) -> list[Condition] | str | None:
    if value is None:
        return []
    if is_unknown(value):
        return None
    if not isinstance(value, dict):
        return f"{label}: Condition must be an object, not {kind_of(value)}"
    found: list[Condition] = []
    for operator, entries in value.items():
        if is_unknown(entries):
            return None
        if not isinstance(entries, dict):
            return f"{label}: Condition {operator} must be an object of keys and values"
        for key, values in entries.items():
            if is_unknown(values):
                return None
            listed = values if isinstance(values, list) else [values]
            if any(is_unknown(v) for v in listed):
                return None
            read = [condition_value(v) for v in listed]
            if not read or any(v is None for v in read):
                return f"{label}: Condition {operator} {key} must be a string, number, boolean or a list of them"
            found.append(Condition(str(operator), str(key), tuple(v for v in read if v is not None), variables))
    return found


class _DuplicateKey(ValueError):
    pass


def _canonical_keys(obj: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    canonical: dict[str, Any] = {}
    errors: list[str] = []
    for key, val in obj.items():
        name = _BY_LOWER.get(str(key).lower(), str(key))
        if name in canonical:
            errors.append(f"{where} has the element {name} more than once")
        canonical[name] = val
    return canonical, errors


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, val in pairs:
        if key in result:
            raise _DuplicateKey(repr(key))
        result[key] = val
    return result


def _depth(value: Any) -> int:
    # Iterative, so that a deep document cannot exhaust the interpreter's stack.
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        if isinstance(current, dict):
            stack.extend((v, depth + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, depth + 1) for v in current)
    return deepest


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)
