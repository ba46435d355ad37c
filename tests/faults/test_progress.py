"""Progress inside every phase longer than a few seconds: a line on stderr every few seconds while a program
registers resources, and while the pack and checkov finish; nothing with --quiet."""

from __future__ import annotations

import re

from faults_helpers import CHILDREN, project, run_command
from offline_preview.progress import PROGRESS_EVERY_SECONDS

# 250 resources over some 3 s: lines each 100 resources once a second has passed (OFFLINE_PREVIEW_PROGRESS_SECONDS).
EVERY_SECOND = {"OFFLINE_PREVIEW_PROGRESS_SECONDS": "1"}
SLOW_REGISTRATIONS = """import time

import pulumi_aws as aws

for index in range(250):
    aws.ecr.RegistryScanningConfiguration(f"scanning-{index}", scan_type="BASIC")
    time.sleep(0.012)
"""


def test_a_long_evaluation_reports_its_progress_and_quiet_means_quiet(tmp_path):
    assert PROGRESS_EVERY_SECONDS <= 5
    directory = project(tmp_path / "slow", SLOW_REGISTRATIONS)
    args = ["--project", str(directory), "--build-dir", str(tmp_path / "build"), "--no-checkov", "--no-policy"]
    completed = run_command(*args, env=EVERY_SECOND)
    assert completed.returncode == 0, completed.stderr
    counts = [
        int(n.replace(",", ""))
        for n in re.findall(r"slow: evaluating: ([\d,]+) resources registered", completed.stderr)
    ]
    assert counts, completed.stderr
    assert counts == sorted(counts) and all(0 < n <= 250 and n % 100 == 0 for n in counts)
    quiet = run_command(*args, "--quiet", env=EVERY_SECOND)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_waiting_for_a_slow_child_reports_it_until_its_limit(tmp_path):
    directory = project(
        tmp_path / "waits",
        "import pulumi_aws as aws\n\naws.ecr.RegistryScanningConfiguration('s', scan_type='BASIC')\n",
        name="waits",
    )
    completed = run_command(
        "--project", str(directory), "--build-dir", str(tmp_path / "build"), "--no-policy", "--checkov-timeout", "4",
        checkov_worker=CHILDREN / "worker_silent.py", env=EVERY_SECOND,
    )  # fmt: skip
    assert completed.returncode == 1
    assert "waits: checkov: still running (" in completed.stderr
    assert "checkov FAILED: the checkov worker was silent for 4 s" in completed.stderr


def test_the_interval_is_five_seconds_unless_the_environment_says_otherwise(monkeypatch):
    from offline_preview.progress import progress_interval

    monkeypatch.delenv("OFFLINE_PREVIEW_PROGRESS_SECONDS", raising=False)
    assert progress_interval() == 5.0
    monkeypatch.setenv("OFFLINE_PREVIEW_PROGRESS_SECONDS", "2.5")
    assert progress_interval() == 2.5
