"""Shared pieces of the fault tests: small projects, the command as a process, the one-line check.

`run_command(..., checkov_worker=F, pack_dir=D)` runs offline-preview as its console script does, in a process of
its own, with the checkov worker's script or the policy pack swapped for a faulty one (tests/faults/children/),
or the hard stop's grace after a time limit shortened (`hard_stop_grace=S`: the test waits S seconds, not the
10 s default). Each run is forked from a server that imported the command once (command_server.py);
`command(...)` is the same launcher as a new interpreter, for the interrupt tests. `call_main(...)` runs the
command's `main` in this process, for refusals made before anything runs.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[2]
CHILDREN = Path(__file__).resolve().parent / "children"
FAULT_PACK = CHILDREN / "pack"

# The command as its console script runs it (argv[0] "offline-preview": the signal handlers are installed),
# optionally with a child swapped: `--checkov-worker F` and `--pack-dir D` come before the command's arguments.
LAUNCHER = """
import sys
from pathlib import Path

args = sys.argv[1:]
swaps = {}
while args and args[0] in ("--checkov-worker", "--pack-dir", "--hard-stop-grace"):
    swaps[args[0]] = args[1]
    args = args[2:]
sys.argv = ["offline-preview", *args]
from offline_preview import checkov, pipeline, run, supervise
from offline_preview.cli import main

if "--checkov-worker" in swaps:
    checkov.WORKER_SCRIPT = Path(swaps["--checkov-worker"])
if "--pack-dir" in swaps:
    pipeline.PACK_DIR = swaps["--pack-dir"]  # absolute: repo_root / PACK_DIR is that folder
    run._pack_config = lambda repo_root, env: {}
if "--hard-stop-grace" in swaps:
    supervise.HARD_STOP_GRACE = float(swaps["--hard-stop-grace"])
sys.exit(main())
"""

# One resource that checkov has no check for (a registry's scanning configuration): clean in every phase.
PROGRAM_OK = """import pulumi_aws as aws

aws.ecr.RegistryScanningConfiguration(
    "scanning",
    scan_type="ENHANCED",
    rules=[{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}]}],
)
"""


def project(directory: Path, program: str, name: str = "faulty") -> Path:
    """A Pulumi Python project with `program` as its __main__.py and an empty local stack."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (directory / "Pulumi.local.yaml").write_text(
        'config:\n  aws:region: eu-west-1\n  aws:allowedAccountIds: ["111122223333"]\n'
    )
    (directory / "__main__.py").write_text(program)
    return directory


def command(
    *args: str, checkov_worker: Path | None = None, pack_dir: Path | None = None, hard_stop_grace: float | None = None
) -> list[str]:
    swaps: list[str] = []
    if checkov_worker is not None:
        swaps += ["--checkov-worker", str(checkov_worker)]
    if pack_dir is not None:
        swaps += ["--pack-dir", str(pack_dir)]
    if hard_stop_grace is not None:
        swaps += ["--hard-stop-grace", str(hard_stop_grace)]
    return [sys.executable, "-c", LAUNCHER, *swaps, *args]


def run_command(*args: str, timeout: float = 180, env: dict | None = None, **swaps) -> subprocess.CompletedProcess:
    """The command as a process of its own, forked by this test process's command server (command_server.py)."""
    launched = command(*args, **swaps)[3:]  # the launcher's arguments: swaps, then the command's
    return _server().run(launched, {**os.environ, **(env or {})}, timeout)


class _CommandServer:
    """command_server.py, started once per test process (each xdist worker) and stopped when it exits."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("command_server.py")), LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO,
            bufsize=0,
        )
        self.folder = Path(tempfile.mkdtemp(prefix="faults-runs-"))
        atexit.register(self.stop)

    def run(self, args: list[str], env: dict, timeout: float) -> subprocess.CompletedProcess:
        out, err = self.folder / "stdout", self.folder / "stderr"
        request = {"args": args, "env": env, "cwd": str(REPO), "stdout": str(out), "stderr": str(err)}
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        pid = self._reply(timeout=60)["pid"]
        try:
            status = self._reply(timeout)["status"]
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            self._reply(timeout=10)
            raise
        return subprocess.CompletedProcess(args, status, out.read_text(), err.read_text())

    def _reply(self, timeout: float) -> dict:
        assert self.process.stdout is not None
        line = b""
        deadline = time.monotonic() + timeout
        while not line.endswith(b"\n"):
            if not select.select([self.process.stdout], [], [], max(deadline - time.monotonic(), 0))[0]:
                raise subprocess.TimeoutExpired(self.process.args, timeout)
            byte = self.process.stdout.read(1)
            if not byte:
                raise RuntimeError(f"the command server ended (status {self.process.wait()})")
            line += byte
        return json.loads(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()  # reaped: its CPU (and its runs') is counted with this process's
        shutil.rmtree(self.folder, ignore_errors=True)


_servers: list[_CommandServer] = []


def _server() -> _CommandServer:
    if not _servers or _servers[0].process.poll() is not None:
        _servers[:] = [_CommandServer()]
    return _servers[0]


def stop_server() -> None:
    """Stop the command server, if one was started (conftest.py, at the end of the session)."""
    while _servers:
        _servers.pop().stop()


def call_main(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command's `main(args)` in this process, its output captured as `run_command` captures it: for a
    refusal made before anything runs (a limit that is not seconds), the same code without the second it takes a
    new interpreter to import the command. Each kind of refusal keeps one test through `run_command`."""
    from offline_preview.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as exit_:  # argparse's usage errors, as the interpreter turns them into a status
            status = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(list(args), status, out.getvalue(), err.getvalue())


def the_line(stderr: str) -> str:
    """The command's one line on stderr (run with --quiet: nothing else may be there, no traceback)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    return lines[0]
