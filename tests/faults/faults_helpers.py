"""Shared pieces of the fault tests: small projects, the command as a subprocess, the one-line check.

`run_command(..., checkov_worker=F, pack_dir=D)` runs offline-preview exactly as its console script does,
with the checkov worker's script or the policy pack swapped for a faulty one (tests/faults/children/), or the
hard stop's grace after a time limit shortened (`hard_stop_grace=S`: the test waits S seconds, not the 10 s
default). `call_main(...)` runs the command's `main` in this process, for refusals made before anything runs.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
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
    return subprocess.run(
        command(*args, **swaps),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        check=False,
    )


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
