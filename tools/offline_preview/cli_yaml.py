"""Plain YAML scalars the Pulumi CLI reads otherwise than this project's YAML reader.

The CLI reads Pulumi.yaml and Pulumi.<stack>.yaml with Go's gopkg.in/yaml.v3 (YAML 1.2's core schema: a plain
scalar is a bool only as true/false, an int by Go's strconv.ParseInt with base 0, else a float by YAML's float
form, else a string; resolve.go), while the offline preview reads them with PyYAML (YAML 1.1). The two disagree
on a few plain scalars, and the stack config then differs from what the engine hands the program and the
provider. The classic one is an account id with a leading zero: `aws:allowedAccountIds: [012345678901]` is the
text 012345678901 here and the number 12345678901 for the CLI (not octal, so a float), an account the provider
refuses. Each such scalar is refused with its line: quote it.
"""

from __future__ import annotations

import re

import yaml

# (pattern of a plain scalar, how the CLI reads it otherwise than YAML 1.1)
_DIFFERENT = (
    (
        re.compile(r"[-+]?0[0-9_]+"),
        "a number without its leading zero (Go's ParseInt reads 0-prefixed digits as octal)",
    ),
    (re.compile(r"[-+]?0o[0-7_]+"), "an octal number (YAML 1.1 reads it as text)"),
    (re.compile(r"yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF"), "text, not a boolean (YAML 1.2 has only true/false)"),
    (re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"), "text, not a base-60 number"),
    (re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?"), "text, not a date"),
)


def ambiguous_scalars(text: str) -> list[tuple[int, str, str]]:
    """(line, value, how the CLI reads it) for every plain scalar the CLI reads otherwise than YAML 1.1."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []  # the reader reports malformed YAML itself
    found: list[tuple[int, str, str]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in node.value for v in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.ScalarNode) and node.style is None:
            for pattern, how in _DIFFERENT:
                if pattern.fullmatch(node.value):
                    found.append((node.start_mark.line + 1, node.value, how))
                    break
    return sorted(found)
