"""`make deployer-policies` (python -m deployer_policies --env): stack files of any content."""

import shutil

import pytest
import yaml
from deployer_policies import cli as deployer_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inputs_helpers import STACKS, assert_refused_in_one_line, call, file_bytes, json_values
from model_registry.errors import ConfigError


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    root = tmp_path_factory.mktemp("stacks")
    for name in ("registry", "replication", "access"):
        (root / name).mkdir()
        shutil.copy(STACKS / name / "Pulumi.dev.yaml", root / name / "Pulumi.dev.yaml")
    return root


def _target_or_refused(stacks_dir):
    try:
        return deployer_cli.target_of_environment(stacks_dir, "dev")
    except (deployer_cli.UsageError, ConfigError) as error:
        assert "\n" not in str(error)
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_bytes, st.sampled_from(["registry", "replication"]))
def test_any_bytes_give_a_target_or_one_line(stacks, data, project):
    path = stacks / project / "Pulumi.dev.yaml"
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        _target_or_refused(stacks)
    finally:
        path.write_bytes(original)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["aws:allowedAccountIds", "aws:region", "registry:namespace", "replication:rules"]), json_values)
def test_any_value_of_the_keys_it_reads_gives_a_target_or_one_line(stacks, key, value):
    project = key.split(":")[0] if not key.startswith("aws:") else "registry"
    path = stacks / project / "Pulumi.dev.yaml"
    original = path.read_text()
    data = yaml.safe_load(original)
    data["config"][key] = value
    path.write_text(yaml.safe_dump(data))
    try:
        target = _target_or_refused(stacks)
        if target is not None and key == "aws:allowedAccountIds":
            assert target.account_id == value[0] and len(value[0]) == 12  # never a piece of a string
    finally:
        path.write_text(original)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("aws:allowedAccountIds: 111111111111", "must be a list of quoted account ids"),
        ('aws:allowedAccountIds: "111111111111"', "must be a list of quoted account ids"),
        ("aws:allowedAccountIds: [111111111111]", "is not a quoted 12-digit AWS account id"),
        ("aws:region: us-east1", "did you mean 'us-east-1'?"),
    ],
    ids=["unquoted", "quoted-string", "unquoted-in-list", "region"],
)
def test_the_cli_refuses_a_bad_account_or_region_in_one_line(stacks, tmp_path, value, expected):
    path = stacks / "registry" / "Pulumi.dev.yaml"
    original = path.read_text()
    lines = [
        line for line in original.splitlines() if not line.startswith(f"  {value.split(':')[0]}:{value.split(':')[1]}:")
    ]
    path.write_text("\n".join([*lines, f"  {value}", ""]))
    try:
        result = call(deployer_cli.main, ["--env", "dev", "--stacks-dir", str(stacks), "--out", str(tmp_path / "out")])
    finally:
        path.write_text(original)
    assert expected in assert_refused_in_one_line(result)
    assert not (tmp_path / "out").exists()
