"""Child processes, time limits and interrupts: every fault ends in one line, nothing waits forever.

- `track(process, name)`: a child (checkov worker, policy pack, a base revision's evaluation) the preview
  stops when it is interrupted; `untrack` when the child ends normally.
- `time_limit(seconds, what)`: the phase running in the main thread (a program's evaluation) ends with
  `TimeLimitExceeded` when it runs past `seconds`; a program that swallows that exception is stopped
  `HARD_STOP_GRACE` seconds later by a watchdog that prints the same one line and exits 1.
- `install_interrupt_handlers(prog)`: SIGINT and SIGTERM stop every tracked child, raise `Interrupted` in the
  main thread (so that `finally` blocks remove temporary worktrees), and a watchdog ends the process within
  `INTERRUPT_GRACE` seconds whatever the main thread is waiting for (a thread pool's join at exit used to hang
  a Ctrl-C'd preview for minutes: the pack threads waited for resources that never came). A second signal
  exits at once. Exit status 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).

Limits come from flags or the environment (`limit_from_env`); defaults are far above what a 10,000-model
catalog needs (docs/performance.md: 10,000 models take 110-190 s in all).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

# Defaults (seconds), each overridable by its environment variable or flag.
EVALUATION_LIMIT = ("OFFLINE_PREVIEW_EVALUATION_TIMEOUT", 1800.0)
CHECKOV_SCAN_LIMIT = ("OFFLINE_PREVIEW_CHECKOV_TIMEOUT", 600.0)
PACK_CALL_LIMIT = ("OFFLINE_PREVIEW_PACK_TIMEOUT", 600.0)
INTERRUPT_GRACE = 1.5  # the interrupt's deadline is 2 s: children are stopped first, then this watchdog
HARD_STOP_GRACE = 10.0  # after a time limit, for a program that catches the exception
CHILD_STOP_WAIT = 0.5
# The real one, kept at import: an evaluation replaces os._exit while a program runs (evaluate.py).
_os_exit = os._exit

_children: dict[int, tuple[str, subprocess.Popen]] = {}
_children_lock = threading.Lock()
_reported = threading.Event()
_interrupted: list[int] = []
_phase = ["starting"]
_prog = ["offline-preview"]


class TimeLimitExceeded(BaseException):
    """A phase ran past its limit. A BaseException: a program's `except Exception` must not swallow it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; `status` is the exit status (128 + the signal's number)."""

    def __init__(self, signum: int, phase: str):
        self.signum, self.phase = signum, phase
        self.status = 128 + signum
        super().__init__(one_line_interrupt(signum, phase))


class LimitError(ValueError):
    """A limit given in a flag or the environment that is not a positive number of seconds."""


def limit_from_env(limit: tuple[str, float], flag: float | None = None, what: str = "a time limit") -> float:
    """The flag's value, else the environment variable's, else the default; refuses anything but seconds > 0."""
    variable, default = limit
    if flag is not None:
        value, source = flag, "the flag"
    elif os.environ.get(variable, "").strip():
        raw = os.environ[variable].strip()
        try:
            value = float(raw)
        except ValueError:
            raise LimitError(f"{variable}={raw!r}: {what} is a number of seconds") from None
        source = variable
    else:
        return default
    if not value > 0 or value == float("inf"):
        raise LimitError(f"{source} {variable}: {what} must be a positive number of seconds (got {value!r})")
    return float(value)


def set_phase(phase: str) -> None:
    """What the main thread is doing, named in the interrupt's line ("evaluating registry", "the diff")."""
    _phase[0] = phase


def phase() -> str:
    return _phase[0]


def track(process: subprocess.Popen, name: str) -> subprocess.Popen:
    with _children_lock:
        _children[process.pid] = (name, process)
    if _interrupted:  # started while the interrupt was being handled: stopped too
        _stop(process)
    return process


def untrack(process: subprocess.Popen | None) -> None:
    if process is not None:
        with _children_lock:
            _children.pop(process.pid, None)


def tracked() -> list[str]:
    """The names of the running tracked children (tests and the interrupt's line)."""
    with _children_lock:
        return [name for name, process in _children.values() if process.poll() is None]


def stop_children() -> int:
    """Kill every tracked child and every other process below this one (a `git` that a `git worktree add`
    started, a child's own children); how many were running. SIGKILL at once: none of them keeps state worth
    a graceful end (the worktree they worked in is removed), and the 2 s budget of an interrupt is for the
    whole command, on a loaded machine too."""
    with _children_lock:
        running = [p for _, p in _children.values() if p.poll() is None]
    others = _descendants(os.getpid()) - {p.pid for p in running}
    for process in running:
        with contextlib.suppress(OSError):
            process.kill()
    for pid in others:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + CHILD_STOP_WAIT
    for process in running:  # reaped, so that nothing later waits on them
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            process.wait(timeout=max(deadline - time.monotonic(), 0.01))
    return len(running) + len(others)


def _descendants(root: int) -> set[int]:
    """Every process below `root`, from /proc (empty where there is no /proc)."""
    parents: dict[int, int] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/stat", "rb") as stat:
                        parents[int(entry.name)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
    found: set[int] = set()
    todo = [root]
    while todo:
        parent = todo.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found.update(children)
        todo.extend(children)
    return found


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(OSError):
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            process.wait(timeout=1)


def one_line_interrupt(signum: int, phase: str) -> str:
    name = signal.Signals(signum).name
    return f"interrupted by {name} while {phase}: stopped; nothing of this run is a result"


def report_once(line: str) -> bool:
    """Print `<prog>: line` on stderr unless a line of the end was already printed; True if printed."""
    if _reported.is_set():
        return False
    _reported.set()
    with contextlib.suppress(OSError, ValueError):
        print(f"{_prog[0]}: {line}", file=sys.stderr, flush=True)
    return True


def exit_now(status: int) -> None:
    """End the process at once (no interpreter shutdown: it would join threads still waiting on children)."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    _os_exit(status)


def _watchdog(seconds: float, line: str, status: int) -> None:
    def run() -> None:
        time.sleep(seconds)
        stop_children()
        report_once(line)
        exit_now(status)

    threading.Thread(target=run, name="offline-preview-watchdog", daemon=True).start()


def raise_if_interrupted() -> None:
    """Raise Interrupted again if a signal arrived: code that caught it (an asyncio task keeps a BaseException as
    the task's result, a program may catch anything) must not carry on to a result."""
    signums = [s for s in _interrupted if s]
    if signums:
        raise Interrupted(signums[0], phase())


def stopping() -> bool:
    """True once the command is being ended (interrupt, hard stop): progress lines stay quiet from then on."""
    return bool(_interrupted) or _reported.is_set()


def _on_signal(signum: int, frame) -> None:
    if _interrupted:  # a second signal: no more waiting
        stop_children()
        report_once(one_line_interrupt(signum, phase()))
        exit_now(128 + signum)
    _interrupted.append(signum)
    line = one_line_interrupt(signum, phase())
    _watchdog(INTERRUPT_GRACE, line, 128 + signum)
    stop_children()
    raise Interrupted(signum, phase())


def _exit_while_starting(signum: int, frame) -> None:
    report_once(one_line_interrupt(signum, "starting"))
    exit_now(128 + signum)


def install_early_handlers(prog: str) -> None:
    """While a command imports its modules (about 2 s) there is nothing to stop: a signal exits at once, in
    one line (Python's default would print a KeyboardInterrupt traceback)."""
    _prog[0] = prog
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _exit_while_starting)
        signal.signal(signal.SIGTERM, _exit_while_starting)


def _quiet_unraisable(unraisable) -> None:
    """An interrupt or time limit that lands in a weakref callback or a __del__ cannot propagate: Python would
    print it as "Exception ignored ... Traceback". It is not lost (raise_if_interrupted, the watchdogs, the
    repeating alarm), so it is not printed."""
    if isinstance(unraisable.exc_value, Interrupted | TimeLimitExceeded):
        return
    sys.__unraisablehook__(unraisable)


def install_interrupt_handlers(prog: str = "offline-preview") -> None:
    """SIGINT and SIGTERM end the command cleanly (main thread only, as Python's signal handlers are)."""
    _prog[0] = prog
    sys.unraisablehook = _quiet_unraisable
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)


@contextlib.contextmanager
def time_limit(seconds: float, message: str) -> Iterator[None]:
    """Raise TimeLimitExceeded(message) in the main thread after `seconds`; a hard stop HARD_STOP_GRACE later.

    Outside the main thread (where signals cannot reach) only the hard stop applies.
    """
    main = threading.current_thread() is threading.main_thread()
    done = threading.Event()

    def hard_stop() -> None:
        if not done.wait(seconds + HARD_STOP_GRACE):
            _interrupted.append(0)
            stop_children()
            report_once(f"{message} (it did not stop when told to: the process was ended)")
            exit_now(1)

    def on_alarm(signum, frame) -> None:
        raise TimeLimitExceeded(message)

    previous = signal.signal(signal.SIGALRM, on_alarm) if main else None
    sys.unraisablehook = _quiet_unraisable
    threading.Thread(target=hard_stop, name="offline-preview-time-limit", daemon=True).start()
    if main:
        # Repeating each second: an exception swallowed (a weakref callback, a program's bare except) comes back.
        signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        done.set()
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
