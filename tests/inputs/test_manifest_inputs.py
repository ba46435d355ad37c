"""`offline-preview diff --base-dir/--head-dir`: any file in a manifest folder is read or refused in one line."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples
from inputs_helpers import (
    DEEP_JSON,
    assert_refused_in_one_line,
    call,
    file_bytes,
    json_values,
    read_or_refused_in_one_line,
)
from offline_preview.cli import main as offline_preview
from offline_preview.diff import diff_directories
from offline_preview.manifest_reader import MAX_MANIFEST_DEPTH, ManifestError, read_manifest

GOOD = {
    "resources": [
        {
            "urn": "urn:pulumi:local::p::aws:ecr/repository:Repository::a",
            "type": "aws:ecr/repository:Repository",
            "inputs": {"name": "models/a"},
            "options": {"protect": True},
        }
    ]
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("manifests")


def _read_or_refuse(path):
    return read_or_refused_in_one_line(read_manifest, path, ManifestError)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_bytes)
def test_any_bytes_are_read_or_refused_naming_the_file(folder, data):
    path = folder / "stack.json"
    path.write_bytes(data)
    _read_or_refuse(path)


# Shapes near a manifest: resources of any JSON value, entries missing or mistyping each field.
entries = st.fixed_dictionaries(
    {},
    optional={"urn": json_values, "type": json_values, "inputs": json_values, "options": json_values},
)
shapes = st.one_of(
    json_values,
    st.fixed_dictionaries({"resources": st.one_of(json_values, st.lists(entries, max_size=4))}),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shapes, shapes)
def test_any_two_json_documents_diff_or_are_refused(folder, base, head):
    (folder / "base").mkdir(exist_ok=True)
    (folder / "head").mkdir(exist_ok=True)
    (folder / "base" / "s.json").write_text(json.dumps(base))
    (folder / "head" / "s.json").write_text(json.dumps(head))
    try:
        diff_directories(folder / "base", folder / "head")
    except ManifestError as error:
        assert "\n" not in str(error)


def test_nesting_at_the_limit_is_read_and_one_over_is_refused(tmp_path):
    def nested(depth):  # the document itself is level 1, its resources list level 2
        inputs = "1"
        for _ in range(depth - 4):
            inputs = f"[{inputs}]"
        entry = {"urn": "u", "type": "t", "options": {}}
        return json.dumps({"resources": [entry]}).replace(
            '"options": {}', f'"options": {{}}, "inputs": {{"x": {inputs}}}'
        )

    path = tmp_path / "m.json"
    path.write_text(nested(MAX_MANIFEST_DEPTH))
    assert read_manifest(path)["resources"][0]["urn"] == "u"
    path.write_text(nested(MAX_MANIFEST_DEPTH + 1))
    with pytest.raises(ManifestError, match="nested more than"):
        read_manifest(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not json at all", "not a JSON manifest"),
        (json.dumps({"resources": [{"type": "t", "inputs": {}, "options": {}}]}).encode(), "`urn` missing"),
        (b"[1, 2, 3]", "not a manifest"),
        (bytes(range(256)) * 4, "is not UTF-8"),
        (DEEP_JSON.encode(), "nested more than"),
        (json.dumps({"resources": [GOOD["resources"][0]] * 2}).encode(), "duplicate urn"),
    ],
    ids=["not-json", "no-urn", "array", "random-bytes", "deep", "duplicate-urn"],
)
def test_the_cli_refuses_a_bad_manifest_in_one_line(tmp_path, content, expected):
    base, head = tmp_path / "base", tmp_path / "head"
    base.mkdir()
    head.mkdir()
    (base / "registry.json").write_bytes(content)
    (head / "registry.json").write_text(json.dumps(GOOD))
    line = assert_refused_in_one_line(call(offline_preview, ["diff", "--base-dir", str(base), "--head-dir", str(head)]))
    assert expected in line and "registry.json" in line


statements = st.one_of(
    json_values,
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                k: json_values
                for k in ("Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "Condition")
            },
        ),
        max_size=3,
    ),
)


# Each example is two manifests through the diff and the IAM library: 300 took 29 s in the suite (load 4-10).
@settings(max_examples=examples(75, 300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements, statements)
def test_any_policy_statements_in_a_manifest_diff_without_error(folder, before, after):
    def manifest(statement):
        entry = {**GOOD["resources"][0], "inputs": {"policy": {"Version": "2012-10-17", "Statement": statement}}}
        return {"resources": [entry]}

    (folder / "pbase").mkdir(exist_ok=True)
    (folder / "phead").mkdir(exist_ok=True)
    (folder / "pbase" / "s.json").write_text(json.dumps(manifest(before)))
    (folder / "phead" / "s.json").write_text(json.dumps(manifest(after)))
    diff_directories(folder / "pbase", folder / "phead")
