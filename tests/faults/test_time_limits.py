"""Every phase has a time limit: past it, the stack is FAILED with one line naming the phase and the limit.

Each test injects the fault (a program that never ends, a checkov worker or a pack that never answers),
asserts the one line and the exit status, then reruns without the fault and gets the correct result.
"""

from __future__ import annotations

import json

import pytest
from faults_helpers import CHILDREN, FAULT_PACK, PROGRAM_OK, call_main, project, run_command, the_line
from offline_preview import supervise

LOOPS_FOREVER = "while True:\n    pass\n"
# Catches the time limit's exception and loops on: only the hard stop ends it.
SWALLOWS_THE_LIMIT = """
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
"""
SLEEPS_ONE_SECOND = "import time\n\nimport pulumi_aws as aws\n\ntime.sleep(1)\naws.s3.Bucket('models')\n"


def preview(directory, *extra, **kwargs):
    return run_command(
        "--project", str(directory), "--build-dir", str(directory / "build"), "--quiet", "--json", *extra, **kwargs
    )


def stack_of(completed):
    (stack,) = json.loads(completed.stdout)["stacks"]
    return stack


def test_a_program_that_loops_forever_is_failed_at_the_evaluation_limit_and_the_rerun_is_ok(tmp_path):
    directory = project(tmp_path / "loop", LOOPS_FOREVER)
    completed = preview(directory, "--no-checkov", "--no-policy", "--evaluation-timeout", "2")
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""
    error = stack_of(completed)["error"]
    assert error == (
        "loop: the program's evaluation passed its time limit of 2 s "
        "(--evaluation-timeout or OFFLINE_PREVIEW_EVALUATION_TIMEOUT)"
    )
    (directory / "__main__.py").write_text(PROGRAM_OK)
    rerun = preview(directory, "--no-checkov", "--no-policy", "--evaluation-timeout", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert stack_of(rerun)["ok"] is True


def test_the_evaluation_limit_comes_from_the_environment_too(tmp_path):
    directory = project(tmp_path / "loop", LOOPS_FOREVER)
    completed = preview(directory, "--no-checkov", "--no-policy", env={"OFFLINE_PREVIEW_EVALUATION_TIMEOUT": "1.5"})
    assert completed.returncode == 1
    assert "time limit of 1.5 s" in stack_of(completed)["error"]


def test_a_program_within_its_limit_is_ok_and_one_over_is_failed(tmp_path):
    directory = project(tmp_path / "slow", SLEEPS_ONE_SECOND)
    within = preview(directory, "--no-checkov", "--no-policy", "--evaluation-timeout", "20")
    assert within.returncode == 0, within.stderr
    over = preview(directory, "--no-checkov", "--no-policy", "--evaluation-timeout", "0.5")
    assert over.returncode == 1
    assert "time limit of 0.5 s" in stack_of(over)["error"]


def test_a_program_that_swallows_the_limit_is_ended_by_the_hard_stop_in_one_line(tmp_path):
    directory = project(tmp_path / "stubborn", SWALLOWS_THE_LIMIT)
    # The hard stop 1 s after the limit, not the default's 10 (asserted below): the same watchdog, 9 s sooner.
    completed = run_command(
        "--project", str(directory), "--build-dir", str(tmp_path / "build"), "--quiet", "--no-checkov",
        "--no-policy", "--evaluation-timeout", "1", timeout=60, hard_stop_grace=1,
    )  # fmt: skip
    assert completed.returncode == 1
    assert the_line(completed.stderr) == (
        "offline-preview: stubborn: the program's evaluation passed its time limit of 1 s (--evaluation-timeout or "
        "OFFLINE_PREVIEW_EVALUATION_TIMEOUT) (it did not stop when told to: the process was ended)"
    )
    assert completed.stdout == ""
    assert supervise.HARD_STOP_GRACE <= 10


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        (["--evaluation-timeout", "0"], {}, "a time limit must be a positive number of seconds (got 0.0)"),
        (["--checkov-timeout", "-1"], {}, "a time limit must be a positive number of seconds (got -1.0)"),
        (["--pack-timeout", "nan"], {}, "a time limit must be a positive number of seconds (got nan)"),
        ([], {"OFFLINE_PREVIEW_PACK_TIMEOUT": "ten"}, "OFFLINE_PREVIEW_PACK_TIMEOUT='ten': a time limit is a number"),
        ([], {"OFFLINE_PREVIEW_CHECKOV_TIMEOUT": "inf"}, "a time limit must be a positive number of seconds (got inf)"),
        (
            [],
            {"OFFLINE_PREVIEW_PROGRESS_SECONDS": "often"},
            "OFFLINE_PREVIEW_PROGRESS_SECONDS='often': a progress interval is a number of seconds",
        ),
        (
            [],
            {"OFFLINE_PREVIEW_PROGRESS_SECONDS": "0"},
            "a progress interval must be a positive number of seconds (got 0.0)",
        ),
    ],
)
def test_a_limit_that_is_not_seconds_is_refused_in_one_line(tmp_path, flag, env, expected):
    # Refused while reading the options, before anything runs: the command's main in this process (the same
    # code), and one refusal through the command's process below.
    directory = project(tmp_path / "ok", PROGRAM_OK)
    completed = call_main(
        "--project", str(directory), "--build-dir", str(directory / "build"), "--quiet", "--json", *flag, env=env
    )
    assert completed.returncode == 2
    assert expected in the_line(completed.stderr)
    assert not (directory / "build").exists()


def test_a_limit_that_is_not_seconds_is_refused_in_one_line_by_the_command_process(tmp_path):
    directory = project(tmp_path / "ok", PROGRAM_OK)
    completed = preview(directory, env={"OFFLINE_PREVIEW_PACK_TIMEOUT": "ten"})
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert the_line(completed.stderr) == (
        "offline-preview: OFFLINE_PREVIEW_PACK_TIMEOUT='ten': a time limit is a number of seconds"
    )


def test_a_silent_checkov_worker_is_failed_at_the_scan_limit_and_the_rerun_is_ok(tmp_path):
    directory = project(tmp_path / "scanned", PROGRAM_OK)
    completed = preview(
        directory, "--no-policy", "--checkov-timeout", "2", checkov_worker=CHILDREN / "worker_silent.py"
    )
    assert completed.returncode == 1, completed.stderr
    assert stack_of(completed)["checkovError"] == (
        "the checkov worker was silent for 2 s while scanning plan-0000.json (the limit: --checkov-timeout or "
        "OFFLINE_PREVIEW_CHECKOV_TIMEOUT); it was stopped"
    )
    rerun = preview(directory, "--no-policy")
    assert rerun.returncode == 0, rerun.stderr
    assert stack_of(rerun)["ok"] is True


def test_a_checkov_worker_that_never_finishes_importing_is_failed_at_the_scan_limit(tmp_path):
    directory = project(tmp_path / "scanned", PROGRAM_OK)
    completed = preview(
        directory, "--no-policy", "--checkov-timeout", "2", checkov_worker=CHILDREN / "worker_never_ready.py"
    )
    assert completed.returncode == 1
    assert "was silent for 2 s while importing checkov" in stack_of(completed)["checkovError"]


def test_a_silent_pack_is_failed_at_the_call_limit_and_the_rerun_is_ok(tmp_path):
    directory = project(tmp_path / "policed", PROGRAM_OK)
    completed = preview(
        directory, "--no-checkov", "--pack-timeout", "2", pack_dir=FAULT_PACK, env={"FAULT_PACK": "sleep"}
    )
    assert completed.returncode == 1, completed.stderr
    assert stack_of(completed)["policyError"] == (
        "the policy pack did not answer a call within 2 s (the limit: --pack-timeout or OFFLINE_PREVIEW_PACK_TIMEOUT)"
    )
    rerun = preview(directory, "--no-checkov", "--pack-timeout", "30", pack_dir=FAULT_PACK, env={"FAULT_PACK": ""})
    assert rerun.returncode == 0, rerun.stderr
    assert stack_of(rerun)["ok"] is True
