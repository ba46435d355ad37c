"""Migration from the whole layout (`<env>` stacks) to the sharded one (`<env>.core`, `<env>.<shard>`) without
deleting or replacing anything: a plan of `pulumi state move` commands, then `pulumi stack rename`, and the
diff that shows each resource "moved" (docs/shards.md).

    python -m offline_preview.migration --env dev            the plan and the diff (exit 1 when BLOCKED)
    python -m offline_preview.migration --env dev --apply    run the plan with the pulumi CLI, then say
                                                             `make deploy-all SHARDED=1 ENV=dev`

How (pulumi/pulumi pkg/cmd/pulumi/state/state_move.go): `pulumi state move --source <env> --dest <env>.<shard>
<urns>` moves the named resources and all their children (a repository's lifecycle policy) into the shard's
stack, touching no cloud resource; their parent (the `model-registry` component, which stays) becomes the
destination's root stack in the state while the URN keeps its type chain, so the shard's program, which
registers them under its own `model-registry` component, finds each one at its URN: an update at most,
never a create. Then `pulumi stack rename <env>.core` gives what stayed (the key, the scanning, the roles)
to the core stack, and replication's stack follows the same way.

The diff compares each resource of the whole layout, at its URN in the stack it moves to, with the sharded
layout's program there (model_registry.shards decides which): absent there, or replaced (a property the
provider cannot update in place, diff.REPLACE_ON_CHANGE), a protected resource is BLOCKED. A moved resource
keeps its cloud identity, so the values the offline mocks derive from a URN (ids, ARNs) are mapped back to
the whole layout's before comparing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from model_registry.stack_names import CORE, split_stack, stack_name

from .diff import README_SECTION, diff_manifests
from .monitor import DEPLOYED
from .options import REPO_ROOT, STACKS_DIR, Options, UsageError
from .run import run_preview
from .shard_plan import sharded_options

NOT_MOVED = ("pulumi:pulumi:Stack", "pulumi:pulumi:StackReference")


@dataclass
class Migration:
    env: str
    commands: list[tuple[str, list[str]]] = field(default_factory=list)  # (project, pulumi arguments)
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # (project, urn, destination stack)
    updated: list[str] = field(default_factory=list)  # one line per moved resource the deploy updates
    blocked: list[str] = field(default_factory=list)
    title: str = "to the sharded layout"
    notes: list[str] = field(default_factory=list)  # what the plan leaves to do by hand, one line each

    def text(self) -> str:
        lines = [f"migration of {self.env!r} {self.title} (docs/shards.md):", ""]
        lines += [f"  cd {STACKS_DIR}/{project} && pulumi {' '.join(args)}" for project, args in self.commands]
        lines += [""] + [f"  moved: {urn} -> {project} {stack}" for project, urn, stack in self.moved]
        lines += [f"  updated in place by the next deploy: {line}" for line in self.updated]
        lines += [f"  {line}" for line in self.blocked]
        lines += [f"  then: {line}" for line in self.notes]
        verdict = "BLOCKED: nothing may run" if self.blocked else "every protected resource is moved, none replaced"
        return "\n".join([*lines, "", verdict])


def _renamed(urn: str, stack: str) -> str:
    prefix, rest = urn.split("::", 1)
    return f"{prefix.rsplit(':', 1)[0]}:{stack}::{rest}"


def _urns(manifest: dict) -> set[str]:
    return {r["urn"] for r in manifest["resources"]}


def destinations(base: dict, heads: dict[str, dict], stay: str) -> dict[str, str]:
    """{URN in `base` (one stack's manifest): the stack it ends in}. A custom resource goes to the stack of `heads`
    ({stack: manifest} of one project) other than `stay` whose program registers it at the same URN (a state move
    changes only the stack in a URN); everything else (components: each program registers its own) stays in
    `stay`. The root stack, stack references and providers are not moved (state move copies the providers)."""
    registered = {stack: _urns(manifest) for stack, manifest in heads.items() if stack != stay}
    where: dict[str, str] = {}
    for resource in base["resources"]:
        if resource["type"] in NOT_MOVED or resource["type"].startswith("pulumi:providers:"):
            continue
        found = [s for s, urns in registered.items() if resource["custom"] and _renamed(resource["urn"], s) in urns]
        where[resource["urn"]] = found[0] if found else stay
    return where


def top_level(base: dict, where: dict[str, str], stack: str) -> list[str]:
    """The URNs to name in `state move` into `stack`: those whose parent does not move there too (state_move.go
    takes every child of a named resource: a repository's lifecycle policy moves with it)."""
    parents = {r["urn"]: r["parent"] for r in base["resources"]}
    return sorted(urn for urn, dest in where.items() if dest == stack and where.get(parents[urn]) != stack)


def identities(base: dict, where: dict[str, str], heads: dict[str, dict]) -> list[tuple[str, str]]:
    """(the mocks' id or output for a resource at its new URN, its value at the old one): a moved resource keeps its
    cloud identity, but the offline mocks derive ids and ARNs from URNs."""
    by_urn = {r["urn"]: r for r in base["resources"]}
    found: list[tuple[str, str]] = []
    for stack, head in heads.items():
        new_by_urn = {r["urn"]: r for r in head["resources"]}
        for urn, dest in where.items():
            new = new_by_urn.get(_renamed(urn, stack)) if dest == stack else None
            if new is not None:
                old = by_urn[urn]
                found.append((new["id"], old["id"]))
                found += [(new["outputs"][k], v) for k, v in old["outputs"].items() if k in new["outputs"]]
    return [(a, b) for a, b in found if isinstance(a, str) and isinstance(b, str) and a != b and len(a) > 8]


def plan_migration(env: str, whole: dict[str, dict], sharded: dict[tuple[str, str], dict]) -> Migration:
    """`whole`: {project: manifest of `<env>`}; `sharded`: {(project, stack): manifest}. The plan and the diff."""
    migration = Migration(env)
    core = stack_name(env, CORE)
    identity: list[tuple[str, str]] = []
    where_by_project: dict[str, dict[str, str]] = {}
    for project, base in whole.items():
        heads = {stack: manifest for (p, stack), manifest in sharded.items() if p == project}
        where_by_project[project] = destinations(base, heads, core)
        identity += identities(base, where_by_project[project], heads)
    for project, where in where_by_project.items():
        base = whole[project]
        for stack in sorted({dest for dest in where.values() if dest != core}):
            migration.commands.append((project, ["stack", "init", stack, "--non-interactive"]))
            migration.commands.append(
                (project, ["state", "move", "--source", env, "--dest", stack, "--yes", *top_level(base, where, stack)])
            )
        migration.commands.append((project, ["stack", "rename", core, "--stack", env, "--non-interactive"]))
        by_urn = {r["urn"]: r for r in base["resources"]}
        for (p, stack), head in sharded.items():
            if p == project:
                moved = [by_urn[u] for u, dest in where.items() if dest == stack]
                compare(migration, project, env, stack, moved, head, identity)
        migration.moved += [(project, urn, dest) for urn, dest in where.items() if dest != core]
    return migration


def compare(
    migration: Migration,
    project: str,
    source: str,
    stack: str,
    moved: list[dict],
    head: dict,
    identity: list[tuple[str, str]],
) -> None:
    """The diff of `moved` (resources of stack `source`, now in `stack`) against `head`, `stack`'s program: a
    protected resource absent there, or replaced, is BLOCKED; an update is a line of `updated`."""
    text = json.dumps(head)
    for theirs, ours in identity:
        text = text.replace(json.dumps(theirs)[1:-1], json.dumps(ours)[1:-1])
    head = json.loads(text)
    # `state move` rewrites the stack in the URN, parent, provider and dependencies (rewriteURNs); so here.
    old_prefix = json.dumps(_renamed("urn:pulumi:x::", source))[1:-1]
    new_prefix = f"urn:pulumi:{stack}::"
    base = {"resources": [json.loads(json.dumps(r).replace(old_prefix, new_prefix)) for r in moved]}
    moved_urns = {r["urn"] for r in base["resources"]}
    for change in diff_manifests(base, {"resources": [r for r in head["resources"] if r["urn"] in moved_urns]}):
        if change.blocked:
            migration.blocked.append(f"{change.blocked.split(' (see ')[0]}: {project} {stack}: {change.urn}")
            continue
        # Parent and dependencies are no update: `state move` makes the parent the root stack and drops the
        # dependencies on what stays behind (breakDependencies); the next deploy records the program's own in
        # the state without calling the provider (a "same" step that only rewrites the checkpoint).
        # The provider reference likewise: `state move` copies the providers the moved resources use into the
        # destination, and a default provider's id is a fresh UUID per stack, not a change to the resource.
        changed = [c for c in change.changed_inputs if not c.startswith(("(parent)", "(dependencies)", "(provider)"))]
        if changed:
            migration.updated.append(f"{project} {stack}: {change.urn}: {'; '.join(changed)}")


def manifests(build_dir: Path, env: str, result) -> tuple[dict[str, dict], dict[tuple[str, str], dict]]:
    del build_dir
    found = {(s.project, s.stack): json.loads(Path(s.manifest).read_text()) for s in result.stacks if s.manifest}
    return {p: m for (p, s), m in found.items() if s == env}, {k: m for k, m in found.items() if k[1] != env}


def state_move_options(env: str, repo_root: Path, build_dir: Path) -> Options:
    """The evaluation a plan of state moves reads: as deployed, no pack, no checkov (a state move changes no
    policy). Shared by this migration and part_moves."""
    return Options(env=env, repo_root=repo_root, build_dir=build_dir, policy=False, checkov=False, mode=DEPLOYED)


def preview_both(repo_root: Path, env: str, build_dir: Path, progress=lambda m: None):
    """Both layouts' manifests, evaluated (state_move_options)."""
    whole = run_preview(state_move_options(env, repo_root, build_dir), progress)
    # sharded_options fills in the Options it is given: a fresh one, not the whole layout's.
    sharded = run_preview(
        sharded_options(state_move_options(env, repo_root, build_dir), repo_root / STACKS_DIR), progress
    )
    failed = [f"{s.project} {s.stack}: {s.error}" for s in (*whole.stacks, *sharded.stacks) if s.error]
    if failed:
        raise UsageError(f"a layout does not evaluate: {failed[0]}")
    return manifests(build_dir, env, whole)[0], manifests(build_dir, env, sharded)[1]


def apply(migration: Migration, repo_root: Path, pulumi: str = "pulumi") -> int:
    """Run the plan's commands in order; stop at the first that fails (its status)."""
    for project, args in migration.commands:
        print(f"==> cd {STACKS_DIR}/{project} && pulumi {' '.join(args[:6])}{' ...' if len(args) > 6 else ''}")
        done = subprocess.run([pulumi, *args], cwd=repo_root / STACKS_DIR / project, check=False)
        if done.returncode != 0:
            print(f"migration: stopped: `pulumi {' '.join(args[:4])}` failed in {project}", file=sys.stderr)
            return done.returncode
    print(f"migration: done; now `make deploy-all SHARDED=1 ENV={migration.env}` (updates only)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="migration", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--apply", action="store_true", help="run the plan with the pulumi CLI on PATH")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repo_root = args.repo_root.resolve()
    if split_stack(args.env)[1] is not None:
        print(f"migration: --env {args.env!r}: an environment, not a stack (no '.')", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="shard-migration-") as scratch:
            whole, sharded = preview_both(repo_root, args.env, Path(scratch))
    except UsageError as exc:
        print(f"migration: {exc}", file=sys.stderr)
        return 2
    migration = plan_migration(args.env, whole, sharded)
    print(migration.text())
    if migration.blocked:
        print(f"(see {README_SECTION} and docs/shards.md)", file=sys.stderr)
        return 1
    return apply(migration, repo_root) if args.apply else 0


if __name__ == "__main__":
    raise SystemExit(main())
