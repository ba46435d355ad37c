"""The policy pack's config file: any content is read or refused in one line naming file and line."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inputs_helpers import (
    REPO,
    assert_refused_in_one_line,
    call,
    file_bytes,
    json_values,
    read_or_refused_in_one_line,
)
from offline_preview.cli import main as offline_preview
from offline_preview.pack_config import PackConfigError, installed_policies, read_pack_config
from registry_policies import names as policy_names

POLICIES = installed_policies()
LOCAL = json.loads((REPO / "policy-pack" / "config" / "local.json").read_text())


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    return tmp_path_factory.mktemp("pack") / "local.json"


def _read_or_refuse(path):
    return read_or_refused_in_one_line(lambda p: read_pack_config(p, POLICIES), path, PackConfigError)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_bytes)
def test_any_bytes_are_read_or_refused(path, data):
    path.write_bytes(data)
    _read_or_refuse(path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*POLICIES, "all", "no-wildcard-principle", ""]), json_values, max_size=5))
def test_any_json_object_is_read_or_refused(path, data):
    path.write_text(json.dumps(data))
    _read_or_refuse(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(p for p in LOCAL if isinstance(LOCAL[p], dict))), st.text(min_size=1, max_size=12))
def test_an_unknown_option_is_never_accepted(path, policy, option):
    known = {"enforcementLevel", *POLICIES[policy]}
    data = json.loads(json.dumps(LOCAL))
    data[policy][option] = []
    path.write_text(json.dumps(data, indent=2))
    if option in known:
        return
    with pytest.raises(PackConfigError, match="unknown key"):
        read_pack_config(path, POLICIES)


def test_a_misspelt_policy_names_the_line_and_the_closest_policy(path):
    text = json.dumps({**LOCAL, "no-wildcard-principle": "mandatory"}, indent=2)
    path.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "no-wildcard-principle" in row)
    with pytest.raises(PackConfigError) as error:
        read_pack_config(path, POLICIES)
    assert str(error.value) == (
        f"{path}:{line}: no-wildcard-principle: unknown policy; did you mean 'no-wildcard-principal'?"
    )


def test_the_cli_refuses_a_bad_pack_config_in_one_line(tmp_path):
    root = tmp_path / "repo"
    (root / "policy-pack" / "config").mkdir(parents=True)
    (root / "policy-pack" / "config" / "local.json").write_text(
        json.dumps({**LOCAL, policy_names.REQUIRED_TAGS: {"requiredTag": []}})
    )
    program = tmp_path / "p.py"
    program.write_text("import pulumi\n")
    result = call(offline_preview, ["--project", str(program), "--repo-root", str(root), "--no-checkov", "--quiet"])
    line = assert_refused_in_one_line(result)
    assert "required-tags.requiredTag: unknown key; did you mean 'requiredTags'?" in line
