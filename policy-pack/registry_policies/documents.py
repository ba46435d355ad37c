"""Parse and normalise IAM policy documents (resource, trust and identity policies).

A document arrives as a JSON string (how the engine sends checked inputs) or as an object. Parsing
never raises: problems come back as error strings, so a malformed document is a violation, not a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .values import MAX_DEPTH, is_unknown

# ECR accepts 10,240 characters and IAM at most 20,480 for a role policy; a document far beyond any
# AWS limit is refused before parsing so that a huge input cannot slow the pack down.
MAX_DOCUMENT_CHARS = 131_072

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


class _DuplicateKey(ValueError):
    pass


@dataclass(frozen=True)
class Statement:
    """One statement with element names normalised to their canonical spelling."""

    index: int
    raw: dict[str, Any]

    @property
    def sid(self) -> Any:
        return self.raw.get("Sid")

    @property
    def label(self) -> str:
        """How messages name the statement: its Sid, or its index when it has none."""
        sid = self.sid
        if isinstance(sid, str) and sid and not is_unknown(sid):
            return f'statement "{sid}"'
        return f"Statement[{self.index}]"

    @property
    def effect(self) -> Any:
        return self.raw.get("Effect")

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    def get(self, element: str) -> Any:
        return self.raw.get(element)

    def has(self, element: str) -> bool:
        return element in self.raw


@dataclass
class Document:
    """A parsed document: its statements, the errors that make it malformed, and whether it is unknown."""

    statements: list[Statement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: bool = False


def parse_document(value: Any) -> Document:
    """Parse a policy document given as a JSON string or an object; never raises."""
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
        return Document(errors=[f"the policy document must be a JSON object, not {_kind(value)}"])
    if _depth(value) > MAX_DEPTH:
        return Document(errors=["the policy document is nested too deeply to be a policy"])
    top, errors = _canonical_keys(value, "the policy document")
    if errors:
        return Document(errors=errors)
    if "Statement" not in top:
        return Document(errors=["the policy document has no Statement"])
    statements = top["Statement"]
    if is_unknown(statements):
        return Document(unknown=True)
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return Document(errors=[f"Statement must be an object or a list, not {_kind(statements)}"])
    if not statements:
        return Document(errors=["the policy document has an empty Statement list"])
    document = Document()
    for index, raw in enumerate(statements):
        if is_unknown(raw):
            document.unknown = True
            continue
        if not isinstance(raw, dict):
            document.errors.append(f"Statement[{index}] must be an object, not {_kind(raw)}")
            continue
        canonical, key_errors = _canonical_keys(raw, f"Statement[{index}]")
        if key_errors:
            document.errors.extend(key_errors)
            continue
        statement = Statement(index, canonical)
        effect = statement.effect
        if not is_unknown(effect) and effect not in ("Allow", "Deny"):
            document.errors.append(f'{statement.label} has Effect {effect!r}; it must be "Allow" or "Deny"')
            continue
        if statement.has("Principal") and statement.has("NotPrincipal"):
            document.errors.append(f"{statement.label} has both Principal and NotPrincipal")
            continue
        document.statements.append(statement)
    return document


def string_list(value: Any) -> list[Any] | None:
    """A string-or-list element as a list; None when the element has the wrong type."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _canonical_keys(obj: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    # IAM element names are matched case-insensitively here: a lower-case "principal" must not hide a
    # grant from the checks, and two spellings of one element make the document ambiguous.
    canonical: dict[str, Any] = {}
    errors: list[str] = []
    by_lower = {name.lower(): name for name in ELEMENTS}
    for key, val in obj.items():
        name = by_lower.get(str(key).lower(), str(key))
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


def _kind(value: Any) -> str:
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
