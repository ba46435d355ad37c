"""What each Allow gives each caller (`reach`): for the access matrix, which actions a named caller gets from a
set of statements read together, and which a Deny takes away, over the requests external_access tries
(external.py's `tried_requests`, insiders included); and a resource's tags as the requests' known context
(`resource_tag_context`)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .actions import action_matches
from .conditions import all_hold, check_operator
from .document import PrincipalValue, Statement
from .evaluate import resource_applies
from .external import FRESH_RESOURCE, tried_requests
from .external_callers import Zone, zone_facts
from .principals import Caller
from .wildcard import instances


@dataclass
class Reach:
    """What one Allow gives one caller over every request the analysis tries."""

    statement: Statement
    principal: PrincipalValue | None  # the principal value that names the caller (None: NotPrincipal, identity)
    caller: Caller
    actions: set[str] = field(default_factory=set)  # kept after the Denies by some request the Allow admits
    denied: dict[str, Statement] = field(default_factory=dict)  # admitted, but a Deny (this one) removes it always
    # per action kept: a request that keeps it (its context, and its resource; None: the policy's own)
    witnesses: dict[str, tuple[dict[str, tuple[str, ...]], str | None]] = field(default_factory=dict)


def reach(
    statements: Sequence[Statement],
    callers: Iterable[Caller],
    actions: Iterable[str],
    resource: str | None = None,
    resource_context: Mapping[str, Sequence[str]] | None = None,
) -> list[Reach]:
    """For each caller and each Allow of `statements` that admits it in some request: which of `actions` it
    gets and which a Deny takes away. The requests are external_access's (`tried_requests`), with every value the
    conditions name tried (insiders included); the statements may come from several documents read together
    (a resource policy and a role's identity policies). `resource` and `resource_context` as in
    external_access. Raises UnsupportedCondition and TooComplex as it does."""
    usable = [s for s in statements if not (s.unknown - {"Resource"}) and s.effect is not None]
    for statement in usable:
        for condition in statement.conditions:
            check_operator(condition)
    candidates = frozenset(actions)
    sets = {id(s): _action_set(s.actions, s.not_action, candidates) for s in usable}
    resources: list[str | None] = [resource]
    if resource is None:
        named_resources = [i for s in usable for p in (s.resources or ()) for i in instances(p)]
        resources = list(dict.fromkeys([*named_resources, FRESH_RESOURCE])) if named_resources else [None]
    fixed_resource = {k.lower(): tuple(v) for k, v in (resource_context or {}).items()}
    facts = zone_facts(usable, Zone(frozenset()))
    found: dict[tuple[int, int], Reach] = {}
    for number, caller in enumerate(callers):
        for live, context in tried_requests(usable, caller, fixed_resource, facts, insiders=True):
            applying = [(s, p) for s, p in live if all_hold(s.conditions, context)]
            for on_resource in resources:
                on = [(s, p) for s, p in applying if resource_applies(s, on_resource)]
                denies = [s for s, _ in on if s.is_deny]
                removed = frozenset().union(*(sets[id(d)] for d in denies))
                for statement, principal in on:
                    if not statement.is_allow or not sets[id(statement)]:
                        continue
                    entry = found.setdefault((id(statement), number), Reach(statement, principal, caller))
                    kept = sets[id(statement)] - removed - entry.actions
                    if kept:
                        request = (context, on_resource)
                        entry.witnesses.update(dict.fromkeys(kept, request))
                        entry.actions |= kept
                    for action in sets[id(statement)] & removed:
                        if action not in entry.denied:
                            entry.denied[action] = next(d for d in denies if action in sets[id(d)])
    for entry in found.values():
        entry.denied = {a: d for a, d in entry.denied.items() if a not in entry.actions}
    return list(found.values())


@functools.lru_cache(maxsize=4096)
def _action_set(actions: tuple[str, ...], not_action: bool, candidates: frozenset[str]) -> frozenset[str]:
    """The candidates an Action (or NotAction) element covers: many documents share a few elements."""
    hits = frozenset(a for a in candidates if action_matches(actions, a))
    return candidates - hits if not_action else hits


def resource_tag_context(
    tags: Mapping[str, str], tested: Iterable[str] = (), prefixes: Sequence[str] = ("aws:", "ecr:")
) -> dict[str, tuple[str, ...]]:
    """A resource's known tags as `resource_context` for external_access and reach: `<prefix>ResourceTag/<key>`
    for each tag, and absent (an empty value) for each tag key in `tested` (condition keys, lower case) the
    resource does not have. A caller that knows a repository's tags (the access matrix, a stack-wide check)
    passes them so that the search does not try other values."""
    context: dict[str, tuple[str, ...]] = {
        f"{p}resourcetag/{k}".lower(): (str(v),) for k, v in tags.items() for p in prefixes
    }
    wanted = tuple(f"{p}resourcetag/" for p in prefixes)
    context |= {k: () for k in tested if k.startswith(wanted) and k not in context}
    return context


__all__ = ["Reach", "reach", "resource_tag_context"]
