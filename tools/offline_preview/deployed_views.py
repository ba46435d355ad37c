"""The upstream stacks as after deploying them, evaluated in a worker process while the preview runs.

A stack reference reads the upstream stack's last deployed outputs (the engine's rule). Without `--state` or
`--deployed`, the preview answers it with this run's upstream programs evaluated as after `pulumi up`
(evaluate.DEPLOYED): what `make deploy-all` gives each next stack. That evaluation does not depend on the
stack's preview, so it need not wait for it: a worker process, started with the preview, evaluates the
upstream stacks as deployed on the second core while this process evaluates them as a preview sees them.
At 1,000 models the registry's second evaluation (about 3-4 s) used to run between its preview and the next
stack's; its garbage cost a full collection more in the preview's process. A worker costs its start (about
0.8 CPU-s of imports), so it is started only once an upstream stack's preview proves large
(WORKER_FROM_RESOURCES); a small stack is evaluated again in this process, after its preview.

Protocol: one JSON request on the worker's stdin, one JSON line per stack on its stdout, in request order:
    <- {"stacks": [{"directory": "...", "stack": "...", "reads": ["<project>/<stack>", ...] | null}, ...]}
    -> {"key": "<project>/<stack>", "outputs": {...}, "seconds": 4.1}   or   {"key": ..., "error": "one line"}
`reads`: the stacks this one's references read (null: every stack before it). A stack whose read stack failed
is not evaluated; its line says so. The program's own stdout goes nowhere (its preview already showed it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import collector, supervise
from .evaluate import evaluate
from .failures import EvaluationError
from .monitor import DEPLOYED
from .project import ProjectError, load_project
from .recorded import Resource
from .stack_references import Upstream

WORKER_NAME = "the upstream stacks' evaluation as deployed"
# The worker's start costs about 0.8 CPU-s (its imports); the evaluation it takes off the preview's path about
# 1.4 ms per resource (the registry at 1,000 models: 2,005 resources in 2.85 s; 2-core AMD EPYC, idle). Started
# early, it is done when the preview is: at 1,000 models, from 100 resources on, the whole preview took 0.88 of the
# wall and the CPU of a start from 600 (3 pairs, load 1.8-4.5); from 600 it had waited 2.4 s for the worker.
# A stack of fewer resources (the tests' small programs, a small catalog) is evaluated again in this process.
WORKER_FROM_RESOURCES = 100


@dataclass(frozen=True)
class DeployedView:
    """One upstream stack's outputs as after `pulumi up` (what a stack reference to it reads)."""

    key: str  # `<project>/<stack>` (evaluate.Evaluation.key; a project's name holds no "/")
    outputs: dict
    seconds: float


@dataclass(frozen=True)
class StackInOrder:
    """One stack of an evaluation in order (evaluate_in_order): its directory, its name, and the stacks its
    references read (None: every stack before it)."""

    directory: Path
    stack: str
    reads: frozenset[str] | None = None

    def as_json(self) -> dict[str, Any]:
        """The stack as the worker's request names it (the module's docstring)."""
        return {
            "directory": str(self.directory),
            "stack": self.stack,
            "reads": None if self.reads is None else sorted(self.reads),
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> StackInOrder:
        return cls(Path(item["directory"]), item["stack"], None if item["reads"] is None else frozenset(item["reads"]))


@dataclass(frozen=True)
class Outcome:
    """One stack evaluated in order: its view as deployed, or the error it failed with (one line)."""

    key: str
    view: DeployedView | None = None
    error: Exception | None = None


def evaluate_in_order(
    stacks: Iterable[StackInOrder],
    starting: Callable[[StackInOrder], None] = lambda stack: None,
    failures: tuple[type[Exception], ...] = (EvaluationError,),
) -> Iterator[tuple[StackInOrder, Outcome]]:
    """Each stack evaluated as after `pulumi up`, in order, the views of those evaluated before it as its
    upstream (each collected before the next: a 10,000-model stack's objects do not outlive its evaluation);
    one outcome per stack, as it is done. `starting(stack)` is called before evaluating it (the caller's
    progress line). An exception of `failures` is the stack's outcome, and a stack that reads a failed one is
    not evaluated (its outcome says so); the caller stops there (raising) or goes on. Any other propagates."""
    evaluated: dict[str, DeployedView] = {}
    failed: set[str] = set()
    for item in stacks:
        reads = set(evaluated) | failed if item.reads is None else set(item.reads)
        try:
            if broken := sorted(reads & failed):
                raise EvaluationError(f"not evaluated: upstream stack {broken[0]!r} failed")
            starting(item)
            view = _deployed_view(item.directory, item.stack, evaluated)
        except failures as exc:
            # Its traceback dropped: the failed program's frames are not kept while the next stacks run.
            outcome = Outcome(_key(item.directory, item.stack), error=exc.with_traceback(None))
            failed.add(outcome.key)
        else:
            evaluated[view.key] = view
            outcome = Outcome(view.key, view=view)
        yield item, outcome


class UpstreamViews:
    """The view as deployed of each stack a later one reads. `stacks`: {the stack's index in the run: the stack},
    in run order. Once the previews of these stacks have registered WORKER_FROM_RESOURCES resources, a worker
    (DeployedViews) evaluates them all; until then none is started, and `view` evaluates the stack in this
    process."""

    def __init__(self, stacks: dict[int, StackInOrder], start_from: int | None = None):
        self.stacks = stacks
        self.start_from = WORKER_FROM_RESOURCES if start_from is None else start_from
        self.worker: DeployedViews | None = None
        self.registered = 0

    def counter(self, index: int) -> Callable[[Resource], None] | None:
        """The on_resource counter of the index-th stack's preview (None for a stack no later one reads)."""
        if index not in self.stacks:
            return None

        def count(_resource: Resource) -> None:
            self.registered += 1
            if self.worker is None and self.registered >= self.start_from:
                self.worker = DeployedViews(self.stacks)

        return count

    def view(self, index: int, upstream: Mapping[str, Upstream], limit: float, name: str) -> DeployedView:
        """The index-th stack as deployed (`upstream`: the views of the stacks before it); EvaluationError."""
        if self.worker is not None:
            return self.worker.view(index, limit, name)
        return _deployed_view(self.stacks[index].directory, self.stacks[index].stack, upstream)

    @property
    def where(self) -> str:
        """How the views are evaluated, for the progress line."""
        return " (its own process)" if self.worker is not None else ""

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()


class DeployedViews:
    """The worker process, started at once. `stacks`: {the stack's index in the run: the stack}, in run order;
    `view(index)` waits for that stack's outputs."""

    def __init__(self, stacks: dict[int, StackInOrder]):
        request = {"stacks": [stack.as_json() for stack in stacks.values()]}
        self._position = {index: position for position, index in enumerate(stacks)}
        self._process = supervise.track(
            subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            ),
            WORKER_NAME,
        )
        self._answers: list[dict] = []
        assert self._process.stdin is not None  # a pipe (stdin=PIPE)
        with contextlib.suppress(OSError):  # a worker that died at start: view() says so
            self._process.stdin.write(json.dumps(request))
            self._process.stdin.close()

    def view(self, index: int, limit: float, name: str) -> DeployedView:
        """The view of the run's index-th stack; EvaluationError (one line) when it failed or the worker did."""
        position = self._position[index]
        message = (
            f"{name}: its evaluation as deployed passed the time limit of {limit:g} s "
            f"(--evaluation-timeout or {supervise.EVALUATION_LIMIT[0]})"
        )
        with supervise.time_limit(limit, message):
            while len(self._answers) <= position:
                assert self._process.stdout is not None  # a pipe (stdout=PIPE)
                line = self._process.stdout.readline()
                if not line:
                    status = self._process.wait()
                    raise EvaluationError(f"{WORKER_NAME} ended (exit status {status}) before {name} was evaluated")
                self._answers.append(json.loads(line))
        answer = self._answers[position]
        if "error" in answer:
            raise EvaluationError(answer["error"])
        return DeployedView(answer["key"], answer["outputs"], answer["seconds"])

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        assert self._process.stdout is not None  # a pipe (stdout=PIPE)
        self._process.stdout.close()
        supervise.untrack(self._process)


def _serve(request: dict, out) -> None:
    # What is imported lives as long as the worker: out of every collection's way (as in the preview's process).
    collector.tune_for_the_process()
    stacks = [StackInOrder.from_json(item) for item in request["stacks"]]
    # A stack that fails (or whose project does not load) is reported on its line; the next stacks go on.
    for _, outcome in evaluate_in_order(stacks, failures=(EvaluationError, ProjectError)):
        answer: dict[str, Any] = {"key": outcome.key}
        if outcome.view is None:
            answer["error"] = str(outcome.error)
        else:
            answer.update(outputs=outcome.view.outputs, seconds=outcome.view.seconds)
        out.write(json.dumps(answer) + "\n")
        out.flush()


def _deployed_view(directory: str | Path, stack: str, upstream: Mapping[str, Upstream]) -> DeployedView:
    """The stack evaluated as after `pulumi up`; its program's objects are collected as it ends (collector.paused),
    and the evaluation's own is dropped here (memory for the next stack)."""
    started = time.perf_counter()
    evaluation = evaluate(directory, stack, upstream=upstream, mode=DEPLOYED)
    return DeployedView(evaluation.key, evaluation.outputs, time.perf_counter() - started)


def _key(directory: str | Path, stack: str) -> str:
    try:
        return f"{load_project(directory, stack).name}/{stack}"
    except ProjectError:
        return f"{Path(directory).name}/{stack}"


def main() -> None:
    # An interrupt reaches the whole process group; the preview reports it, this worker just ends.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    with open(os.devnull, "w") as devnull:  # the programs' own output: their preview already showed it
        os.dup2(devnull.fileno(), sys.stdout.fileno())
    _serve(json.loads(sys.stdin.read()), out)


if __name__ == "__main__":
    main()
