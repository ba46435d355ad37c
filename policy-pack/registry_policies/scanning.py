"""Registry scanning as ECR computes it, as pure functions (no Pulumi imports).

Used by the pack's `ecr-scanning-coverage` (one stack) and by the offline preview's cross-stack
coverage step (every stack's manifest). The rules, from ECR's user guide ("Filters to choose which
repositories are scanned") and the PutRegistryScanningConfiguration API reference:

- A registry has ONE scanning configuration per account and region; a put replaces it whole.
- A filter without `*` matches every repository name that CONTAINS it; a filter with `*` matches
  names where each `*` stands for zero or more characters (the whole name must match).
- ENHANCED: a repository matched by no rule has scanning disabled; matched by a CONTINUOUS_SCAN and a
  SCAN_ON_PUSH rule, continuous wins. The repository's own scanOnPush is ignored.
- BASIC with rules: a repository matched by a SCAN_ON_PUSH rule scans on push; any other is set to
  MANUAL. The repository's own scanOnPush is ignored.
- BASIC without rules is the registry's default state (no configuration ever put): the repository's
  own (deprecated) scanOnPush decides.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_facts import models
from aws_facts.quotas import QUOTA_TABLE

CONTINUOUS = "CONTINUOUS_SCAN"
ON_PUSH = "SCAN_ON_PUSH"
MANUAL = "MANUAL"
DISABLED = "DISABLED"
# Which rule frequencies scan, per scan type (anything else is manual or refused by ECR).
SCANNING_FREQUENCIES = {"BASIC": (ON_PUSH,), "ENHANCED": (ON_PUSH, CONTINUOUS)}
# PutRegistryScanningConfiguration's rules, filters per rule and filter (botocore's ECR model, via the leaf).
MAX_RULES = QUOTA_TABLE["ecr-scanning-rules"].limit
MAX_FILTERS_PER_RULE = QUOTA_TABLE["ecr-scanning-filters"].limit
FILTER_LENGTH = (
    int(models.length("ecr", "ScanningRepositoryFilterValue")[0] or 0),
    models.maximum("ecr", "ScanningRepositoryFilterValue"),
)
FILTER_PATTERN = re.compile(models.unanchored("ecr", "ScanningRepositoryFilterValue"))


@dataclass(frozen=True, order=True)
class Place:
    """Where a registry setting lives: an account ("" = the stack's own credentials) and a region."""

    account: str
    region: str

    def __str__(self) -> str:
        return f"{self.region} of account {self.account or '(the stack account)'}"


@dataclass(frozen=True)
class Rule:
    frequency: str
    filters: tuple[str, ...]  # WILDCARD filters (ECR knows no other type)


@dataclass(frozen=True)
class Configuration:
    """A registry scanning configuration; `source` names the resource that puts it."""

    scan_type: str
    rules: tuple[Rule, ...]
    source: str = ""


@dataclass(frozen=True)
class Verdict:
    """How ECR scans one repository, and why."""

    frequency: str  # CONTINUOUS_SCAN | SCAN_ON_PUSH | MANUAL | DISABLED
    reason: str

    @property
    def scanned(self) -> bool:
        return self.frequency in (CONTINUOUS, ON_PUSH)


def filter_matches(pattern: str, repository_name: str) -> bool:
    """ECR's WILDCARD filter: without `*` a substring match, with `*` a whole-name wildcard match."""
    if "*" not in pattern:
        return pattern in repository_name
    regex = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, repository_name, re.DOTALL) is not None


def filter_covers_prefix(pattern: str, prefix: str) -> bool:
    """True when the filter matches EVERY repository name that starts with `prefix` (what a replication
    PREFIX_MATCH filter selects): a plain filter contained in the prefix, or a wildcard filter ending in
    `*` whose rest matches some beginning of the prefix."""
    if "*" not in pattern:
        return pattern in prefix
    if not pattern.endswith("*"):
        return False
    head = "".join(".*" if c == "*" else re.escape(c) for c in pattern[:-1])
    return any(re.fullmatch(head, prefix[:end], re.DOTALL) for end in range(len(prefix) + 1))


def prefix_verdict(config: Configuration | None, prefix: str, created: str = "replicas") -> Verdict:
    """How ECR scans the repositories it creates itself (`created`: replicas, pull-through-cache or
    create-on-push repositories) under `prefix`: ECR creates them (from a creation template, which has no
    scanning setting), so only registry rules can scan them."""
    shown = f"repositories starting with {prefix!r}" if prefix else "every repository"
    if config is None or (config.scan_type == "BASIC" and not config.rules):
        what = (
            "no registry scanning configuration is put there"
            if config is None
            else "its BASIC configuration has no rules"
        )
        return Verdict(MANUAL, f"{what}, and {created} do not scan on push by themselves")
    allowed = set(SCANNING_FREQUENCIES.get(config.scan_type, ()))
    covering = {r.frequency for r in config.rules if any(filter_covers_prefix(f, prefix) for f in r.filters)}
    where = f"the {config.scan_type} configuration {config.source}".rstrip()
    if CONTINUOUS in covering & allowed:
        return Verdict(CONTINUOUS, f"{where} scans {shown} continuously")
    if ON_PUSH in covering & allowed:
        return Verdict(ON_PUSH, f"{where} scans {shown} on push")
    return Verdict(
        DISABLED if config.scan_type == "ENHANCED" else MANUAL,
        f"{where} has no scanning rule whose filters match all {shown}",
    )


def filter_problem(pattern: Any) -> str | None:
    """Why ECR refuses a scanning filter, or None when it is valid."""
    if not isinstance(pattern, str):
        return f"filter {pattern!r} is not a string"
    low, high = FILTER_LENGTH
    if not low <= len(pattern) <= high:
        return f"filter {pattern!r} is not {low}-{high} characters long"
    if FILTER_PATTERN.fullmatch(pattern) is None:
        return f"filter {pattern!r} breaks ECR's filter pattern {FILTER_PATTERN.pattern}"
    return None


def rule_matches(rule: Rule, repository_name: str) -> bool:
    return any(filter_matches(f, repository_name) for f in rule.filters)


def repository_verdict(config: Configuration | None, repository_name: str, scan_on_push: bool) -> Verdict:
    """The scan frequency ECR gives `repository_name` under `config` (None: no configuration put)."""
    if config is None or (config.scan_type == "BASIC" and not config.rules):
        state = (
            "no registry scanning configuration is put there"
            if config is None
            else f"the BASIC configuration {config.source} has no rules".replace("  ", " ")
        )
        if scan_on_push:
            return Verdict(ON_PUSH, f"{state}, so the repository's own scanOnPush applies")
        return Verdict(MANUAL, f"{state} and the repository's own scanOnPush is off")
    matching = [r for r in config.rules if rule_matches(r, repository_name)]
    frequencies = {r.frequency for r in matching} & set(SCANNING_FREQUENCIES.get(config.scan_type, ()))
    where = f"the {config.scan_type} configuration {config.source}".rstrip()
    if CONTINUOUS in frequencies:
        return Verdict(CONTINUOUS, f"{where} scans it continuously")
    if ON_PUSH in frequencies:
        return Verdict(ON_PUSH, f"{where} scans it on push")
    if config.scan_type == "ENHANCED":
        return Verdict(
            DISABLED,
            f"{where} has no scanning rule whose filter matches {repository_name!r}: ECR disables scanning "
            "for it (ECR ignores scanOnPush in ENHANCED mode)",
        )
    return Verdict(
        MANUAL,
        f"{where} has no SCAN_ON_PUSH rule whose filter matches {repository_name!r}: ECR sets it to manual "
        "scanning (the repository's own scanOnPush is ignored once the registry has rules)",
    )


def weakest(verdicts: Iterable[Verdict]) -> Verdict:
    """Of several possible outcomes (two configurations for one place), the one that scans least."""
    rank = {CONTINUOUS: 0, ON_PUSH: 1, MANUAL: 2, DISABLED: 3}
    return max(verdicts, key=lambda v: rank.get(v.frequency, 4))


def group_by_place(
    configurations: Iterable[tuple[Place, Configuration]],
) -> dict[Place, list[Configuration]]:
    """Configurations per place; more than one for a place means ECR keeps only the last put."""
    grouped: dict[Place, list[Configuration]] = {}
    for place, configuration in configurations:
        grouped.setdefault(place, []).append(configuration)
    return grouped


def verdict_at(
    grouped: Mapping[Place, list[Configuration]], place: Place, repository_name: str, scan_on_push: bool
) -> Verdict:
    """The verdict for a repository at `place`; with competing configurations, the weakest of them."""
    configurations = grouped.get(place) or [None]
    return weakest(repository_verdict(c, repository_name, scan_on_push) for c in configurations)


# --- where a resource lives ------------------------------------------------------------------------


def _decoded(value: Any) -> Any:
    # Provider inputs reach the engine JSON-encoded when they are lists or objects.
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def provider_account(provider: Mapping[str, Any] | None) -> str | None:
    """The account an AWS provider's credentials act in, when its inputs say so: the account of the
    (first) assumed role (`assumeRoles`, or `assumeRoleWithWebIdentity`'s role: the provider assumes it
    first, then the `assumeRoles` chain from there, so a chain decides), else the one account of
    allowedAccountIds; None when they do not say."""
    if not provider:
        return None
    roles = _decoded(provider.get("assumeRoles")) or _decoded(provider.get("assumeRole"))
    if isinstance(roles, Mapping):
        roles = [roles]
    web_identity = _decoded(provider.get("assumeRoleWithWebIdentity"))
    for chain in (roles, [web_identity]):
        if isinstance(chain, list) and chain and isinstance(chain[0], Mapping):
            arn = chain[-1].get("roleArn")
            if isinstance(arn, str) and arn.count(":") >= 5 and arn.split(":")[4]:
                return arn.split(":")[4]
    allowed = _decoded(provider.get("allowedAccountIds"))
    if isinstance(allowed, list) and len(allowed) == 1:
        return str(allowed[0])
    return None


def place_of(inputs: Mapping[str, Any], provider: Mapping[str, Any] | None, default: Place) -> Place:
    """A resource's place: its own `region` input (pulumi-aws 7), else its provider's region, else the
    stack's; its provider's account, else the stack's."""
    region = inputs.get("region") or (provider or {}).get("region") or default.region
    return Place(provider_account(provider) or default.account, str(region))


def configuration_from_inputs(
    inputs: Mapping[str, Any], source: str = "", is_unknown: Any = lambda value: False
) -> Configuration | None:
    """The configuration a RegistryScanningConfiguration's inputs put; None when an unknown hides it.

    Filters of a type other than WILDCARD (which ECR refuses) match nothing and are left out.
    """
    scan_type, rules = inputs.get("scanType") or "BASIC", inputs.get("rules") or []
    if is_unknown(scan_type) or is_unknown(rules) or not isinstance(rules, list):
        return None
    parsed = []
    for rule in rules:
        if not isinstance(rule, Mapping) or is_unknown(rule.get("scanFrequency")):
            return None
        filters = rule.get("repositoryFilters") or []
        if is_unknown(filters) or not isinstance(filters, list):
            return None
        patterns = []
        for entry in filters:
            if not isinstance(entry, Mapping) or is_unknown(entry.get("filter")) or is_unknown(entry.get("filterType")):
                return None
            if (entry.get("filterType") or "WILDCARD") == "WILDCARD" and isinstance(entry.get("filter"), str):
                patterns.append(entry["filter"])
        parsed.append(Rule(str(rule.get("scanFrequency")), tuple(patterns)))
    return Configuration(str(scan_type), tuple(parsed), source)
