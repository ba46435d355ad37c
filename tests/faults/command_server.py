"""The command as a fresh process per run, without importing it again each time (about 1 CPU-second a run).

A server process imports offline-preview once; for each run it forks a child, which takes the run's working
folder, environment, argv and output files and then runs `faults_helpers.LAUNCHER` (the console script's
`sys.exit(main())`, with the same swaps) and ends through the interpreter's normal exit, as the command does.
Each run is its own process (its own signal handlers, time limits, watchdogs, exit status), so a fault that ends
or hangs it ends only it. What differs from a new interpreter is only that the modules were imported before
argv and the environment were set: nothing the command imports reads either at import time (its settings are
read in `main`). tests/faults/test_interrupts.py and the other folders start the command as a new interpreter.

Protocol, one JSON line each way: {"args", "env", "cwd", "stdout", "stderr"} -> {"pid"}, then {"status"}.
"""

from __future__ import annotations

import json
import os
import sys

import offline_preview.cli  # noqa: F401 - imported once, before any fork
from offline_preview import checkov, pipeline, run, supervise  # noqa: F401 - what the launcher swaps


def serve(launcher: str) -> None:
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _become_the_run(request, launcher)  # never returns: SystemExit ends the child's interpreter
        print(json.dumps({"pid": pid}), flush=True)
        _, wait_status = os.waitpid(pid, 0)
        print(json.dumps({"status": os.waitstatus_to_exitcode(wait_status)}), flush=True)


def _become_the_run(request: dict, launcher: str) -> None:
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["-c", *request["args"]]
    exec(compile(launcher, "<launcher>", "exec"), {"__name__": "__main__"})  # ends in sys.exit(main())
    raise SystemExit(0)


if __name__ == "__main__":
    serve(sys.argv[1])
