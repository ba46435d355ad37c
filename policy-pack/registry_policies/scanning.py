"""Registry scanning coverage: how ECR scans each repository, and why, as pure functions (no Pulumi imports).

Used by the pack's `ecr-scanning-coverage` (one stack) and by the offline preview's cross-stack
coverage step (every stack's manifest). ECR's rules (the values, filters, which frequency wins, BASIC vs
ENHANCED) are the leaf's aws_facts.ecr_scanning; this module applies them to the configurations a stack
puts, per account and region, and words the verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_facts.ecr_scanning import (
    DEFAULT_SCAN_TYPE,
    DISABLED,
    FilterType,
    ScanFrequency,
    ScanType,
    applied_frequency,
    filter_covers_prefix,
    filter_matches,
)

from .providers import account_of

CONTINUOUS, ON_PUSH, MANUAL = ScanFrequency.CONTINUOUS_SCAN, ScanFrequency.SCAN_ON_PUSH, ScanFrequency.MANUAL


@dataclass(frozen=True, order=True)
class Place:
    """Where a registry setting lives: an account ("" = the stack's own credentials) and a region.

    A default place also carries its provider's credential inputs (providers.credentials, not compared): an
    explicit provider with other credentials, whose inputs name no account, is another (unknown) account."""

    account: str
    region: str
    credentials: tuple[tuple[str, str], ...] = field(default=(), compare=False)

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


def without_rules(config: Configuration | None) -> bool:
    """No configuration put, or BASIC without rules: the registry's default state, where no rule decides."""
    return config is None or (config.scan_type == ScanType.BASIC and not config.rules)


def prefix_verdict(config: Configuration | None, prefix: str, created: str = "replicas") -> Verdict:
    """How ECR scans the repositories it creates itself (`created`: replicas, pull-through-cache or
    create-on-push repositories) under `prefix`: ECR creates them (from a creation template, which has no
    scanning setting), so only registry rules can scan them."""
    shown = f"repositories starting with {prefix!r}" if prefix else "every repository"
    if without_rules(config):
        what = (
            "no registry scanning configuration is put there"
            if config is None
            else f"its {config.scan_type} configuration has no rules"
        )
        return Verdict(MANUAL, f"{what}, and {created} do not scan on push by themselves")
    covering = [r.frequency for r in config.rules if any(filter_covers_prefix(f, prefix) for f in r.filters)]
    frequency = applied_frequency(config.scan_type, covering)
    where = f"the {config.scan_type} configuration {config.source}".rstrip()
    if frequency == CONTINUOUS:
        return Verdict(CONTINUOUS, f"{where} scans {shown} continuously")
    if frequency == ON_PUSH:
        return Verdict(ON_PUSH, f"{where} scans {shown} on push")
    return Verdict(frequency, f"{where} has no scanning rule whose filters match all {shown}")


def rule_matches(rule: Rule, repository_name: str) -> bool:
    return any(filter_matches(f, repository_name) for f in rule.filters)


def repository_verdict(config: Configuration | None, repository_name: str, scan_on_push: bool) -> Verdict:
    """The scan frequency ECR gives `repository_name` under `config` (None: no configuration put)."""
    if without_rules(config):
        state = (
            "no registry scanning configuration is put there"
            if config is None
            else f"the {config.scan_type} configuration {config.source} has no rules".replace("  ", " ")
        )
        if scan_on_push:
            return Verdict(ON_PUSH, f"{state}, so the repository's own scanOnPush applies")
        return Verdict(MANUAL, f"{state} and the repository's own scanOnPush is off")
    matching = [r.frequency for r in config.rules if rule_matches(r, repository_name)]
    frequency = applied_frequency(config.scan_type, matching)
    where = f"the {config.scan_type} configuration {config.source}".rstrip()
    if frequency == CONTINUOUS:
        return Verdict(CONTINUOUS, f"{where} scans it continuously")
    if frequency == ON_PUSH:
        return Verdict(ON_PUSH, f"{where} scans it on push")
    if frequency == DISABLED:
        return Verdict(
            DISABLED,
            f"{where} has no scanning rule whose filter matches {repository_name!r}: ECR disables scanning "
            f"for it (ECR ignores scanOnPush in {ScanType.ENHANCED} mode)",
        )
    return Verdict(
        MANUAL,
        f"{where} has no {ON_PUSH} rule whose filter matches {repository_name!r}: ECR sets it to manual "
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


def place_of(inputs: Mapping[str, Any], provider: Mapping[str, Any] | None, default: Place) -> Place:
    """A resource's place: its own `region` input (pulumi-aws 7), else its provider's region, else the
    stack's; its provider's account, else the stack's when it acts with the stack's credentials (else an unknown
    account of its own: providers.account_of)."""
    region = inputs.get("region") or (provider or {}).get("region") or default.region
    return Place(account_of(provider, default.credentials) or default.account, str(region))


def configuration_from_inputs(
    inputs: Mapping[str, Any], source: str = "", is_unknown: Any = lambda value: False
) -> Configuration | None:
    """The configuration a RegistryScanningConfiguration's inputs put; None when an unknown hides it.

    Filters of a type other than WILDCARD (which ECR refuses) match nothing and are left out.
    """
    scan_type, rules = inputs.get("scanType") or DEFAULT_SCAN_TYPE, inputs.get("rules") or []
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
            if (entry.get("filterType") or FilterType.WILDCARD) == FilterType.WILDCARD and isinstance(
                entry.get("filter"), str
            ):
                patterns.append(entry["filter"])
        parsed.append(Rule(str(rule.get("scanFrequency")), tuple(patterns)))
    return Configuration(str(scan_type), tuple(parsed), source)
