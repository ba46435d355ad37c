"""SIGINT and SIGTERM end any command within 2 s: children stopped, one line, exit 130 (or 143), no traceback.

Each test starts the command as its console script runs it, waits for its progress line of a phase
(evaluation, the pack, checkov, the diff's base revision), sends the signal, and checks the end: the time,
the status, the last line, no traceback, every child process gone. Then the rerun gives the full result.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from faults_helpers import CHILDREN, FAULT_PACK, PROGRAM_OK, REPO, command, project, run_command

DEADLINE = 2.0
SLEEPS = "import time\n\nimport pulumi_aws as aws\n\naws.s3.Bucket('models')\ntime.sleep(300)\n"


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found.update(children)
        todo.extend(children)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def interrupt_at(
    args: list[str], marker: str, signum: int, env: dict | None = None, child: str | None = None
) -> tuple[int, float, list[str], dict[int, str]]:
    """Run `args`; at the first stderr line containing `marker`, send `signum`. (status, seconds the end took,
    stderr lines, {pid: command line} of the processes below it when the signal was sent)."""
    import os

    process = subprocess.Popen(
        args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if marker in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert seen.wait(120), f"never reached {marker!r}:\n" + "\n".join(lines)
        time.sleep(0.5)  # well inside the phase
        deadline = time.monotonic() + 60
        while child and not any(child in command_line(pid) for pid in descendants(process.pid)):
            assert time.monotonic() < deadline, f"no child {child!r} appeared"
            time.sleep(0.1)
        children = {pid: command_line(pid) for pid in descendants(process.pid)}
        sent = time.monotonic()
        process.send_signal(signum)
        status = process.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(5)
    time.sleep(0.2)
    return status, took, lines, children


def assert_clean_end(status, took, lines, children, signum, phase):
    name = signal.Signals(signum).name
    assert status == 128 + signum, "\n".join(lines)
    assert took < DEADLINE, f"took {took:.2f} s"
    assert not any("Traceback" in line for line in lines), "\n".join(lines)
    assert lines[-1] == (
        f"offline-preview: interrupted by {name} while {phase}: stopped; nothing of this run is a result"
    ), "\n".join(lines)
    assert sum("interrupted by" in line for line in lines) == 1
    left = {pid: command_line(pid)[:200] for pid in children if alive(pid)}
    assert not left, f"children left running: {left}"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_evaluation_stops_the_preview_and_its_children(tmp_path, signum):
    directory = project(tmp_path / "sleeper", SLEEPS)
    args = command("--project", str(directory), "--build-dir", str(tmp_path / "build"))
    status, took, lines, children = interrupt_at(args, "sleeper: evaluating", signum)
    assert children, "the checkov worker and the pack run during the evaluation"
    assert_clean_end(status, took, lines, children, signum, "evaluating sleeper")


SWALLOWS = (
    "import time\n\nimport pulumi_aws as aws\n\ntry:\n    time.sleep(300)\nexcept BaseException:\n    pass\n"
    "aws.s3.Bucket('models')\n"
)


def test_a_program_that_swallows_the_interrupt_does_not_turn_it_into_a_result(tmp_path):
    directory = project(tmp_path / "swallower", SWALLOWS)
    args = command("--project", str(directory), "--build-dir", str(tmp_path / "build"), "--no-checkov", "--no-policy")
    status, took, lines, children = interrupt_at(args, "swallower: evaluating", signal.SIGINT)
    assert_clean_end(status, took, lines, children, signal.SIGINT, "evaluating swallower")


def test_a_signal_while_the_pack_works_stops_it(tmp_path):
    directory = project(tmp_path / "policed", PROGRAM_OK)
    args = command(
        "--project", str(directory), "--build-dir", str(tmp_path / "build"), "--no-checkov", pack_dir=FAULT_PACK
    )
    status, took, lines, children = interrupt_at(args, "resources in", signal.SIGINT, env={"FAULT_PACK": "sleep"})
    assert_clean_end(status, took, lines, children, signal.SIGINT, "waiting for the policy pack and checkov")


def test_a_signal_while_checkov_scans_stops_it_and_the_rerun_is_complete(tmp_path):
    directory = project(tmp_path / "scanned", PROGRAM_OK)
    build = tmp_path / "build"
    report = tmp_path / "report.json"
    args = command(
        "--project", str(directory), "--build-dir", str(build), "--no-policy", "--json-file", str(report),
        checkov_worker=CHILDREN / "worker_silent.py",
    )  # fmt: skip
    status, took, lines, children = interrupt_at(args, "resources in", signal.SIGINT)
    assert_clean_end(status, took, lines, children, signal.SIGINT, "waiting for the policy pack and checkov")
    assert not report.exists()  # no report of an interrupted run to take for a result
    rerun = run_command("--project", str(directory), "--build-dir", str(build), "--no-policy", "--quiet", "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["ok"] is True


def test_a_signal_during_the_diff_stops_the_base_revision_and_removes_its_worktree():
    args = command("diff", "--base", "HEAD", "--env", "local")
    status, took, lines, children = interrupt_at(args, "base: evaluating", signal.SIGINT, child="offline_preview.cli")
    assert_clean_end(status, took, lines, children, signal.SIGINT, "evaluating the base revision HEAD")
    # The base revision's evaluation ran in its own worktree (its --repo-root); the machine's other
    # worktrees (other users' diffs) are none of this test's business.
    (worktree,) = {
        words[words.index("--repo-root") + 1]
        for words in (line.split() for line in children.values())
        if "--repo-root" in words
    }
    assert not Path(worktree).exists()
    listed = subprocess.run(["git", "worktree", "list"], cwd=REPO, capture_output=True, text=True).stdout
    assert worktree not in listed
