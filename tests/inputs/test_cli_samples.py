"""A generated sample through the real entry points as subprocesses: exit status, one line, no traceback."""

import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inputs_helpers import DEPLOYER, OFFLINE_PREVIEW, REPO, STACKS, assert_refused_in_one_line, file_bytes, run


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(STACKS, root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "policy-pack" / "config", root / "policy-pack" / "config")
    for name in ("base", "head"):
        (root / name).mkdir()
        (root / name / "registry.json").write_text(json.dumps({"resources": []}))
    return root


def _manifest(root, data):
    (root / "base" / "registry.json").write_bytes(data)
    return [*OFFLINE_PREVIEW, "diff", "--base-dir", str(root / "base"), "--head-dir", str(root / "head")]


def _stack_file(root, data):
    (root / "stacks" / "registry" / "Pulumi.local.yaml").write_bytes(data)
    return [*OFFLINE_PREVIEW, "--repo-root", str(root), "--no-policy", "--no-checkov", "--quiet"]


def _deployer_stack_file(root, data):
    (root / "stacks" / "registry" / "Pulumi.dev.yaml").write_bytes(data)
    return [*DEPLOYER, "--env", "dev", "--stacks-dir", str(root / "stacks"), "--out", str(root / "out")]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([_manifest, _stack_file, _deployer_stack_file]), file_bytes)
def test_generated_bad_files_through_each_entry_point(workspace, command, data):
    result = run(command(workspace, data))
    if command is _stack_file and result.returncode == 1:
        # A file that parses but holds no valid config: the program refused it, reported per stack.
        assert "Traceback" not in result.stdout + result.stderr
        assert "invalid configuration: " in result.stdout or "not evaluated" in result.stdout
    else:
        assert_refused_in_one_line(result, codes=(2,))
