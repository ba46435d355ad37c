"""Compare the manifests of two revisions: per resource, and per policy statement as access gained/lost.

A policy document is reduced to (effect, principal, action, resource, condition) grants, so a reviewer
reads "arn:...:role/ci gains ecr:PutImage" instead of a JSON diff. A protected resource that would be
deleted (removed, renamed without an alias, or replaced because a property the provider cannot update in
place changed) is BLOCKED, pointing to the procedure in docs/checks.md.

The command flow (cli.py): both revisions are evaluated into their own temporary folders, removed
afterwards; the base revision is checked out by revisions.py, each manifest file read by manifest_reader.py.
Policy documents become grants in grants.py; whether access broadens, and who gains what, is access_changes.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from aws_facts import resource_types

from .grants import Grant, grant_order, grants, input_leaves, is_policy, policy_grants
from .manifest_reader import ManifestError, read_manifest

README_SECTION = 'docs/checks.md, section "Renaming or removing a model"'
BLOCKED = "BLOCKED: protected resource would be deleted"
BLOCKED_REPLACE = "BLOCKED: protected resource would be replaced (deleted, then created again)"
# Inputs the provider cannot update in place: a change replaces the resource. From pulumi-aws's upstream
# schema (terraform-provider-aws, ForceNew): aws_ecr_repository `name`, `encryption_configuration` (and its
# `encryption_type`, `kms_key`); aws_kms_key `customer_master_key_spec`, `key_usage`, `multi_region`,
# `custom_key_store_id`, `xks_key_id`.
REPLACE_ON_CHANGE = {
    resource_types.ECR_REPOSITORY: ("name", "encryptionConfigurations"),
    resource_types.KMS_KEY: ("customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"),
}
IGNORED_FIELDS = ("source",)  # where in the program a resource is declared is not a change to it


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
    target: str = ""  # what a resource policy governs (a repository policy's repository), when it says so


def _comparable(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k not in IGNORED_FIELDS}


def _checked(entry: dict) -> dict:
    from .provider_check import check

    inputs, _ = check(entry["type"], entry.get("inputs") or {})
    return entry if inputs is entry.get("inputs") else {**entry, "inputs": inputs}


def diff_manifests(base: dict, head: dict) -> list[ResourceChange]:
    """The per-resource changes from `base` to `head` (two manifests of the same stack)."""
    # Both sides as the provider's Check gives them (schema defaults in): a base built by a tool without Check
    # leaves a default out that the head spells, which is no change.
    before = {r["urn"]: _checked(r) for r in base.get("resources", [])}
    after = {r["urn"]: _checked(r) for r in head.get("resources", [])}
    aliased = {alias for r in after.values() for alias in r["options"].get("aliases", [])}
    changes = []
    for urn in sorted(before.keys() | after.keys()):
        if urn not in before:
            new = after[urn]
            gained = sorted(policy_grants(new["inputs"]), key=grant_order)
            changes.append(ResourceChange(urn, new["type"], "added", gained=gained, target=resource_target(new)))
        elif urn not in after:
            old = before[urn]
            lost = sorted(policy_grants(old["inputs"]), key=grant_order)
            change = ResourceChange(urn, old["type"], "removed", lost=lost, target=resource_target(old))
            if old["options"].get("protect") and urn not in aliased:
                change.blocked = f"{BLOCKED} (see {README_SECTION})"
            changes.append(change)
        elif _comparable(old := before[urn]) != _comparable(new := after[urn]):
            change = _changed(old, new)
            replaced = _replacing_inputs(old, new)
            if old["options"].get("protect") and replaced:
                change.blocked = f"{BLOCKED_REPLACE}: {', '.join(replaced)} changed (see {README_SECTION})"
            changes.append(change)
    return changes


# Resource policies and the input naming what they govern.
_GOVERNS = {resource_types.ECR_REPOSITORY_POLICY: "repository", resource_types.ECR_REPOSITORY: "name"}


def resource_target(entry: dict) -> str:
    """What a resource policy governs (a repository policy's repository), or a repository's own name; else ""."""
    key = _GOVERNS.get(entry["type"])
    value = entry["inputs"].get(key) if key else None
    return value if isinstance(value, str) else ""


def _replacing_inputs(old: dict, new: dict) -> list[str]:
    """The inputs whose change makes the provider replace the resource (delete, then create)."""
    keys = REPLACE_ON_CHANGE.get(new["type"], ())
    return [key for key in keys if old["inputs"].get(key) != new["inputs"].get(key)]


def _changed(old: dict, new: dict) -> ResourceChange:
    change = ResourceChange(new["urn"], new["type"], "changed")
    old_leaves, new_leaves = dict(input_leaves(old["inputs"])), dict(input_leaves(new["inputs"]))
    for path in sorted(old_leaves.keys() | new_leaves.keys()):
        a, b = old_leaves.get(path), new_leaves.get(path)
        if a == b:
            continue
        if is_policy(a) or is_policy(b):
            before, after = grants(a) if a else set(), grants(b) if b else set()
            change.gained += sorted(after - before, key=grant_order)
            change.lost += sorted(before - after, key=grant_order)
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
    for name in names:
        for directory in (base_dir, head_dir):
            if (directory / name).exists() and not (directory / name).is_file():
                raise ManifestError(f"{directory / name}: not a file")
    empty: dict = {"resources": []}
    return {
        name.removesuffix(".json"): diff_manifests(
            read_manifest(base_dir / name) if (base_dir / name).is_file() else empty,
            read_manifest(head_dir / name) if (head_dir / name).is_file() else empty,
        )
        for name in names
    }


def has_blocked(changes: dict[str, list[ResourceChange]]) -> bool:
    return any(c.blocked for per_stack in changes.values() for c in per_stack)
