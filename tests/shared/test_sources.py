"""Every YAML input file is read by model_registry.sources: lines for every value, one-line errors, no hang."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_registry.sources import MAX_DEPTH, MAX_NODES, SourceError, closest, load_json, load_yaml, unknown_key_message

CATALOG = b"""team: nlp
models:
  - name: llama
    mutableTags: ["latest"]
  - name: bert
    lifecycle:
      untaggedExpiryDays: 7
"""


def test_every_value_has_the_line_it_was_written_on():
    document = load_yaml("catalog/nlp.yaml", CATALOG)
    assert document.data["models"][1]["lifecycle"] == {"untaggedExpiryDays": 7}
    assert document.line(("team",)) == 1
    assert document.line(("models", 0, "name")) == 3
    assert document.line(("models", 1)) == 5
    assert document.line(("models", 1, "lifecycle", "untaggedExpiryDays")) == 7


def test_a_path_without_a_line_falls_back_to_its_nearest_parent():
    document = load_yaml("catalog/nlp.yaml", CATALOG)
    assert document.line(("models", 1, "costCentre")) == 5
    assert str(document.error(("models", 1, "costCentre"), "required")) == "catalog/nlp.yaml:5: required"


def test_scalars_keep_their_yaml_types():
    document = load_yaml("x.yaml", b'a: 1\nb: "1"\nc: true\nd: null\ne: 1.5\n')
    assert document.data == {"a": 1, "b": "1", "c": True, "d": None, "e": 1.5}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"a: 1\nb: \xff\n", "x.yaml:2: byte 0xff is not UTF-8; save the file as UTF-8"),
        (b"a: 1\nb: 2\na: 3\n", "x.yaml:3: duplicate key 'a' (first on line 1)"),
        (b"a: 2020-01-01\n", "x.yaml:1: a: a date (quote it to keep it as text) is not accepted here"),
        (b"a: !!binary aGVsbG8=\n", "x.yaml:1: a: binary data is not accepted here"),
        (b"a: &x {b: 1}\nc:\n  <<: *x\n", "x.yaml:3: '<<' merge keys are not accepted: write the keys out"),
        (b"a:\n\t- b\n", "x.yaml:2: not valid YAML: found character that cannot start any token"),
        (b"? [a, b]\n: 1\n", "x.yaml:1: a key must be a plain string"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_line(text, expected):
    with pytest.raises(SourceError) as raised:
        load_yaml("x.yaml", text)
    assert str(raised.value) == expected


def test_aliases_that_expand_past_the_bound_are_refused_at_once():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 8):  # 10**8 values once expanded
        previous = chr(ord("a") + level - 1)
        lines.append(f"{chr(ord('a') + level)}: &{chr(ord('a') + level)} [" + ",".join([f"*{previous}"] * 10) + "]")
    with pytest.raises(SourceError, match=f"expands to more than {MAX_NODES:,} values through aliases"):
        load_yaml("bomb.yaml", "\n".join(lines).encode())


def test_aliases_within_the_bound_are_expanded():
    document = load_yaml("x.yaml", b"a: &a [1, 2]\nb: *a\n")
    assert document.data == {"a": [1, 2], "b": [1, 2]}


def test_nesting_at_the_limit_is_read_and_one_deeper_is_refused():
    def nested(depth: int) -> bytes:
        return b"[" * depth + b"1" + b"]" * depth

    assert load_yaml("x.yaml", nested(MAX_DEPTH)).data is not None
    with pytest.raises(SourceError, match=f"nested more than {MAX_DEPTH} levels deep"):
        load_yaml("x.yaml", nested(MAX_DEPTH + 1))


def test_very_deep_nesting_is_refused_without_recursion_errors():
    with pytest.raises(SourceError, match="x.yaml"):
        load_yaml("x.yaml", b"a: " + b"[" * 200_000 + b"]" * 200_000)


def test_closest_key_is_case_insensitive_and_none_when_nothing_is_close():
    assert closest("CI", ["ci", "consumers"]) == "ci"
    assert closest("scaning", ["scanning", "lifecycle"]) == "scanning"
    assert closest("zzz", ["scanning", "lifecycle"]) is None
    assert (
        unknown_key_message("lifecyle", ["scanning", "lifecycle"])
        == "unknown key 'lifecyle'; did you mean 'lifecycle'?"
    )


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_give_data_or_one_source_error(raw):
    try:
        load_yaml("fuzz.yaml", raw)
    except SourceError as error:
        message = str(error)
        assert message.startswith("fuzz.yaml") and "\n" not in message


def test_json_nesting_at_the_limit_is_read_and_one_deeper_is_refused():
    def nested(depth: int) -> bytes:
        return b"[" * depth + b"1" + b"]" * depth

    assert load_json("x.json", nested(5), max_depth=5) is not None
    with pytest.raises(SourceError, match="x.json: nested more than 5 levels deep"):
        load_json("x.json", nested(6), max_depth=5)


def test_json_size_at_the_limit_is_read_and_one_byte_more_is_refused():
    assert load_json("x.json", b'"abc"', max_bytes=5) == "abc"
    with pytest.raises(SourceError, match="x.json: 6 bytes, more than the 5 this reader accepts"):
        load_json("x.json", b'"abcd"', max_bytes=5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'{"a": 1,\n "b": \xff}', "x.json:2: byte 0xff at offset 15 is not UTF-8"),
        (b'{"a": 1,\n "b": }', "x.json:2: not a manifest (Expecting value)"),
        (b"[" * 100_000, "x.json: nested more than"),
    ],
)
def test_a_bad_json_file_is_one_line_naming_the_file_and_line(text, expected):
    with pytest.raises(SourceError) as raised:
        load_json("x.json", text, what="a manifest")
    assert str(raised.value).startswith(expected)


def test_an_unreadable_json_file_is_one_line(tmp_path):
    with pytest.raises(SourceError, match="missing.json: cannot read"):
        load_json(tmp_path / "missing.json")
