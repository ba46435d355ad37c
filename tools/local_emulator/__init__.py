"""The local AWS emulator: moto's server mode, bound to 127.0.0.1 only.

`make emulator` / `make emulator-stop` use the command line below; tests use `Emulator` as a context
manager on a free port. Stopping is idempotent, and a context manager stops it even when a test fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=0.5):
            return True
    except OSError:
        return False


class Emulator:
    """A moto server process on 127.0.0.1:<port>; `url` is what `aws:endpoints` and boto3 point at."""

    def __init__(self, port: int | None = None, log: Path | None = None):
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> Emulator:
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not _answers(self.url):
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited at start (code {self.process.returncode}); see {self.log}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not answer on {self.url} within {timeout:.0f} s")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def reset(self) -> None:
        """Forget every resource (moto's reset API), so that tests do not see each other's."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=5).close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
