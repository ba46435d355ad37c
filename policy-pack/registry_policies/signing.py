"""Signing for release tags: ECR managed signing covers every repository of the stack, so every release tag.

`ecr-release-signing` (stack policy): each signing configuration (`aws-native:ecr:SigningConfiguration`,
ECR's PutSigningConfiguration; pulumi-aws 7.51.1 has no such resource) names a valid Signer profile and
WILDCARD_MATCH filters, and every aws.ecr.Repository of the stack is matched by a rule: ECR signs the images
pushed to a matched repository, whatever their tags, so a repository no rule matches ships unsigned releases.
With the option `requireSigning: true`, a stack with repositories and no signing configuration is refused.
"""

from __future__ import annotations

from typing import Any

from aws_facts import ecr_signing, resource_types

from .findings import Finding, cannot_evaluate
from .names import RELEASE_SIGNING
from .stack import StackResource
from .values import get_path, is_unknown

SIGNING = RELEASE_SIGNING
SIGNING_TYPES = (resource_types.NATIVE_ECR_SIGNING_CONFIGURATION,)
REQUIRE_OPTION = "requireSigning"


def _rules(resource: StackResource) -> tuple[list[tuple[str, list[str]]], list[Finding]]:
    rules, findings = [], []
    raw = resource.props.get("rules")
    if is_unknown(raw):
        return [], [cannot_evaluate(SIGNING, "rules", resource.urn, resource.name)]
    raw = raw if isinstance(raw, list) else []
    if len(raw) > ecr_signing.MAX_RULES:
        findings.append(
            Finding(f"{len(raw)} signing rules; ECR allows {ecr_signing.MAX_RULES}", resource.urn, resource.name)
        )
    for index, rule in enumerate(raw):
        profile, filters = get_path(rule, "signingProfileArn"), get_path(rule, "repositoryFilters") or []
        if is_unknown(profile) or is_unknown(filters):
            findings.append(cannot_evaluate(SIGNING, f"rules[{index}]", resource.urn, resource.name))
            continue
        if (problem := ecr_signing.profile_problem(str(profile))) is not None:
            findings.append(Finding(f"rules[{index}].signingProfileArn: {problem}", resource.urn, resource.name))
        patterns = []
        for f_index, entry in enumerate(filters):
            pattern, kind = get_path(entry, "filter"), get_path(entry, "filterType")
            if (
                kind != ecr_signing.FILTER_TYPE
                or not isinstance(pattern, str)
                or not ecr_signing.FILTER.fullmatch(pattern)
            ):
                findings.append(
                    Finding(
                        f"rules[{index}].repositoryFilters[{f_index}]: {pattern!r} of type {kind!r} is not a "
                        f"{ecr_signing.FILTER_TYPE} repository filter ECR accepts",
                        resource.urn,
                        resource.name,
                    )
                )
            else:
                patterns.append(pattern)
        rules.append((str(profile), patterns))
    return rules, findings


def signing_findings(resources: list[StackResource], config: dict[str, Any]) -> list[Finding]:
    required = config.get(REQUIRE_OPTION, False)
    if not isinstance(required, bool):
        raise ValueError(f"the pack config option {REQUIRE_OPTION} must be true or false, not {required!r}")
    configurations = [r for r in resources if r.type in SIGNING_TYPES]
    repositories = [r for r in resources if r.type == resource_types.ECR_REPOSITORY]
    findings: list[Finding] = []
    patterns: list[str] = []
    for configuration in configurations:
        rules, problems = _rules(configuration)
        findings += problems
        patterns += [p for _, filters in rules for p in filters]
    if not configurations:
        if required and repositories:
            findings.append(
                Finding(
                    f"{len(repositories)} repositories and no ECR signing configuration: release tags ship unsigned "
                    "(set registry:signing)"
                )
            )
        return findings
    if any(f.unknown for f in findings):
        return findings
    for repository in repositories:
        name = repository.props.get("name")
        if is_unknown(name) or not isinstance(name, str):
            findings.append(cannot_evaluate(SIGNING, "the repository name", repository.urn, repository.name))
        elif not any(ecr_signing.filter_matches(p, name) for p in patterns):
            findings.append(
                Finding(
                    f"repository {name} is matched by no signing rule: its release tags would ship unsigned",
                    repository.urn,
                    repository.name,
                )
            )
    return findings
