"""JSON text byte for byte as Go's encoding/json writes it (the engine and the AWS provider are Go programs).

`json.Marshal`: compact, map keys sorted, UTF-8 kept, and the HTML-safe escapes `<` `>` `&` -> `\\u003c`
`\\u003e` `\\u0026`, plus U+2028/U+2029 -> `\\u2028`/`\\u2029`. `json.MarshalIndent(v, "", "  ")`: the same,
indented by two spaces. Struct fields keep their declared order: pass dicts in that order with
`sort_keys=False` (Go sorts only maps).
"""

from __future__ import annotations

import json

_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def marshal(value, *, sort_keys: bool = True) -> str:
    """Go's json.Marshal(value)."""
    # The characters translated never occur in JSON syntax outside strings, so escaping the text is exact.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).translate(_HTML_SAFE)


def marshal_indent(value, *, sort_keys: bool = True) -> str:
    """Go's json.MarshalIndent(value, "", "  ")."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=sort_keys).translate(_HTML_SAFE)


def _go_numbers(value):
    # Go decodes JSON numbers into float64 and writes a whole one without a fraction: 1.0 -> 1.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    return value


def provider_form(document) -> str | None:
    """A policy document as the AWS provider sends it (terraform-plugin-sdk's structure.NormalizeJsonString,
    which internal/service/ecr/repository_policy.go and its siblings call before SetRepositoryPolicy,
    PutRegistryPolicy and PutLifecyclePolicy): decoded, then json.Marshal'ed (compact, keys sorted, `<` `>`
    `&` escaped as six characters each). None when the text is not JSON (the provider refuses it)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    return marshal(_go_numbers(document))
