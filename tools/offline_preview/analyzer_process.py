"""A policy pack started exactly as the engine starts it, and the gRPC channel to it.

How the engine starts a pack: `python -u -m pulumi.policy <engine-address> <pack-dir>`, cwd = the pack
directory, PULUMI_ORGANIZATION/PROJECT/STACK/DRY_RUN/CONFIG in the environment; the pack prints its port
on the first stdout line. pulumi 3.272's `pulumi.policy` parses the engine address and never dials it
(its logs go to stderr); the client still serves a minimal pulumirpc.Engine in-process, so a pack or SDK
that does log to the engine is answered instead of hanging.

PackProcess owns the process, the in-process engine and the channel: AnalyzerClient (analyzer_client.py)
makes the analyzer protocol's calls over it.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent import futures
from pathlib import Path
from typing import IO, Any, Self

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

from . import supervise
from .analyzer_messages import AnalyzerInfo, Remediation
from .project import CONFIG_VARIABLE, MAX_ARG_STRLEN, config_variable, config_variable_size

_MAX_MESSAGE = 1024 * 1024 * 400  # the pack server's own limit
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]


class AnalyzerError(RuntimeError):
    """The pack did not start, or a call to it failed (the message carries the pack's stderr)."""


class _Engine(engine_pb2_grpc.EngineServicer):
    """Just enough of pulumirpc.Engine for a policy pack: keep the logs, answer root-resource calls."""

    def __init__(self) -> None:
        self.logs: list[tuple[int, str, str]] = []
        self._root = ""

    def Log(self, request, context):
        self.logs.append((request.severity, request.message, request.urn))
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request, context):
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()


class PackProcess:
    """A running policy pack. Use as a context manager: the process is always killed on exit."""

    def __init__(
        self,
        pack_dir: str | os.PathLike,
        *,
        project: str = "project",
        stack: str = "stack",
        organization: str = "organization",
        config: Mapping[str, Any] | None = None,
        secret_keys: Iterable[str] = (),
        tags: Mapping[str, str] | None = None,
        dry_run: bool = True,
        python: str | None = None,
        start_timeout: float = 60.0,
        call_timeout: float | None = None,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.project, self.stack, self.organization = project, stack, organization
        self._config = {k: str(v) for k, v in (config or {}).items()}
        self._secret_keys = sorted(secret_keys)
        self._tags = dict(tags or {})
        self._dry_run = dry_run
        # What the pack answered to the engine's opening calls: True, or False for UNIMPLEMENTED (which the
        # engine accepts and falls back from).
        self.handshake_supported: bool | None = None
        self.configure_stack_supported: bool | None = None
        self._env = {
            **{k: v for k, v in os.environ.items() if k != CONFIG_VARIABLE},
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
        }
        # As the engine's constructEnv: Go's json.Marshal of the config, and no variable for an empty one.
        self._config_size = config_variable_size(dict(config or {}))
        if config:
            self._env[CONFIG_VARIABLE] = config_variable(dict(config)).split("=", 1)[1]
        self._python = python or _pack_python(self.pack_dir)
        self._start_timeout = start_timeout
        # Every call's deadline (None: none): a pack that stays silent past it is a DEADLINE_EXCEEDED error.
        self._call_timeout = call_timeout
        self._process: subprocess.Popen | None = None
        self._stderr: IO[bytes] | None = None
        self._stderr_text = ""
        self._engine = _Engine()
        self._engine_server: grpc.Server | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        # What the protocol's calls leave (AnalyzerClient): the pack's info, the remediations analyze_all applied.
        self._info: AnalyzerInfo | None = None
        self.remediations: list[Remediation] = []

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def start(self) -> None:
        if self._config_size > MAX_ARG_STRLEN:
            # execve would fail with E2BIG (OSError: Argument list too long), as the engine's start of the pack does.
            raise AnalyzerError(
                f"the stack config is {self._config_size:,} bytes as {CONFIG_VARIABLE}=<json> (NUL included), over "
                f"Linux's {MAX_ARG_STRLEN:,}-byte limit for one environment string: the pack cannot be started; "
                "move large data to files the program reads"
            )
        self._engine_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self._engine, self._engine_server)
        engine_port = self._engine_server.add_insecure_port("127.0.0.1:0")
        self._engine_server.start()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the pack; closed in close()
        self._process = supervise.track(
            subprocess.Popen(
                [self._python, "-u", "-m", "pulumi.policy", f"127.0.0.1:{engine_port}", str(self.pack_dir)],
                cwd=self.pack_dir,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            ),
            "the policy pack",
        )
        port = self._read_port()
        # Anything the pack prints later must not fill the pipe and block it.
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
        try:
            grpc.channel_ready_future(self._channel).result(timeout=self._start_timeout)
        except grpc.FutureTimeoutError as error:
            raise AnalyzerError(f"the pack did not accept connections on port {port}: {self.stderr}") from error
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        # As the engine's NewPolicyAnalyzer: Handshake as soon as the plugin listens, then ConfigureStack.
        self.handshake_supported = self._optional(
            self._stub.Handshake,
            analyzer_pb2.AnalyzerHandshakeRequest(
                engine_address=f"127.0.0.1:{engine_port}",
                root_directory=str(self.pack_dir),
                program_directory=str(self.pack_dir),
            ),
        )
        self.configure_stack_supported = self._optional(
            self._stub.ConfigureStack,
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack,
                project=self.project,
                organization=self.organization,
                dry_run=self._dry_run,
                config=self._config,
                config_secret_keys=self._secret_keys,
                tags=self._tags,
            ),
        )

    def _optional(self, method, request) -> bool:
        """A call the engine makes but lets a pack leave UNIMPLEMENTED; any other failure stops it."""
        try:
            method(request, timeout=self._call_timeout)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return False
            raise self._rpc_error(error) from error
        return True

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            supervise.untrack(self._process)
            if self._process.stdout:
                self._process.stdout.close()
        if self._engine_server is not None:
            self._engine_server.stop(0)
            self._engine_server = None
        if self._stderr is not None:
            self._stderr_text = self.stderr  # still readable after the context ends
            self._stderr.close()
            self._stderr = None

    @property
    def stderr(self) -> str:
        """What the pack wrote to stderr so far (pulumi.log output lands here)."""
        if self._stderr is None:
            return self._stderr_text
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    @property
    def engine_logs(self) -> list[tuple[int, str, str]]:
        """(severity, message, urn) of every Log call the pack made to the in-process engine."""
        return list(self._engine.logs)

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _analyzer(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise AnalyzerError("the pack is not running: use `with AnalyzerClient(...) as pack:`")
        return self._stub

    def _call(self, method, request):
        try:
            return method(request, timeout=self._call_timeout)
        except grpc.RpcError as error:
            raise self._rpc_error(error) from error

    def _rpc_error(self, error: grpc.RpcError) -> AnalyzerError:
        """The failed call as one first line naming what the pack did (died, fell silent, refused), then its stderr."""
        status = self._process.poll() if self._process is not None else None
        if status is None and self._process is not None and error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
            # A closed connection: the pack may be dying; its exit status names the fault better than gRPC's words.
            with contextlib.suppress(subprocess.TimeoutExpired):
                status = self._process.wait(timeout=1)
        if status is not None:
            what = f"the policy pack exited with status {status} during a call ({error.code().name})"
        elif error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            what = (
                f"the policy pack did not answer a call within {self._call_timeout:g} s (the limit: --pack-timeout or "
                f"{supervise.PACK_CALL_LIMIT[0]})"
            )
        else:
            what = f"{error.code().name}: {' '.join(str(error.details()).split())}"
        return AnalyzerError(f"{what}\n{self.stderr}")

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + self._start_timeout
        line = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise AnalyzerError(f"the pack printed no port within {self._start_timeout}s: {self.stderr}")
                chunk = os.read(self._process.stdout.fileno(), 1)
                if not chunk:
                    self._process.wait()
                    raise AnalyzerError(
                        f"the pack exited with {self._process.returncode} before printing its port:\n{self.stderr}"
                    )
                line += chunk
        try:
            return int(line.strip())
        except ValueError as error:
            raise AnalyzerError(f"the pack's first stdout line is not a port: {line!r}") from error

    def _drain_stdout(self) -> None:
        process = self._process
        with contextlib.suppress(OSError, ValueError):
            while process is not None and process.stdout is not None and process.stdout.read(65536):
                pass


def _pack_python(pack_dir: Path) -> str:
    """The interpreter the engine would use: PulumiPolicy.yaml's runtime virtualenv, else this one."""
    try:
        import yaml

        spec = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text()) or {}
        options = (spec.get("runtime") or {}).get("options") or {}
        venv = options.get("virtualenv")
        if venv:
            candidate = pack_dir / venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
            if candidate.exists():
                return str(candidate)
    except (OSError, AttributeError, ImportError, ValueError):
        pass
    return sys.executable
