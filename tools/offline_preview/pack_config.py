"""The policy pack's config file (`policy-pack/config/<env>.json`), read strictly.

The file is the CLI's `--policy-pack-config` format: `{"all": level, "<policy>": level | {"enforcementLevel":
level, "<option>": value}}`. Every key must be a policy of the pack or one of its options; a misspelt
one is an error naming the file, the line and the closest known key, never a silently ignored option.
Options are checked against the policy's own config schema (the subset of JSON schema the pack uses).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from model_registry.sources import Document, SourceError, closest, load_json, load_yaml

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
ALL = "all"
LEVEL_KEY = "enforcementLevel"


class PackConfigError(Exception):
    """A pack config file that cannot be used; the message is one line naming file and line."""


def installed_policies() -> dict[str, dict[str, Any]] | None:
    """{policy name: {option: JSON schema}} of the pack as installed in this workspace, or None."""
    try:
        from registry_policies.pack import build_policies
    except ImportError:
        return None
    return {p.name: dict(p.config_schema.properties) if p.config_schema is not None else {} for p in build_policies()}


def read_pack_config(path: Path, policies: Mapping[str, Mapping[str, Any]] | None = None) -> dict:
    """Parse and check the file; `policies` as `installed_policies()` gives (None: names not checked)."""
    try:
        raw = path.read_bytes()
        data = load_json(path, raw)
    except OSError as exc:
        raise PackConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except SourceError as exc:
        raise PackConfigError(str(exc)) from None
    try:
        document = load_yaml(path, raw)  # JSON is YAML: the same reader gives every value's line
    except SourceError as exc:
        if "duplicate key" in exc.message:  # JSON readers keep the last silently; refuse instead
            raise PackConfigError(str(exc)) from None
        document = Document(str(path), data, {(): 1})
    _check(data, document, policies)
    return data


def _name(key: object) -> str:
    """A key as a message shows it: plain when it is a name, quoted otherwise (no newline reaches a message)."""
    text = str(key)
    return text if re.fullmatch(r"[A-Za-z0-9_.-]+", text) else repr(text)


def _error(document: Document, at: tuple, message: str) -> PackConfigError:
    return PackConfigError(f"{document.file}:{document.line(at)}: {message}")


def _check(data: Any, document: Document, policies: Mapping[str, Mapping[str, Any]] | None) -> None:
    if not isinstance(data, dict):
        raise _error(document, (), "must be a JSON object of policy names, not " + _kind(data))
    for name, entry in data.items():
        at = (name,)
        if name != ALL and policies is not None and name not in policies:
            guess = closest(name, [*policies, ALL])
            hint = f"did you mean {guess!r}?" if guess else f"the pack's policies: {', '.join(sorted(policies))}"
            raise _error(document, at, f"{_name(name)}: unknown policy; {hint}")
        options = (policies or {}).get(name, {}) if name != ALL else {}
        if isinstance(entry, str):
            _level(entry, document, at, _name(name))
        elif isinstance(entry, dict):
            for key, value in entry.items():
                if key == LEVEL_KEY:
                    _level(value, document, (*at, key), f"{_name(name)}.{key}")
                elif name == ALL or (policies is not None and key not in options):
                    known = [LEVEL_KEY, *options] if name != ALL else [LEVEL_KEY]
                    guess = closest(key, known)
                    hint = f"did you mean {guess!r}?" if guess else f"known keys: {', '.join(known)}"
                    raise _error(document, (*at, key), f"{_name(name)}.{_name(key)}: unknown key; {hint}")
                else:
                    _schema(value, options.get(key, {}), document, (*at, key), f"{_name(name)}.{_name(key)}")
        else:
            raise _error(
                document, at, f"{name}: must be a level ({', '.join(LEVELS)}) or an object, not {_kind(entry)}"
            )


def _level(value: Any, document: Document, at: tuple, what: str) -> None:
    if value not in LEVELS:
        raise _error(document, at, f"{what}: {value!r} is not an enforcement level; use one of {', '.join(LEVELS)}")


_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "array": list,
    "object": dict,
    "boolean": bool,
    "number": (int, float),
    "integer": int,
}


def _schema(value: Any, schema: Mapping[str, Any], document: Document, at: tuple, what: str) -> None:
    """The subset of JSON schema the pack's options use: type, items, properties, required, minLength, pattern
    (its description, when it has one, is what the message asks for)."""
    kind = schema.get("type")
    kind_name = kind if isinstance(kind, str) else ""
    expected = _TYPES.get(kind_name)
    if expected is not None and (
        not isinstance(value, expected) or (kind_name != "boolean" and isinstance(value, bool))
    ):
        raise _error(document, at, f"{what}: must be {_article(kind_name)}, not {_kind(value)}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        raise _error(document, at, f"{what}: needs at least {schema['minLength']} characters")
    # JSON schema's pattern is ECMA's: it searches, and its \d is the ASCII digits.
    pattern = schema.get("pattern")
    if isinstance(value, str) and isinstance(pattern, str) and not re.search(pattern, value, re.ASCII):
        form = schema.get("description") or f"of the form {pattern}"
        raise _error(document, at, f"{what}: {value!r} is not {form}")
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            _schema(item, schema["items"], document, (*at, index), f"{what}[{index}]")
    if isinstance(value, dict) and isinstance(schema.get("properties"), Mapping):
        known = schema["properties"]
        for key, item in value.items():
            if key not in known:
                guess = closest(key, known)
                hint = f"did you mean {guess!r}?" if guess else f"known keys: {', '.join(known)}"
                raise _error(document, (*at, key), f"{what}.{_name(key)}: unknown key; {hint}")
            _schema(item, known[key], document, (*at, key), f"{what}.{_name(key)}")
        for key in schema.get("required", ()):
            if key not in value:
                raise _error(document, at, f"{what}.{key}: required")


def _article(kind: str) -> str:
    return {"array": "a list", "object": "an object", "integer": "a whole number"}.get(kind, f"a {kind}")


def _kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
