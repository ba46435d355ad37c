"""AWS's tag rules: lengths, characters, the reserved prefix, the count per resource.

Lengths and characters come from IAM's model (tagKeyType, tagValueType: `[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]`); ECR and
KMS document the same rule on their tagging pages. EC2 accepts any character in tags (the tagging page);
the lengths still hold there.
"""

from __future__ import annotations

from collections.abc import Callable

from . import models

KEY_SHAPE = ("iam", "tagKeyType")
VALUE_SHAPE = ("iam", "tagValueType")
MAX_TAG_KEY = int(models.length(*KEY_SHAPE)[1] or 0)
MAX_TAG_VALUE = int(models.length(*VALUE_SHAPE)[1] or 0)
MAX_TAGS = 50  # per resource ("Tag restrictions" on the tagging pages; aws: tags do not count)
RESERVED_PREFIX = "aws:"
ANY_CHARACTER_TYPE_PREFIXES = ("aws:ec2/",)
TAGS_URL = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html"
ALLOWED = "letters, digits, spaces and _ . : / = + - @"


# IAM's tag pattern is one character class repeated (`[...]*`, tests/validation/test_tag_characters.py): a text matches
# it exactly when each of its characters does.
is_tag_text: Callable[[str], bool] = models.compiled(models.pattern(*VALUE_SHAPE))
"""Every character is one IAM's tag pattern admits (the empty text included)."""


def bad_characters(text: str) -> str:
    """The characters of `text` AWS refuses in a tag, sorted, without repeats ('' when none)."""
    if is_tag_text(text):
        return ""
    return "".join(sorted({c for c in text if not is_tag_text(c)}))


def tag_value_problem(value: str) -> str | None:
    """Why AWS refuses `value` as a tag value, or None."""
    if len(value) > MAX_TAG_VALUE:
        return f"{len(value)} characters; a tag value has at most {MAX_TAG_VALUE}"
    bad = bad_characters(value)
    if bad:
        return f"{value!r} contains {bad[0]!r}, which AWS refuses in a tag value ({ALLOWED} only)"
    return None


def tag_key_problem(key: str) -> str | None:
    """Why AWS refuses `key` as a tag key, or None."""
    if not 1 <= len(key) <= MAX_TAG_KEY:
        return f"a tag key has 1-{MAX_TAG_KEY} characters, not {len(key)}"
    if key.lower().startswith(RESERVED_PREFIX):
        return f"{key!r}: tag keys starting with {RESERVED_PREFIX!r} are reserved for AWS"
    bad = bad_characters(key)
    if bad:
        return f"{key!r} contains {bad[0]!r}, which AWS refuses in a tag key ({ALLOWED})"
    return None
