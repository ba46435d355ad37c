"""The offline preview pipeline: evaluate each stack, write its manifest, policy-check and scan it.

Phases overlap: checkov starts (and spends its seconds importing) before the first stack is
evaluated; as soon as a stack's manifest is written, its checkov scan and its policy-pack run are
handed to background threads (the work itself happens in the checkov and pack processes) while the
next stack evaluates in this process.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from model_registry.contract import REGISTRY

from . import supervise
from .coverage import scanning_coverage
from .deployed_views import StackInOrder, UpstreamViews
from .evaluate import evaluate
from .failures import EvaluationError
from .manifest import build_manifest, manifest_path, masked_manifest, write_manifest
from .monitor import DEPLOYED, PREVIEW
from .options import PACK_DIR, Options, stack_of
from .progress import PROGRESS_EVERY_SECONDS, evaluation_progress
from .project import load_project
from .results import RunResult, StackResult
from .stack_references import Upstream
from .streams import CheckovStream, PackStream, collect_findings, fan_out


def run_pipeline(
    options, directories, build_dir, pack_config, skips, worker, started, progress, states, deployed
) -> RunResult:
    repo_root = options.repo_root
    every = options.progress_seconds if options.progress_seconds is not None else PROGRESS_EVERY_SECONDS
    # What stack references read: the deployed outputs given, or else this run's upstream stacks as deployed.
    as_deployed: dict[str, Upstream] = {}
    deployed_outputs = {key: outputs for key, (outputs, _) in deployed.items()} if deployed is not None else None
    upstream_sources = {key: where for key, (_, where) in deployed.items()} if deployed is not None else {}
    checkov_started = time.perf_counter()
    # The upstream stacks as deployed; large ones evaluated in their own process while this one previews.
    views = _upstream_views(options, directories) if deployed is None and options.mode == PREVIEW else None
    results: list[StackResult] = []
    manifests: dict[str, dict] = {}
    background: list[tuple[Future, str]] = []
    timings: dict[str, float] = defaultdict(float)
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

        def stops_after_failure(index: int, result: StackResult, error: str, listed: bool = False) -> bool:
            """Record the index-th stack's failure (`listed`: its result is already in results). A sharded run
            goes on (False): the stacks that read this one are refused as they come. Otherwise the run stops
            here (True), every later stack reported as not evaluated."""
            result.error = error
            progress(f"{result.project}: FAILED {error}")
            if not listed:
                results.append(result)
            if options.stack_names is not None:
                failed.add(f"{directories[index].name}/{stack_of(options, index)}")
                return False
            _skip_downstream(directories[index + 1 :], options.env, results, result.project)
            return True

        try:
            for index, directory in enumerate(directories):
                checked = options.only is None or index == len(directories) - 1
                stack = stack_of(options, index)
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
                                evaluation_progress(directory.name, progress, every),
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
                    if stops_after_failure(index, result, str(exc)):
                        break
                    continue
                # The program's own objects (the SDK's resources, Outputs and tasks refer to each other) were collected
                # as its evaluation ended (collector.paused), their memory for the next stack.
                supervise.raise_if_interrupted()
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
                later = [f"{d.name}/{stack_of(options, i)}" for i, d in enumerate(directories) if i > index]
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
                        if stops_after_failure(index, result, f"as deployed: {exc}", listed=checked):
                            break
                        continue
                    progress(f"{result.project}: evaluated as deployed in {deployed_view.seconds:.1f}s{views.where}")
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
                    future.result(timeout=every)
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
    later = [f"{d.name}/{stack_of(options, i)}" for i, d in enumerate(directories) if i > index]
    if options.upstreams is None:
        return bool(later)
    return any(
        f"{directories[index].name}/{stack_of(options, index)}" in options.upstreams.get(k, set()) for k in later
    )


def _upstream_views(options: Options, directories: list[Path]) -> UpstreamViews | None:
    """The views as deployed of each stack a later one reads; None when no stack is read."""
    stacks = {}
    for index, directory in enumerate(directories):
        if _read_later(options, directories, index):
            stack = stack_of(options, index)
            reads = (
                None if options.upstreams is None else frozenset(options.upstreams.get(f"{directory.name}/{stack}", ()))
            )
            stacks[index] = StackInOrder(directory, stack, reads)
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
