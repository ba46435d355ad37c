"""The manifest: policy documents decoded for reading, the original strings rebuilt exactly."""

import json

from hypothesis import given
from hypothesis import strategies as st
from offline_preview.manifest import (
    json_text,
    load_manifest,
    manifest_path,
    rebuild_inputs,
    rebuild_outputs,
    write_manifest,
)
from offline_preview.streams import analyzer_resources
from preview_helpers import by_name


def test_policy_documents_are_stored_as_objects(basic_manifest):
    policy = by_name(basic_manifest, "alpha-policy")["inputs"]["policy"]
    assert policy["Statement"][0]["Action"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    trust = by_name(basic_manifest, "puller")["inputs"]["assumeRolePolicy"]
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}


def test_json_in_known_policy_fields_is_decoded_too(basic_manifest):
    lifecycle = by_name(basic_manifest, "alpha-lifecycle")
    assert lifecycle["inputs"]["policy"]["rules"][0]["action"] == {"type": "expire"}
    assert "/policy" in lifecycle["jsonStrings"]


def test_rebuilt_inputs_are_the_programs_exact_strings(basic_evaluation, basic_manifest):
    for resource in basic_evaluation.resources:
        if resource.type in ("aws:ecr/repositoryPolicy:RepositoryPolicy", "aws:ecr/lifecyclePolicy:LifecyclePolicy"):
            entry = next(r for r in basic_manifest["resources"] if r["urn"] == resource.urn)
            assert rebuild_inputs(entry)["policy"] == resource.inputs["policy"]


def test_an_encoding_json_dumps_cannot_reproduce_is_kept_raw():
    text = '{"Statement": [],   "Version": "2012-10-17"}'
    entry = {"inputs": {"policy": text}, "jsonStrings": {}, "unknownInputs": []}
    from offline_preview.manifest import decode_json_strings

    entry["inputs"] = decode_json_strings(entry["inputs"], "", entry["jsonStrings"])
    assert entry["jsonStrings"]["/policy"] == {"raw": text}
    assert rebuild_inputs(entry)["policy"] == text


def test_unknown_values_are_rebuilt_as_the_engines_sentinel():
    entry = {"inputs": {"kmsKey": "[unknown]"}, "jsonStrings": {}, "unknownInputs": ["/kmsKey"]}
    assert rebuild_inputs(entry) == {"kmsKey": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}


def test_the_policy_pack_gets_policies_as_json_strings_and_the_options(basic_manifest):
    resources = {r["name"]: r for r in analyzer_resources(basic_manifest)}
    assert isinstance(resources["alpha-policy"]["properties"]["policy"], str)
    assert json.loads(resources["alpha-policy"]["properties"]["policy"])["Statement"][0]["Sid"] == "Pull"
    by_urn = {r["urn"]: r for r in analyzer_resources(basic_manifest)}
    repository = "urn:pulumi:local::fixture-basic::fixture:index:ModelRepository$aws:ecr/repository:Repository::alpha"
    assert by_urn[repository]["options"]["protect"] is True
    assert by_urn[repository]["parent"] == "urn:pulumi:local::fixture-basic::fixture:index:ModelRepository::alpha"


def test_manifests_are_written_under_build_preview_env(tmp_path, basic_manifest):
    path = write_manifest(basic_manifest, manifest_path(tmp_path, "local", basic_manifest["project"]))
    assert path == tmp_path / "preview" / "local" / "fixture-basic.json"
    assert load_manifest(path) == json.loads(json.dumps(basic_manifest))
    assert list(load_manifest(path)) == ["format", "organization", "project", "stack", "config", "outputs", "resources"]


# JSON as a manifest holds it: string keys; strings with any character (control characters, quotes, U+2028,
# non-ASCII); integers within 64 bits (Struct numbers are doubles; the manifest's own counts are small).
_SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text()
_NUMBERS = st.floats(allow_nan=False, allow_infinity=False)


def _json(scalars):
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )


@given(_json(_SCALARS | _NUMBERS))
def test_the_manifests_json_text_reads_back_as_the_same_value(value):
    back = json.loads(json_text(value))
    assert back == value
    # the same floats, bit for bit (== takes -0.0 for 0.0)
    assert [x.hex() for x in _leaves(back) if isinstance(x, float)] == [
        x.hex() for x in _leaves(value) if isinstance(x, float)
    ]


@given(_json(_SCALARS))
def test_the_manifests_json_text_is_the_standard_librarys_indented_text(value):
    # Without floats (whose small values the two write in different notations), byte for byte what
    # json.dumps(indent=2, ensure_ascii=False) writes: the layout and the escapes.
    assert json_text(value).decode() == json.dumps(value, indent=2, ensure_ascii=False)


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@given(_json(_SCALARS | _NUMBERS))
def test_rebuilding_copies_the_entry_and_leaves_it_as_it_was(value):
    entry = {"inputs": {"a": value, "b": [value]}, "outputs": {"c": value}, "jsonStrings": {}, "unknownInputs": []}
    before = json.dumps(entry)
    inputs = rebuild_inputs(entry)
    assert inputs == {"a": value, "b": [value]}
    assert rebuild_outputs(entry, inputs) == {"a": value, "b": [value], "c": value}
    # A copy all the way down: changing the rebuilt inputs changes nothing of the entry.
    for container in _containers(inputs):
        container.clear()
    assert json.dumps(entry) == before


def _containers(value):
    if isinstance(value, dict | list):
        yield from (c for item in (value.values() if isinstance(value, dict) else value) for c in _containers(item))
        yield value
