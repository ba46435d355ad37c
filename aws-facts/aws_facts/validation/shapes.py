"""A request member validated against its botocore shape: required members, enums, lengths, ranges, patterns.

`check(service, shape_name, value, where)` walks a value (plain JSON data, as the engine gives a resource's
inputs) along a shape of the service's model and returns one `Problem` per rule broken. A value the engine
does not know yet (`is_unknown`) is not judged: AWS judges it at deploy, and nothing here can say more.
Shapes are resolved once per (service, shape) and memoised, so a stack of 10,000 resources costs one walk
per value, no model lookups.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import models
from ..problems import Problem


@dataclass(frozen=True)
class _Shape:
    name: str
    kind: str
    enum: tuple[str, ...] | None
    low: int | None
    high: int | None
    pattern: str | None
    members: tuple[tuple[str, str], ...]  # (member name, shape name) for structures
    required: tuple[str, ...]
    member: str | None  # element shape of a list


@functools.cache
def _shape(service: str, name: str) -> _Shape:
    raw = models.shape(service, name)
    return _Shape(
        name,
        raw["type"],
        tuple(raw["enum"]) if "enum" in raw else None,
        raw.get("min"),
        raw.get("max"),
        raw.get("pattern"),
        tuple((m, spec["shape"]) for m, spec in raw.get("members", {}).items()),
        tuple(raw.get("required", ())),
        raw["member"]["shape"] if raw["type"] == "list" else None,
    )


@functools.cache
def _source(service: str, name: str) -> str:
    return f"botocore {models.BOTOCORE_VERSION} {service} {models.api_version(service)} {name}"


def member_shape(service: str, structure: str, path: str) -> str:
    """The shape name of a (dotted) member path below a structure, e.g. ("ecr", "CreateRepositoryRequest",
    "encryptionConfiguration.kmsKey") -> "KmsKey"."""
    current = structure
    for step in path.split("."):
        shape = _shape(service, current)
        if shape.kind == "list" and shape.member:
            shape = _shape(service, shape.member)
        current = dict(shape.members)[step]
    return current


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # protobuf Structs carry every number as a float
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check(service: str, shape_name: str, value: Any, where: str, is_unknown: Callable[[Any], bool]) -> list[Problem]:
    """Every rule of the shape (and of its members, recursively) that `value` breaks."""
    if value is None or is_unknown(value):
        return []
    shape = _shape(service, shape_name)
    source = _source(service, shape.name)
    problems: list[Problem] = []
    if shape.kind == "structure":
        if isinstance(value, list) and len(value) <= 1:  # a Pulumi nested block: a list of at most one object
            value = value[0] if value else None
            if value is None:
                return []
        if not isinstance(value, dict):
            return [Problem(where, "must be an object", _shown(value), source)]
        members = dict(shape.members)
        for required in shape.required:
            if value.get(required) is None:
                problems.append(Problem(f"{where}.{required}", "is required", "absent", source))
        for key, item in value.items():
            if key in members:
                problems += check(service, members[key], item, f"{where}.{key}", is_unknown)
        return problems
    if shape.kind == "list":
        if not isinstance(value, list):
            return []  # the provider's schema types lists; nothing more to say here
        problems += _bounds(where, len(value), shape, "items", source)
        for index, item in enumerate(value):
            problems += check(service, shape.member or "", item, f"{where}[{index}]", is_unknown)
        return problems
    if shape.kind == "string":
        if not isinstance(value, str):
            return []
        if shape.enum is not None and value not in shape.enum:
            problems.append(Problem(where, f"must be one of {', '.join(shape.enum)}", _shown(value), source))
        problems += _bounds(where, len(value), shape, "characters", source, value)
        if shape.pattern is not None and not models.compiled(shape.pattern)(value):
            problems.append(Problem(where, f"must match the pattern {shape.pattern}", _shown(value), source))
        return problems
    if shape.kind in ("integer", "long"):
        number = value
        if isinstance(number, float) and number.is_integer():
            number = int(number)  # protobuf Structs carry every number as a float
        if isinstance(number, bool) or not isinstance(number, int):
            return [Problem(where, "must be a whole number", _shown(value), source)] if isinstance(value, float) else []
        if shape.low is not None and number < shape.low or shape.high is not None and number > shape.high:
            low = "" if shape.low is None else shape.low
            high = "" if shape.high is None else shape.high
            problems.append(Problem(where, f"must be in {low}..{high}", _shown(number), source))
    return problems


def _bounds(where: str, size: int, shape: _Shape, unit: str, source: str, value: Any = None) -> list[Problem]:
    shown = _shown(value) if value is not None else f"{size} {unit}"
    if shape.low is not None and size < shape.low:
        return [Problem(where, f"must have at least {shape.low} {unit} (has {size})", shown, source)]
    if shape.high is not None and size > shape.high:
        return [Problem(where, f"must have at most {shape.high} {unit} (has {size})", shown, source)]
    return []
