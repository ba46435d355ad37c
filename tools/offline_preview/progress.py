"""Progress lines for people: on stderr, stamped with the seconds since the start, and a program's count of
registered resources every few seconds while it evaluates."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from . import supervise
from .recorded import Resource

PROGRESS_EVERY_SECONDS = 5.0
# How often a progress line is written (seconds): the environment variable, else PROGRESS_EVERY_SECONDS.
PROGRESS_INTERVAL = ("OFFLINE_PREVIEW_PROGRESS_SECONDS", PROGRESS_EVERY_SECONDS)


def progress_interval() -> float:
    """The seconds between progress lines; supervise.LimitError (one line) for a value that is not seconds."""
    return supervise.limit_from_env(PROGRESS_INTERVAL, what="a progress interval")


def evaluation_progress(
    stack: str, progress: Callable[[str], None], every: float = PROGRESS_EVERY_SECONDS
) -> Callable[[Resource], None]:
    """Counts the resources a program registers; a progress line every `every` seconds while it runs (a
    1,000-model evaluation is some 30 s of registering), checked each 100 resources."""
    started = last = time.perf_counter()
    count = 0

    def counted(resource: Resource) -> None:
        nonlocal count, last
        count += 1
        if count % 100 == 0 and (now := time.perf_counter()) - last >= every:
            last = now
            progress(f"{stack}: evaluating: {count:,} resources registered in {now - started:.0f}s")

    return counted


def stderr_progress(started: float | None = None) -> Callable[[str], None]:
    """Progress lines on stderr, each stamped with the seconds since the start."""
    origin = started if started is not None else time.perf_counter()

    def report(message: str) -> None:
        if supervise.stopping():  # the command is ending: its one line is the last word
            return
        print(f"[{time.perf_counter() - origin:5.1f}s] {message}", file=sys.stderr, flush=True)

    return report
