"""A program that ends before the engine's end-of-program signal (SignalAndWaitForShutdown, the SDK's last
call in run_in_stack) is FAILED, never OK: its resources may not all be registered."""

from __future__ import annotations

import json

import pytest
from faults_helpers import PROGRAM_OK, project, run_command

EXITS_EARLY = "import os\n\nimport pulumi_aws as aws\n\naws.s3.Bucket('first')\n{exit}\naws.s3.Bucket('second')\n"


@pytest.mark.parametrize(
    ("exit_call", "status"), [("os._exit(0)", "0"), ("import posix\nposix._exit(0)", "0"), ("os._exit(3)", "3")]
)
def test_a_program_that_exits_before_the_end_of_program_signal_is_failed_and_the_rerun_is_ok(
    tmp_path, exit_call, status
):
    directory = project(tmp_path / "early", EXITS_EARLY.format(exit=exit_call))
    args = ["--project", str(directory), "--build-dir", str(tmp_path / "build"), "--quiet", "--json", "--no-checkov"]
    completed = run_command(*args, "--no-policy")
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""
    (stack,) = json.loads(completed.stdout)["stacks"]
    assert stack["ok"] is False
    assert stack["error"].endswith(
        f"the program called os._exit({status}) before the engine's end-of-program signal: its resources are not "
        "all registered (FAILED, never OK)"
    )
    (directory / "__main__.py").write_text(PROGRAM_OK)
    rerun = run_command(*args, "--no-policy")
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["ok"] is True


def test_the_preview_still_exits_normally_after_a_program_tried_os_exit(tmp_path):
    """os._exit is the real one again once the evaluation is over (the command ends with its own status)."""
    import os

    from offline_preview.evaluate import EvaluationError, evaluate

    directory = project(tmp_path / "early", EXITS_EARLY.format(exit="os._exit(0)"))
    with pytest.raises(EvaluationError, match=r"os\._exit\(0\) before the engine's end-of-program signal"):
        evaluate(directory, "local")
    assert os._exit.__module__ == "posix"
