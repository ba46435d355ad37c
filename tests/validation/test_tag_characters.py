"""The tag characters AWS accepts (IAM's tagKeyType and tagValueType: letters, separators (spaces), numbers and
`_ . : / = + - @`), against a rule written here from Unicode's categories, independently of aws_facts.tags."""

import re
import unicodedata

from aws_facts import models, tags
from hypothesis import given
from hypothesis import strategies as st

ALSO = set("_.:/=+-@")


def accepted(character: str) -> bool:
    # \p{L}, \p{Z} and \p{N}: the Unicode general categories L*, Z* and N*.
    return unicodedata.category(character)[0] in "LZN" or character in ALSO


def test_the_pattern_is_one_character_class_repeated():
    # What tags.bad_characters relies on: a text matches the pattern exactly when each of its characters does.
    pattern = models.pattern(*tags.VALUE_SHAPE)
    assert re.fullmatch(r"\^?\[[^\[\]]*\][*+]\$?", pattern), pattern
    assert models.pattern(*tags.KEY_SHAPE).rstrip("$").rstrip("*+") == pattern.rstrip("$").rstrip("*+")


# Characters unassigned in Python's Unicode tables (category Cn) are left out: the `regex` module that compiles the
# model's pattern may know a newer Unicode, where some of them are letters.
@given(st.text(st.characters(exclude_categories=["Cn"]), max_size=40))
def test_bad_characters_are_the_characters_aws_refuses(text):
    expected = "".join(sorted({c for c in text if not accepted(c)}))
    assert tags.bad_characters(text) == expected
    assert tags.is_tag_text(text) is (expected == "")


def test_examples():
    assert tags.bad_characters("team=nlp, owner@acme") == ","
    assert tags.bad_characters("ünïcödé 42") == ""
    assert tags.bad_characters("a;b#c") == "#;"
