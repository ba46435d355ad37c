"""What a diff's access changes mean for a reviewer: whether access broadens against what the base revision already
grants (`broadenings`, `access_broadens`), and who gains or loses what, by principal (`by_principal`,
`format_by_principal`: "gains pull on 37 repositories")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aws_facts import resource_types
from model_registry.policy_documents.ecr import PULL_ACTIONS, PUSH_ONLY_ACTIONS

from .diff import ResourceChange, resource_target
from .grants import IDENTITY, Grant, policy_grants
from .manifest_reader import read_manifest


@dataclass(frozen=True)
class BaseAccess:
    """What the base revision already grants: who (principal and condition) holds some Allow, and which
    repositories exist. Broadening is measured against it."""

    principals: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()


def base_access_of(base_dir: Path) -> BaseAccess:
    """What the base manifests in `base_dir` grant (see BaseAccess)."""
    return base_access(read_manifest(path) for path in sorted(base_dir.glob("*.json")) if path.is_file())


def base_access(manifests: Iterable[dict]) -> BaseAccess:
    """What these base manifests grant: every principal an Allow names, every resource a policy governs."""
    principals: set[str] = set()
    targets: set[str] = set()
    for manifest in manifests:
        for entry in manifest.get("resources", []):
            if target := resource_target(entry):
                targets.add(target)
            principals |= {who(g) for g in policy_grants(entry["inputs"]) if g.effect == "Allow"}
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


_SINGULAR = {plural: one for one, plural in [*_NOUNS.values(), ("resource", "resources")]}


def format_by_principal(summary: list[dict]) -> str:
    """One line per principal and access change, then a closing total."""
    if not summary:
        return "== access: no principal gains or loses anything"
    lines = ["== access by principal"]
    for entry in summary:
        noun = entry["noun"] if entry["count"] != 1 else _SINGULAR[entry["noun"]]
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
