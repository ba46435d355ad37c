"""Pure stack-wide checks: every repository has a lifecycle policy and is covered by scanning."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from typing import Any

from aws_facts import resource_types

from . import scanning, scanning_forms
from .ecr import LIFECYCLE, SCANNING, scanning_configuration
from .findings import Finding, cannot_evaluate
from .providers import credentials, is_unknown_account, provider_account
from .values import first_block, get_path, is_unknown


@dataclass(frozen=True)
class StackResource:
    """A resource as stack policies see it: plain properties and dependency URNs."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The inputs of the resource's provider, when the engine sends them (it does for every resource).
    provider: dict[str, Any] | None = None


def lifecycle_coverage_findings(resources: list[StackResource]) -> list[Finding]:
    """Every repository has an aws:ecr/lifecyclePolicy:LifecyclePolicy in the stack."""
    repositories = [r for r in resources if r.type == resource_types.ECR_REPOSITORY]
    policies = [r for r in resources if r.type == resource_types.ECR_LIFECYCLE_POLICY]
    # At preview a policy's repository is usually repo.name, an output: the engine's property dependencies still
    # say which repository it refers to. Indexed once (a search per repository was quadratic: 6 s at 4,000 models).
    depended_on = {urn for policy in policies for urn in policy.property_dependencies.get("repository", ())}
    named = {target for policy in policies if isinstance(target := policy.props.get("repository"), str)}
    undecidable = any(
        is_unknown(policy.props.get("repository")) and not policy.property_dependencies.get("repository")
        for policy in policies
    )
    findings = []
    for repo in repositories:
        name = repo.props.get("name")
        if repo.urn in depended_on or (isinstance(name, str) and not is_unknown(name) and name in named):
            continue
        if undecidable:
            findings.append(
                cannot_evaluate(
                    LIFECYCLE,
                    f"the repository of a lifecycle policy (for {repo.name})",
                    urn=repo.urn,
                    name=repo.name,
                )
            )
        else:
            findings.append(
                Finding(
                    f"repository {repo.name} has no lifecycle policy: untagged and old model images pile up "
                    "(add an aws.ecr.LifecyclePolicy for it)",
                    urn=repo.urn,
                    name=repo.name,
                )
            )
    return findings


def default_place(config: dict[str, Any] | None = None) -> scanning.Place:
    """The place of resources on the stack's default provider: `aws:region` and the account that
    `aws:assumeRoles`/`aws:allowedAccountIds` name, from the stack config the engine hands the pack
    (PULUMI_CONFIG) unless given."""
    if config is None:
        try:
            config = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
        except ValueError:
            config = {}
    provider = {key.removeprefix("aws:"): value for key, value in config.items() if key.startswith("aws:")}
    return scanning.Place(provider_account(provider) or "", str(provider.get("region") or ""), credentials(provider))


def scanning_coverage_findings(resources: list[StackResource], default: scanning.Place | None = None) -> list[Finding]:
    """Every repository of the stack is scanned, as ECR decides it (see registry_policies.scanning).

    Per account and region: the registry scanning configuration of that place (two in one place is
    itself a violation: ECR keeps only the last put, and the weaker one is assumed), its rules'
    filters against the repository name, and the repository's own scanOnPush only where no rule
    exists. Places come from each resource's `region` input, its provider, else the stack's config.
    """
    default = default if default is not None else default_place()
    # Repositories and configurations written as aws-native, CloudFormation or Cloud Control count too.
    resources, findings = scanning_forms.in_pulumi_shapes(resources)
    placed: list[tuple[scanning.Place, scanning.Configuration]] = []
    urns: dict[str, str] = {}  # a configuration's source (its quoted name) -> its URN
    undecidable_places: set[scanning.Place] = set()
    for configuration in (r for r in resources if r.type == resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION):
        place = _place(configuration, default)
        if place is None:
            findings.append(_unknown(f"the region of {configuration.name}", configuration))
            continue
        parsed, unknowns = scanning_configuration(configuration.props)
        if parsed is None:
            undecidable_places.add(place)
            findings.extend(Finding(f.message, configuration.urn, configuration.name, True) for f in unknowns)
            continue
        placed.append((place, replace(parsed, source=repr(configuration.name))))
        urns[repr(configuration.name)] = configuration.urn
    grouped = scanning.group_by_place(placed)
    for place, configurations in grouped.items():
        for extra in configurations[1:]:
            findings.append(
                Finding(
                    f"{len(configurations)} registry scanning configurations in {place} "
                    f"({', '.join(c.source for c in configurations)}): ECR keeps one per account and region, "
                    "each put replacing the last; keep one",
                    urn=urns.get(extra.source),
                    name=extra.source.strip("'"),
                )
            )
    for repo in (r for r in resources if r.type == resource_types.ECR_REPOSITORY):
        place = _place(repo, default)
        own = get_path(first_block(repo.props.get("imageScanningConfiguration")), "scanOnPush")
        name = repo.props.get("name")
        if place is None:
            findings.append(_unknown(f"the region of repository {repo.name}", repo))
            continue
        if place in undecidable_places:
            findings.append(_unknown(f"the scanning configuration in force for repository {repo.name}", repo))
            continue
        # Rules decide unless the only configuration there is BASIC without rules (or there is none).
        rules_decide = any(not scanning.without_rules(c) for c in grouped.get(place, []))
        if rules_decide and (is_unknown(name) or not isinstance(name, str)):
            findings.append(_unknown(f"the name of repository {repo.name}", repo))
            continue
        if is_unknown(own) and not rules_decide:
            findings.append(_unknown(f"the scanOnPush of repository {repo.name}", repo))
            continue
        name = name if isinstance(name, str) and not is_unknown(name) else repo.name
        verdict = scanning.verdict_at(grouped, place, name, own is True)
        if not verdict.scanned:
            findings.append(
                Finding(
                    f"repository {repo.name} ({place}) is never scanned: {verdict.reason}",
                    urn=repo.urn,
                    name=repo.name,
                )
            )
    for replication in (r for r in resources if r.type == resource_types.ECR_REPLICATION_CONFIGURATION):
        findings += _replica_findings(replication, grouped, undecidable_places, default)
    for creator in (r for r in resources if r.type in CREATED_BY_ECR):
        findings += _created_by_ecr_findings(creator, grouped, undecidable_places, default)
    return findings


# Rules under which ECR creates repositories itself: (property holding the prefix, what creates them).
CREATED_BY_ECR = {
    resource_types.ECR_PULL_THROUGH_CACHE_RULE: ("ecrRepositoryPrefix", "pull-through-cache repositories"),
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: ("prefix", "create-on-push repositories"),
}
# ECR's prefix that stands for every repository (no prefix): a creation template's or a pull-through-cache rule's.
ROOT_PREFIX = "ROOT"


def _created_by_ecr_findings(
    creator: StackResource,
    grouped: dict[scanning.Place, list[scanning.Configuration]],
    undecidable: set[scanning.Place],
    default: scanning.Place,
) -> list[Finding]:
    """Repositories ECR creates under a pull-through-cache rule's prefix, or on push under a creation template's
    prefix (`appliedFor` CREATE_ON_PUSH), are scanned only by the registry's scanning rules there: they get no
    scanOnPush of their own (a creation template has no scanning setting)."""
    key, created = CREATED_BY_ECR[creator.type]
    if creator.type == resource_types.ECR_REPOSITORY_CREATION_TEMPLATE:
        applied = creator.props.get("appliedFors")
        if is_unknown(applied) or (isinstance(applied, list) and any(is_unknown(a) for a in applied)):
            return [_unknown(f"the appliedFor of creation template {creator.name}", creator)]
        if not isinstance(applied, list) or "CREATE_ON_PUSH" not in applied:
            return []
    prefix, place = creator.props.get(key), _place(creator, default)
    if is_unknown(prefix) or not isinstance(prefix, str) or place is None:
        return [_unknown(f"the prefix or region of {creator.name}", creator)]
    if place in undecidable:
        return [_unknown(f"the scanning configuration of {place}", creator)]
    # A prefix implies its trailing '/'; ROOT is every repository that no other prefix claims.
    covered = "" if prefix == ROOT_PREFIX else prefix.rstrip("/") + "/"
    verdict = scanning.weakest(scanning.prefix_verdict(c, covered, created) for c in grouped.get(place) or [None])
    if verdict.scanned:
        return []
    shown = f"under {prefix!r}" if covered else "anywhere in the registry (ROOT)"
    return [
        Finding(
            f"{created} that ECR creates {shown} in {place} ({creator.name}) are never scanned: {verdict.reason}; "
            f"give the registry scanning configuration there a rule whose filter covers them (e.g. "
            f"{(covered + '*') if covered else '*'!r})",
            urn=creator.urn,
            name=creator.name,
        )
    ]


def _replica_findings(
    replication: StackResource,
    grouped: dict[scanning.Place, list[scanning.Configuration]],
    undecidable: set[scanning.Place],
    default: scanning.Place,
) -> list[Finding]:
    """Replicas in this account's destination regions are scanned by the scanning rules there.

    ECR creates replica repositories itself, without any scanning setting of their own, so only the
    destination region's registry scanning configuration can scan them; a stack that replicates to
    a region of its own account must therefore scan every prefix it replicates there. Destinations
    in other accounts are theirs to scan. With the stack's account unknown (no aws:allowedAccountIds
    or assumeRoles), every destination counts as this account's.
    """
    place = _place(replication, default)
    config = first_block(replication.props.get("replicationConfiguration"))
    rules = get_path(config, "rules")
    if place is None or is_unknown(config) or is_unknown(rules):
        return [_unknown("the replication configuration's region or rules", replication)]
    findings: list[Finding] = []
    for r_index, rule in enumerate(rules if isinstance(rules, list) else []):
        filters, destinations = get_path(rule, "repositoryFilters"), get_path(rule, "destinations")
        patterns = [get_path(f, "filter") for f in filters] if isinstance(filters, list) else []
        if is_unknown(filters) or is_unknown(destinations) or any(is_unknown(p) for p in patterns):
            findings.append(_unknown(f"rules[{r_index}] of the replication configuration", replication))
            continue
        prefixes = [p for p in patterns if isinstance(p, str)] or [""]
        for destination in destinations if isinstance(destinations, list) else []:
            region, account = get_path(destination, "region"), get_path(destination, "registryId")
            if is_unknown(region) or is_unknown(account):
                findings.append(_unknown(f"a destination of rules[{r_index}]", replication))
                continue
            # Another account's replicas are its to scan; with the source's account unknown, any may be its own.
            if place.account and account != place.account and not is_unknown_account(place.account):
                continue
            target = scanning.Place(place.account, str(region))
            if target in undecidable:
                findings.append(_unknown(f"the scanning configuration of {target}", replication))
                continue
            for prefix in prefixes:
                verdict = scanning.weakest(scanning.prefix_verdict(c, prefix) for c in grouped.get(target) or [None])
                if not verdict.scanned:
                    shown = f"prefix {prefix!r}" if prefix else "every repository"
                    findings.append(
                        Finding(
                            f"replicas in {target} (rules[{r_index}], {shown}) are never scanned: {verdict.reason}; "
                            "give that region a registry scanning configuration in this stack",
                            urn=replication.urn,
                            name=replication.name,
                        )
                    )
    return findings


def _place(resource: StackResource, default: scanning.Place) -> scanning.Place | None:
    region = resource.props.get("region")
    provider_region = (resource.provider or {}).get("region")
    if is_unknown(region) or (not region and is_unknown(provider_region)):
        return None
    place = scanning.place_of(resource.props, resource.provider, default)
    return place if place.region else scanning.Place(place.account, "(the stack region)")


def _unknown(what: str, resource: StackResource) -> Finding:
    return cannot_evaluate(SCANNING, what, urn=resource.urn, name=resource.name)
