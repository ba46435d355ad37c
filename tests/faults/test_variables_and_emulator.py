"""Command-line variables are data (never make functions, never options), and the emulator is moto.

`make X 'BASE=$(shell touch F)'` must not create F: make expands a variable's value each time it is used,
so the Makefile freezes every variable a person sets to its literal text first.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
from faults_helpers import REPO, the_line
from local_emulator import free_port, probe

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def make(*args):
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("target", "variable"),
    [
        ("diff", "BASE"),
        ("preview", "PROJECT"),
        ("help", "BASE"),
        ("help", "PREVIEW_FLAGS"),
        ("emulator", "MOTO_PORT"),
        ("deploy-all", "ENV"),
        ("deploy", "STACK"),
        ("preview-all", "OFFLINE"),
        ("diff", "DIFF_STATUS_FILE"),
        ("help", "PLAN_DIR"),
        ("deploy-all", "PLANS"),
        ("deploy-all", "YES"),
        ("preview-all", "JOBS"),
    ],
)
def test_a_make_function_in_a_variable_is_never_expanded(tmp_path, target, variable):
    marker = tmp_path / "ran"
    # What make expands is the point, not the preview's checks: preview-all previews without the pack and checkov.
    # diff, where the variable is not BASE, diffs against a revision that does not exist: refused at once, after
    # make has used every variable of the recipe (DIFF_STATUS_FILE gets the tool's status).
    quick = ["PREVIEW_FLAGS=--no-policy --no-checkov"] if target == "preview-all" else []
    quick += ["BASE=refs/heads/no-such-revision"] if target == "diff" and variable != "BASE" else []
    result = make(target, f"{variable}=$(shell touch {marker})", *(["ENV=local"] if variable != "ENV" else []), *quick)
    assert not marker.exists(), result.stderr
    assert "Traceback" not in result.stderr


def test_make_help_shows_a_variable_s_literal_text():
    result = make("help", "BASE=$(shell echo expanded)")
    assert "$(shell echo expanded)" in result.stdout and "expanded the git" not in result.stdout


@pytest.mark.parametrize(
    ("target", "assignment", "expected"),
    [
        ("diff", "BASE=--output=x", "offline-preview: BASE (--base) '--output=x' starts with '-'"),
        ("preview", "PROJECT=-x", "offline-preview: PROJECT (--project) '-x' starts with '-'"),
        ("emulator", "MOTO_PORT=-1", "error: MOTO_PORT (--port) '-1': a TCP port is a number from 1 to 65535"),
    ],
)
def test_a_value_that_starts_with_a_dash_is_refused_by_the_project_naming_it(target, assignment, expected):
    result = make(target, assignment)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "usage:" not in result.stderr  # the project's words, not argparse's


class _Answers200(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html>some other server</html>")

    def log_message(self, *args):
        pass


def test_a_server_that_is_not_moto_on_the_port_is_port_in_use_in_one_line_and_a_free_port_starts_moto(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answers200)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = [sys.executable, "-m", "local_emulator", "start", "--dir", str(tmp_path / ".moto")]
    state = ["--pulumi-state", str(tmp_path / "state")]
    try:
        assert probe(f"http://127.0.0.1:{port}") == "other"
        taken = subprocess.run([*start, "--port", str(port), *state], capture_output=True, text=True, check=False)
    finally:
        server.shutdown()
    assert taken.returncode == 1
    assert the_line(taken.stderr).startswith(
        f"error: the emulator did not start: port in use: 127.0.0.1:{port} answers, but not as moto"
    )
    free = free_port()
    started = subprocess.run([*start, "--port", str(free), *state], capture_output=True, text=True, check=False)
    try:
        assert started.returncode == 0, started.stderr
        assert started.stdout.startswith(f"emulator: moto on http://127.0.0.1:{free} ")
        assert probe(f"http://127.0.0.1:{free}") == "moto"
    finally:
        stop = [sys.executable, "-m", "local_emulator", "stop", "--dir", str(tmp_path / ".moto")]
        subprocess.run(stop, capture_output=True, check=False, env=os.environ)
    deadline = time.monotonic() + 10
    while probe(f"http://127.0.0.1:{free}") != "none" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert probe(f"http://127.0.0.1:{free}") == "none"
