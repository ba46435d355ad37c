"""`ignoreChanges` against the deployed state, as the engine applies it before the provider's Check and the
analyzers see a resource.

The step generator (pulumi/pulumi pkg/resource/deploy/step_generator.go) sets every ignored property of a
resource that is in the deployed state back to its old input (`processIgnoreChanges`: for each path,
`PropertyPath.Reset(old, new)`): the old value when the old inputs have one, else the property removed; a path
whose parent is missing stops the deployment ("cannot ignore changes to the following properties because one or
more elements of the path are missing"). So a policy written restricted with `ignore_changes=["policy"]` over a
deployed open one stays open, and the pack sees the open one. A new resource (not in the state) is untouched.

Paths are the engine's property paths (sdk/go/common/resource/property_path.go): `a.b`, `a[0]`, `a["b.c"]`,
`*` and `[*]` for every element.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

_SEGMENT = re.compile(r'\.?([^.\[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\[\*\]')
WILDCARD = object()


class IgnoreChangesError(Exception):
    """Ignored paths with a missing element; the message names them, as the engine's does."""


def parse_path(path: str) -> list[Any]:
    """A property path as its segments: str keys, int indices, WILDCARD."""
    segments: list[Any] = []
    position = 0
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None or match.end() == position:
            raise IgnoreChangesError(f"{path!r} is not a property path")
        key, index, quoted = match.groups()
        if key is not None:
            segments.append(WILDCARD if key == "*" else key)
        elif index is not None:
            segments.append(int(index))
        elif quoted is not None:
            segments.append(json.loads(f'"{quoted}"'))
        else:
            segments.append(WILDCARD)
        position = match.end()
    return segments


_MISSING = object()


def _get(value: Any, segments: list[Any]) -> Any:
    for segment in segments:
        if isinstance(value, list) and isinstance(segment, int) and 0 <= segment < len(value):
            value = value[segment]
            continue
        if isinstance(value, dict) and isinstance(segment, str) and segment in value:
            value = value[segment]
            continue
        return _MISSING
    return value


def _concrete(segments: list[Any], old: Any, new: Any) -> list[list[Any]]:
    """The paths a wildcard path stands for: every key or index at that place in the old or the new inputs."""
    if WILDCARD not in segments:
        return [segments]
    at = segments.index(WILDCARD)
    head, tail = segments[:at], segments[at + 1 :]
    keys: list[Any] = []
    for container in (_get(old, head), _get(new, head)):
        if isinstance(container, dict):
            keys += [k for k in container if k not in keys]
        elif isinstance(container, list):
            keys += [i for i in range(len(container)) if i not in keys]
    return [path for key in keys for path in _concrete([*head, key, *tail], old, new)]


def _reset(old: dict, new: dict, segments: list[Any]) -> bool:
    """PropertyPath.Reset: new's value at the path becomes old's (removed when old has none)."""
    old_value, new_value = _get(old, segments), _get(new, segments)
    if old_value is _MISSING and new_value is _MISSING:
        return True
    parent = _get(new, segments[:-1])
    last = segments[-1]
    if old_value is _MISSING:
        if isinstance(parent, dict):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int):
            del parent[last]
        return True
    if isinstance(parent, dict) and isinstance(last, str):
        parent[last] = copy.deepcopy(old_value)
        return True
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        parent[last] = copy.deepcopy(old_value)
        return True
    return False


def ignored_inputs(inputs: dict, old_inputs: dict, paths: list[str]) -> dict:
    """`inputs` with every path of `paths` reset to `old_inputs` (a copy; IgnoreChangesError for missing parents)."""
    result = copy.deepcopy(inputs)
    missing = []
    for path in paths:
        segments = parse_path(path)
        if not segments or not all(_reset(old_inputs, result, s) for s in _concrete(segments, old_inputs, result)):
            missing.append(path)
    if missing:
        raise IgnoreChangesError(
            "cannot ignore changes to the following properties because one or more elements of the path are "
            f"missing: {', '.join(json.dumps(p) for p in missing)}"
        )
    return result
