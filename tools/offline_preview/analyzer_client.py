"""Run a Pulumi policy pack exactly as the engine does and talk to it over the analyzer protocol.

    from offline_preview.analyzer_client import AnalyzerClient

    with AnalyzerClient("policy-pack", project="registry", stack="dev", config={"aws:region": "x"}) as pack:
        pack.info()                       # AnalyzerInfo(name, version, policies=[PolicyInfo...])
        pack.configure(pack_config)       # dict in `pulumi preview --policy-pack-config` format
        pack.analyze(resource)            # list[Violation] for one resource
        pack.analyze_many(resources)      # list[list[Violation]], pipelined over one channel
        pack.analyze_stack(resources)     # list[Violation] of the stack policies
        pack.analyze_all(resources)       # both, each request built once (what the preview uses)

A resource is a dict: {"type", "name", "urn", "properties" (camelCase checked inputs; policy documents
as JSON strings), "options": {"protect", "ignoreChanges", "deleteBeforeReplace", "aliases",
"additionalSecretOutputs", "parent"}, "parent", "dependencies", "propertyDependencies": {prop: [urn]}}.
Only "type" is required; "name" defaults to "resource" and "urn" is built from project/stack/type/name.

How the engine starts a pack: `python -u -m pulumi.policy <engine-address> <pack-dir>`, cwd = the pack
directory, PULUMI_ORGANIZATION/PROJECT/STACK/DRY_RUN/CONFIG in the environment; the pack prints its port
on the first stdout line. pulumi 3.272's `pulumi.policy` parses the engine address and never dials it
(its logs go to stderr); the client still serves a minimal pulumirpc.Engine in-process, so a pack or SDK
that does log to the engine is answered instead of hanging.

`configure` always sends every policy's enforcement level (policy default < "all" < the policy's own
entry): a PolicyConfig without a level is read as ADVISORY (the proto default) and would silently
downgrade mandatory policies. Like the engine, it fills config-schema defaults; it does not validate
the config against the schema (the engine does), so the pack validates what it relies on.

The protocol analyses one resource per Analyze call and only stack policies in AnalyzeStack, so there is
no batching of resource policies; `analyze_many` keeps up to `max_in_flight` calls in flight instead.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

from . import supervise
from .project import CONFIG_VARIABLE, MAX_ARG_STRLEN, config_variable, config_variable_size

__all__ = [
    "AnalyzerClient",
    "AnalyzerError",
    "AnalyzerInfo",
    "PolicyInfo",
    "Remediation",
    "Violation",
    "merge_pack_config",
]

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_MAX_MESSAGE = 1024 * 1024 * 400  # the pack server's own limit
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]


class AnalyzerError(RuntimeError):
    """The pack did not start, or a call to it failed (the message carries the pack's stderr)."""


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement_level: str  # the policy's default: advisory | mandatory | remediate | disabled
    policy_type: str  # resource | stack | unknown
    config_schema: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalyzerInfo:
    name: str
    version: str
    policies: list[PolicyInfo]


@dataclass(frozen=True)
class Remediation:
    policy_name: str
    policy_pack: str
    urn: str
    diagnostic: str  # set when the remediation could not run (e.g. an unknown value during a preview)
    properties: dict[str, Any] | None  # the resource's new properties, if the policy changed them


@dataclass(frozen=True)
class Violation:
    policy_name: str
    enforcement_level: str  # advisory | mandatory | ...
    message: str  # the pack's message (description, newline, detail)
    urn: str
    resource_type: str
    resource_name: str
    policy_pack: str = ""


def merge_pack_config(policies: Iterable[PolicyInfo], pack_config: Mapping[str, Any] | None) -> dict[str, dict]:
    """{policy: {"enforcementLevel": level, "properties": {...}}} for every policy of the pack.

    pack_config is the CLI's --policy-pack-config format: {"all": level | {"enforcementLevel": level},
    "<policy>": level | {"enforcementLevel": level, "<option>": value, ...}}.
    """
    pack_config = dict(pack_config or {})
    everything = pack_config.pop("all", None)
    all_level = everything.get("enforcementLevel") if isinstance(everything, Mapping) else everything
    known = {p.name for p in policies}
    unknown = sorted(set(pack_config) - known)
    if unknown:
        raise ValueError(f"pack config names policies the pack does not have: {unknown}")
    merged = {}
    for policy in policies:
        entry = pack_config.get(policy.name)
        level, properties = all_level or policy.enforcement_level, {}
        if isinstance(entry, str):
            level = entry
        elif isinstance(entry, Mapping):
            properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            level = entry.get("enforcementLevel", level)
        elif entry is not None:
            raise ValueError(f"pack config for {policy.name} must be a level or an object, not {entry!r}")
        if level not in LEVELS:
            raise ValueError(f"unknown enforcement level {level!r} for {policy.name}; expected one of {LEVELS}")
        for option, schema in policy.config_schema.get("properties", {}).items():
            if option not in properties and isinstance(schema, Mapping) and "default" in schema:
                properties[option] = schema["default"]
        merged[policy.name] = {"enforcementLevel": level, "properties": properties}
    return merged


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


class AnalyzerClient:
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
        self._stderr = None
        self._stderr_text = ""
        self._engine = _Engine()
        self._engine_server: grpc.Server | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._info: AnalyzerInfo | None = None
        self.remediations: list[Remediation] = []

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> AnalyzerClient:
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

    # -- protocol ----------------------------------------------------------------------------------
    def info(self) -> AnalyzerInfo:
        """GetAnalyzerInfo: the pack's name, version and every policy with its default level."""
        reply = self._call(self._analyzer.GetAnalyzerInfo, empty_pb2.Empty())
        policies = [
            PolicyInfo(
                name=p.name,
                description=p.description,
                enforcement_level=analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel).lower(),
                policy_type={1: "resource", 2: "stack"}.get(p.policy_type, "unknown"),
                config_schema=_schema_to_dict(p),
            )
            for p in reply.policies
        ]
        self._info = AnalyzerInfo(reply.name, reply.version, policies)
        return self._info

    def configure(self, pack_config: Mapping[str, Any] | None = None) -> dict[str, dict]:
        """Configure every policy (level always sent); returns the merged config that was sent."""
        merged = merge_pack_config(self._policies(), pack_config)
        self.configure_raw(merged, send_levels=True)
        return merged

    def configure_raw(self, policy_config: Mapping[str, Mapping[str, Any]], *, send_levels: bool = True) -> None:
        """Send {policy: {"enforcementLevel", "properties"}} as is. send_levels=False reproduces the
        pitfall of omitting levels (every listed policy becomes advisory); tests use it to prove it."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in policy_config.items():
            config = analyzer_pb2.PolicyConfig()
            if send_levels and entry.get("enforcementLevel"):
                config.enforcementLevel = analyzer_pb2.EnforcementLevel.Value(entry["enforcementLevel"].upper())
            if entry.get("properties"):
                config.properties.update(dict(entry["properties"]))
            request.policyConfig[name].CopyFrom(config)
        self._call(self._analyzer.Configure, request)

    def analyze(self, resource: Mapping[str, Any]) -> list[Violation]:
        """Analyze: run every resource policy on one resource."""
        request = self._analyze_request(resource)
        return self._violations(self._call(self._analyzer.Analyze, request), {request.urn: request})

    def analyze_many(self, resources: Iterable[Mapping[str, Any]], max_in_flight: int = 16) -> list[list[Violation]]:
        """Analyze each resource, keeping up to max_in_flight calls in flight; results in input order."""
        requests = [self._analyze_request(r) for r in resources]
        results: list[list[Violation]] = [[] for _ in requests]
        pending: dict[int, grpc.Future] = {}
        for index, request in enumerate(requests):
            pending[index] = self._analyzer.Analyze.future(request, timeout=self._call_timeout)
            if len(pending) >= max_in_flight:
                self._collect(pending, requests, results, min(pending))
        for index in sorted(pending):
            self._collect(pending, requests, results, index)
        return results

    def analyze_stack(self, resources: Iterable[Mapping[str, Any]]) -> list[Violation]:
        """AnalyzeStack: run every stack policy over all resources."""
        request = analyzer_pb2.AnalyzeStackRequest()
        by_urn = {}
        for resource in resources:
            single = self._analyze_request(resource)
            self._stack_item(request, single, resource)
            by_urn[single.urn] = single
        return self._violations(self._call(self._analyzer.AnalyzeStack, request), by_urn)

    def remediate(self, resource: Mapping[str, Any]) -> list[Remediation]:
        """Remediate: what the pack's remediation policies (level "remediate") would change on one resource."""
        request = self._analyze_request(resource)
        return self._remediations(self._call(self._analyzer.Remediate, request), request.urn)

    def analyze_all(
        self, resources: Iterable[Mapping[str, Any]], max_in_flight: int = 16, stack_in_urn_order: bool = False
    ) -> tuple[list[list[Violation]], list[Violation]]:
        """What the engine sends in a preview (pkg/resource/deploy/step_generator.go): for each resource Remediate,
        then Analyze on the remediated properties; then AnalyzeStack over them all, each with its outputs.

        Remediation diagnostics are advisory violations (as the engine reports them); the remediations
        themselves are kept in `self.remediations`. Analyze is sent together with Remediate and sent again
        with the new properties only when a remediation changed them: the same verdicts as sending it after.

        A resource's "outputs" (if given) are its properties in AnalyzeStack, as the engine sends each
        resource's outputs there (`v.Outputs`); without them, its inputs. The options sent there carry no
        parent (the engine's AnalyzeResources leaves it out; the item's own `parent` field has it).

        Each resource's request is built once, and `resources` is read once, as it comes (a generator keeps
        only the requests in flight and the stack request in memory). `stack_in_urn_order`: AnalyzeStack
        lists the resources by URN (a manifest's order) whatever order they came in.
        """
        stack_request = analyzer_pb2.AnalyzeStackRequest()
        items: dict[str, analyzer_pb2.AnalyzerResource] = {}
        results: list[list[Violation]] = []
        pending: dict[int, tuple[grpc.Future, grpc.Future, analyzer_pb2.AnalyzeRequest, Mapping]] = {}
        for index, resource in enumerate(resources):
            request = self._analyze_request(resource)
            results.append([])
            pending[index] = (
                self._analyzer.Remediate.future(request, timeout=self._call_timeout),
                self._analyzer.Analyze.future(request, timeout=self._call_timeout),
                request,
                resource,
            )
            if len(pending) >= max_in_flight:
                self._collect_remediated(pending, results, min(pending), stack_request, items)
        for index in sorted(pending):
            self._collect_remediated(pending, results, index, stack_request, items)
        if stack_in_urn_order:  # sorted in place: a copy of 20,000 resources would double the request's memory
            stack_request.resources.sort(key=lambda item: item.urn)
            items = {item.urn: item for item in stack_request.resources}
        return results, self._violations(self._call(self._analyzer.AnalyzeStack, stack_request), items)

    def _collect_remediated(self, pending, results, index, stack_request, items) -> None:
        remediate_future, analyze_future, request, resource = pending.pop(index)
        try:
            remediations = self._remediations(remediate_future.result(), request.urn)
            changed = [r for r in remediations if r.properties is not None]
            if changed:
                analyze_future.cancel()
                # The remediated properties are the inputs from here on (the engine's `new.Inputs`): the outputs
                # keep only what the provider computes on top of them.
                computed = {
                    k: v for k, v in (resource.get("outputs") or {}).items() if k not in resource.get("properties", {})
                }
                resource = {**resource, "properties": changed[-1].properties}
                if "outputs" in resource:
                    resource["outputs"] = {**changed[-1].properties, **computed}
                request = self._analyze_request(resource)
                reply = self._analyzer.Analyze(request, timeout=self._call_timeout)
            else:
                reply = analyze_future.result()
        except grpc.RpcError as error:
            raise self._rpc_error(error) from error
        self.remediations.extend(changed)
        found = [
            Violation(r.policy_name, "advisory", r.diagnostic, request.urn, request.type, request.name, r.policy_pack)
            for r in remediations
            if r.diagnostic
        ]
        results[index] = found + self._violations(reply, {request.urn: request})
        items[request.urn] = self._stack_item(stack_request, request, resource)

    @staticmethod
    def _stack_item(
        stack_request: analyzer_pb2.AnalyzeStackRequest, single: analyzer_pb2.AnalyzeRequest, resource: Mapping
    ) -> analyzer_pb2.AnalyzerResource:
        item = stack_request.resources.add(
            type=single.type,
            urn=single.urn,
            name=single.name,
            parent=resource.get("parent") or "",
            dependencies=list(resource.get("dependencies") or ()),
        )
        if "outputs" in resource:
            item.properties.update(dict(resource["outputs"] or {}))
        else:
            item.properties.CopyFrom(single.properties)
        item.options.CopyFrom(single.options)
        item.options.parent = ""  # the engine's AnalyzeResources sends no parent in the options
        if single.HasField("provider"):
            item.provider.CopyFrom(single.provider)
        for prop, urns in (resource.get("propertyDependencies") or {}).items():
            item.propertyDependencies[prop].urns.extend(urns)
        return item

    @staticmethod
    def _remediations(reply: analyzer_pb2.RemediateResponse, urn: str) -> list[Remediation]:
        from google.protobuf import json_format

        return [
            Remediation(
                policy_name=r.policyName,
                policy_pack=r.policyPackName,
                urn=urn,
                diagnostic=r.diagnostic,
                properties=json_format.MessageToDict(r.properties) if r.HasField("properties") else None,
            )
            for r in reply.remediations
        ]

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _analyzer(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise AnalyzerError("the pack is not running: use `with AnalyzerClient(...) as pack:`")
        return self._stub

    def _policies(self) -> list[PolicyInfo]:
        return (self._info or self.info()).policies

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

    def _collect(self, pending, requests, results, index) -> None:
        future = pending.pop(index)
        try:
            reply = future.result()
        except grpc.RpcError as error:
            raise self._rpc_error(error) from error
        results[index] = self._violations(reply, {requests[index].urn: requests[index]})

    def _collect_one(self, pending, results, index) -> None:
        future, request = pending.pop(index)
        try:
            reply = future.result()
        except grpc.RpcError as error:
            raise self._rpc_error(error) from error
        results[index] = self._violations(reply, {request.urn: request})

    def _analyze_request(self, resource: Mapping[str, Any]) -> analyzer_pb2.AnalyzeRequest:
        resource_type = resource["type"]
        name = resource.get("name") or "resource"
        urn = resource.get("urn") or f"urn:pulumi:{self.stack}::{self.project}::{resource_type}::{name}"
        request = analyzer_pb2.AnalyzeRequest(type=resource_type, urn=urn, name=name)
        request.properties.update(dict(resource.get("properties") or {}))
        options = dict(resource.get("options") or {})
        request.options.CopyFrom(
            analyzer_pb2.AnalyzerResourceOptions(
                protect=bool(options.get("protect", False)),
                ignoreChanges=list(options.get("ignoreChanges") or ()),
                deleteBeforeReplace=bool(options.get("deleteBeforeReplace") or False),
                deleteBeforeReplaceDefined="deleteBeforeReplace" in options,
                additionalSecretOutputs=list(options.get("additionalSecretOutputs") or ()),
                aliases=list(options.get("aliases") or ()),
                parent=options.get("parent") or resource.get("parent") or "",
            )
        )
        provider = resource.get("providerResource")
        if provider:
            request.provider.CopyFrom(
                analyzer_pb2.AnalyzerProviderResource(type=provider["type"], urn=provider["urn"], name=provider["name"])
            )
            request.provider.properties.update(dict(provider.get("properties") or {}))
        return request

    @staticmethod
    def _violations(reply: analyzer_pb2.AnalyzeResponse, by_urn: Mapping[str, Any]) -> list[Violation]:
        found = []
        for diagnostic in reply.diagnostics:
            single = next(iter(by_urn.values())) if len(by_urn) == 1 and not diagnostic.urn else None
            target = by_urn.get(diagnostic.urn) or single
            found.append(
                Violation(
                    policy_name=diagnostic.policyName,
                    enforcement_level=analyzer_pb2.EnforcementLevel.Name(diagnostic.enforcementLevel).lower(),
                    message=diagnostic.message,
                    urn=diagnostic.urn or (target.urn if target is not None else ""),
                    resource_type=target.type if target is not None else "",
                    resource_name=target.name if target is not None else "",
                    policy_pack=diagnostic.policyPackName,
                )
            )
        return found

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


def _schema_to_dict(policy: analyzer_pb2.PolicyInfo) -> dict[str, Any]:
    from google.protobuf import json_format

    properties = json_format.MessageToDict(policy.configSchema.properties)
    return {"properties": properties, "required": list(policy.configSchema.required)}
