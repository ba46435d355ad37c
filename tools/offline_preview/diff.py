"""Compare the manifests of two revisions: per resource, and per policy statement as access gained/lost.

A policy document is reduced to (effect, principal, action, resource, condition) grants, so a reviewer
reads "arn:...:role/ci gains ecr:PutImage" instead of a JSON diff. A protected resource that would be
deleted (removed, renamed without an alias, or replaced because a property the provider cannot update in
place changed) is BLOCKED, pointing to the procedure in docs/checks.md.

The command flow (cli.py): both revisions are evaluated into their own temporary folders, removed
afterwards; the base revision is checked out by revisions.py, each manifest file read by manifest_reader.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aws_facts import resource_types
from aws_facts.iam import Statement, parse
from model_registry.policy_documents.ecr import PULL_ACTIONS, PUSH_ONLY_ACTIONS

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
IDENTITY = "(the identity the policy is attached to)"  # the principal of an identity-based policy


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


def grants(document) -> set[Grant]:
    """Every (effect, principal, action, resource, condition) a policy document states.

    Read by aws_facts.iam, the parser the pack and the access matrix use: element names in any case,
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
        return [IDENTITY]
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
            gained = sorted(_all_grants(new["inputs"]), key=_order)
            changes.append(ResourceChange(urn, new["type"], "added", gained=gained, target=_target(new)))
        elif urn not in after:
            old = before[urn]
            lost = sorted(_all_grants(old["inputs"]), key=_order)
            change = ResourceChange(urn, old["type"], "removed", lost=lost, target=_target(old))
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


def _target(entry: dict) -> str:
    key = _GOVERNS.get(entry["type"])
    value = entry["inputs"].get(key) if key else None
    return value if isinstance(value, str) else ""


def _replacing_inputs(old: dict, new: dict) -> list[str]:
    """The inputs whose change makes the provider replace the resource (delete, then create)."""
    keys = REPLACE_ON_CHANGE.get(new["type"], ())
    return [key for key in keys if old["inputs"].get(key) != new["inputs"].get(key)]


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


def base_access_of(base_dir: Path) -> BaseAccess:
    """What the base manifests in `base_dir` grant (see BaseAccess)."""
    return base_access(read_manifest(path) for path in sorted(base_dir.glob("*.json")) if path.is_file())


def has_blocked(changes: dict[str, list[ResourceChange]]) -> bool:
    return any(c.blocked for per_stack in changes.values() for c in per_stack)


@dataclass(frozen=True)
class BaseAccess:
    """What the base revision already grants: who (principal and condition) holds some Allow, and which
    repositories exist. Broadening is measured against it."""

    principals: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()


def base_access(manifests: Iterable[dict]) -> BaseAccess:
    principals: set[str] = set()
    targets: set[str] = set()
    for manifest in manifests:
        for entry in manifest.get("resources", []):
            if target := _target(entry):
                targets.add(target)
            principals |= {who(g) for g in _all_grants(entry["inputs"]) if g.effect == "Allow"}
    return BaseAccess(frozenset(principals), frozenset(targets))


def who(grant: Grant) -> str:
    """The principal a grant names with its condition: `* if aws:PrincipalOrgID=o-...` is not the public."""
    return f"{grant.principal} if {_readable(grant.condition)}" if grant.condition else grant.principal


def broadenings(changes: dict[str, list[ResourceChange]], base: BaseAccess) -> list[str]:
    """Why access broadens, one line each; empty when it does not.

    Access broadens when a principal the base already grants something gains on a resource that already
    existed (an Allow gained, a Deny lost), or when a principal the base grants nothing gains anything.
    A new model's repository granting the principals every repository already grants (the organization's
    standard consumers, its team's CI role) broadens nothing. An identity policy's Allow always counts:
    its principal is a role, new or existing, that may do more."""
    reasons = []
    for per_stack in changes.values():
        for change in per_stack:
            existed = change.kind != "added" or (change.target != "" and change.target in base.targets)
            where = change.target or change.urn
            for grant in change.gained:
                if grant.effect != "Allow":
                    continue
                principal = who(grant)
                if grant.principal == IDENTITY:
                    reasons.append(f"{change.urn}: the role it is attached to gains {grant.action}")
                elif principal not in base.principals:
                    reasons.append(f"new principal {principal} gains {grant.action} on {where}")
                elif existed:
                    reasons.append(f"{principal} gains {grant.action} on {where}, which already existed")
            for grant in change.lost:
                if grant.effect == "Deny" and existed:
                    reasons.append(f"{who(grant)} is no longer denied {grant.action} on {where}")
    return sorted(set(reasons))


def access_broadens(changes: dict[str, list[ResourceChange]], base: BaseAccess | None = None) -> bool:
    """True when access broadens (see `broadenings`). Without `base`, no principal is known: any Allow
    gained broadens."""
    return bool(broadenings(changes, base if base is not None else BaseAccess()))


# --- who gains or loses what, by principal -------------------------------------------------------

# ECR's pull and push action sets (model_registry.policy_documents.ecr), named as a reviewer says them.
# What pull and push mean, as the access matrix's columns read them: push is what it takes on top of pull.
_PULL = frozenset(PULL_ACTIONS)
_PUSH = frozenset(PUSH_ONLY_ACTIONS)
_NOUNS = {resource_types.ECR_REPOSITORY_POLICY: ("repository", "repositories")}


def by_principal(changes: dict[str, list[ResourceChange]]) -> list[dict]:
    """Per principal and direction: which actions on how many resources, e.g. "gains pull on 37
    repositories". Sorted by principal; each entry lists the resources it counts."""
    table: dict[tuple[str, str, str, str], set[str]] = {}
    for per_stack in changes.values():
        for change in per_stack:
            noun = _NOUNS.get(change.type, ("resource", "resources"))[1]
            for direction, found in (("gains", change.gained), ("loses", change.lost)):
                actions: dict[tuple[str, str], set[str]] = {}
                for grant in found:
                    actions.setdefault((who(grant), grant.effect), set()).add(grant.action)
                for (principal, effect), names in actions.items():
                    key = (principal, direction, f"{'' if effect == 'Allow' else 'deny of '}{access_verb(names)}", noun)
                    table.setdefault(key, set()).add(change.urn)
    return [
        {"principal": p, "direction": d, "access": a, "noun": n, "count": len(urns), "resources": sorted(urns)}
        for (p, d, a, n), urns in sorted(table.items())
    ]


def _readable(condition: str) -> str:
    """`{"StringEquals": {"aws:PrincipalOrgID": ["o-1"]}}` as `aws:PrincipalOrgID StringEquals o-1`."""
    merged = json.loads(condition)
    return "; ".join(
        f"{key} {operator} {','.join(values)}" for operator, keys in merged.items() for key, values in keys.items()
    )


def access_verb(actions: set[str]) -> str:
    """`pull`, `push`, `pull and push` when the actions are exactly those, else the actions themselves."""
    groups = [(name, group) for name, group in (("pull", _PULL), ("push", _PUSH)) if group <= actions]
    if groups and set().union(*(group for _, group in groups)) == actions:
        return " and ".join(name for name, _ in groups)
    return ", ".join(sorted(actions))


def format_by_principal(summary: list[dict]) -> str:
    """One line per principal and access change, then a closing total."""
    if not summary:
        return "== access: no principal gains or loses anything"
    lines = ["== access by principal"]
    for entry in summary:
        singular = {plural: one for one, plural in [*_NOUNS.values(), ("resource", "resources")]}
        noun = entry["noun"] if entry["count"] != 1 else singular[entry["noun"]]
        lines.append(f"  {entry['principal']} {entry['direction']} {entry['access']} on {entry['count']} {noun}")
    # A Deny gained or lost is shown above but is not access gained or lost by a principal.
    allows = [e for e in summary if not e["access"].startswith("deny of ")]
    gaining = {e["principal"] for e in allows if e["direction"] == "gains"}
    losing = {e["principal"] for e in allows if e["direction"] == "loses"}
    denies = len(summary) - len(allows)
    touched = {urn for e in summary for urn in e["resources"]}
    lines.append(
        f"total: {len(gaining)} principal(s) gain access, {len(losing)} lose access, {denies} deny change(s), "
        f"on {len(touched)} resource(s)"
    )
    return "\n".join(lines)
