"""How the offline preview's processes tune Python's garbage collector: the preview itself (run.py), its worker
evaluating the upstream stacks as deployed (deployed_views.py) and the checkov worker (checkov_worker.py).

GC_THRESHOLD is the collector's thresholds while they work (CPython's default: 700, 10, 10). Each allocates
objects by the hundred thousand that live until its work ends: the SDK some 40 per resource (tasks, futures,
Outputs, protobuf messages), checkov its nodes, its graph and its check results. At the default, collections
re-traverse them over and over: a third of the evaluation's time, and about 40% of the checkov worker's, at
1,000 models. Garbage is still collected, in larger batches (the checkov worker's peak memory unchanged at 1,000
models: 191 MB).

Standard library only, and no import of the package: the checkov worker runs in checkov's own interpreter,
isolated from this workspace, and loads this file by its path.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

GC_THRESHOLD = (50_000, 20, 100)


def tune_for_the_process() -> None:
    """GC_THRESHOLD, and what is alive now (imported modules, registries) out of every later collection's way,
    for the rest of the process (a worker's)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


@contextlib.contextmanager
def tuned() -> Iterator[None]:
    """tune_for_the_process for the duration (the preview's run), undone afterwards."""
    thresholds = gc.get_threshold()
    tune_for_the_process()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic collection while a program runs. The SDK's objects (some 40 per resource: tasks, futures,
    Outputs, protobuf messages) live until the program ends, and each collection re-traversed them: the registry's
    preview at 10,000 models took 33.1 CPU-s with the collector (at GC_THRESHOLD), 20.4 without, for 59 MB more
    (1,220 -> 1,279 MB); at 1,000 models 10-25% less, 5 MB more (2-core AMD EPYC, load 1.6-2.8).

    On the way out, the program's garbage (its objects refer to each other: resources, Outputs, tasks) is collected
    at once, its memory for what comes next: a collection of the two young generations, which hold every object
    allocated since the program started (none was collected meanwhile). Not a full one: that traverses again all
    the process held before (the earlier stacks' manifests), and found nothing more to free (0 of 150,000 objects
    after the registry's preview at 1,000 models, for 0.11 CPU-s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.collect(1)
            gc.enable()
