"""The streams that take a stack's resources to checkov and to the policy pack while the stack is being evaluated.

`fan_out(...)` is the evaluation's `on_resource`: each resource the program registers goes to both streams; each
translates it (into a checkov plan chunk, into the engine's analyzer form) and hands it on to its process. Once
the stack is evaluated, `collect_findings` and `PackStream.finish` put the verdicts in the stack's result.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from . import checkov as checkov_runner
from .checkov_plan import RESOURCES_PER_FILE, plan_document, planned_resource, resource_address
from .evaluate import DEFAULT_ORGANIZATION
from .manifest import ENVELOPE, json_text, manifest_config, rebuild_inputs, rebuild_outputs, resource_entry
from .project import load_project
from .recorded import Resource
from .results import PolicyViolation, StackResult


class CheckovStream:
    """Scans a stack's plan with checkov in chunks while the stack is still being evaluated.

    Why: checkov is the longest phase (about 5 ms per resource), and it used to start only once the
    whole stack was evaluated, leaving the second core idle meanwhile. Here each resource is
    translated as the program registers it, and every RESOURCES_PER_FILE resources become a plan
    file that the worker scans at once. Files and provisional addresses follow registration order;
    `finish` maps checkov's records back to the addresses of the URN-sorted plan (write_plans), by
    URN, so the report is the one a scan of the finished plan gives (each resource is checked on
    its own values; the plan has no references between resources).
    """

    def __init__(self, worker, queue: ThreadPoolExecutor, plans_dir: Path, per_file: int = RESOURCES_PER_FILE):
        self.worker, self.queue, self.plans_dir, self.per_file = worker, queue, plans_dir, per_file
        plans_dir.mkdir(parents=True, exist_ok=True)
        for stale in plans_dir.glob("plan-*.json"):
            stale.unlink()
        self.pending: list[dict] = []
        self.used: set[str] = set()
        self.urn_of: dict[str, str] = {}  # provisional address -> URN
        self.values_of: dict[str, dict] = {}  # URN -> planned values
        self.entries: dict[str, dict] = {}  # URN -> manifest entry, secrets revealed (reused by the run)
        self.files: list[Path] = []
        self.scans: list[Future] = []
        self.error: Exception | None = None
        # Monitor calls run on the event loop's thread (evaluate._InlineMonitorLoop); the lock keeps
        # this correct should they ever come from several threads again.
        self.lock = threading.Lock()

    def add(self, resource: Resource) -> None:
        """Called by the evaluation for each resource; never raises into the program."""
        with self.lock:
            self._add(resource)

    def _add(self, resource: Resource) -> None:
        if self.error is not None:
            return
        try:
            entry = self.entries[resource.urn] = resource_entry(resource, reveal_secrets=True)
            address = resource_address(entry, self.used)
            if address is None:
                return
            planned = planned_resource(entry, address)
            self.urn_of[address], self.values_of[resource.urn] = resource.urn, planned["values"]
            self.pending.append(planned)
            if len(self.pending) >= self.per_file:
                self._flush()
        except Exception as exc:  # noqa: BLE001 - reported as the stack's checkov error by finish()
            self.error = exc

    def _flush(self) -> None:
        if not self.pending and self.files:
            return
        path = self.plans_dir / f"plan-{len(self.files):04d}.json"
        path.write_bytes(json_text(plan_document(self.pending)))
        self.files.append(path)
        self.pending = []
        self.scans.append(self.queue.submit(self.worker.scan, [path]))

    def finish(self, manifest: dict) -> tuple[list[dict], dict[str, dict]]:
        """Scan what is left; checkov's failed records and {address: {"urn", "values"}}, final addresses."""
        with self.lock:
            if self.error is not None:
                raise checkov_runner.CheckovError(f"translating to a plan: {type(self.error).__name__}: {self.error}")
            self._flush()
        failed = [record for scan in self.scans for record in scan.result()]
        used: set[str] = set()
        final = {}
        for entry in manifest["resources"]:  # URN order: the addresses write_plans gives
            address = resource_address(entry, used)
            if address is not None:
                final[entry["urn"]] = address
        records = [{**record, "resource": final[self.urn_of[record["resource"]]]} for record in failed]
        planned = {final[urn]: {"urn": urn, "values": values} for urn, values in self.values_of.items()}
        return records, planned


def collect_findings(stream: CheckovStream, manifest: dict, skips, result: StackResult, progress) -> None:
    started = time.perf_counter()
    try:
        failed, addresses = stream.finish(manifest)
    except checkov_runner.CheckovError as exc:
        result.checkov_error = str(exc)
        progress(f"{result.project}: checkov FAILED: {exc}")
        return
    result.checkov = checkov_runner.findings(failed, addresses, skips)
    result.seconds["checkov"] = time.perf_counter() - started
    waived = len(result.checkov) - len(result.unwaived)
    progress(f"{result.project}: checkov: {len(result.unwaived)} failed, {waived} waived")


def analyzer_resources(manifest: dict) -> list[dict]:
    """The manifest's resources as the engine hands them to a policy pack (registrations, not reads).

    A list; `iter_analyzer_resources` gives the same one at a time.
    """
    return list(iter_analyzer_resources(manifest))


def iter_analyzer_resources(manifest: dict) -> Iterator[dict]:
    """`analyzer_resources`, one at a time (the preview streams them to the pack)."""
    providers = {e["urn"]: e for e in manifest["resources"] if e["type"].startswith("pulumi:providers:")}
    for entry in manifest["resources"]:
        if not entry["read"]:
            yield analyzer_resource(entry, providers)


def analyzer_resource(entry: dict, providers: dict[str, dict]) -> dict:
    """One manifest entry as the engine hands it to a policy pack; `providers`: provider entries by URN.

    Secrets go in the engine's envelope: their values when the entry was built with `reveal_secrets=True`
    (the run does), "[secret]" for one read from disk.
    """
    options = entry["options"]
    # The engine sends each resource's provider (type, URN, name, inputs): the default provider too.
    provider = providers.get(entry["provider"].rsplit("::", 1)[0]) if entry["provider"] else None
    properties = rebuild_inputs(entry, secrets=ENVELOPE)
    return {
        "type": entry["type"],
        "name": entry["name"],
        "urn": entry["urn"],
        "properties": properties,
        # AnalyzeStack is given each resource's outputs (the engine's `v.Outputs`), Analyze its checked inputs.
        "outputs": rebuild_outputs(entry, properties, secrets=ENVELOPE),
        "options": {
            "protect": options["protect"],
            "ignoreChanges": options["ignoreChanges"],
            "deleteBeforeReplace": options["deleteBeforeReplace"],
            "aliases": options["aliases"],
            "additionalSecretOutputs": options["additionalSecretOutputs"],
            "parent": entry["parent"],
        },
        "parent": entry["parent"],
        "dependencies": entry["dependencies"],
        "propertyDependencies": entry["propertyDependencies"],
        "provider": entry["provider"],
        "providerResource": (
            {k: provider[k] for k in ("type", "urn", "name")}
            | {"properties": rebuild_inputs(provider, secrets=ENVELOPE)}
            if provider is not None
            else None
        ),
    }


def fan_out(
    checkov_stream: CheckovStream | None,
    police: PackStream | None,
    *counters: Callable[[Resource], None] | None,
):
    """The evaluation's on_resource: each resource to both streams, its manifest entry built once, and counted
    (the progress lines; when to start the worker of deployed_views)."""
    counting = [c for c in counters if c is not None]
    if police is None and not counting:
        return checkov_stream.add if checkov_stream is not None else None

    def on_resource(resource: Resource) -> None:
        entry = None
        if checkov_stream is not None:
            checkov_stream.add(resource)
            entry = checkov_stream.entries.get(resource.urn)
        if police is not None:
            police.add(resource, entry)
        for count in counting:
            count(resource)

    return on_resource


class PackStream:
    """Runs a stack's policy pack while the stack is still being evaluated: Analyze as each resource registers
    (as the engine calls it), AnalyzeStack over all of them, in manifest (URN) order, once the stack is evaluated.

    Why: the pack's per-resource work (a few ms a resource, over gRPC) used to start only once the whole stack
    was evaluated; at 10,000 models the registry stack's pack then ran alone for a minute after the evaluations,
    with the second core idle. The calls, their order per resource and the verdicts are the same as
    AnalyzerClient.analyze_all on the finished manifest (tests/offline_preview/test_pack_stream.py).
    """

    _END = None

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        pack_dir: Path,
        pack_config: dict,
        directory: Path,
        env: str,
        call_timeout: float | None = None,
    ):
        project = load_project(directory, env)
        self.call_timeout = call_timeout
        self.started = time.perf_counter()
        self.queue: queue.Queue = queue.Queue()
        self.providers: dict[str, dict] = {}
        self.error: Exception | None = None
        self.future = executor.submit(
            self._run,
            pack_dir,
            pack_config,
            {
                "project": project.name,
                "stack": env,
                "organization": DEFAULT_ORGANIZATION,
                "config": manifest_config(project.config, project.secret_keys),
                "secret_keys": project.secret_keys,
            },
        )

    def add(self, resource: Resource, entry: dict | None = None) -> None:
        """Called by the evaluation for each resource (`entry`: its revealed manifest entry, if already built);
        never raises into the program."""
        if self.error is not None:
            return
        try:
            entry = entry or resource_entry(resource, reveal_secrets=True)
            if entry["type"].startswith("pulumi:providers:"):
                self.providers[entry["urn"]] = entry
            if not entry["read"]:
                self.queue.put(analyzer_resource(entry, self.providers))
        except Exception as exc:  # noqa: BLE001 - reported as the stack's policy error by finish()
            self.error = exc
            self.queue.put(self._END)

    def abandon(self) -> None:
        """The stack failed: stop the pack."""
        self.queue.put(self._END)

    def finish(self, result: StackResult, progress) -> None:
        """Wait for the pack's verdicts; put them (or its error) in `result`."""
        from .analyzer_client import AnalyzerError

        self.queue.put(self._END)
        try:
            found = self.future.result()
            if self.error is not None:
                raise ValueError(f"translating for the pack: {type(self.error).__name__}: {self.error}")
        except (AnalyzerError, ValueError) as exc:
            result.policy_error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            progress(f"{result.project}: policy pack FAILED: {result.policy_error}")
            return
        result.violations = sorted(
            (PolicyViolation(v.policy_name, v.enforcement_level, v.urn, v.resource_type, v.message) for v in found),
            key=lambda v: (v.level != "mandatory", v.urn, v.policy),
        )
        result.seconds["policy"] = time.perf_counter() - self.started
        progress(
            f"{result.project}: policy pack: {len(result.mandatory)} mandatory, "
            f"{len(result.violations) - len(result.mandatory)} advisory"
        )

    def _run(self, pack_dir: Path, pack_config: dict, stack: dict) -> list:
        from .analyzer_client import AnalyzerClient

        resources = iter(self.queue.get, self._END)
        try:
            with AnalyzerClient(pack_dir, **stack, call_timeout=self.call_timeout) as pack:
                pack.configure(pack_config)
                per_resource, of_stack = pack.analyze_all(resources, stack_in_urn_order=True)
        finally:
            for _ in resources:  # a pack that failed part way: let the evaluation's puts drain
                pass
        return [v for violations in per_resource for v in violations] + of_stack
