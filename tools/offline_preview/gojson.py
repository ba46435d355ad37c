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
