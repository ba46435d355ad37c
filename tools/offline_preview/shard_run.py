"""Run a pulumi command on every stack of the sharded layout: independent stacks concurrently, each after the
stacks it reads, at most `--jobs` at a time (docs/shards.md). `make deploy-all SHARDED=1` and
`make preview-all SHARDED=1` (with the CLI) call it.

    python -m offline_preview.shard_run --env dev --jobs 2 -- up --yes --policy-pack ...
    python -m offline_preview.shard_run --env dev --base origin/main -- preview ...   only the changed stacks
    python -m offline_preview.shard_run --env dev --reverse -- destroy --yes --exclude-protected
    python -m offline_preview.shard_run --env dev --only registry/dev.nlp,access/dev.nlp -- up --yes   one shard

Each stack runs in its project directory as `pulumi stack init <stack>` (when it does not exist yet) then
`pulumi <command> --stack <stack> --config-file Pulumi.<env>.yaml`: never `pulumi stack select`, which writes
the project's workspace file and would race between concurrent stacks of one project. A failed stack skips
the stacks that read it; the others go on (one team's failure blocks no other team). Each stack's output is
printed once it ends, prefixed with its name. Exit status: 0 all succeeded, 1 some failed or were skipped,
2 usage or input errors (one line).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from model_registry.shards import plan
from model_registry.stack_names import config_stack

from .options import REPO_ROOT, STACKS_DIR, UsageError
from .shard_plan import PlannedStack, catalog_at, catalog_folder, changed_paths, changed_stacks, plan_for


def run_stacks(
    stacks: list[PlannedStack],
    command: list[str],
    stacks_dir: Path,
    jobs: int,
    reverse: bool = False,
    pulumi: str = "pulumi",
    out=sys.stdout,
) -> dict[str, str]:
    """Run `command` on each stack after its upstreams (before its downstreams with `reverse`); {key: status}."""
    selected = {s.key: s for s in stacks}
    # What must finish before each stack starts, within the selection.
    before: dict[str, set[str]] = {key: set() for key in selected}
    for stack in stacks:
        for upstream in stack.upstreams:
            if upstream in selected:
                if reverse:
                    before[upstream].add(stack.key)
                else:
                    before[stack.key].add(upstream)
    status: dict[str, str] = {}
    lock = threading.Lock()

    def one(stack: PlannedStack) -> str:
        directory = stacks_dir / stack.project
        listed = subprocess.run(
            [pulumi, "stack", "ls", "--json", "--non-interactive"], cwd=directory, capture_output=True, text=True
        )
        log = ""
        if f'"name": "{stack.stack}"' not in listed.stdout and f'/{stack.stack}"' not in listed.stdout:
            created = subprocess.run(
                [pulumi, "stack", "init", stack.stack, "--non-interactive"],
                cwd=directory,
                capture_output=True,
                text=True,
            )
            log += created.stdout + created.stderr
        done = subprocess.run(
            [pulumi, *command, "--stack", stack.stack, "--config-file", f"Pulumi.{config_stack(stack.stack)}.yaml"],
            cwd=directory,
            capture_output=True,
            text=True,
        )
        log += done.stdout + done.stderr
        with lock:
            for line in log.splitlines():
                print(f"[{stack.project} {stack.stack}] {line}", file=out, flush=True)
        return "ok" if done.returncode == 0 else f"failed (exit status {done.returncode})"

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        running: dict[Future, str] = {}
        waiting = list(selected) if not reverse else list(reversed(list(selected)))
        while waiting or running:
            for key in list(waiting):
                blocked = [b for b in before[key] if status.get(b, "") not in ("ok",)]
                failed = [b for b in before[key] if b in status and status[b] != "ok"]
                if failed:
                    status[key] = f"skipped: {failed[0]} did not succeed"
                    waiting.remove(key)
                elif not blocked and len(running) < max(1, jobs):
                    waiting.remove(key)
                    running[pool.submit(one, selected[key])] = key
            if not running:
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                status[running.pop(future)] = future.result()
    for stack in stacks:
        print(f"{stack.project:<12} {stack.stack:<24} {status[stack.key]}", file=out)
    return status


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ours, _, command = _split(argv)
    parser = argparse.ArgumentParser(prog="shard_run", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--base", help="only the stacks a change since this git revision touches")
    parser.add_argument("--reverse", action="store_true", help="downstream stacks first (destroy)")
    parser.add_argument("--only", help="only these project/stack keys, comma-separated (one CI job's stacks)")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(ours)
    repo_root = args.repo_root.resolve()
    stacks_dir = repo_root / STACKS_DIR
    try:
        if not command:
            raise UsageError("give the pulumi command after `--`, e.g. -- up --yes")
        if args.jobs < 1:
            raise UsageError(f"--jobs {args.jobs}: at least 1")
        catalog, stacks = plan_for(stacks_dir, args.env)
        if args.base:
            base_catalog = catalog_at(repo_root, args.base, catalog_folder(stacks_dir, args.env))
            base = (base_catalog, plan(base_catalog)) if base_catalog is not None else None
            stacks, _ = changed_stacks(base, (catalog, plan(catalog)), changed_paths(repo_root, args.base), args.env)
        if args.only:
            wanted = {key for key in args.only.split(",") if key}
            unknown = sorted(wanted - {s.key for s in stacks})
            if unknown:
                raise UsageError(f"--only: no stack {unknown[0]!r} in the sharded layout of {args.env!r}")
            stacks = [s for s in stacks if s.key in wanted]
    except UsageError as exc:
        print(f"shard_run: {exc}", file=sys.stderr)
        return 2
    status = run_stacks(stacks, command, stacks_dir, args.jobs, reverse=args.reverse)
    return 0 if all(s == "ok" for s in status.values()) else 1


def _split(argv: list[str]) -> tuple[list[str], str, list[str]]:
    if "--" not in argv:
        return argv, "", []
    index = argv.index("--")
    return argv[:index], "--", argv[index + 1 :]


if __name__ == "__main__":
    raise SystemExit(main())
