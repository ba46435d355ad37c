"""Cross-stack scanning coverage: every model repository and every replica of it is scanned.

The pack's `ecr-scanning-coverage` sees one stack at a time; here every stack's manifest is at hand.
Per account and region, the registry scanning configuration in force is computed from all manifests
(two stacks putting one in the same place is itself a problem: ECR keeps only the last put), then:

- every repository of the registry stack's namespace is checked in its own place;
- for each same-account destination of the replication stack, every repository its rules' PREFIX_MATCH
  filters select is checked in the destination region, as a replica: created by ECR from a creation
  template, which carries no scanning setting, so only the registry scanning rules there can cover it.

Cross-account destinations are listed as not checked: their scanning belongs to that account.
The ECR semantics (filters, precedence, BASIC vs ENHANCED) live in aws_facts.ecr_scanning; their
application per account and region in registry_policies.scanning, shared with the pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_facts import resource_types
from aws_facts.singletons import replication_covers
from model_registry.contract import REGISTRY, REPLICATION
from registry_policies import providers, scanning

from .aws_outputs import AwsEnvironment
from .default_providers import PROVIDER_PREFIX
from .manifest import UNKNOWN_PLACEHOLDER

AWS_PROVIDER = PROVIDER_PREFIX + "aws"


@dataclass
class CoverageReport:
    """What the step checked and what it found; `problems` fail the preview."""

    checked: int = 0  # (repository or replica, place) pairs
    places: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _unknown(value: Any) -> bool:
    return value == UNKNOWN_PLACEHOLDER


class _Stack:
    """One manifest: its resources, its providers and the place of its default provider."""

    def __init__(self, manifest: Mapping[str, Any]):
        self.project = manifest["project"]
        self.resources = [r for r in manifest["resources"] if not r.get("read")]
        self.providers = {r["urn"]: r["inputs"] for r in self.resources if r["type"].startswith(PROVIDER_PREFIX)}
        env = AwsEnvironment.from_config(manifest.get("config") or {})
        # The default provider's credential inputs (as the manifest holds every provider's): an explicit provider
        # with other credentials and no account in its inputs acts in an account of its own.
        default: Mapping[str, Any] = next(
            (r["inputs"] for r in self.resources if r["type"] == AWS_PROVIDER and r["name"].startswith("default")), {}
        )
        self.default = scanning.Place(env.account, env.region, providers.credentials(default))
        self.outputs = manifest.get("outputs") or {}

    def of_type(self, token: str) -> list[dict]:
        return [r for r in self.resources if r["type"] == token]

    def place(self, resource: Mapping[str, Any]) -> scanning.Place | None:
        reference = resource.get("provider") or ""
        provider = self.providers.get(reference.rsplit("::", 1)[0]) if reference else None
        inputs = resource["inputs"]
        if _unknown(inputs.get("region")) or (provider and _unknown(provider.get("region"))):
            return None
        return scanning.place_of(inputs, provider, self.default)


def scanning_coverage(manifests: Mapping[str, Mapping[str, Any]]) -> CoverageReport:
    """Check the registry's repositories and their replicas across `manifests` ({project: manifest})."""
    report = CoverageReport()
    stacks = {project: _Stack(manifest) for project, manifest in manifests.items()}
    placed: list[tuple[scanning.Place, scanning.Configuration]] = []
    for stack in stacks.values():
        for resource in stack.of_type(resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION):
            source = f"{stack.project}:{resource['name']}"
            place = stack.place(resource)
            config = scanning.configuration_from_inputs(resource["inputs"], source, _unknown)
            if place is None or config is None:
                report.problems.append(f"{source}: its region or rules are not known: coverage cannot be checked")
                continue
            placed.append((place, config))
    grouped = scanning.group_by_place(placed)
    for place, configurations in sorted(grouped.items()):
        sources = ", ".join(c.source for c in configurations)
        report.places.append(f"{place}: {sources}")
        if len(configurations) > 1:
            report.problems.append(
                f"{place}: {len(configurations)} registry scanning configurations ({sources}); ECR keeps one per "
                "account and region (each put replaces the last): exactly one stack may own it"
            )

    registry = stacks.get(REGISTRY)
    if registry is None:
        return report
    namespace = registry.outputs.get("namespace")
    repositories: list[tuple[str, scanning.Place | None, bool]] = []
    for resource in registry.of_type(resource_types.ECR_REPOSITORY):
        name = resource["inputs"].get("name")
        if not isinstance(name, str) or _unknown(name):
            report.problems.append(f"{REGISTRY}:{resource['name']}: its repository name is not known")
            continue
        if isinstance(namespace, str) and not name.startswith(f"{namespace}/"):
            continue
        scan_config = resource["inputs"].get("imageScanningConfiguration") or {}
        if isinstance(scan_config, list):
            scan_config = scan_config[0] if scan_config else {}
        repositories.append((name, registry.place(resource), scan_config.get("scanOnPush") is True))

    for name, place, scan_on_push in repositories:
        _check(report, grouped, f"repository {name}", name, place, scan_on_push)

    replication = stacks.get(REPLICATION)
    if replication is None:
        return report
    for resource in replication.of_type(resource_types.ECR_REPLICATION_CONFIGURATION):
        source_place = replication.place(resource)
        rules = ((resource["inputs"].get("replicationConfiguration") or {}).get("rules")) or []
        for rule in rules if isinstance(rules, list) else [rules]:
            if not isinstance(rule, dict):
                report.problems.append(f"{REPLICATION}:{resource['name']}: a replication rule is not known")
                continue
            replicated = [r for r in repositories if replication_covers(rule, r[0])]
            for destination in rule.get("destinations") or []:
                account, region = destination.get("registryId"), destination.get("region")
                if source_place is None or _unknown(account) or _unknown(region):
                    report.problems.append(f"{REPLICATION}:{resource['name']}: a destination is not known")
                    continue
                if account != source_place.account:
                    report.notes.append(
                        f"replicas in {region} of account {account}: that account owns their scanning; not checked"
                    )
                    continue
                for name, _, _ in replicated:
                    target = scanning.Place(account, region)
                    _check(report, grouped, f"replica of {name}", name, target, False)
    return report


def _check(report, grouped, what: str, name: str, place: scanning.Place | None, scan_on_push: bool) -> None:
    if place is None:
        report.problems.append(f"{what}: its region is not known: coverage cannot be checked")
        return
    report.checked += 1
    verdict = scanning.verdict_at(grouped, place, name, scan_on_push)
    if not verdict.scanned:
        report.problems.append(f"{what} in {place} is never scanned: {verdict.reason}")


def format_coverage(report: CoverageReport) -> str:
    """The report's text section."""
    status = "ok" if report.ok else "FAILED"
    lines = [f"== scanning coverage across stacks: {status} ({report.checked} repositories and replicas checked)"]
    lines += [f"  configuration in force: {line}" for line in report.places]
    lines += [f"  PROBLEM: {problem}" for problem in report.problems]
    lines += [f"  note: {note}" for note in sorted(set(report.notes))]
    return "\n".join(lines)
