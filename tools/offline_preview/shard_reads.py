"""What a preview of some stacks of the sharded layout reads through its stack references, evaluated once.

`offline-preview --sharded --only-stacks KEYS` (the stacks a pull request changes, `shard_plan changed`) previews
only those stacks. Each stack they read (the cores, a registry shard its access shard reads), and what those
read in turn, is evaluated once as deployed (every output known):

- with `--deployed REF` (a pull request: `origin/<base branch>`), at REF, with its own stack name, as the engine
  reads the last deployed outputs; a stack that does not exist at REF (a new team's shard) from this checkout,
  as `make deploy-all` gives it to its readers;
- without it, from this checkout (what `make deploy-all` gives each next stack).

Each one is handed to the preview as a `pulumi stack export` that holds its root stack resource and its outputs
only (deployed_outputs.py reads it as a deployed state: `--state`). With none of the stack's own resources in it, a read stack
that is itself previewed is previewed as without it: every resource new, as in a first `pulumi preview`.

Without this, stack references in a sharded preview were answered by previewing every stack read (the pack and
checkov over the cores, then a second, deployed evaluation of each), and `--deployed REF` evaluated the whole
layout's `<env>` stacks at REF: stacks the sharded layout does not have, over the whole catalog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .deployed_views import DeployedView, StackInOrder, evaluate_in_order
from .options import STACKS_DIR, Options, UsageError
from .revisions import RevisionError, manifests_at_revision, resolve_revision
from .shard_plan import plan_for, read_stacks, select_stacks, stack_bound
from .state import STACK_TYPE, StateError, load_state


def export_document(view: DeployedView) -> dict:
    """A `pulumi stack export` (version 3) of the stack's root resource and outputs only."""
    project, _, stack = view.key.partition("/")
    root = f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
    resource = {"urn": root, "custom": False, "type": STACK_TYPE, "outputs": view.outputs}
    return {"version": 3, "deployment": {"manifest": {}, "resources": [resource]}}


def with_reads(
    options: Options,
    stacks_dir: Path,
    only: set[str] | None,
    scratch: Path,
    progress: Callable[[str], None] = lambda message: None,
    repo_root: Path | None = None,
) -> tuple[Options, dict[str, str]]:
    """Options that preview `only` (None: every stack) of the sharded layout, their stack references answered
    by exports written under `scratch` (removed by the caller: they hold the outputs in plaintext).
    `repo_root`: the git repository of `stacks_dir` (options.repo_root). Returns the options and
    {read stack: where its outputs come from}."""
    repo_root = repo_root or options.repo_root
    _, stacks = plan_for(stacks_dir, options.env)
    selected = select_stacks(stacks, options.env, only, with_upstreams=False)
    previewed = {s.key for s in selected}
    given = _state_keys(options.state_files)
    reads = [s for s in read_stacks(stacks, previewed) if s.key not in given]
    revision = options.deployed_revision
    sources: dict[str, str] = {}
    exports: list[Path] = []

    def write(view: DeployedView, where: str) -> None:
        path = scratch / _file_name(where) / f"{view.key.replace('/', '.')}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(export_document(view)))
        exports.append(path)
        sources[view.key] = where

    def evaluate_all(root: Path | None) -> None:
        """Each read stack in order: at `root` (the revision's checkout) where it exists there, else here."""
        at_revision = _stack_keys(root / STACKS_DIR, options.env, revision) if root is not None else set()
        about: dict[StackInOrder, tuple[str, str, str]] = {}  # each read stack: its key, its readers, where from
        for planned in reads:
            readers = ", ".join(s.key for s in selected if planned.key in s.upstreams) or "the stacks it is read for"
            if root is not None and planned.key in at_revision:
                directory, where = root / STACKS_DIR / planned.project, f"revision {revision}, as deployed"
            else:
                directory = stacks_dir / planned.project
                where = "this checkout, as deployed" + (f" (not deployed at {revision})" if revision else "")
            about[StackInOrder(directory, planned.stack)] = (planned.key, readers, where)

        def starting(stack: StackInOrder) -> None:
            key, readers, where = about[stack]
            progress(f"{key}: evaluating from {where} (read by {readers})")

        for stack, outcome in evaluate_in_order(about, starting):
            key, readers, where = about[stack]
            if outcome.view is None:
                raise UsageError(f"{key}, read by {readers}: fails from {where}: {outcome.error}")
            write(outcome.view, where)

    if revision is None:
        evaluate_all(None)
    else:
        try:
            commit = resolve_revision(repo_root, revision)
            manifests_at_revision(repo_root, commit, lambda root, _out: evaluate_all(root), scratch)
        except RevisionError as exc:
            raise UsageError(f"--deployed {revision}: {exc}") from None
    chosen = replace(
        options,
        projects=[stacks_dir / s.project for s in selected],
        stack_names=[s.stack for s in selected],
        upstreams={s.key: set(s.upstreams) for s in selected},
        state_files=[*options.state_files, *exports],
        deployed_revision=None,
        stack_check=stack_bound,
    )
    return chosen, sources


def _stack_keys(stacks_dir: Path, env: str, revision: str | None) -> set[str]:
    """The stacks of the sharded layout at a revision's checkout; UsageError (one line) where they cannot be
    planned there (its catalog does not load with this checkout's library): nothing read there is known."""
    try:
        return {s.key for s in plan_for(stacks_dir, env)[1]}
    except UsageError as exc:
        raise UsageError(f"--deployed {revision}: the sharded layout cannot be planned there: {exc}") from None


def _state_keys(paths: list[Path]) -> set[str]:
    keys = set()
    for path in paths:
        try:
            keys.add(load_state(path).key)
        except StateError:
            continue  # run_preview reports it, in one line
    return keys


def _file_name(where: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", where).strip("-")
