"""What `make deploy-all`, `preview-all` and `destroy-all` ask of the pulumi CLI, in which order.

There is no pulumi CLI here, so a stand-in named `pulumi` on PATH records each call (working
directory, arguments, backend) and does nothing else: these tests check the Makefile's orchestration,
not a deployment (tests/makefile/test_pulumi_install.py covers installing the CLI where it is absent).
A deploy or destroy to ENV=dev|prod from a terminal asks first: these tests answer with YES=1, except
those of the question itself.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from local_emulator import free_port
from model_registry.contract import DEPLOY_ORDER

REPO = Path(__file__).resolve().parents[2]
# The Makefile must deploy in the order of the stack-reference contract.
STACKS = list(DEPLOY_ORDER)

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


@pytest.fixture
def recorded(tmp_path):
    """PATH with a recording `pulumi`, and a function returning its calls as (stack dir, args, backend)."""
    log = tmp_path / "pulumi.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "pulumi"
    stub.write_text(
        '#!/bin/sh\nprintf "%s|%s|%s\\n" "$(basename "$PWD")" "$*" "$PULUMI_BACKEND_URL" >> "$PULUMI_LOG"\n'
    )
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PULUMI_LOG": str(log), "YES": "1"}
    env.pop("PULUMI_BACKEND_URL", None)
    env.pop("CI", None)

    def calls():
        return [tuple(line.split("|")) for line in log.read_text().splitlines()] if log.exists() else []

    return env, calls


def make(*args, env):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, env=env, capture_output=True, text=True)


def flags(env_name):
    return f"--non-interactive --policy-pack {REPO}/policy-pack --policy-pack-config {REPO}/policy-pack/config/{env_name}.json"


def test_deploy_all_deploys_registry_then_replication_then_access_with_the_pack(recorded):
    env, calls = recorded
    result = make("deploy-all", "ENV=dev", env=env)
    assert result.returncode == 0, result.stderr
    expected = []
    for stack in STACKS:
        expected.append((stack, "stack select --create dev --non-interactive", ""))
        expected.append((stack, f"up --yes {flags('dev')}", ""))
    assert calls() == expected


def test_destroy_all_goes_in_reverse_and_keeps_protected_resources(recorded):
    env, calls = recorded
    assert make("destroy-all", "ENV=prod", env=env).returncode == 0
    assert [c[:2] for c in calls() if not c[1].startswith("stack")] == [
        (stack, "destroy --yes --exclude-protected --non-interactive") for stack in reversed(STACKS)
    ]


def test_preview_all_with_the_cli_runs_pulumi_preview_with_the_pack(recorded):
    env, calls = recorded
    assert make("preview-all", "ENV=dev", env=env).returncode == 0
    assert [c[:2] for c in calls() if not c[1].startswith("stack")] == [(s, f"preview {flags('dev')}") for s in STACKS]


def test_deploy_one_stack(recorded):
    env, calls = recorded
    assert make("deploy", "STACK=access", "ENV=dev", env=env).returncode == 0
    assert [c[:2] for c in calls()] == [
        ("access", "stack select --create dev --non-interactive"),
        ("access", f"up --yes {flags('dev')}"),
    ]


def test_local_uses_a_file_backend_in_the_repo_and_starts_the_emulator(recorded):
    env, calls = recorded
    port = str(free_port())
    try:
        result = make("deploy", "STACK=registry", f"MOTO_PORT={port}", env=env)
        assert result.returncode == 0, result.stderr
        assert f"emulator: moto on http://127.0.0.1:{port}" in result.stdout
        assert {backend for _, _, backend in calls()} == {f"file://{REPO}/.pulumi-state"}
    finally:
        make("emulator-stop", env=env)


def make_answering(*args, env, answer):
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=REPO, env=env, input=answer, capture_output=True, text=True
    )


@pytest.mark.parametrize("target", ["deploy-all", "destroy-all"])
def test_a_terminal_deploy_to_a_real_environment_asks_and_a_wrong_answer_changes_nothing(recorded, target):
    env, calls = recorded
    env.pop("YES")
    result = make_answering(target, "ENV=prod", env=env, answer="yes\n")
    assert result.returncode == 2 and calls() == [] and result.stdout == ""
    assert f"{target} to ENV=prod changes real AWS resources. Type the environment name to go on: " in result.stderr
    assert "error: not confirmed (answer 'yes', expected 'prod'), nothing was changed; YES=1 confirms" in result.stderr


def test_without_a_terminal_to_answer_nothing_is_deployed(recorded):
    env, calls = recorded
    env.pop("YES")
    result = make_answering("deploy", "STACK=access", "ENV=dev", env=env, answer="")
    assert result.returncode == 2 and calls() == []
    assert "error: not confirmed (answer '', expected 'dev')" in result.stderr


def test_typing_the_environment_name_goes_on(recorded):
    env, calls = recorded
    env.pop("YES")
    result = make_answering("deploy-all", "ENV=dev", env=env, answer="dev\n")
    assert result.returncode == 0, result.stderr
    assert [c[1] for c in calls() if not c[1].startswith("stack")] == [f"up --yes {flags('dev')}"] * len(STACKS)


@pytest.mark.parametrize("answered_by", [{"YES": "1"}, {"CI": "true"}])
def test_yes_or_ci_answers_for_you(recorded, answered_by):
    env, calls = recorded
    env.pop("YES")
    result = make_answering("deploy-all", "ENV=prod", env={**env, **answered_by}, answer="")
    assert result.returncode == 0, result.stderr
    assert "Type the environment name" not in result.stderr and len(calls()) == 2 * len(STACKS)


def test_a_local_deploy_asks_nothing(recorded):
    env, calls = recorded
    env.pop("YES")
    port = str(free_port())
    try:
        result = make_answering("deploy", "STACK=registry", f"MOTO_PORT={port}", env=env, answer="")
        assert result.returncode == 0, result.stderr
        assert "Type the environment name" not in result.stderr
    finally:
        make("emulator-stop", env=env)


# --- saved plans: what the approver saw is what is applied ------------------------------------------


def test_plan_all_saves_each_stacks_plan_with_the_pack(recorded, tmp_path):
    env, calls = recorded
    plans = tmp_path / "plans"
    result = make("plan-all", "ENV=prod", f"PLAN_DIR={plans}", env=env)
    assert result.returncode == 0, result.stderr
    assert [c[:2] for c in calls() if not c[1].startswith("stack")] == [
        (s, f"preview {flags('prod')} --save-plan {plans}/{s}.plan.json") for s in STACKS
    ]


def test_deploy_all_with_plans_applies_exactly_the_saved_plans(recorded, tmp_path):
    env, calls = recorded
    plans = tmp_path / "plans"
    plans.mkdir()
    for stack in STACKS:
        (plans / f"{stack}.plan.json").write_text("{}")
    result = make("deploy-all", "ENV=prod", "PLANS=1", f"PLAN_DIR={plans}", env=env)
    assert result.returncode == 0, result.stderr
    assert [c[:2] for c in calls() if not c[1].startswith("stack")] == [
        (s, f"up --yes {flags('prod')} --plan {plans}/{s}.plan.json") for s in STACKS
    ]


def test_deploy_all_with_plans_refuses_before_anything_runs_when_a_plan_is_missing(recorded, tmp_path):
    env, calls = recorded
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / f"{STACKS[0]}.plan.json").write_text("{}")
    result = make("deploy-all", "ENV=prod", "PLANS=1", f"PLAN_DIR={plans}", env=env)
    assert result.returncode == 2 and calls() == []
    assert f"error: {plans}/{STACKS[1]}.plan.json: no saved plan; run 'make plan-all ENV=prod' first" in result.stderr


# --- environments, free-text variables and exit status ----------------------------------------------


@pytest.mark.parametrize("target", ["deploy-all", "preview-all", "destroy-all", "diff", "deployer-policies"])
def test_an_unknown_environment_is_refused_before_anything_runs(recorded, target):
    env, calls = recorded
    result = make(target, "ENV=staging", env=env)
    assert result.returncode == 2
    assert "unknown environment 'staging'" in result.stderr and "dev local prod" in result.stderr
    assert result.stdout == "" and calls() == []


def test_an_environment_value_is_never_run_as_a_command(recorded, tmp_path):
    env, calls = recorded
    marker = tmp_path / "ran"
    result = make("deploy-all", f"ENV=local; touch {marker}", env=env)
    assert result.returncode == 2 and not marker.exists() and calls() == []


def test_a_stack_value_is_never_run_as_a_command(recorded, tmp_path):
    env, calls = recorded
    marker = tmp_path / "ran"
    result = make("deploy", f"STACK=access; touch {marker}", env=env)
    assert result.returncode == 2 and not marker.exists() and calls() == []
    assert "STACK must be one of" in result.stderr


def test_base_is_passed_to_git_as_a_revision_not_run_by_a_shell(recorded, tmp_path):
    env, _ = recorded
    marker = tmp_path / "ran"
    result = make("diff", f"BASE=HEAD; touch {marker}", env=env)
    assert not marker.exists()
    assert result.returncode == 2
    assert "offline-preview: BASE 'HEAD; touch" in result.stderr and "is not a commit" in result.stderr


def test_a_project_path_is_never_run_as_a_command(recorded, tmp_path):
    env, _ = recorded
    marker = tmp_path / "ran"
    result = make("preview", f"PROJECT=nowhere; touch {marker}", env=env)
    assert not marker.exists() and result.returncode == 2
    assert "--project nowhere; touch" in result.stderr


def test_make_keeps_the_tools_status_in_its_error_line(recorded):
    """GNU make ends with 2 for any failed recipe; the tool's own status is the `Error N` it prints."""
    env, _ = recorded
    result = make("diff", "BASE=no-such-revision", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("] Error 2")


@pytest.mark.parametrize(("target", "variable"), [("diff", "DIFF_FLAGS"), ("preview-all", "PREVIEW_FLAGS")])
def test_extra_flags_are_words_for_the_tool_never_commands(recorded, tmp_path, target, variable):
    env, _ = recorded
    marker = tmp_path / "ran"
    result = make(target, f"{variable}=--json; touch {marker} $(touch {marker})", "OFFLINE=1", env=env)
    assert result.returncode == 2 and not marker.exists()
    assert "offline-preview: unrecognized arguments: --json; touch" in result.stderr


def test_shard_moves_since_a_base_with_the_same_shards_asks_the_cli_nothing(recorded):
    env, calls = recorded
    result = make("shard-moves", "ENV=local", "BASE=HEAD", "APPLY=1", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "no model of 'local' changes shard since HEAD: nothing to move"
    assert calls() == []


def test_shard_moves_reads_base_as_a_revision_never_as_a_command(recorded, tmp_path):
    env, calls = recorded
    marker = tmp_path / "ran"
    result = make("shard-moves", "ENV=local", f"BASE=HEAD; touch {marker}", "APPLY=1", env=env)
    assert result.returncode == 2 and not marker.exists() and calls() == []
    assert f"part_moves: --base 'HEAD; touch {marker}': " in result.stderr
