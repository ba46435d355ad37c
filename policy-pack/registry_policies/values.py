"""Plain values out of the engine's properties: unwrap pulumi_policy proxies, recognise unknowns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)

# Deeper than any real resource; beyond it we stop instead of recursing into a stack overflow.
MAX_DEPTH = 64


class TooDeep(ValueError):
    """A value nested deeper than MAX_DEPTH."""


def is_unknown(value: Any) -> bool:
    """True for the engine's sentinel of a value that is not known during preview."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def plain(value: Any, depth: int = 0) -> Any:
    """Copy a (possibly proxied) value into plain dicts/lists, keeping unknown sentinels as strings.

    The proxies raise on every access to an unknown; policies need to see unknowns as data, so that
    they can decide whether an unknown matters, instead of losing the whole check to an exception.
    """
    if depth > MAX_DEPTH:
        raise TooDeep(f"value nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        target = _target(value)
        return {str(k): plain(target[k], depth + 1) for k in target}
    if isinstance(value, Sequence):
        target = _target(value)
        return [plain(target[i], depth + 1) for i in range(len(target))]
    return value


def _target(proxy: Any) -> Any:
    # pulumi_policy's proxies hand out their raw container under the key "__target" and raise on
    # unknowns for every other access.
    try:
        return proxy["__target"]
    except (KeyError, IndexError, TypeError):
        return proxy


def get_path(props: Any, *path: str | int) -> Any:
    """props[path...] or None when a step is missing or of the wrong type (unknowns are returned)."""
    current = props
    for step in path:
        if is_unknown(current):
            return current
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return None
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                return None
            current = current[step]
    return current


def first_block(value: Any) -> Any:
    """Nested blocks arrive as an object or as a one-element list; return the object (or an unknown)."""
    if isinstance(value, list):
        return value[0] if value else None
    return value
