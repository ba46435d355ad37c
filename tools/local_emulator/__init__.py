"""The local AWS emulator: moto's server mode, bound to 127.0.0.1 only.

`make emulator` / `make emulator-stop` use the command line below; tests use `Emulator` as a context
manager on a free port. Stopping is idempotent, and a context manager stops it even when a test fails.

moto keeps its resources in memory, while Pulumi's local state (`.pulumi-state/`) keeps them on disk. With
a `recording` file, the emulator remembers across restarts: moto's recorder (MOTO_ENABLE_RECORDING,
MOTO_RECORDER_FILEPATH) appends every request to it, and a restart replays them
(`/moto-api/recorder/replay-recording`). A fresh recording starts by seeding moto's random generator
(`/moto-api/seed`, itself recorded), so the replay gives every resource the id it had (KMS key ids,
IAM unique ids are drawn from it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
# Any fixed number: the ids moto draws after it are then the same on every replay.
SEED = 20260101


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def probe(url: str) -> str:
    """What answers at `url`: "moto" (its own API: GET /moto-api/config is moto's config, a JSON object with
    its `batch` and `lambda` sections), "other" (something accepts connections but is not moto), or "none"."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/config", timeout=2) as reply:
            body = reply.read(65536)
    except urllib.error.HTTPError:
        return "other"  # an HTTP server, but not moto's API
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return "none" if isinstance(reason, ConnectionRefusedError) else "other"
    try:
        config = json.loads(body)
    except ValueError:
        return "other"
    return "moto" if isinstance(config, dict) and {"batch", "lambda"} <= set(config) else "other"


def _answers(url: str) -> bool:
    """moto answers at `url` (anything else answering there is not the emulator)."""
    return probe(url) == "moto"


def port_in_use_message(port: int) -> str:
    return (
        f"port in use: 127.0.0.1:{port} answers, but not as moto (its /moto-api/config is not moto's): "
        "stop what runs there or pick another port (make emulator MOTO_PORT=<port>)"
    )


class Emulator:
    """A moto server process on 127.0.0.1:<port>; `url` is what `aws:endpoints` and boto3 point at."""

    def __init__(self, port: int | None = None, log: Path | None = None, recording: Path | None = None):
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = log
        self.recording = recording
        self.process: subprocess.Popen | None = None
        self.replayed = 0  # requests replayed from the recording at start

    def start(self, timeout: float = 30.0) -> Emulator:
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
        env = dict(os.environ)
        # Counted before the server starts: it records its own readiness probes too.
        self.replayed = recorded_requests(self.recording)
        if self.recording is not None:
            self.recording.parent.mkdir(parents=True, exist_ok=True)
            env |= {"MOTO_ENABLE_RECORDING": "True", "MOTO_RECORDER_FILEPATH": str(self.recording.resolve())}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while not _answers(self.url):
            if self.process.poll() is not None:
                if self.log is not None and b"Address already in use" in _tail(self.log):
                    raise RuntimeError(port_in_use_message(self.port))
                raise RuntimeError(f"the emulator exited at start (code {self.process.returncode}); see {self.log}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not answer on {self.url} within {timeout:.0f} s")
            time.sleep(0.1)
        if self.recording is not None:
            self._restore()
        return self

    def _restore(self) -> None:
        """Replay the recording (the previous sessions' requests); a new one starts with the seed.

        moto does not record its own /moto-api/seed request, so it is written into the recording here,
        in the recorder's format, before any request that could draw a random id.
        """
        assert self.recording is not None
        if self.replayed:
            self._post("/moto-api/recorder/replay-recording", timeout=600)
            return
        seed = f"/moto-api/seed?a={SEED}"
        entry = {"headers": {}, "method": "POST", "url": f"{self.url}{seed}", "body": "", "body_encoded": False}
        with self.recording.open("a") as recording:
            recording.write(json.dumps(entry) + "\n")
        self._post(seed)

    def _post(self, path: str, timeout: float = 10) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.url}{path}", method="POST"), timeout=timeout).close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def reset(self) -> None:
        """Forget every resource (moto's reset API), so that tests do not see each other's. Recorded like
        any request: a replay forgets at the same point."""
        self._post("/moto-api/reset", timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _tail(log: Path) -> bytes:
    try:
        with log.open("rb") as text:
            text.seek(max(log.stat().st_size - 4096, 0))
            return text.read()
    except OSError:
        return b""


def recorded_requests(recording: Path | None) -> int:
    """How many requests the recording holds (0 when there is none)."""
    if recording is None or not recording.is_file():
        return 0
    with recording.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


def pulumi_state_resources(state_dir: Path) -> dict[str, int]:
    """{`project/stack`: resources} of a file backend, counting what a provider manages (not the stack
    itself, not provider instances): what the emulator must hold for that state to be true."""
    counts: dict[str, int] = {}
    stacks = state_dir / ".pulumi" / "stacks"
    # <project>/<stack>.json (project-scoped backends), <stack>.json (the older layout)
    for checkpoint in sorted([*stacks.glob("*/*.json"), *stacks.glob("*.json")]):
        try:
            resources = json.loads(checkpoint.read_text())["checkpoint"]["latest"].get("resources") or []
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        managed = [r for r in resources if r.get("custom") and not str(r.get("type", "")).startswith("pulumi:")]
        if managed:
            counts[str(checkpoint.relative_to(stacks).with_suffix(""))] = len(managed)
    return counts
