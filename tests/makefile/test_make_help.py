"""`make help`: every target a person runs, and every variable with its value (none shown as `$(X)`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = [
    "ENV",
    "STACK",
    "PROJECT",
    "BASE",
    "OFFLINE",
    "PREVIEW_FLAGS",
    "DIFF_FLAGS",
    "DIFF_STATUS_FILE",
    "PLAN_DIR",
    "PLANS",
    "YES",
    "IMAGE",
    "MOTO_PORT",
    "SHARDED",
    "CHANGED",
    "ONLY",
    "JOBS",
]


def _help(*overrides: str) -> str:
    completed = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "help", *overrides], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_make_help_lists_every_phony_target_but_the_internal_checks():
    (phony,) = re.findall(r"^\.PHONY: ((?:.*\\\n)*.*)$", (ROOT / "Makefile").read_text(), re.M)
    targets = [t for t in phony.replace("\\\n", " ").split() if not t.startswith("check-")]
    listed = re.findall(r"^  make (\S+)", _help(), re.M)
    assert sorted(listed) == sorted(targets)


def test_make_help_shows_each_variable_with_its_current_value():
    text = _help("ENV=dev", "MOTO_PORT=6123", "BASE=origin/main")
    rows = dict(re.findall(r"^  ([A-Z_]+) +(\S*) +\S.*$", text.split("Variables")[1], re.M))
    assert [name for name in rows if name != "NAME"] == VARIABLES
    assert (rows["ENV"], rows["MOTO_PORT"], rows["BASE"]) == ("dev", "6123", "origin/main")


def test_make_help_prints_no_unexpanded_make_variable():
    text = _help("MOTO_PORT=6123")
    assert "$(" not in text
    assert "start moto's server on 127.0.0.1:6123" in text
