"""Benchmark of the offline preview: catalogs of 10, 100, 1,000 and 10,000 models, every phase timed.

    .venv/bin/python bench/preview_bench.py                      # 10, 100, 1,000, 10,000 models (about 3 min)
    .venv/bin/python bench/preview_bench.py --sizes 10,100,1000  # other sizes (about 20 s)
    .venv/bin/python bench/preview_bench.py --json          # the rows as JSON (for machines)

For each size it writes a temporary copy of the three stacks (each stack's Pulumi.yaml, __main__.py and
Pulumi.local.yaml) beside a generated catalog folder of N models spread over 6 team files (each team
with its own CI pushers, every tenth model with consumers of its own), points `registry:catalog` and
`access:catalog` at that folder, and runs the whole preview on it through the same
code path as `offline-preview --env local`: `run_preview(Options(env="local", projects=[...]))`, i.e.
evaluation, manifests, the policy pack over gRPC and checkov, all three stacks. The stack packages
(registry_stack, ...) and the shared library come from the workspace, as for the real stacks.

Each size runs in a fresh child process, so that its peak memory is its own and every size pays the
same start-up (the Python imports of pulumi and pulumi_aws are not in the timings; checkov's import
is, since it is part of every run). Columns:
    evaluate s, policy s, checkov s, total s   RunResult.timings (evaluate and policy summed over the
                                               stacks, checkov from its worker's start to its last
                                               scan, total wall clock); phases overlap, so they do not
                                               add up to the total
    CPU s, child CPU s                         user + system CPU seconds of the process running the
                                               preview and of its children (the checkov worker and
                                               the pack processes, summed): unlike wall clock, barely
                                               moved by other jobs sharing the machine
    peak RSS MB                                resource.getrusage(RUSAGE_SELF).ru_maxrss of the
                                               process running the preview (evaluation, manifests,
                                               gRPC client)
    child MB                                   the largest child's peak RSS (VmHWM in /proc, read
                                               every 0.2 s while the preview runs: the checkov worker
                                               or a pack process). Not RUSAGE_CHILDREN's ru_maxrss:
                                               a child forked from this process counts this
                                               process's memory at the fork, before it execs
                                               (1,398 MB at 10,000 models for a pack that peaked at
                                               394 MB)
The ratios total(b)/total(a) (wall clock) and cpu(b)/cpu(a) (CPU seconds, all processes) of consecutive
sizes show how the cost grows with the catalog (10 would be linear; below 10 means the fixed costs still
dominate).

Progress lines go to stderr. This is a measurement, not a test: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml
from model_registry.contract import DEPLOY_ORDER

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (10, 100, 1000, 10000)
# whole: the three stacks of one environment (before sharding); sharded: every stack of the sharded layout
# (docs/shards.md); changed: one model added to one team's file, previewing only the stacks that change
# (shard_plan.changed_stacks) and what they read.
LAYOUTS = ("whole", "sharded", "changed")
COLUMNS = (
    "models",
    "layout",
    "stacks",
    "resources",
    "largest stack",
    "state writes",
    "state MB written",
    "evaluate s",
    "policy s",
    "checkov s",
    "total s",
    "CPU s",
    "child CPU s",
    "peak RSS MB",
    "child MB",
)
TEAMS = ("nlp", "speech", "vision", "genai", "search", "ranking")
CONSUMER = "arn:aws:iam::210987654321:role/bench-consumer-{}"
# The stacks that read the catalog folder (config key `<project>:catalog`).
CATALOG_READERS = ("registry", "access")
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def catalog(size: int) -> dict[str, dict]:
    """`size` models over the six teams' files {"<team>.yaml": content}, varied like the real catalog (mutable
    tags, own lifecycle, cost centre, consumers of their own), each team with its own CI pushers."""
    files = {
        team: {"team": team, "ci": {"pushers": [{"repository": f"acme/{team}-models", "refs": ["refs/heads/main"]}]}}
        for team in TEAMS[: min(size, len(TEAMS))]
    }
    for index in range(size):
        model: dict = {"name": f"model-{index:04d}"}
        if index % 3 == 0:
            model["mutableTags"] = ["latest"]
        if index % 5 == 0:
            model["lifecycle"] = {"untaggedExpiryDays": 7}
        if index % 7 == 0:
            model["costCentre"] = "cv-research"
        if index % 4 == 0:
            model["description"] = f"Generated benchmark model {index}"
        if index % 10 == 0:
            model["consumers"] = {"principals": [CONSUMER.format(index)]}
        files[TEAMS[index % len(TEAMS)]].setdefault("models", []).append(model)
    return {f"{team}.yaml": content for team, content in files.items()}


def write_catalog(folder: Path, size: int) -> Path:
    """A catalog folder of `size` generated models (see `catalog`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in catalog(size).items():
        # The C emitter: 10,000 models are written in well under a second.
        (folder / name).write_text(yaml.dump(content, Dumper=_DUMPER, sort_keys=False))
    return folder


def write_stacks(root: Path, size: int, source: Path = REPO_ROOT / "stacks") -> list[Path]:
    """A copy of the three stacks under `root`, reading a catalog of `size` models in `root/catalog`."""
    folder = write_catalog(root / "catalog", size)
    directories = []
    for name in DEPLOY_ORDER:
        directory = root / name
        directory.mkdir(parents=True, exist_ok=True)
        for file in ("Pulumi.yaml", "__main__.py"):
            shutil.copy2(source / name / file, directory / file)
        settings = yaml.safe_load((source / name / "Pulumi.local.yaml").read_text())
        config = settings["config"]
        if name in CATALOG_READERS:
            config[f"{name}:catalog"] = os.path.relpath(folder, directory)
        if name == "replication":
            # Measure what dev and prod deploy: locally the templates are off only for the emulator's sake.
            config["replication:replicaTemplates"] = True
        (directory / "Pulumi.local.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        directories.append(directory)
    return directories


def add_one_model(stacks_root: Path, team: str = TEAMS[0]) -> Path:
    """One model more at the end of `team`'s file (the change a pull request makes); the file's path."""
    path = stacks_root / "catalog" / f"{team}.yaml"
    content = yaml.safe_load(path.read_text())
    content["models"].append({"name": "model-added-by-the-change"})
    path.write_text(yaml.dump(content, Dumper=_DUMPER, sort_keys=False))
    return path


def measure(size: int, workdir: Path, progress, layout: str = "whole") -> dict:
    """Run the preview on a `size`-model catalog in this process; return one row of the table."""
    from offline_preview.run import Options, run_preview
    from offline_preview.shard_plan import (
        catalog_at,
        catalog_folder,
        changed_paths,
        changed_stacks,
        plan_for,
        sharded_options,
    )
    from offline_preview.shard_reads import with_reads

    root = workdir / "stacks"
    directories = write_stacks(root, size)
    options = Options(env="local", projects=directories, build_dir=workdir / "build")
    if layout == "changed":
        # The pull request's repository: the base committed, one model added on top (the working tree).
        _git_commit(workdir)
        add_one_model(root)
    cpu_before, children_before = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with contextlib.ExitStack() as cleanup:
        if layout == "sharded":
            options = sharded_options(Options(env="local", build_dir=workdir / "build"), root)
        elif layout == "changed":
            # What a pull request pays (`make preview-all SHARDED=1 CHANGED=1` with `--deployed <base>`): what
            # changed (git, both catalogs read: shard_plan changed), then the changed stacks, their references
            # answered by what they read evaluated at the base (offline_preview.shard_reads).
            from model_registry.shards import plan

            catalog, _ = plan_for(root, "local")
            base_catalog = catalog_at(workdir, "HEAD", catalog_folder(root, "local"))
            paths = [p.removeprefix("stacks/") for p in changed_paths(workdir, "HEAD")]
            stacks, _ = changed_stacks((base_catalog, plan(base_catalog)), (catalog, plan(catalog)), paths, "local")
            scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="preview-bench-reads-")))
            base = Options(env="local", build_dir=workdir / "build", deployed_revision="HEAD")
            options, _ = with_reads(base, root, {s.key for s in stacks}, scratch, progress, repo_root=workdir)
        with _ChildMemory() as children:
            result = run_preview(options, progress)
    wall = time.perf_counter() - started
    # The preview's CPU, read before the deploy model below (a measurement of the manifests, not a preview phase).
    cpu, child_cpu = _cpu(resource.RUSAGE_SELF) - cpu_before, _cpu(resource.RUSAGE_CHILDREN) - children_before
    failures = [
        f"{s.project}: {s.error or s.policy_error or s.checkov_error or 'not ok'}" for s in result.stacks if not s.ok
    ]
    if failures:
        # A benchmark of a preview that fails measures the wrong thing: say so instead of a number.
        raise SystemExit(f"preview_bench: the {size}-model preview is not clean: {'; '.join(failures)}")
    timings = result.timings
    from offline_preview.deploy_model import first_up, summarize

    deploy = summarize(first_up(json.loads(Path(s.manifest).read_text())) for s in result.stacks)
    return {
        "models": size,
        "layout": layout,
        **deploy,
        "resources": sum(sum(s.resources_by_type.values()) for s in result.stacks),
        "resources_by_stack": {s.project: sum(s.resources_by_type.values()) for s in result.stacks},
        "evaluate s": timings["evaluate"],
        "policy s": timings["policy"],
        "checkov s": timings["checkov"],
        "total s": round(wall, 3),
        "CPU s": round(cpu, 3),
        "child CPU s": round(child_cpu, 3),
        # ru_maxrss is in KiB on Linux.
        "peak RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "child MB": round(children.peak_kib / 1024),
    }


def _git_commit(folder: Path) -> None:
    """`folder` as a git repository with one commit of everything in it (the base of a pull request)."""
    for args in (
        ["init", "--quiet"],
        ["add", "-A"],
        ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "--quiet", "-m", "base"],
    ):
        subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


class _ChildMemory:
    """The largest peak RSS (VmHWM) of this process's children, polled from /proc while in the block."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.peak_kib = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> _ChildMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        own = Path("/proc/self/cmdline").read_bytes()
        while True:
            for pid in _children(os.getpid()):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    # A child between its (v)fork and its exec still runs this program and shares or copies this
                    # process's memory: its numbers are ours. The command line is read first: once it differs,
                    # the exec has happened and the memory is the child's own.
                    if Path(f"/proc/{pid}/cmdline").read_bytes() == own:
                        continue
                    status = Path(f"/proc/{pid}/status").read_text()
                    self.peak_kib = max(self.peak_kib, int(status.split("VmHWM:")[1].split()[0]))
            if self._stop.wait(self.interval):
                return


def _children(pid: int) -> list[str]:
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            pids += task.read_text().split()
    return pids


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_size(size: int, layout: str = "whole") -> dict:
    """Measure one size in a fresh child process (its own peak memory); progress passes through."""
    with tempfile.TemporaryDirectory(prefix=f"preview-bench-{size}-") as workdir:
        completed = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--layout", layout, "--workdir", workdir],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        raise SystemExit(f"preview_bench: the {size}-model {layout} run failed (exit status {completed.returncode})")
    return json.loads(completed.stdout)


def ratios(rows: list[dict]) -> dict[str, float]:
    """For each pair of consecutive sizes: total(b)/total(a) (wall clock) and cpu(b)/cpu(a) (CPU seconds of
    the preview process and its children), e.g. "total(100)/total(10)"."""
    found = {}
    for layout in LAYOUTS:
        ordered = sorted((r for r in rows if r.get("layout", "whole") == layout), key=lambda r: r["models"])
        tag = "" if layout == "whole" else f"{layout} "
        for a, b in zip(ordered, ordered[1:], strict=False):
            found[f"{tag}total({b['models']})/total({a['models']})"] = round(b["total s"] / a["total s"], 2)
            found[f"{tag}cpu({b['models']})/cpu({a['models']})"] = round(_all_cpu(b) / _all_cpu(a), 2)
    return found


def _all_cpu(row: dict) -> float:
    return row["CPU s"] + row["child CPU s"]


def format_table(rows: list[dict]) -> str:
    """A Markdown table of the rows, then the ratios."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---:|" * len(COLUMNS)]
    for row in rows:
        cells = [
            row[c] if isinstance(row[c], str) else f"{row[c]:,}" if isinstance(row[c], int) else f"{row[c]:.1f}"
            for c in COLUMNS
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [""] + [f"{name} = {value:.2f}" for name, value in ratios(rows).items()]
    return "\n".join(lines)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes numbers separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("--sizes needs at least one size of 1 or more")
    return sizes


def _layouts(text: str) -> list[str]:
    layouts = [part.strip() for part in text.split(",") if part.strip()]
    if not layouts or any(layout not in LAYOUTS for layout in layouts):
        raise argparse.ArgumentTypeError(f"--layouts takes some of {', '.join(LAYOUTS)}, not {text!r}")
    return layouts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="catalog sizes, e.g. 10,100")
    parser.add_argument("--json", action="store_true", help="print the rows and ratios as JSON")
    parser.add_argument(
        "--layouts", type=_layouts, default=list(LAYOUTS), help="whole (before sharding), sharded, changed"
    )
    parser.add_argument("--layout", choices=LAYOUTS, default="whole", help=argparse.SUPPRESS)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one is not None:
        from offline_preview.progress import stderr_progress

        row = measure(args.one, args.workdir, _prefixed(f"{args.one} models: ", stderr_progress()), args.layout)
        print(json.dumps(row))
        return 0

    rows = []
    for size in args.sizes:
        for layout in args.layouts:
            print(f"preview_bench: {size} models, {layout} ...", file=sys.stderr, flush=True)
            rows.append(run_size(size, layout))
            total = rows[-1]["total s"]
            print(f"preview_bench: {size} models, {layout}: total {total:.1f}s", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps({"columns": list(COLUMNS), "rows": rows, "ratios": ratios(rows)}, indent=2))
    else:
        print(format_table(rows))
    return 0


def _prefixed(prefix: str, progress):
    return lambda message: progress(prefix + message)


if __name__ == "__main__":
    sys.exit(main())
