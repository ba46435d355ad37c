"""Account-wide ECR settings: one per registry and region, and a put replaces all of it.

Three of them are written by the stacks: the registry scanning configuration, the replication configuration
and the registry policy. What each does to the repositories a stack does not own is decided here, once; the
pack (registry_policies.singletons, .validation) only reports it.

A registry scanning configuration decides the scanning of every repository of the account and region, not
only of the repositories a stack owns (registry-scanning-filters.html, "Filters"):
- ENHANCED: a repository that no rule's filter matches is not scanned at all;
- BASIC with rules: a repository that no SCAN_ON_PUSH rule matches is set to manual scanning.
So a configuration whose filters name only the stack's namespace turns scanning off (or to manual) for every
other repository. A rule whose filter is `*` (which matches every repository name) keeps them scanned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .ecr_scanning import DEFAULT_SCAN_TYPE, FilterType, ScanFrequency, ScanType
from .iam.document import Statement, parse

SCANNING_FILTERS_URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html"


def matches_every_repository(pattern: Any) -> bool:
    """A WILDCARD scanning filter that matches every repository name: nothing but `*`."""
    return isinstance(pattern, str) and pattern != "" and set(pattern) == {"*"}


def scanning_leaves_out(scan_type: Any, rules: Any) -> str | None:
    """What a registry scanning configuration does to repositories its filters do not name, or None when a
    rule keeps every repository of the account and region scanned."""
    kind = scan_type if isinstance(scan_type, str) else DEFAULT_SCAN_TYPE
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        frequency = rule.get("scanFrequency")
        filters = rule.get("repositoryFilters") or []
        if kind == ScanType.BASIC and frequency != ScanFrequency.SCAN_ON_PUSH:
            continue
        if any(isinstance(f, dict) and matches_every_repository(f.get("filter")) for f in filters):
            return None
    if kind == ScanType.ENHANCED:
        return "turns image scanning OFF for every other repository of the account and region"
    return "sets every other repository of the account and region to manual scanning (no scan on push)"


# The rule a stack adds beside its own so that the repositories it does not own stay scanned on push.
KEEP_OTHERS_SCANNED = {
    "scan_frequency": ScanFrequency.SCAN_ON_PUSH.value,
    "repository_filters": [{"filter": "*", "filter_type": FilterType.WILDCARD.value}],
}


def scanning_rules(frequency: str, filters: list[dict[str, str]]) -> list[dict]:
    """The stack's rule over its own filters, then the rule that keeps every other repository scanned on push
    (ENHANCED: a repository both rules match gets the stack's frequency, continuous winning over on-push)."""
    own = {"scan_frequency": frequency, "repository_filters": filters}
    if frequency == ScanFrequency.SCAN_ON_PUSH:
        return [
            {"scan_frequency": frequency, "repository_filters": [*filters, *KEEP_OTHERS_SCANNED["repository_filters"]]}
        ]
    return [own, KEEP_OTHERS_SCANNED]


# --- the replication configuration (PutReplicationConfiguration) -----------------------------------------
#
# ECR's API reference and botocore's model: PutReplicationConfiguration "creates or updates the replication
# configuration for a registry", one per account and region, given whole (ReplicationConfiguration.rules, 0 to
# 25 rules in the model). The provider (internal/service/ecr/replication_configuration.go) puts it on create and
# update without reading what exists, and on delete puts an empty rule list. A repository filter is PREFIX_MATCH:
# it covers every repository whose name begins with the filter; a rule without filters covers every repository
# ("If no filters are added, the contents of all repositories are replicated", RepositoryFilter).

REPLICATION_URL = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutReplicationConfiguration.html"
REPLICATION_REPLACES = (
    "PutReplicationConfiguration replaces the account's whole replication configuration in the region (the "
    "provider puts it on create and update without reading what exists, and puts an empty one on delete): every "
    "rule it does not hold is dropped, so a repository outside {owned} that such a rule replicates stops replicating"
)


def _namespace_prefix(namespace: str) -> str:
    return namespace.rstrip("/") + "/"


def inside(prefix: str, namespaces: Sequence[str]) -> bool:
    """Every repository whose name begins with `prefix` is in one of the namespaces (`<ns>/...`). `models` is
    not inside `models`: it also begins `models-archive/x` and `modelsx`."""
    return any(prefix.startswith(_namespace_prefix(ns)) for ns in namespaces if ns)


def owned_text(namespaces: Sequence[str]) -> str:
    named = [_namespace_prefix(ns) for ns in namespaces if ns]
    return " and ".join(repr(n) for n in named) if named else "the stacks' namespace (none named)"


def replication_reach(rule: Any) -> tuple[str, ...] | None:
    """The repository-name prefixes a replication rule (as the API takes it) covers; None: every repository."""
    filters = rule.get("repositoryFilters") if isinstance(rule, dict) else None
    if not filters:
        return None
    return tuple(str(f.get("filter")) for f in filters if isinstance(f, dict))


def replication_covers(rule: Any, repository: str) -> bool:
    """Whether a replication rule replicates the repository: it has no filter, or the name begins with one."""
    reach = replication_reach(rule)
    return reach is None or any(repository.startswith(prefix) for prefix in reach)


def _destinations(rule: dict[str, Any]) -> str:
    found = [
        f"{d.get('registryId', '?')}/{d.get('region', '?')}"
        for d in rule.get("destinations") or []
        if isinstance(d, dict)
    ]
    return ", ".join(found) or "no destination"


def replication_outside(rules: Any, namespaces: Sequence[str]) -> list[str]:
    """What a replication configuration replicates outside the namespaces: one line per rule that reaches there."""
    lines = []
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        reach = replication_reach(rule)
        if reach is None:
            lines.append(
                f"rules[{index}] has no repository filter, so it replicates every repository of the account "
                f"to {_destinations(rule)}"
            )
            continue
        outside = [prefix for prefix in reach if not inside(prefix, namespaces)]
        if outside:
            shown = ", ".join(repr(p) for p in outside)
            lines.append(
                f"rules[{index}] replicates every repository whose name begins with {shown} to {_destinations(rule)}"
            )
    return lines


# --- the registry policy (PutRegistryPolicy) ---------------------------------------------------------------
#
# PutRegistryPolicy "creates or updates the permissions policy for your registry": one policy text per account
# and region, given whole. The provider (internal/service/ecr/registry_policy.go) puts it on create and update
# without reading what exists, and deletes the whole policy (DeleteRegistryPolicy) on delete. Its statements are
# what a pull-through cache, another account's replication or a cross-account pull may rely on.

REGISTRY_POLICY_URL = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutRegistryPolicy.html"
REGISTRY_POLICY_REPLACES = (
    "PutRegistryPolicy replaces the account's whole registry policy in the region (the provider puts it on create "
    "and update without reading what exists, and deletes it all on delete): every statement it does not hold is "
    "removed, e.g. one that a pull-through cache, another account's replication or a cross-account pull outside "
    "{owned} relies on"
)


def resource_inside(pattern: str, namespaces: Sequence[str]) -> bool:
    """An ECR ARN pattern that matches only repositories of the namespaces: `arn:<p>:ecr:<r>:<a>:repository/<ns>/...`
    with no wildcard before `<ns>/` (region and account may be wildcards)."""
    parts = pattern.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "ecr":
        return False
    name = parts[5].removeprefix("repository/")
    return parts[5].startswith("repository/") and inside(name, namespaces)


def _reach(statement: Statement, namespaces: Sequence[str]) -> str | None:
    if statement.resources is None:
        return "the whole registry (no Resource)"
    if statement.not_resource:
        return "every repository but " + ", ".join(statement.resources)
    outside = [r for r in statement.resources if not resource_inside(r, namespaces)]
    return ", ".join(outside) if outside else None


def registry_policy_outside(document: Any, namespaces: Sequence[str]) -> list[str]:
    """What a registry policy grants or denies outside the namespaces: one line per statement that reaches there."""
    lines = []
    for statement in parse(document).statements:
        reach = _reach(statement, namespaces)
        if reach is None:
            continue
        verb = "allows" if statement.is_allow else "denies" if statement.is_deny else "names"
        actions = ("every action but " if statement.not_action else "") + ", ".join(statement.actions)
        if statement.principals is None:
            who = "no principal"
        else:
            who = ("everyone but " if statement.not_principal else "") + ", ".join(
                p.value if p.kind != "*" else "*" for p in statement.principals
            )
        lines.append(f"{statement.label} {verb} {actions} to {who} on {reach}")
    return lines
