"""AWS's machine-readable service models, as botocore ships them: shapes, patterns, lengths, ranges, enums.

Every AWS fact that a model states is read from here, never retyped: a botocore upgrade (pinned in
aws-facts/pyproject.toml) updates them all at once. Models are loaded once per process and memoised.

Patterns: AWS's models write Java regular expressions (`\\p{L}` classes included), which the `regex` module
reads. AWS validates a member against its pattern as a whole (a repository name `Foo` is refused although
`oo` matches), so a value must match the pattern from its first character to its last.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import botocore
import regex

BOTOCORE_VERSION: str = botocore.__version__


@functools.cache
def service_model(service: str) -> dict[str, Any]:
    """The raw service-2 model of `service` (e.g. "ecr", "iam", "kms", "ecr-public")."""
    return _loader().load_service_model(service, "service-2")


@functools.cache
def _loader():
    """One botocore Loader for the process: each Loader lists every service botocore ships (a directory scan of
    some 400 services, about 30 ms) before its first model, and remembers the list."""
    import botocore.loaders

    return botocore.loaders.Loader()


def shape(service: str, name: str) -> dict[str, Any]:
    """One shape of a service model; a KeyError names the shape when botocore has no such shape."""
    shapes = service_model(service)["shapes"]
    if name not in shapes:
        raise KeyError(f"botocore {BOTOCORE_VERSION} has no shape {service}:{name}")
    return shapes[name]


def api_version(service: str) -> str:
    return str(service_model(service)["metadata"]["apiVersion"])


def enum(service: str, name: str) -> tuple[str, ...]:
    """The values of an enum shape, in the model's order."""
    return tuple(shape(service, name)["enum"])


def length(service: str, name: str) -> tuple[int | None, int | None]:
    """(min, max) of a string or list shape (None where the model says nothing)."""
    found = shape(service, name)
    return found.get("min"), found.get("max")


def maximum(service: str, name: str) -> int:
    """The max of a string or list shape; a KeyError names the shape when the model states none."""
    high = length(service, name)[1]
    if high is None:
        raise KeyError(f"botocore {BOTOCORE_VERSION} states no maximum for {service}:{name}")
    return int(high)


def unanchored(service: str, name: str) -> str:
    """A shape's pattern without its ^ and $, to compile for fullmatch or to embed in another pattern."""
    return pattern(service, name).removeprefix("^").removesuffix("$")


@functools.cache
def compiled(pattern: str) -> Callable[[str], bool]:
    """Whether a whole value matches a model pattern (compiled once per pattern)."""
    matcher = regex.compile(pattern)
    return lambda value: matcher.fullmatch(value) is not None


def pattern(service: str, name: str) -> str:
    return str(shape(service, name)["pattern"])


def matches(service: str, name: str, value: str) -> bool:
    """`value` satisfies the shape's length and pattern (what the service checks before anything else)."""
    low, high = length(service, name)
    if low is not None and len(value) < low or high is not None and len(value) > high:
        return False
    found = shape(service, name).get("pattern")
    return found is None or compiled(found)(value)
