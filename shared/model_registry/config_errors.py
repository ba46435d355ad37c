"""Validation errors worded for the YAML author: one line per problem, naming the key path and the rule.

`format_validation_error` turns pydantic's ValidationError into lines such as
`Pulumi.dev.yaml:12: registry:lifecycle.releaseTagPrefixes[0]: needs at least 1 character, has 0`: our wording
for each of pydantic's error types (never the library's own), the closest known key for an unknown one, and
a named list item (`model 'llama-3': ...`) where a file's lists hold named items (the catalog).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from .sources import closest

Loc = tuple[Any, ...]
# Where a value came from, as "file:line", by its key path (None: not from a file).
Locate = typing.Callable[[Loc], str | None]


def location(namespace: str, loc: Loc) -> str:
    path = namespace
    for index, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif not re.fullmatch(r"[A-Za-z_][\w-]*", str(part)):
            path += f"[{str(part)!r}]"  # a key that is no name, e.g. "" or "a b"
        elif index == 0:
            path += (":" if namespace else "") + str(part)
        else:
            path += "." + str(part)
    return path


# A model validator names the key it found wrong at the start of its message: "models[2].name: ...".
_KEY_PREFIX = re.compile(r"^(?P<path>[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*): (?P<rule>.+)$", re.S)


def describe(value: Any) -> str:
    """A value as the YAML author wrote it, briefly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the type that holds the value."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


@dataclass(frozen=True)
class WhenEmpty:
    """Why an empty list is refused at its key and what to write instead, for its one-line message:
    `Annotated[tuple[X, ...], WhenEmpty("makes ...; name ...")] = Field(..., min_length=1)`. The sentence
    follows "an empty list" (e.g. `access:inference.trustedServices: an empty list makes ...`)."""

    consequence_and_fix: str


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _field(model: type[BaseModel], key: str):
    return next((f for n, f in model.model_fields.items() if key in (f.alias, n)), None)


def known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model accepts at `loc` (the path of a mapping inside it), as written in YAML."""
    annotation: Any = model
    for part in loc:
        current = _model_of(annotation)
        if current is not None and isinstance(part, str):
            found = _field(current, part)
            if found is None:
                return []
            annotation = found.annotation
            continue
        args = typing.get_args(unwrap(annotation))
        origin = typing.get_origin(unwrap(annotation))
        if origin in (tuple, list) and args:
            annotation = args[0]
        elif origin is dict and len(args) == 2:
            annotation = args[1]
        else:
            return []
    current = _model_of(annotation)
    return [f.alias or n for n, f in current.model_fields.items()] if current else []


def field_at(model: type[BaseModel], loc: Loc) -> Any:
    """The pydantic field at `loc` (a key path into the model, list indices included), or None."""
    annotation: Any = model
    found = None
    for part in loc:
        current = _model_of(annotation)
        if current is not None and isinstance(part, str):
            found = _field(current, part)
            if found is None:
                return None
            annotation = found.annotation
            continue
        args = typing.get_args(unwrap(annotation))
        if typing.get_origin(unwrap(annotation)) in (tuple, list) and args and isinstance(part, int):
            annotation, found = args[0], None
        else:
            return None
    return found


def _when_empty(model: type[BaseModel], loc: Loc) -> WhenEmpty | None:
    field = field_at(model, loc)
    return next((m for m in getattr(field, "metadata", ()) if isinstance(m, WhenEmpty)), None)


def _named_item(data: Any, loc: Loc) -> str:
    """`(model 'x')` for the innermost list item on the path that has a `name`, e.g. a catalog model."""
    subject = _named_subject(data, loc)
    return f" ({subject[0]})" if subject else ""


def _rule(problem: Mapping[str, Any], model: type[BaseModel], loc: Loc) -> str:
    """Our wording for one of pydantic's error types (never the library's own)."""
    kind, value, ctx = problem["type"], problem.get("input"), problem.get("ctx") or {}
    got = f", not {describe(value)}"
    simple = {
        "missing": "required",
        "int_type": "must be a whole number" + got,
        "int_from_float": "must be a whole number" + got,
        "float_type": "must be a number" + got,
        "bool_type": "must be true or false" + got,
        "string_type": "must be a string" + got + " (quote account ids and numbers in YAML)",
        "dict_type": "must be a mapping of keys to values" + got,
        "model_type": "must be a mapping of keys to values" + got,
        "model_attributes_type": "must be a mapping of keys to values" + got,
        "tuple_type": "must be a list" + got,
        "list_type": "must be a list" + got,
        "none_required": "must be null" + got,
    }
    if kind in simple:
        return simple[kind]
    if kind == "extra_forbidden":
        known = known_keys(model, loc[:-1])
        guess = closest(str(loc[-1]), known)
        return f"unknown key; did you mean {guess!r}?" if guess else f"unknown key; known keys: {', '.join(known)}"
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx.get('expected', '')}{got}"
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "less_than_equal": ("at most", "le"),
        "greater_than": ("more than", "gt"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key)}{got}"
    if kind == "too_short" and ctx.get("actual_length") == 0 and (reason := _when_empty(model, loc)):
        return f"an empty list {reason.consequence_and_fix}"
    if kind in ("too_short", "too_long"):
        words = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        return f"needs {words} {limit} {'item' if limit == 1 else 'items'}, has {ctx.get('actual_length')}"
    if kind in ("string_too_short", "string_too_long"):
        words = "at least" if kind == "string_too_short" else "at most"
        limit = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        return f"needs {words} {limit} {'character' if limit == 1 else 'characters'}, has {len(value) if isinstance(value, str) else '?'}"
    return f"{describe(value)} is not accepted here"


def _named_subject(data: Any, loc: Loc) -> tuple[str, Loc] | None:
    """(`model 'x'`, the path below it) for the innermost list item on the path that has a `name`."""
    found, value, parent = None, data, ""
    for index, part in enumerate(loc):
        if isinstance(value, dict) and isinstance(part, str) and part in value:
            value, parent = value[part], part
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
            if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"]:
                kind = parent[:-1] if parent.endswith("s") else "item"
                found = (f"{kind} {value['name']!r}", loc[index + 1 :])
        else:
            break
    return found


def format_validation_error(
    namespace: str,
    error: ValidationError,
    data: Any = None,
    model: type[BaseModel] | None = None,
    locate: Locate | None = None,
    by_item_name: bool = False,
) -> list[str]:
    """One entry per problem: `[file:line: ]<namespace>:<key path>: <rule>[ (model 'name')]`.

    With `by_item_name` (files whose lists hold named items, e.g. a catalog file), a problem inside such
    an item reads `[file:line: ]model 'name': <path below it>: <rule>`."""
    problems = error.errors(include_url=False)
    # A list whose items failed also reports "too short after validation": the item errors (an item's own
    # empty list included) say more.
    failing = {tuple(p["loc"]) for p in problems}
    lines = []
    for problem in problems:
        loc = tuple(problem["loc"])
        if problem["type"] == "too_short" and any(f[: len(loc)] == loc and f != loc for f in failing):
            continue
        if problem["type"] in ("value_error", "assertion_error"):
            message = problem["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            if match := _KEY_PREFIX.match(message):
                loc, message = loc + tuple(split_path(match["path"])), match["rule"]
        else:
            message = _rule(problem, model or BaseModel, loc)
        where = locate(loc) if locate else None
        prefix = f"{where}: " if where else ""
        subject = _named_subject(data, loc) if by_item_name else None
        if subject is not None:
            who, below = subject
            lines.append(f"{prefix}{who}: {location('', below) + ': ' if below else ''}{message}")
        else:
            lines.append(f"{prefix}{location(namespace, loc)}: {message}{_named_item(data, loc)}")
    return lines


def split_path(path: str) -> list[Any]:
    """ "models[2].name" -> ["models", 2, "name"]"""
    return [int(part) if part.isdigit() else part for part in re.findall(r"[A-Za-z_]\w*|\d+", path)]
