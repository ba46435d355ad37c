"""Pure stack-wide checks: every repository has a lifecycle policy and is covered by scanning."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ecr import (
    LIFECYCLE,
    LIFECYCLE_POLICY,
    REGISTRY_SCANNING,
    REPOSITORY,
    SCANNING,
    rule_covers,
    scanning_rules,
)
from .findings import Finding, cannot_evaluate
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


def lifecycle_coverage_findings(resources: list[StackResource]) -> list[Finding]:
    """Every repository has an aws:ecr/lifecyclePolicy:LifecyclePolicy in the stack."""
    repositories = [r for r in resources if r.type == REPOSITORY]
    policies = [r for r in resources if r.type == LIFECYCLE_POLICY]
    findings = []
    for repo in repositories:
        name = repo.props.get("name")
        covered, undecidable = False, False
        for policy in policies:
            target = policy.props.get("repository")
            # At preview the policy's repository is usually repo.name, an output: the engine's
            # property dependencies still say which repository it refers to.
            if repo.urn in policy.property_dependencies.get("repository", ()) or (
                isinstance(name, str) and not is_unknown(name) and target == name
            ):
                covered = True
                break
            if is_unknown(target) and not policy.property_dependencies.get("repository"):
                undecidable = True
        if covered:
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


def scanning_coverage_findings(resources: list[StackResource]) -> list[Finding]:
    """Every repository is scanned: by its own scanOnPush, or by a matching registry scanning rule.

    With an ENHANCED registry scanning configuration ECR ignores the repository's scanOnPush, so only
    a rule whose WILDCARD filter matches the repository name covers it.
    """
    configurations = [r for r in resources if r.type == REGISTRY_SCANNING]
    enhanced = False
    rules: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for configuration in configurations:
        scan_type, scanning, unknowns = scanning_rules(configuration.props)
        if scan_type == "ENHANCED":
            enhanced = True
        rules.extend(scanning)
        findings.extend(
            Finding(f.message, configuration.urn, configuration.name, f.unknown) for f in unknowns if f.unknown
        )
    for repo in (r for r in resources if r.type == REPOSITORY):
        own = get_path(first_block(repo.props.get("imageScanningConfiguration")), "scanOnPush")
        if not enhanced and own is True:
            continue
        name = repo.props.get("name")
        if is_unknown(name) or not isinstance(name, str):
            if rules or (not enhanced and is_unknown(own)):
                findings.append(
                    cannot_evaluate(SCANNING, f"the name of repository {repo.name}", urn=repo.urn, name=repo.name)
                )
                continue
            name = ""
        verdicts = [rule_covers(rule, name) for rule in rules]
        if True in verdicts:
            continue
        if None in verdicts or (not enhanced and is_unknown(own)):
            findings.append(
                cannot_evaluate(
                    SCANNING, f"the scanning coverage of repository {repo.name}", urn=repo.urn, name=repo.name
                )
            )
            continue
        why = (
            (
                "the ENHANCED registry scanning configuration has no scanning rule whose filter matches "
                f"{name!r} (ECR ignores scanOnPush in ENHANCED mode)"
            )
            if enhanced
            else "scanOnPush is off and no registry scanning rule matches it"
        )
        findings.append(Finding(f"repository {repo.name} is never scanned: {why}", urn=repo.urn, name=repo.name))
    return findings
