"""The sharded layout's stacks, in dependency order, and what a change touches (docs/shards.md).

    python -m offline_preview.shard_plan list --env dev [--json]          every stack, its upstreams, its models
    python -m offline_preview.shard_plan changed --env dev --base REF      the stacks a change since REF previews
    python -m offline_preview.shard_plan matrix --env dev                  the shards as a JSON list (CI's matrix)

The shard plan itself (which models a shard holds) is model_registry.shards, shared with the programs; this
module names the stacks around it: `<env>.core` of registry, replication and access, then for each shard
`registry <env>.<shard>` and `access <env>.<shard>`. Exit status: 0, 2 for usage or input errors (one line).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from model_registry.catalog import Catalog, load_catalog
from model_registry.config import DEFAULT_CATALOG
from model_registry.contract import ACCESS, REGISTRY, REPLICATION, upstream_stack
from model_registry.errors import ConfigError
from model_registry.replica_settings import replica_mutable_tags
from model_registry.shards import MAX_RESOURCES_PER_STACK, MODELS_PER_PART, Shard, part_changes, plan
from model_registry.stack_names import CORE, MAX_STACK_NAME, split_stack, stack_name

from .options import REPO_ROOT, STACKS_DIR, Options, UsageError
from .project import ProjectError, load_project

# Paths whose change previews every stack: the programs' shared library, the AWS facts, the pack, the tools.
EVERYTHING = ("shared/", "aws-facts/", "policy-pack/", "tools/offline_preview/", "uv.lock", "pyproject.toml")


@dataclass(frozen=True)
class PlannedStack:
    project: str
    stack: str
    shard: str | None  # None: the core stack
    upstreams: tuple[str, ...]  # `project/stack` keys
    models: int

    @property
    def key(self) -> str:
        return f"{self.project}/{self.stack}"


def catalog_folder(stacks_dir: Path, env: str) -> Path:
    """The catalog folder the registry's config names (registry:catalog, relative to its project directory)."""
    project = load_project(stacks_dir / REGISTRY, env)
    return stacks_dir / REGISTRY / project.config.get(f"{REGISTRY}:catalog", DEFAULT_CATALOG)


def planned_stacks(shards: tuple[Shard, ...], env: str) -> list[PlannedStack]:
    """Every stack of the sharded layout in an order that deploys each after what it reads."""
    core = {project: stack_name(env, CORE) for project in (REGISTRY, REPLICATION, ACCESS)}

    def key(project: str, own: str, shard: str | None = None) -> str:
        return f"{project}/{upstream_stack(project, own, shard)}"

    stacks = [
        PlannedStack(REGISTRY, core[REGISTRY], None, (), 0),
        PlannedStack(REPLICATION, core[REPLICATION], None, (key(REGISTRY, core[REPLICATION]),), 0),
        PlannedStack(ACCESS, core[ACCESS], None, (key(REGISTRY, core[ACCESS]),), 0),
    ]
    for shard in shards:
        own = stack_name(env, shard.name)
        if len(own) > MAX_STACK_NAME:
            # The engine refuses the name (ParseStackName, stack_names.MAX_STACK_NAME): `pulumi stack init` would
            # fail for this shard alone, after the core stacks were deployed.
            room = MAX_STACK_NAME - len(own) + len(env)
            raise UsageError(
                f"stack {own!r} of shard {shard.name!r} ({shard.file}) is {len(own)} characters, over Pulumi's "
                f"{MAX_STACK_NAME} for a stack name: use an environment name of at most {room} characters, or a "
                f"shorter team name"
            )
        stacks.append(PlannedStack(REGISTRY, own, shard.name, (key(REGISTRY, own),), len(shard.models)))
        stacks.append(
            PlannedStack(
                ACCESS,
                own,
                shard.name,
                (key(REGISTRY, own), key(REGISTRY, own, shard.name), key(ACCESS, own)),
                len(shard.models),
            )
        )
    return stacks


def plan_for(stacks_dir: Path, env: str, per_part: int = MODELS_PER_PART) -> tuple[Catalog, list[PlannedStack]]:
    """The catalog the stacks read and every stack of the sharded layout; UsageError (one line) for bad input."""
    try:
        catalog = load_catalog(catalog_folder(stacks_dir, env), key=f"{REGISTRY}:catalog")
        return catalog, planned_stacks(plan(catalog, per_part), env)
    except (ConfigError, ProjectError) as exc:
        raise UsageError(" | ".join(getattr(exc, "problems", ())) or str(exc)) from None


def sharded_options(
    base: Options, stacks_dir: Path, only: set[str] | None = None, per_part: int = MODELS_PER_PART
) -> Options:
    """`base` (env, build dir, ...) for the sharded layout's stacks; `only`: these `project/stack` keys and the
    stacks they read (a reference is answered by its upstream's evaluation, as the engine reads its state)."""
    _, stacks = plan_for(stacks_dir, base.env, per_part)
    stacks = select_stacks(stacks, base.env, only)
    options = Options(**{**base.__dict__})
    options.projects = [stacks_dir / s.project for s in stacks]
    options.stack_names = [s.stack for s in stacks]
    options.upstreams = {s.key: set(s.upstreams) for s in stacks}
    options.stack_check = stack_bound
    return options


def select_stacks(
    stacks: list[PlannedStack], env: str, only: set[str] | None, with_upstreams: bool = True
) -> list[PlannedStack]:
    """`only` (None: every stack) of `stacks`, in order; `with_upstreams`: and every stack they read."""
    if only is None:
        return stacks
    by_key = {s.key: s for s in stacks}
    unknown = sorted(only - set(by_key))
    if unknown:
        raise UsageError(f"no stack {unknown[0]!r} in the sharded layout of {env!r} (`shard_plan list`)")
    wanted = set(only)
    for planned in reversed(stacks):
        if with_upstreams and planned.key in wanted:
            wanted.update(planned.upstreams)
    return [s for s in stacks if s.key in wanted]


def read_stacks(stacks: list[PlannedStack], selected: set[str]) -> list[PlannedStack]:
    """The stacks that `selected` read, and what those read, in deploy order (each after what it reads)."""
    by_key = {s.key: s for s in stacks}
    wanted: set[str] = set()
    pending = [upstream for key in selected for upstream in by_key[key].upstreams]
    while pending:
        key = pending.pop()
        if key not in wanted:
            wanted.add(key)
            pending.extend(by_key[key].upstreams)
    return [s for s in stacks if s.key in wanted]


def stack_bound(project: str, stack: str, resources: int, bound: int = MAX_RESOURCES_PER_STACK) -> str | None:
    """One line when a shard stack holds more than `bound` resources: the shard and the fix."""
    if resources <= bound or split_stack(stack)[1] in (None, CORE):
        return None
    return (
        f"{project} stack {stack}: {resources:,} resources, over the bound of {bound:,} per stack "
        f"(model_registry.shards.MAX_RESOURCES_PER_STACK: a self-managed backend rewrites the whole state at every "
        f"step); give its team more parts: lower model_registry.shards.MODELS_PER_PART ({MODELS_PER_PART}), then "
        "move the models the new plan places in other parts: `make shard-moves BASE=<the revision deployed>` "
        "(docs/shards.md, 'When a team grows a part')"
    )


# --- what a change touches ---------------------------------------------------------------------------------


def fingerprints(catalog: Catalog, shards: tuple[Shard, ...]) -> dict[str, tuple]:
    """What each stack reads of the catalog, as values to compare with ==: a shard its models' entries and its
    team's header; the registry core what replicas take from the models (mutable tags, lifecycle overrides) and
    the teams' pull-through upstreams (its cache rules); the access core the CI pushers of every team that has a
    push role. Where an entry is written (its line) is not read by any stack. The values are the catalog's own
    frozen objects, compared field by field (serializing 10,000 models to compare them cost 5 s of cProfile)."""
    models = {m.name: m for m in catalog.models}
    teams = {t.name: t for t in catalog.teams}

    def entry(name: str) -> tuple:
        model = models[name]
        return tuple(getattr(model, f.name) for f in fields(model) if f.name != "where")

    found: dict[str, tuple] = {
        # model_registry.replica_settings reads only these: each model's mutable tags (by name) and lifecycle.
        f"{REGISTRY}/{CORE}": (
            tuple((tag, tuple(names)) for tag, names in replica_mutable_tags(catalog.models).items()),
            tuple(sorted(repr(m.lifecycle) for m in catalog.models if m.lifecycle)),
            tuple(sorted(catalog.upstreams().items())),
        ),
        f"{ACCESS}/{CORE}": tuple(sorted((t.name, t.pushers) for t in catalog.teams if t.pushers)),
    }
    for shard in shards:
        team = teams[shard.team]
        header = (team.name, team.cost_centre, team.pushers)
        found[shard.name] = (header, tuple(entry(n) for n in shard.models))
    return found


def changed_stacks(
    base: tuple[Catalog, tuple[Shard, ...]] | None, head: tuple[Catalog, tuple[Shard, ...]], paths: list[str], env: str
) -> tuple[list[PlannedStack], dict[str, str]]:
    """The stacks a change previews, with why: {key: reason}. `base` None: the base catalog did not load."""
    stacks = planned_stacks(head[1], env)
    reasons: dict[str, str] = {}

    def mark(predicate, reason: str) -> None:
        for planned in stacks:
            if predicate(planned):
                reasons.setdefault(planned.key, reason)

    everything = [p for p in paths if p.startswith(EVERYTHING) or p in EVERYTHING]
    if everything or base is None:
        mark(lambda s: True, f"{everything[0]} changed" if everything else "the base catalog does not load")
        return stacks, reasons
    for path in paths:
        parts = path.split("/")
        if parts[0] == STACKS_DIR and len(parts) > 2:
            mark(lambda s, project=parts[1]: s.project == project, f"{path} changed")
    old, new = fingerprints(*base), fingerprints(*head)
    for name, text in new.items():
        if old.get(name) == text:
            continue
        if name == f"{REGISTRY}/{CORE}":
            mark(
                lambda s: s.project in (REGISTRY, REPLICATION) and s.shard is None,
                "the core's catalog inputs changed (replica settings, pull-through upstreams)",
            )
        elif name == f"{ACCESS}/{CORE}":
            mark(lambda s: s.project == ACCESS and s.shard is None, "a team's CI pushers changed")
        else:
            mark(lambda s, shard=name: s.shard == shard, "its catalog entries changed")
    # The stacks that read a changed stack: a registry shard's access shard reads its repositories.
    for planned in stacks:
        for upstream in planned.upstreams:
            project, stack = upstream.split("/", 1)
            if upstream in reasons and planned.key not in reasons and split_stack(stack)[1] not in (None, CORE):
                reasons[planned.key] = f"reads {upstream}"
    chosen = [s for s in stacks if s.key in reasons]
    return chosen, {s.key: reasons[s.key] for s in chosen}


def shard_moves(base: tuple[Shard, ...], head: tuple[Shard, ...], env: str) -> list[str]:
    """What previewing the changed stacks cannot show, one line each: a model whose repository moves to another
    shard stack (a team file renamed, a model moved between teams, a team growing a part) and a shard stack that
    leaves the layout. The engine previews the new shard creating the repository green, but `up` fails there
    (the repository exists, in the old shard's state) and the old shard, no longer in the layout, keeps its
    repositories and their policies until `pulumi state move` carries them over (docs/shards.md)."""
    moves: dict[tuple[str, str], list[str]] = {}
    for model, (old, new) in part_changes(base, head).items():
        moves.setdefault((old, new), []).append(model)
    lines = [
        f"models {', '.join(sorted(models))} move from stack {stack_name(env, old)} to {stack_name(env, new)}: before "
        f"deploying, run `make shard-moves ENV={env} BASE=<this base>`: the `pulumi state move --source "
        f"{stack_name(env, old)} --dest {stack_name(env, new)}` commands with their repositories' URNs in stacks/registry and their policies' in "
        "stacks/access; without them the new shard cannot create repositories that exist"
        for (old, new), models in sorted(moves.items())
    ]
    remaining = {shard.name for shard in head}
    lines += [
        f"stack {stack_name(env, shard.name)} ({shard.file}) leaves the layout: its {len(shard.models)} repositories and their "
        "policies stay deployed in it until moved (pulumi state move) or the stack is destroyed (protected "
        "repositories are kept)"
        for shard in base
        if shard.name not in remaining
    ]
    return lines


def catalog_at(repo_root: Path, revision: str, folder: Path) -> Catalog | None:
    """The catalog folder at a git revision (None when it does not load there)."""
    relative = folder.resolve().relative_to(repo_root.resolve())
    with tempfile.TemporaryDirectory(prefix="shard-plan-") as scratch:
        archive = subprocess.run(
            ["git", "-C", str(repo_root), "archive", revision, str(relative)], capture_output=True, check=False
        )
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", scratch], input=archive.stdout, check=True)
        try:
            return load_catalog(Path(scratch) / relative)
        except ConfigError:
            return None


def changed_paths(repo_root: Path, revision: str) -> list[str]:
    done = subprocess.run(
        ["git", "-C", str(repo_root), "diff", "--name-only", revision, "--"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(f"--base {revision!r}: not a git revision of {repo_root} ({done.stderr.strip()[:200]})")
    untracked = subprocess.run(
        ["git", "-C", str(repo_root), "ls-files", "--others", "--exclude-standard"], capture_output=True, text=True
    )
    return sorted(set(done.stdout.split()) | set(untracked.stdout.split()))


def why_markdown(
    base: str,
    everything: list[PlannedStack],
    chosen: list[PlannedStack],
    reasons: dict[str, str],
    moves: Sequence[str] = (),
) -> str:
    """Which stacks a change previews and why, and the stacks they read (answering their stack references);
    then the state moves the change needs (shard_moves), which no preview shows."""
    moved = "".join(f"\n**Not shown by the preview:** {line}\n" for line in moves)
    if not chosen:
        return f"No stack of the sharded layout changed since `{base}`: nothing to preview.\n" + moved
    lines = [
        f"**{len(chosen)} of the sharded layout's {len(everything)} stacks** changed since `{base}` "
        "(`shard_plan changed`):",
        "",
        "| stack | previewed because |",
        "|---|---|",
        *(f"| {s.project} {s.stack} | {reasons[s.key]} |" for s in chosen),
    ]
    selected = {s.key for s in chosen}
    read = read_stacks(everything, selected)
    if read:
        by = {r.key: [s.key for s in chosen if r.key in s.upstreams] for r in read}
        lines += [
            "",
            "Read through their stack references, as deployed (at the base with `--deployed`), not previewed "
            "unless listed above: "
            + "; ".join(f"{r.project} {r.stack} (by {', '.join(by[r.key]) or 'what those read'})" for r in read)
            + ".",
        ]
    return "\n".join(lines) + "\n" + moved


def write_why(
    path: Path, base: str, everything: list[PlannedStack], chosen, reasons: dict[str, str], moves: Sequence[str] = ()
) -> None:
    try:
        path.write_text(why_markdown(base, everything, chosen, reasons, moves))
    except OSError as exc:
        raise UsageError(f"--why {path}: cannot write: {exc.strerror}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shard_plan", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("list", "changed", "matrix"))
    parser.add_argument("--env", default="local")
    parser.add_argument("--base", help="changed: the git revision to compare with")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keys", action="store_true", help="the stacks' project/stack keys, comma-separated")
    parser.add_argument(
        "--why", type=Path, metavar="FILE", help="changed: also write which stacks, why and what they read (Markdown)"
    )
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repo_root = args.repo_root.resolve()
    stacks_dir = repo_root / STACKS_DIR
    try:
        catalog, stacks = plan_for(stacks_dir, args.env)
        reasons: dict[str, str] = {}
        if args.command == "changed":
            if not args.base:
                raise UsageError("changed needs --base <git revision>")
            paths = changed_paths(repo_root, args.base)
            base_catalog = catalog_at(repo_root, args.base, catalog_folder(stacks_dir, args.env))
            base = (base_catalog, plan(base_catalog)) if base_catalog is not None else None
            head = (catalog, plan(catalog))
            everything = stacks
            stacks, reasons = changed_stacks(base, head, paths, args.env)
            moves = shard_moves(base[1], head[1], args.env) if base is not None else []
            for line in moves:
                print(f"shard_plan: not shown by the preview: {line}", file=sys.stderr)
            if args.why:
                write_why(args.why, args.base, everything, stacks, reasons, moves)
    except UsageError as exc:
        print(f"shard_plan: {exc}", file=sys.stderr)
        return 2
    if args.command == "matrix":  # the deploy workflow's matrix: the shards, one job each
        print(json.dumps([s.shard for s in stacks if s.project == REGISTRY and s.shard is not None]))
        return 0
    rows = [asdict(s) | {"key": s.key, "reason": reasons.get(s.key, "")} for s in stacks]
    if args.keys:
        print(",".join(row["key"] for row in rows))
    elif args.json:
        print(json.dumps(rows, indent=1))
    else:
        for row in rows:
            reason = f"  ({row['reason']})" if row["reason"] else ""
            print(f"{row['project']:<12} {row['stack']:<24} {row['models']:>6} models{reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
