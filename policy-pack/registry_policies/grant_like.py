"""Documents that can grant, found by shape: for a type the pack does not read, the path of anything that looks
like a grant (a document with a Principal, a property named like `principal`), so that it is refused as
"cannot be evaluated" rather than passed (resources.py, cloudformation_subjects.py)."""

from __future__ import annotations

import json
from typing import Any

from .values import MAX_DEPTH


def grant_like(value: Any, path: str = "", depth: int = 0) -> str:
    """The path of the first value that can grant to a principal: a policy document with a Principal or
    NotPrincipal, or a property named like `principal`. "" when there is none.

    A string holding JSON is parsed (never searched as text: `\\u0050rincipal` is `Principal`)."""
    if depth > MAX_DEPTH:
        return path or "(nested too deeply)"
    if isinstance(value, str) and value.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        try:
            value = json.loads(value.lstrip("\ufeff \t\r\n"))
        except ValueError:
            return ""
        if isinstance(value, str):
            return ""
    if isinstance(value, dict):
        lowered = {str(k).lower(): v for k, v in value.items()}
        if "statement" in lowered and _names_a_principal(lowered["statement"]):
            return path or "(document)"
        for key, item in value.items():
            name = str(key).lower()
            grantee = name.endswith("principal") or name.endswith("principals") or name == "principalorgid"
            if grantee and item not in (None, "", [], {}) and item is not False:  # allowExternalPrincipals: false
                return f"{path}.{key}" if path else str(key)
            found = grant_like(item, f"{path}.{key}" if path else str(key), depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = grant_like(item, f"{path}[{index}]", depth + 1)
            if found:
                return found
    return ""


def _names_a_principal(statements: Any) -> bool:
    """A Statement (one or a list) any of whose statements has a Principal or NotPrincipal key, any case."""
    listed = statements if isinstance(statements, list) else [statements]
    return any(isinstance(s, dict) and any(str(k).lower() in ("principal", "notprincipal") for k in s) for s in listed)
