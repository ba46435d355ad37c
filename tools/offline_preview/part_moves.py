"""Moves between shard stacks: when a team grows a part, or renames its file, the `pulumi state move` commands that
carry each model whose shard changed into its new shard's stacks, and the diff that shows each resource "moved"
(docs/shards.md, "When a team grows a part").

    python -m offline_preview.part_moves --env dev --base REF            the plan and the diff (exit 1 when BLOCKED)
    python -m offline_preview.part_moves --env dev --base REF --apply    run the plan with the pulumi CLI
    make shard-moves ENV=dev BASE=origin/main [APPLY=1]

Which models change shard is the shard plan (model_registry.shards) of the catalog at REF against this checkout's,
as `shard_plan changed` compares them. The URNs are the stacks' own: the old shards' stacks are evaluated at REF
(in a git worktree) as deployed, the new ones from this checkout, and each resource goes where a program of the new
layout registers it at the same URN (migration.destinations, the whole layout's migration's own rule). A protected
resource that no stack registers after the move, or whose replace-on-change input differs there, is BLOCKED, and
the command exits 1 before running anything; so is a resource left in a stack that leaves the layout (a renamed
team's old stack). Each command is `pulumi state move --source <env>.<old> --dest <env>.<new> --yes <urns>` in
stacks/registry and stacks/access, after `pulumi stack init` of a stack the base did not have: state_move.go loads
both stacks (LoadOnly: it creates neither) and touches no cloud resource. Exit status: 0, 1 BLOCKED, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from model_registry.contract import ACCESS, REGISTRY
from model_registry.shards import part_changes, plan
from model_registry.stack_names import split_stack, stack_name

from .diff import README_SECTION
from .migration import Migration, apply, compare, destinations, identities, state_move_options, top_level
from .options import REPO_ROOT, STACKS_DIR, Options, UsageError
from .revisions import RevisionError, manifests_at_revision, resolve_revision
from .run import run_preview
from .shard_plan import catalog_at, catalog_folder, plan_for, sharded_options

PROJECTS = (REGISTRY, ACCESS)  # the projects with per-model resources in shard stacks
Manifests = dict[tuple[str, str], dict]  # (project, stack): manifest


@dataclass(frozen=True)
class PartMoves:
    """What the plan reads: which models change shard, and the manifests of the stacks they leave and enter."""

    env: str
    changes: dict[str, tuple[str, str]]  # part_changes
    base: Manifests  # the old shards' stacks, as deployed at the base (and what they read)
    head: Manifests  # the new shards' stacks and the old ones still in the layout, as this checkout registers them
    base_stacks: frozenset[str]  # every stack name of the base layout: a destination outside it is created first


def plan_part_moves(moves: PartMoves) -> Migration:
    """The state moves, in stacks/registry then stacks/access, and the diff of each moved resource."""
    env, base, head = moves.env, moves.base, moves.head
    migration = Migration(env, title="between shard stacks (a team grew a part, or a team file was renamed)")
    sources = sorted({stack_name(env, old) for old, _ in moves.changes.values()})
    for project in PROJECTS:
        heads = {stack: manifest for (p, stack), manifest in head.items() if p == project}
        plans = {source: destinations(base[(project, source)], heads, source) for source in sources}
        identity = [i for s, where in plans.items() for i in identities(base[(project, s)], where, heads)]
        initialized: set[str] = set()
        for source, where in plans.items():
            manifest = base[(project, source)]
            for dest in sorted({d for d in where.values() if d != source}):
                if dest not in moves.base_stacks and dest not in initialized:
                    migration.commands.append((project, ["stack", "init", dest, "--non-interactive"]))
                    initialized.add(dest)
                urns = top_level(manifest, where, dest)
                migration.commands.append(
                    (project, ["state", "move", "--source", source, "--dest", dest, "--yes", *urns])
                )
            by_urn = {r["urn"]: r for r in manifest["resources"]}
            for stack, program in heads.items():
                ending = [by_urn[u] for u, d in where.items() if d == stack]
                if ending:
                    compare(migration, project, source, stack, ending, program, identity)
            migration.moved += [(project, urn, dest) for urn, dest in where.items() if dest != source]
            if source not in heads:
                _leaving(migration, project, source, manifest, where)
    return migration


def _leaving(migration: Migration, project: str, source: str, manifest: dict, where: dict[str, str]) -> None:
    """A source stack that leaves the layout keeps only what no program registers: nothing deployed may stay."""
    custom = {r["urn"] for r in manifest["resources"] if r["custom"]}
    migration.blocked += [
        f"BLOCKED: resource would be left in a stack that leaves the layout (no stack of the new layout registers "
        f"it at its URN): {project} {source}: {urn}"
        for urn, dest in where.items()
        if dest == source and urn in custom
    ]
    migration.notes.append(
        f"{project} {source} leaves the layout and, moved out, holds no cloud resource (its root stack, component "
        f"and provider): `cd {STACKS_DIR}/{project} && pulumi stack rm {source} --force --yes` once `pulumi stack "
        f"export --stack {source}` shows no custom resource"
    )


def evaluate(options: Options, stacks_dir: Path, keys: set[str]) -> Manifests:
    """The manifests of `keys` (`project/stack`) of the sharded layout at `stacks_dir`, as deployed."""
    result = run_preview(sharded_options(options, stacks_dir, keys))
    failed = [f"{s.project} {s.stack}: {s.error}" for s in result.stacks if s.error]
    if failed:
        raise UsageError(f"a stack does not evaluate: {failed[0]}")
    return {(s.project, s.stack): json.loads(Path(s.manifest).read_text()) for s in result.stacks if s.manifest}


def moves_since(repo_root: Path, env: str, revision: str, scratch: Path) -> PartMoves | None:
    """What the plan of the moves since `revision` reads (None: no model changes shard); UsageError (one line)."""
    stacks_dir = repo_root / STACKS_DIR
    try:
        commit = resolve_revision(repo_root, revision)  # never read as an option of git
    except RevisionError as exc:
        raise UsageError(f"--base {revision!r}: {exc}") from None
    catalog, _ = plan_for(stacks_dir, env)
    old_catalog = catalog_at(repo_root, commit, catalog_folder(stacks_dir, env))
    if old_catalog is None:
        raise UsageError(f"--base {revision!r}: the catalog folder does not load at that revision")
    old, new = plan(old_catalog), plan(catalog)
    changes = part_changes(old, new)
    if not changes:
        return None
    head_names = {s.name for s in new}
    sources = {old_shard for old_shard, _ in changes.values()}
    wanted = {new_shard for _, new_shard in changes.values()} | (sources & head_names)
    head = evaluate(
        state_move_options(env, repo_root, scratch / "head"),
        stacks_dir,
        {f"{project}/{stack_name(env, shard)}" for project in PROJECTS for shard in wanted},
    )
    base: Manifests = {}

    def at_base(root: Path, out: Path) -> None:
        keys = {f"{project}/{stack_name(env, shard)}" for project in PROJECTS for shard in sources}
        base.update(evaluate(state_move_options(env, root, out), root / STACKS_DIR, keys))

    try:
        manifests_at_revision(repo_root, commit, at_base, scratch / "base")
    except RevisionError as exc:
        raise UsageError(f"--base {revision!r}: {exc}") from None
    return PartMoves(env, changes, base, head, frozenset(stack_name(env, shard.name) for shard in old))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="part_moves", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--base", required=True, help="the git revision deployed (the shards' plan there)")
    parser.add_argument("--apply", action="store_true", help="run the plan with the pulumi CLI on PATH")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repo_root = args.repo_root.resolve()
    if split_stack(args.env)[1] is not None:
        print(f"part_moves: --env {args.env!r}: an environment, not a stack (no '.')", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="shard-moves-") as scratch:
            moves = moves_since(repo_root, args.env, args.base, Path(scratch))
    except UsageError as exc:
        print(f"part_moves: {exc}", file=sys.stderr)
        return 2
    if moves is None:
        print(f"no model of {args.env!r} changes shard since {args.base}: nothing to move")
        return 0
    migration = plan_part_moves(moves)
    print(migration.text())
    if migration.blocked:
        print(f"(see {README_SECTION} and docs/shards.md)", file=sys.stderr)
        return 1
    return apply(migration, repo_root) if args.apply else 0


if __name__ == "__main__":
    raise SystemExit(main())
