"""Account-wide ECR settings: one per registry and region, and a put replaces all of it.

A registry scanning configuration decides the scanning of every repository of the account and region, not
only of the repositories a stack owns (registry-scanning-filters.html, "Filters"):
- ENHANCED: a repository that no rule's filter matches is not scanned at all;
- BASIC with rules: a repository that no SCAN_ON_PUSH rule matches is set to manual scanning.
So a configuration whose filters name only the stack's namespace turns scanning off (or to manual) for every
other repository. A rule whose filter is `*` (which matches every repository name) keeps them scanned.
"""

from __future__ import annotations

from typing import Any

SCANNING_FILTERS_URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html"


def matches_every_repository(pattern: Any) -> bool:
    """A WILDCARD scanning filter that matches every repository name: nothing but `*`."""
    return isinstance(pattern, str) and pattern != "" and set(pattern) == {"*"}


def scanning_leaves_out(scan_type: Any, rules: Any) -> str | None:
    """What a registry scanning configuration does to repositories its filters do not name, or None when a
    rule keeps every repository of the account and region scanned."""
    kind = scan_type if isinstance(scan_type, str) else "BASIC"
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        frequency = rule.get("scanFrequency")
        filters = rule.get("repositoryFilters") or []
        if kind == "BASIC" and frequency != "SCAN_ON_PUSH":
            continue
        if any(isinstance(f, dict) and matches_every_repository(f.get("filter")) for f in filters):
            return None
    if kind == "ENHANCED":
        return "turns image scanning OFF for every other repository of the account and region"
    return "sets every other repository of the account and region to manual scanning (no scan on push)"


# The rule a stack adds beside its own so that the repositories it does not own stay scanned on push.
KEEP_OTHERS_SCANNED = {
    "scan_frequency": "SCAN_ON_PUSH",
    "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}],
}


def scanning_rules(frequency: str, filters: list[dict[str, str]]) -> list[dict]:
    """The stack's rule over its own filters, then the rule that keeps every other repository scanned on push
    (ENHANCED: a repository both rules match gets the stack's frequency, continuous winning over on-push)."""
    own = {"scan_frequency": frequency, "repository_filters": filters}
    if frequency == "SCAN_ON_PUSH":
        return [
            {"scan_frequency": frequency, "repository_filters": [*filters, *KEEP_OTHERS_SCANNED["repository_filters"]]}
        ]
    return [own, KEEP_OTHERS_SCANNED]
