"""Wildcard matching as IAM does it: `*` any run of characters, `?` exactly one, nothing else special.

Unlike fnmatch, `[`, `]` and `!` are literal. ARNs (Resource, ArnEquals/ArnLike) are matched segment by
segment ("You can use wildcard characters (* and ?) within the individual segments of an ARN"): `?` and a
`*` inside a segment never match a colon, but "if the * wildcard is the last character of a resource ARN
segment, it can expand to match beyond the colon boundaries" (IAM JSON policy elements: Resource).
"""

from __future__ import annotations

import re
from functools import lru_cache

GLOB_CHARS = ("*", "?")


def has_glob(text: str) -> bool:
    return "*" in text or "?" in text


@lru_cache(maxsize=8192)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL)


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """True when `value` matches the IAM wildcard `pattern` (whole string)."""
    if pattern == "*":
        return True
    if not has_glob(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def split_arn(value: str) -> list[str] | None:
    """The six parts of an ARN (the last keeps its colons), or None when `value` is not an ARN."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts


@lru_cache(maxsize=8192)
def _compiled_arn(pattern: str) -> re.Pattern[str]:
    parts = []
    for index, c in enumerate(pattern):
        if c == "*":
            last_of_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
            parts.append(".*" if last_of_segment else "[^:]*")
        elif c == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(c))
    return re.compile("".join(parts), re.DOTALL)


def arn_matches(pattern: str, value: str) -> bool:
    """ArnLike/ArnEquals and the Resource element: segment-wise, case-sensitive."""
    if pattern == "*":
        return True
    if not has_glob(pattern):
        return pattern == value
    return _compiled_arn(pattern).fullmatch(value) is not None


def instances(pattern: str, filler: str = "x-outsider") -> list[str]:
    """Concrete strings the pattern matches: each wildcard run replaced by nothing and by `filler`.

    Used to find a request value that satisfies a Like operator without enumerating every string.
    """
    if not has_glob(pattern):
        return [pattern]
    empty = re.sub(r"\*+", "", pattern).replace("?", "x")
    filled = re.sub(r"\*+", filler, pattern).replace("?", "x")
    return list(dict.fromkeys([filled, empty]))
