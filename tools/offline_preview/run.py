"""The offline preview pipeline: evaluate each stack, write its manifest, policy-check and scan it.

Phases overlap: checkov starts (and spends its seconds importing) before the first stack is
evaluated; as soon as a stack's manifest is written, its checkov scan and its policy-pack run are
handed to background threads (the work itself happens in the checkov and pack processes) while the
next stack evaluates in this process.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from model_registry.contract import DEPLOY_ORDER, REGISTRY
from model_registry.environments import environments

from . import checkov as checkov_runner
from . import supervise
from .coverage import scanning_coverage
from .deployed_views import UpstreamViews
from .evaluate import Evaluation, evaluate
from .failures import EvaluationError
from .manifest import build_manifest, manifest_path, masked_manifest, write_manifest
from .monitor import DEPLOYED, PREVIEW
from .pack_config import PackConfigError, installed_policies, read_pack_config
from .progress import PROGRESS_EVERY_SECONDS, evaluation_progress
from .project import load_project
from .results import RunResult, StackResult
from .revisions import RevisionError, manifests_at_revision, resolve_revision
from .state import DeployedState, StateError, load_state
from .streams import CheckovStream, PackStream, collect_findings, fan_out

REPO_ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = "stacks"
PACK_DIR = "policy-pack"
# The collector's thresholds while the preview runs (CPython's default: 700, 10, 10). The SDK allocates
# some 40 objects per resource (tasks, futures, Outputs, protobuf messages) that live until the program
# ends; at the default, collections re-traverse them over and over: a third of the evaluation's time at
# 1,000 models. Garbage is still collected, in larger batches.
GC_THRESHOLD = (50_000, 20, 100)


class UsageError(Exception):
    """Bad arguments or inputs (exit status 2); the message is one line."""


@dataclass
class Options:
    env: str = "local"
    projects: list[Path] | None = None  # None: the repository's stacks in DEPLOY_ORDER
    only: str | None = None  # check only this one of the stacks (its upstreams are still evaluated)
    repo_root: Path = REPO_ROOT
    build_dir: Path | None = None
    policy: bool = True
    checkov: bool = True
    skip_file: Path | None = None
    # Deployed state (`pulumi stack export --show-secrets` files): each stack's own resources keep their ids and
    # outputs, and stack references to it read its outputs.
    state_files: list[Path] = field(default_factory=list)
    # The git revision that is deployed: stack references read the upstream stacks' outputs at that revision
    # (evaluated offline as after `pulumi up`). None, and no state files: the upstream stacks of this run,
    # evaluated as after deploying them (what `make deploy-all` gives each next stack).
    deployed_revision: str | None = None
    # PREVIEW: the stacks as a first `pulumi preview` sees them; DEPLOYED: as after `pulumi up` (every output known;
    # what the diff and the shard migration compare, two deployments).
    mode: str = PREVIEW
    # Time limits in seconds (None: the flag's environment variable, else supervise's default).
    evaluation_timeout: float | None = None
    checkov_timeout: float | None = None
    pack_timeout: float | None = None
    # The sharded layout (offline_preview.shard_plan, docs/shards.md): the stack name of each of `projects`,
    # the stacks (`project/stack`) each one reads, and a check of a stack's resource count (one line, or
    # None). A failed stack then skips only the stacks that read it. None: every stack is named `env`.
    stack_names: list[str] | None = None
    upstreams: dict[str, set[str]] | None = None
    stack_check: Callable[[str, str, int], str | None] | None = None

    def limits(self) -> tuple[float, float, float]:
        """(evaluation, checkov scan, pack call) limits; supervise.LimitError for a value that is not seconds."""
        return (
            supervise.limit_from_env(supervise.EVALUATION_LIMIT, self.evaluation_timeout),
            supervise.limit_from_env(supervise.CHECKOV_SCAN_LIMIT, self.checkov_timeout),
            supervise.limit_from_env(supervise.PACK_CALL_LIMIT, self.pack_timeout),
        )


def stack_directories(repo_root: Path) -> list[Path]:
    return [repo_root / STACKS_DIR / name for name in DEPLOY_ORDER]


def run_preview(options: Options, progress: Callable[[str], None] = lambda message: None) -> RunResult:
    """Run the whole preview; never raises for a failing program (it is reported per stack)."""
    started = time.perf_counter()
    repo_root = options.repo_root
    build_dir = options.build_dir or repo_root / "build"
    directories = options.projects or stack_directories(repo_root)
    if options.projects is None and options.env not in (known := environments(repo_root)):
        raise UsageError(
            f"unknown environment {options.env!r}: this repository defines {', '.join(known) or 'none'} "
            "(an environment is a Pulumi.<env>.yaml in every stack and a policy-pack/config/<env>.json)"
        )
    if options.only is not None:
        names = [d.name for d in directories]
        if options.only not in names:
            raise UsageError(f"--stack must be one of {', '.join(names)} (got {options.only!r})")
        directories = directories[: names.index(options.only) + 1]
    try:
        limits = options.limits()
    except supervise.LimitError as exc:
        raise UsageError(str(exc)) from None
    options = replace(options, evaluation_timeout=limits[0], checkov_timeout=limits[1], pack_timeout=limits[2])
    pack_config = _pack_config(repo_root, options.env) if options.policy else None
    skips = checkov_runner.load_skips(options.skip_file or repo_root / "checkov-skips.yaml")

    for index, directory in enumerate(directories):
        load_project(directory, _stack_of(options, index))  # input errors (ProjectError) before anything starts
    states = _load_states(options.state_files)
    deployed = _deployed_outputs(options, directories, states, progress)
    worker = _start_checkov(progress, options.checkov_timeout) if options.checkov else None
    try:
        with _collector_tuned():
            result = _pipeline(
                options, directories, build_dir, pack_config, skips, worker, started, progress, states, deployed
            )
        if worker is not None and skips:
            _check_skips_exist(worker, skips)
        supervise.raise_if_interrupted()
        return result
    finally:
        if worker is not None:
            worker.close()


def _load_states(paths: list[Path]) -> dict[str, DeployedState]:
    states: dict[str, DeployedState] = {}
    for path in paths:
        try:
            state = load_state(path)
        except StateError as exc:
            raise UsageError(str(exc)) from None
        if state.key in states:
            raise UsageError(f"--state {path}: stack {state.key!r} is already given by {states[state.key].path}")
        states[state.key] = state
    return states


def _deployed_outputs(options: Options, directories, states, progress) -> dict[str, tuple[dict, str]] | None:
    """{"<project>/<stack>": (outputs, where they came from)} of the deployed upstream stacks, or None when
    none is given (the run's own upstream evaluations, as after deploying them, serve)."""
    if not states and options.deployed_revision is None:
        return None
    found = {key: (state.outputs, f"deployed state {state.path}") for key, state in states.items()}
    if options.deployed_revision is not None:
        for key, outputs in _outputs_at_revision(options, directories[:-1], progress).items():
            found.setdefault(key, (outputs, f"revision {options.deployed_revision}, as deployed"))
    return found


def _outputs_at_revision(options: Options, directories, progress) -> dict[str, dict]:
    """The outputs of `directories`' stacks at options.deployed_revision, evaluated as after `pulumi up`."""
    outputs: dict[str, dict] = {}

    def build(root: Path, _out: Path) -> None:
        evaluated: dict[str, Evaluation] = {}
        for directory in directories:
            at_revision = root / directory.relative_to(options.repo_root)
            if not at_revision.is_dir():
                continue  # the stack did not exist at that revision: nothing of it is deployed
            progress(f"{directory.name}: evaluating at {options.deployed_revision} (its deployed outputs)")
            try:
                evaluation = evaluate(at_revision, options.env, upstream=evaluated, mode=DEPLOYED)
            except EvaluationError as exc:
                raise UsageError(
                    f"--deployed {options.deployed_revision}: {directory.name} fails there: {exc}"
                ) from None
            evaluated[evaluation.key] = evaluation
            outputs[evaluation.key] = evaluation.outputs

    try:
        commit = resolve_revision(options.repo_root, options.deployed_revision)
        with contextlib.ExitStack() as cleanup:
            scratch = Path(cleanup.enter_context(_temporary_directory()))
            manifests_at_revision(options.repo_root, commit, build, scratch)
    except RevisionError as exc:
        raise UsageError(f"--deployed {options.deployed_revision}: {exc}") from None
    return outputs


@contextlib.contextmanager
def _temporary_directory():
    import tempfile

    with tempfile.TemporaryDirectory(prefix="offline-preview-deployed-") as path:
        yield path


def _stack_of(options: Options, index: int) -> str:
    return options.stack_names[index] if options.stack_names else options.env


@contextlib.contextmanager
def _collector_tuned():
    """GC_THRESHOLD, and what is alive before the preview (imported modules) out of the collector's way;
    both undone afterwards."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _pipeline(
    options, directories, build_dir, pack_config, skips, worker, started, progress, states, deployed
) -> RunResult:
    repo_root = options.repo_root
    # What stack references read: the deployed outputs given, or else this run's upstream stacks as deployed.
    as_deployed: dict[str, Evaluation] = {}
    deployed_outputs = {key: outputs for key, (outputs, _) in deployed.items()} if deployed is not None else None
    upstream_sources = {key: where for key, (_, where) in deployed.items()} if deployed is not None else {}
    checkov_started = time.perf_counter()
    # The upstream stacks as deployed; large ones evaluated in their own process while this one previews.
    views = _upstream_views(options, directories) if deployed is None and options.mode == PREVIEW else None
    results: list[StackResult] = []
    manifests: dict[str, dict] = {}
    background: list[tuple[Future, str]] = []
    timings = Counter()
    # checkov scans go through their own single thread: the worker scans one request at a time, and
    # queued scans must not hold the pool's threads that the policy runs need.
    # Each stack's pack is fed by its own thread for as long as the stack evaluates (see PackStream).
    with (
        ThreadPoolExecutor(max_workers=4) as pool,
        ThreadPoolExecutor(max_workers=1) as checkov_queue,
        ThreadPoolExecutor(max_workers=max(len(directories), 1)) as pack_streams,
    ):
        opened: list[PackStream] = []
        failed: set[str] = set()
        try:
            for index, directory in enumerate(directories):
                checked = options.only is None or index == len(directories) - 1
                stack = _stack_of(options, index)
                result = StackResult(project=directory.name, stack=stack, directory=str(directory))
                key = f"{directory.name}/{stack}"
                if options.stack_names is not None and (broken := (options.upstreams or {}).get(key, set()) & failed):
                    result.error = f"not evaluated: upstream stack {sorted(broken)[0]!r} failed"
                    failed.add(key)
                    results.append(result)
                    continue
                progress(f"{result.project}: evaluating {directory}")
                stream = None
                if checked and worker is not None:
                    plans_dir = build_dir / "preview" / stack / "checkov" / directory.name
                    stream = CheckovStream(worker, checkov_queue, plans_dir)
                police = None
                if checked and pack_config is not None:
                    police = PackStream(
                        pack_streams, repo_root / PACK_DIR, pack_config, directory, stack, options.pack_timeout
                    )
                    opened.append(police)
                state_key = f"{load_project(directory, stack).name}/{stack}"
                supervise.set_phase(f"evaluating {directory.name}")
                limit = options.evaluation_timeout
                try:
                    with supervise.time_limit(
                        limit,
                        f"{directory.name}: the program's evaluation passed its time limit of {limit:g} s "
                        f"(--evaluation-timeout or {supervise.EVALUATION_LIMIT[0]})",
                    ):
                        evaluation = evaluate(
                            directory,
                            stack,
                            upstream=as_deployed,
                            on_resource=fan_out(
                                stream,
                                police,
                                evaluation_progress(directory.name, progress),
                                views.counter(index) if views is not None else None,
                            ),
                            mode=options.mode,
                            state=states.get(state_key),
                            deployed=deployed_outputs,
                        )
                except (EvaluationError, supervise.TimeLimitExceeded) as exc:
                    supervise.raise_if_interrupted()  # an interrupt the program's tasks swallowed: not a failure
                    if police is not None:
                        police.abandon()
                    result.error = str(exc)
                    progress(f"{result.project}: FAILED {exc}")
                    results.append(result)
                    if options.stack_names is not None:
                        failed.add(key)
                        continue
                    _skip_downstream(directories[index + 1 :], options.env, results, result.project)
                    break
                # The program's own objects (the SDK's resources, Outputs and tasks refer to each other) are
                # garbage now; collected at once (GC_THRESHOLD would leave them for a long while), their memory
                # serves the next stack: at 3,000 models, peak RSS 438 -> 410 MB, for 0.7 s.
                supervise.raise_if_interrupted()
                gc.collect()
                # The program's warnings, as `pulumi preview` shows them (e.g. a secret not validated offline).
                for message in evaluation.diagnostics:
                    progress(f"{directory.name}: warning: {message}")
                timings["evaluate"] += evaluation.seconds
                result.project, result.seconds["evaluate"] = evaluation.project, evaluation.seconds
                revealed = build_manifest(evaluation, reveal_secrets=True, entries=stream.entries if stream else None)
                manifest = masked_manifest(revealed, evaluation)
                result.resources = revealed["resources"]
                _merge_manifest(manifests, evaluation.project, manifest)
                path = write_manifest(manifest, manifest_path(build_dir, stack, evaluation.project))
                result.manifest = str(path)
                result.resources_by_type = dict(sorted(Counter(r["type"] for r in manifest["resources"]).items()))
                if options.stack_check is not None and (
                    over := options.stack_check(result.project, stack, len(manifest["resources"]))
                ):
                    result.error = over
                    failed.add(key)
                    progress(f"{result.project}: FAILED {over}")
                progress(
                    f"{result.project}: {len(manifest['resources'])} resources in {evaluation.seconds:.1f}s -> {path}"
                )
                if checked:
                    results.append(result)
                    if stream is not None:
                        scan = pool.submit(collect_findings, stream, revealed, skips, result, progress)
                        background.append((scan, f"{result.project}: checkov"))
                    if police is not None:
                        background.append(
                            (pool.submit(police.finish, result, progress), f"{result.project}: policy pack")
                        )
                del revealed, manifest
                later = [f"{d.name}/{_stack_of(options, i)}" for i, d in enumerate(directories) if i > index]
                read_later = _read_later(options, directories, index)
                if read_later and deployed is None and options.mode == DEPLOYED:
                    as_deployed[f"{load_project(directory, stack).name}/{stack}"] = evaluation
                    upstream_sources[f"{load_project(directory, stack).name}/{stack}"] = "this run, as deployed"
                elif read_later and views is not None:
                    # A later stack reads this one's outputs as `make deploy-all` gives them: after it is deployed,
                    # every output known. Evaluated now, or by the worker meanwhile (deployed_views).
                    supervise.set_phase(f"evaluating {directory.name} as deployed")
                    try:
                        deployed_view = views.view(index, as_deployed, options.evaluation_timeout, result.project)
                    except (EvaluationError, supervise.TimeLimitExceeded) as exc:
                        result.error = f"as deployed: {exc}"
                        progress(f"{result.project}: FAILED as deployed: {exc}")
                        if not checked:
                            results.append(result)
                        if options.stack_names is not None:
                            failed.add(key)
                            continue
                        _skip_downstream(directories[index + 1 :], options.env, results, result.project)
                        break
                    progress(
                        f"{result.project}: evaluated as deployed in {deployed_view.seconds:.1f}s (its own process)"
                    )
                    as_deployed[deployed_view.key] = deployed_view
                    upstream_sources[deployed_view.key] = "this run's program, as after deploying it"
                    timings["evaluate"] += deployed_view.seconds
                    del deployed_view
                del evaluation
                if options.upstreams is not None:  # what no later stack reads is memory for the next one
                    needed = set().union(*(options.upstreams.get(k, set()) for k in later))
                    for done in [k for k in as_deployed if k not in needed]:
                        del as_deployed[done]
        except BaseException:
            for police in opened:  # a pack thread must not wait forever for resources
                police.abandon()
            raise
        finally:
            if views is not None:
                views.close()
        supervise.set_phase("waiting for the policy pack and checkov")
        waited = time.perf_counter()
        for future, label in background:
            while True:
                try:
                    future.result(timeout=PROGRESS_EVERY_SECONDS)
                    break
                except TimeoutError:
                    progress(f"{label}: still running ({time.perf_counter() - waited:.0f}s after the evaluations)")
    if worker is not None:
        timings["checkov"] = time.perf_counter() - checkov_started
    timings["policy"] = sum(r.seconds.get("policy", 0.0) for r in results)
    coverage = scanning_coverage(manifests) if REGISTRY in manifests else None
    timings["total"] = time.perf_counter() - started
    return RunResult(
        env=options.env,
        stacks=results,
        timings={k: round(v, 3) for k, v in timings.items()},
        coverage=coverage,
        upstream=dict(sorted(upstream_sources.items())),
    )


def _read_later(options: Options, directories: list[Path], index: int) -> bool:
    """Whether a stack after the index-th one reads it through a stack reference."""
    later = [f"{d.name}/{_stack_of(options, i)}" for i, d in enumerate(directories) if i > index]
    if options.upstreams is None:
        return bool(later)
    return any(
        f"{directories[index].name}/{_stack_of(options, index)}" in options.upstreams.get(k, set()) for k in later
    )


def _upstream_views(options: Options, directories: list[Path]) -> UpstreamViews | None:
    """The views as deployed of each stack a later one reads; None when no stack is read."""
    stacks = []
    for index, directory in enumerate(directories):
        if _read_later(options, directories, index):
            key = f"{directory.name}/{_stack_of(options, index)}"
            reads = None if options.upstreams is None else options.upstreams.get(key, set())
            stacks.append((index, directory, _stack_of(options, index), reads))
    return UpstreamViews(stacks) if stacks else None


def _merge_manifest(manifests: dict[str, dict], project: str, manifest: dict) -> None:
    """The cross-stack steps see one manifest per project: a sharded project's stacks together."""
    first = manifests.get(project)
    if first is None:
        manifests[project] = manifest
        return
    manifests[project] = {
        **first,
        "resources": first["resources"] + manifest["resources"],
        "outputs": {**manifest.get("outputs", {}), **first.get("outputs", {})},
    }


def _skip_downstream(directories: list[Path], env: str, results: list[StackResult], failed: str) -> None:
    for directory in directories:
        results.append(
            StackResult(
                project=directory.name,
                stack=env,
                directory=str(directory),
                error=f"not evaluated: upstream stack {failed!r} failed",
            )
        )


def _pack_config(repo_root: Path, env: str) -> dict:
    path = repo_root / PACK_DIR / "config" / f"{env}.json"
    if not path.is_file():
        raise UsageError(f"no policy pack config for env {env!r}: {path} does not exist")
    try:
        return read_pack_config(path, installed_policies())
    except PackConfigError as exc:
        raise UsageError(str(exc)) from None


def _check_skips_exist(worker: checkov_runner.CheckovWorker, skips: list[checkov_runner.Skip]) -> None:
    """Every skip names a check of the checkov that ran (its registries, reported by the worker): exit 2 if not."""
    try:
        known, version = worker.check_ids(), worker.wait_ready()
    except checkov_runner.CheckovError:
        return  # the worker failed: already each stack's checkov error
    problem = checkov_runner.unknown_skip(skips, known, version)
    if problem is not None:
        raise UsageError(problem)


def _start_checkov(progress, scan_timeout: float | None = None) -> checkov_runner.CheckovWorker:
    try:
        worker = checkov_runner.CheckovWorker(scan_timeout=scan_timeout)
    except checkov_runner.CheckovError as exc:
        raise UsageError(str(exc)) from None
    progress("checkov: starting (importing its checks in the background)")
    return worker
