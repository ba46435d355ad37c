"""Children fail closed: a checkov worker or a policy pack that dies, answers garbage or falls silent is one
line naming the child and what it did; the stack is FAILED; nothing later crashes on the broken pipe."""

from __future__ import annotations

import json
import os
import signal

import pytest
from faults_helpers import CHILDREN, FAULT_PACK, PROGRAM_OK, project, run_command
from offline_preview import checkov, supervise
from offline_preview.analyzer_client import AnalyzerClient, AnalyzerError


def preview(directory, *extra, **kwargs):
    return run_command(
        "--project", str(directory), "--build-dir", str(directory / "build"), "--quiet", "--json", *extra, **kwargs
    )


def stack_of(completed):
    (stack,) = json.loads(completed.stdout)["stacks"]
    return stack


@pytest.mark.parametrize(
    ("worker", "expected"),
    [
        ("worker_crash.py", "the checkov worker exited with status 3 while scanning plan-0000.json"),
        (
            "worker_garbage.py",
            "the checkov worker replied with something that is not JSON while scanning plan-0000.json: "
            "'Traceback (most recent call last): checkov blew up'",
        ),
    ],
)
def test_a_checkov_worker_that_dies_or_answers_garbage_fails_the_stack_in_one_line(tmp_path, worker, expected):
    directory = project(tmp_path / "scanned", PROGRAM_OK)
    completed = preview(directory, "--no-policy", checkov_worker=CHILDREN / worker)
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""  # no traceback, no broken pipe later
    stack = stack_of(completed)
    assert stack["ok"] is False
    assert stack["checkovError"] == expected
    rerun = preview(directory, "--no-policy")
    assert rerun.returncode == 0, rerun.stderr
    assert stack_of(rerun)["ok"] is True


def test_the_real_checkov_worker_killed_mid_run_is_named_and_every_later_scan_gets_the_same_line(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {}}))
    worker = checkov.CheckovWorker(scan_timeout=120)
    try:
        worker.wait_ready()
        assert "the checkov worker" in supervise.tracked()
        os.kill(worker._process.pid, signal.SIGKILL)
        with pytest.raises(checkov.CheckovError) as first:
            worker.scan([plan])
        assert str(first.value) in (
            "the checkov worker exited (status -9) before scanning plan.json",
            "the checkov worker exited with status -9 while scanning plan.json",
        )
        with pytest.raises(checkov.CheckovError) as second:
            worker.scan([plan])
        assert str(second.value) == str(first.value)
    finally:
        worker.close()  # a dead worker's stdin: closed without a BrokenPipeError
    assert "the checkov worker" not in supervise.tracked()


def test_a_policy_pack_that_dies_during_a_call_fails_the_stack_in_one_line_and_the_rerun_is_ok(tmp_path):
    directory = project(tmp_path / "policed", PROGRAM_OK)
    completed = preview(directory, "--no-checkov", pack_dir=FAULT_PACK, env={"FAULT_PACK": "die"})
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""
    assert stack_of(completed)["policyError"].startswith("the policy pack exited with status 7 during a call (")
    rerun = preview(directory, "--no-checkov", pack_dir=FAULT_PACK, env={"FAULT_PACK": ""})
    assert rerun.returncode == 0, rerun.stderr
    assert stack_of(rerun)["ok"] is True


def test_a_pack_call_past_its_limit_names_the_limit_and_the_pack_is_stopped_on_exit():
    resource = {"type": "aws:s3/bucket:Bucket", "name": "b", "properties": {}}
    env = {**os.environ, "FAULT_PACK": "sleep"}
    os.environ["FAULT_PACK"] = "sleep"
    try:
        with AnalyzerClient(FAULT_PACK, call_timeout=1.5) as pack:
            pack.configure({})
            process = pack._process
            with pytest.raises(AnalyzerError) as error:
                pack.analyze(resource)
    finally:
        os.environ.pop("FAULT_PACK")
    assert env["FAULT_PACK"] == "sleep"
    assert str(error.value).splitlines()[0] == (
        "the policy pack did not answer a call within 1.5 s (the limit: --pack-timeout or OFFLINE_PREVIEW_PACK_TIMEOUT)"
    )
    assert process.poll() is not None  # stopped with the client, not left running
