"""Evaluate a Pulumi Python program with the real SDK against an in-process mock monitor.

The program runs exactly as the language host would run it (runpy, program directory on sys.path and
as working directory, config from the stack file), but every RegisterResource, ReadResource and
Invoke goes to `RecordingMonitor`, which records the full request and answers with deterministic
AWS-shaped outputs (see aws_outputs). Each evaluation runs in a fresh contextvars context and event
loop, so several programs can be evaluated one after another in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import posix
import runpy
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pulumi.runtime.config import set_all_config
from pulumi.runtime.settings import ROOT, SETTINGS, Settings, configure
from pulumi.runtime.stack import run_in_stack

from . import collector, sdk_internals
from .failures import EvaluationError, describe_failure, display_path, display_paths_from_cwd
from .monitor import DEPLOYED, PREVIEW, RecordingMonitor  # noqa: F401 - DEPLOYED is re-exported
from .project import Project, ProjectError, load_project  # noqa: F401 - ProjectError is re-exported
from .recorded import Resource
from .stack_references import Upstream
from .state import DeployedState
from .transforms import EngineTransforms

DEFAULT_ORGANIZATION = "organization"


class _ProgramExited(BaseException):
    """The program called os._exit: the language host's process would end there, before the SDK signals the
    engine that the program finished (SignalAndWaitForShutdown). Raised instead of ending the preview."""

    def __init__(self, status: object):
        super().__init__(status)
        self.status = status


def _refuse_exit(status: object = 0) -> None:
    raise _ProgramExited(status)


@dataclass
class Evaluation:
    """The result of evaluating one stack."""

    project: str
    stack: str
    organization: str
    directory: str
    resources: list[Resource]
    outputs: dict
    config: dict[str, str]
    secret_config_keys: tuple[str, ...]
    seconds: float
    diagnostics: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """`<project>/<stack>`: how StackReferences and upstream outputs name this stack."""
        return f"{self.project}/{self.stack}"


def evaluate(
    path: str | Path,
    stack: str = "local",
    upstream: Mapping[str, Upstream] | None = None,
    organization: str = DEFAULT_ORGANIZATION,
    on_resource: Callable[[Resource], None] | None = None,
    *,
    mode: str = PREVIEW,
    state: DeployedState | None = None,
    deployed: dict[str, dict] | None = None,
) -> Evaluation:
    """Evaluate the program at `path` for `stack`; StackReferences resolve to `upstream` evaluations.

    `mode`: PREVIEW (a resource not in `state` is new: id and computed outputs unknown, as in a first
    `pulumi preview`) or DEPLOYED (every output known, as after `pulumi up`). `state`: this stack's deployed
    state (its resources keep their ids and outputs). `deployed`: {"<project>/<stack>": outputs} of deployed
    upstream stacks; a StackReference reads these when given (as the engine reads the upstream's last
    deployed outputs), and `upstream` evaluations otherwise.

    `on_resource`, if given, is called with each resource as the program registers (or reads) it,
    in registration order, so that later phases can start before the program ends.

    Raises ProjectError (one line) for a missing or malformed project, and EvaluationError (one
    line, `file:line: ...`) for a program that fails or refers to a stack or output that does not exist.
    """
    project = load_project(path, stack)  # ProjectError: the input is not a usable project
    _quiet_abandoned_tasks()
    display_paths_from_cwd()
    started = time.perf_counter()
    monitor = RecordingMonitor(
        project, stack, organization, upstream or {}, on_resource, mode=mode, state=state, deployed=deployed
    )
    # A copied context keeps the SDK's context-variable settings (root resource, config) private
    # to this evaluation, as the automation API's inline programs do.
    with collector.paused():
        contextvars.copy_context().run(_run_program, project, stack, organization, monitor)
    return Evaluation(
        project=project.name,
        stack=stack,
        organization=organization,
        directory=str(project.directory),
        resources=sorted(monitor.resources_recorded, key=lambda r: r.urn),
        outputs=monitor.stack_outputs,
        config=dict(project.config),
        secret_config_keys=project.secret_keys,
        seconds=time.perf_counter() - started,
        diagnostics=monitor.engine.messages,
    )


def _quiet_abandoned_tasks() -> None:
    """After a program fails, its pending outputs are abandoned; do not print each one's exception.

    The Pulumi language host does the same (asyncio's logger at CRITICAL); the failure itself is
    reported once, as one line.
    """
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)


def _run_entry(entry: Path) -> None:
    """The program's entry point, run as the language host runs it (runpy's result, its globals, is dropped)."""
    runpy.run_path(str(entry), run_name="__main__")


def _run_program(project: Project, stack: str, organization: str, monitor: RecordingMonitor) -> None:
    ROOT.set(None)
    configure(
        Settings(
            project=project.name,
            stack=stack,
            monitor=monitor,
            engine=monitor.engine,
            dry_run=monitor.mode == PREVIEW,  # `pulumi up` runs the program again, not as a dry run
            organization=organization,
            root_directory=str(project.directory),
        )
    )
    set_all_config(dict(project.config), list(project.secret_keys))
    loop = _InlineMonitorLoop(monitor.transforms)
    asyncio.set_event_loop(loop)
    try:
        with _program_environment(project):
            loop.run_until_complete(run_in_stack(lambda: _run_entry(project.entry)))
        if not monitor.shutdown_signalled:
            # The engine takes a program as finished only on this signal; without it, what was registered
            # may be part of the program, and a deploy of it would delete the rest.
            raise EvaluationError(
                f"{display_path(project.entry)}: the program ended before the engine's end-of-program signal "
                "(SignalAndWaitForShutdown): its resources may not all be registered"
            )
    except EvaluationError:
        raise
    except _ProgramExited as exc:
        raise EvaluationError(
            f"{display_path(project.entry)}: the program called os._exit({exc.status}) before the engine's end-of-program "
            "signal: its resources are not all registered (FAILED, never OK)"
        ) from None
    except Exception as exc:  # noqa: BLE001 - every failure becomes one clear line
        raise EvaluationError(describe_failure(exc, project)) from None
    except SystemExit as exc:
        raise EvaluationError(f"{display_path(project.entry)}: the program called sys.exit({exc.code})") from None
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(task)
        loop.close()
        asyncio.set_event_loop(None)
        monitor.transforms.close()


@contextlib.contextmanager
def _program_environment(project: Project) -> Iterator[None]:
    """sys.path, working directory and module cache as the language host sets them, undone afterwards."""
    directory = str(project.directory)
    modules_before = set(sys.modules)
    cwd = os.getcwd()
    sys.path.insert(0, directory)
    os.chdir(directory)
    # os._exit would end the whole preview with the program's status (0: "OK" with half the resources);
    # in the language host it ends the program's process before the end-of-program signal. Either way the
    # program did not finish: it becomes the stack's one-line failure.
    exits = os._exit, posix._exit
    os._exit = posix._exit = _refuse_exit  # type: ignore[assignment]
    try:
        with sdk_internals.swapped():
            yield
    finally:
        os._exit, posix._exit = exits  # type: ignore[assignment]
        os.chdir(cwd)
        with contextlib.suppress(ValueError):
            sys.path.remove(directory)
        # Program-local modules must not leak into the next project (two projects may both
        # have a `components` module); library modules imported from elsewhere stay cached.
        for name in set(sys.modules) - modules_before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(directory + os.sep):
                del sys.modules[name]


class _InlineMonitorLoop(asyncio.SelectorEventLoop):
    """An event loop that answers the SDK's monitor calls inline instead of on a thread pool.

    Why: the SDK sends every RPC through `run_in_executor`, because a real monitor is a gRPC server
    whose calls block. The in-process RecordingMonitor never blocks, so each thread hand-off
    (future chaining, self-pipe write, GIL hand-over between the loop and 6 pool threads) was pure
    overhead: about a fifth of the evaluation time. Calls now run at submission, in the order the
    pool would have started them. Only the SDK's RPC wrappers (`pulumi.runtime._context.
    wrap_with_context`) are inlined: a program's own `run_in_executor` work still goes to the pool.

    Once the program has a callback server (it registered a transform), RPCs go to the pool as with the
    real engine: the monitor then calls back into the program (transforms.py), which the loop must serve.
    """

    def __init__(self, transforms: EngineTransforms) -> None:
        super().__init__()
        self.transforms = transforms

    def run_in_executor(self, executor, func, *args):
        if (
            executor is not None
            or getattr(func, "__module__", None) != sdk_internals.RPC_WRAPPER_MODULE
            or self.transforms.active
            or SETTINGS.callbacks is not None
        ):
            return super().run_in_executor(executor, func, *args)
        future = self.create_future()
        try:
            future.set_result(func(*args))
        except Exception as exc:  # noqa: BLE001 - delivered to the awaiting SDK code, as the pool would
            future.set_exception(exc)
        return future
