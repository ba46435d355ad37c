"""Files fail closed: an output location that is full, missing, not a folder or not writable is one line
naming the path and errno's meaning, exit 2; outputs are written whole or not at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from faults_helpers import PROGRAM_OK, REPO, project, run_command, the_line
from model_registry.sources import write_atomically


@pytest.fixture(scope="module")
def clean_project(tmp_path_factory):
    return project(tmp_path_factory.mktemp("files") / "written", PROGRAM_OK)


def preview(directory, *extra):
    return run_command("--project", str(directory), "--quiet", "--no-checkov", "--no-policy", *extra)


@pytest.mark.parametrize(
    ("option", "path", "meaning"),
    [
        ("--json-file", "/dev/full", "No space left on device"),
        ("--sarif", "/proc/report.sarif", "No such file or directory"),
        ("--junit", "/sys/junit.xml", "Permission denied"),
    ],
)
def test_a_report_that_cannot_be_written_is_one_line_naming_the_path_and_errno(
    clean_project, tmp_path, option, path, meaning
):
    completed = preview(clean_project, "--build-dir", str(tmp_path / "build"), option, path)
    assert completed.returncode == 2
    assert the_line(completed.stderr) == f"offline-preview: {path}: cannot write: {meaning}"
    rerun = preview(clean_project, "--build-dir", str(tmp_path / "build"), option, str(tmp_path / "report"))
    assert rerun.returncode == 0, rerun.stderr
    assert (tmp_path / "report").stat().st_size > 0


@pytest.mark.parametrize(
    ("build_dir", "meaning"),
    [("/proc/build", "No such file or directory"), ("/sys/build", "Operation not permitted")],
)
def test_a_build_folder_that_cannot_be_created_is_one_line_naming_it(clean_project, build_dir, meaning):
    completed = preview(clean_project, "--build-dir", build_dir)
    assert completed.returncode == 2
    line = the_line(completed.stderr)
    assert line.startswith(f"offline-preview: {build_dir}")
    assert line.endswith(f": {meaning}")


def test_a_build_folder_below_a_file_is_one_line_naming_it(clean_project, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    completed = preview(clean_project, "--build-dir", str(blocker / "build"))
    assert completed.returncode == 2
    assert the_line(completed.stderr).endswith(": Not a directory")
    assert str(blocker) in completed.stderr


@pytest.mark.parametrize(("out", "meaning"), [("/proc", "No such file or directory"), ("/sys", "Permission denied")])
def test_deployer_policies_into_an_unwritable_folder_are_one_line_and_exit_2(out, meaning):
    completed = subprocess.run(
        [sys.executable, "-m", "deployer_policies", "--env", "local", "--out", out],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert completed.returncode == 2
    assert the_line(completed.stderr) == f"error: --out: cannot write {out}/registry.json: {meaning}"


def test_an_output_is_replaced_whole_or_left_as_it_was(tmp_path, monkeypatch):
    report = tmp_path / "report.json"
    write_atomically(report, json.dumps({"run": 1}))

    def full_disk(source, target):
        raise OSError(28, os.strerror(28), str(target))

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        write_atomically(report, json.dumps({"run": 2}))
    assert json.loads(report.read_text()) == {"run": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no partial file left beside it


def test_a_device_target_is_written_in_place(tmp_path):
    """/dev/stdout or a pipe as --json-file: written, not replaced by a file."""
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from model_registry.sources import write_atomically; write_atomically('/dev/stdout', 'x')",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stdout) == (0, "x")
