"""The offline preview's run: checks the options and inputs, starts checkov, loads the deployed outputs given,
then runs the pipeline (pipeline.py) with the collector tuned for it (collector.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from model_registry.contract import DEPLOY_ORDER
from model_registry.environments import environments

from . import checkov as checkov_runner
from . import collector, supervise
from .deployed_outputs import deployed_outputs, load_states
from .options import PACK_DIR, STACKS_DIR, Options, UsageError, stack_of
from .pack_config import PackConfigError, installed_policies, read_pack_config
from .pipeline import run_pipeline
from .progress import progress_interval
from .project import load_project
from .results import RunResult


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
        every = options.progress_seconds if options.progress_seconds is not None else progress_interval()
    except supervise.LimitError as exc:
        raise UsageError(str(exc)) from None
    options = replace(
        options,
        evaluation_timeout=limits[0],
        checkov_timeout=limits[1],
        pack_timeout=limits[2],
        progress_seconds=every,
    )
    pack_config = _pack_config(repo_root, options.env) if options.policy else None
    skips = checkov_runner.load_skips(options.skip_file or repo_root / "checkov-skips.yaml")

    for index, directory in enumerate(directories):
        load_project(directory, stack_of(options, index))  # input errors (ProjectError) before anything starts
    states = load_states(options.state_files)
    deployed = deployed_outputs(options, directories, states, progress)
    worker = _start_checkov(progress, options.checkov_timeout) if options.checkov else None
    try:
        with collector.tuned():
            result = run_pipeline(
                options, directories, build_dir, pack_config, skips, worker, started, progress, states, deployed
            )
        if worker is not None and skips:
            _check_skips_exist(worker, skips)
        supervise.raise_if_interrupted()
        return result
    finally:
        if worker is not None:
            worker.close()


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
