"""Compare the manifests of two revisions: per resource, and per policy statement as access gained/lost.

A policy document is reduced to (effect, principal, action, resource, condition) grants, so a reviewer
reads "arn:...:role/ci gains ecr:PutImage" instead of a JSON diff. A protected resource that would be
deleted (removed, or renamed without an alias) is BLOCKED, pointing to the README's procedure.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from registry_iam import Statement, parse

from .manifest import load_manifest

README_SECTION = 'README.md, section "Renaming or removing a model"'
BLOCKED = "BLOCKED: protected resource would be deleted"
IGNORED_FIELDS = ("source",)  # where in the program a resource is declared is not a change to it


@dataclass(frozen=True)
class Grant:
    """One principal x action pair a policy statement allows or denies, with its scope."""

    effect: str
    principal: str
    action: str
    resource: str = "*"
    condition: str = ""

    def text(self) -> str:
        scope = "" if self.resource in ("*", "") else f" on {self.resource}"
        condition = f" if {self.condition}" if self.condition else ""
        verb = "may" if self.effect == "Allow" else "is denied"
        return f"{self.principal} {verb} {self.action}{scope}{condition}"


ABSENT = object()  # InputChange.before/after when that side has no such input


@dataclass(frozen=True)
class InputChange:
    """One changed input leaf, as values (for the JSON report); `note` when the values alone do not say it."""

    path: str
    before: object = ABSENT
    after: object = ABSENT
    note: str = ""


@dataclass
class ResourceChange:
    urn: str
    type: str
    kind: str  # added | removed | changed
    changed_inputs: list[str] = field(default_factory=list)  # "path: old -> new"
    gained: list[Grant] = field(default_factory=list)
    lost: list[Grant] = field(default_factory=list)
    blocked: str = ""
    inputs: list[InputChange] = field(default_factory=list)  # the changed_inputs lines as values


def grants(document) -> set[Grant]:
    """Every (effect, principal, action, resource, condition) a policy document states.

    Read by registry_iam, the parser the pack and the access matrix use: element names in any case,
    NotPrincipal/NotAction/NotResource, condition values as IAM reads them (10 and "10" are one value).
    A malformed document states nothing here (the pack refuses it)."""
    found = set()
    for statement in parse(document).statements:
        effect = statement.effect or "Allow"
        principals = _principals(statement)
        prefix = "NOT " if statement.not_action else ""
        actions = [f"{prefix}{a}" for a in statement.actions]
        resources = ["*"] if statement.resources is None else list(statement.resources)
        if statement.not_resource:
            resources = [f"NOT {r}" for r in resources]
        condition = _condition_text(statement)
        for principal in principals:
            for action in actions:
                for resource in resources:
                    found.add(Grant(effect, principal, action, resource, condition))
    return found


def _condition_text(statement: Statement) -> str:
    if not statement.conditions:
        return ""
    merged: dict[str, dict[str, list[str]]] = {}
    for condition in statement.conditions:
        merged.setdefault(condition.operator, {})[condition.key] = sorted(condition.values)
    return json.dumps(merged, sort_keys=True)


def _principals(statement: Statement) -> list[str]:
    if statement.principals is None:
        return ["(the identity the policy is attached to)"]
    labels = [p.value if p.kind in ("AWS", "*") else f"{p.kind}:{p.value}" for p in statement.principals]
    if statement.not_principal:
        return [f"everyone but {label}" for label in labels]
    return labels


def _is_policy(value) -> bool:
    return isinstance(value, dict) and any(str(key).lower() == "statement" for key in value)


def _walk(value, path: str = "") -> Iterator[tuple[str, object]]:
    """Leaves of an input tree as (path, value); policy documents are one leaf each."""
    if isinstance(value, dict) and value and not _is_policy(value):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value and not all(isinstance(v, str | int | float | bool) for v in value):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, value


def _comparable(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k not in IGNORED_FIELDS}


def diff_manifests(base: dict, head: dict) -> list[ResourceChange]:
    """The per-resource changes from `base` to `head` (two manifests of the same stack)."""
    before = {r["urn"]: r for r in base.get("resources", [])}
    after = {r["urn"]: r for r in head.get("resources", [])}
    aliased = {alias for r in after.values() for alias in r["options"].get("aliases", [])}
    changes = []
    for urn in sorted(before.keys() | after.keys()):
        old, new = before.get(urn), after.get(urn)
        if old is None:
            changes.append(
                ResourceChange(urn, new["type"], "added", gained=sorted(_all_grants(new["inputs"]), key=_order))
            )
        elif new is None:
            change = ResourceChange(urn, old["type"], "removed", lost=sorted(_all_grants(old["inputs"]), key=_order))
            if old["options"].get("protect") and urn not in aliased:
                change.blocked = f"{BLOCKED} (see {README_SECTION})"
            changes.append(change)
        elif _comparable(old) != _comparable(new):
            changes.append(_changed(old, new))
    return changes


def _all_grants(inputs: dict) -> set[Grant]:
    return {g for _, value in _walk(inputs) if _is_policy(value) for g in grants(value)}


def _order(grant: Grant):
    return (grant.principal, grant.action, grant.effect, grant.resource, grant.condition)


def _changed(old: dict, new: dict) -> ResourceChange:
    change = ResourceChange(new["urn"], new["type"], "changed")
    old_leaves, new_leaves = dict(_walk(old["inputs"])), dict(_walk(new["inputs"]))
    for path in sorted(old_leaves.keys() | new_leaves.keys()):
        a, b = old_leaves.get(path), new_leaves.get(path)
        if a == b:
            continue
        if _is_policy(a) or _is_policy(b):
            before, after = grants(a) if a else set(), grants(b) if b else set()
            change.gained += sorted(after - before, key=_order)
            change.lost += sorted(before - after, key=_order)
            if before == after:
                change.changed_inputs.append(f"{path}: policy reworded, same grants")
                change.inputs.append(InputChange(path, a, b, "policy reworded, same grants"))
        else:
            change.changed_inputs.append(f"{path}: {_short(a)} -> {_short(b)}")
            change.inputs.append(InputChange(path, old_leaves.get(path, ABSENT), new_leaves.get(path, ABSENT)))
    for key in ("options", "parent", "provider", "dependencies", "id"):
        if old.get(key) != new.get(key):
            change.changed_inputs.append(f"({key}): {_short(old.get(key))} -> {_short(new.get(key))}")
            change.inputs.append(InputChange(f"({key})", old.get(key, ABSENT), new.get(key, ABSENT)))
    return change


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True) if value is not None else "(absent)"
    return text if len(text) <= 120 else text[:117] + "..."


def format_changes(project: str, changes: list[ResourceChange]) -> str:
    """A reviewer's text: one block per changed resource, access changes spelled out."""
    if not changes:
        return f"== {project}: no changes"
    lines = [f"== {project}: {len(changes)} resource(s) changed"]
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for change in changes:
        lines.append(f"{marks[change.kind]} {change.urn}")
        if change.blocked:
            lines.append(f"    {change.blocked}")
        lines += [f"    {text}" for text in change.changed_inputs]
        lines += [f"    + gains: {g.text()}" for g in change.gained]
        lines += [f"    - loses: {g.text()}" for g in change.lost]
    return "\n".join(lines)


def diff_directories(base_dir: Path, head_dir: Path) -> dict[str, list[ResourceChange]]:
    """Per manifest file name (one per stack): the changes from base_dir to head_dir."""
    names = sorted({p.name for p in base_dir.glob("*.json")} | {p.name for p in head_dir.glob("*.json")})
    empty = {"resources": []}
    return {
        name.removesuffix(".json"): diff_manifests(
            load_manifest(base_dir / name) if (base_dir / name).is_file() else empty,
            load_manifest(head_dir / name) if (head_dir / name).is_file() else empty,
        )
        for name in names
    }


def has_blocked(changes: dict[str, list[ResourceChange]]) -> bool:
    return any(c.blocked for per_stack in changes.values() for c in per_stack)


def manifests_at_revision(repo_root: Path, ref: str, build: Callable[[Path, Path], None]) -> Path:
    """Check `ref` out in a temporary git worktree, build its manifests with `build(root, out)`.

    Returns a temporary directory holding the manifests; the worktree is removed before returning.
    """
    out = Path(tempfile.mkdtemp(prefix="offline-preview-base-"))
    worktree = Path(tempfile.mkdtemp(prefix="offline-preview-worktree-"))
    worktree.rmdir()  # git worktree add wants to create it
    added = subprocess.run(
        ["git", "-C", str(repo_root), "worktree", "add", "--detach", str(worktree), ref],
        capture_output=True,
        text=True,
        check=False,
    )
    if added.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        message = (added.stderr.strip().splitlines() or ["git worktree add failed"])[-1]
        raise ValueError(f"cannot check out {ref!r}: {message}")
    try:
        build(worktree, out)
    finally:
        subprocess.run(
            ["git", "-C", str(repo_root), "worktree", "remove", "--force", str(worktree)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(worktree, ignore_errors=True)
    return out
