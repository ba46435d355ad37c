"""The checks as the pack calls them: (resource type, properties, config) -> findings, or (stack resources,
config) -> findings. Each reads its policy's config options strictly and calls the pure checks of iam, ecr,
tags and stack."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aws_facts import names, resource_types
from aws_facts.iam import Zone

from . import ecr, iam, scanning_forms, stack
from .findings import Finding
from .resources import access_subjects, all_documents, resource_documents, subject_zone
from .tags import required_tags_findings

ResourceCheck = Callable[[str, dict[str, Any], dict[str, Any]], list[Finding]]
StackCheck = Callable[[list[stack.StackResource], dict[str, Any]], list[Finding]]


def _config_list(config: dict[str, Any], key: str) -> list[str] | None:
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"the pack config option {key} must be a list of strings, not {value!r}")
    return value


# An owner in a federated identity's claim (`repo:<owner>/...`, `project_path:<group>/...`, `organization:<org>:...`).
FEDERATED_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")

# AWS Organizations' id rules (the leaf's, read from botocore's model): {option: (pattern, what a value is)}.
ZONE_OPTIONS = {
    "trustedAccounts": (names.ACCOUNT_ID, "an account id such as 111111111111"),
    "organizationIds": (names.ORG_ID, "an organization id such as o-a1b2c3d4e5"),
    "trustedOrgPaths": (
        names.ORG_PATH_AS_GIVEN,
        "an organization path such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (each id followed by '/')",
    ),
    # The owners whose federated workflows are the zone's own (GitHub organizations or users, GitLab groups, HCP
    # Terraform organizations): a trust pinning a repository of another owner admits an outsider. Not set: any
    # owner a trust names (the pack cannot know the company's).
    "trustedFederatedOwners": (FEDERATED_OWNER, "a GitHub organization, GitLab group or HCP Terraform organization"),
}


def _zone(config: dict[str, Any]) -> Zone:
    """The trusted zone from the policy's config; a misspelt option or a malformed id is an error, never
    a silent default (an unread `trustedAcounts` would quietly turn the check into a public-only one)."""
    unknown = sorted(set(config) - set(ZONE_OPTIONS))
    if unknown:
        raise ValueError(f"the pack config option {unknown[0]!r} is not known; expected {', '.join(ZONE_OPTIONS)}")
    for option, (pattern, what) in ZONE_OPTIONS.items():
        for index, value in enumerate(_config_list(config, option) or []):
            if not pattern.fullmatch(value):
                raise ValueError(
                    f"the pack config option {option}[{index}] has the malformed id {value!r}; write {what}"
                )
    accounts = _config_list(config, "trustedAccounts")
    organizations = _config_list(config, "organizationIds") or []
    paths = _config_list(config, "trustedOrgPaths") or []
    owners = _config_list(config, "trustedFederatedOwners")
    return Zone(
        frozenset(accounts) if accounts is not None else None,
        frozenset(organizations),
        frozenset(paths),
        frozenset(o.lower() for o in owners) if owners is not None else None,
    )


def effective_access(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    zone = _zone(config)
    findings: list[Finding] = []
    for subject in access_subjects(resource_type, props):
        if subject.refused:
            findings.append(Finding(f"{subject.where} is refused: {subject.refused}; {iam.exemption_hint()}"))
            continue
        if subject.unreadable:
            findings.append(
                Finding(
                    f"{subject.where} cannot be evaluated: {subject.unreadable}, and it can grant access; "
                    f"it is refused because it might grant access {iam.OUTSIDE}; {iam.exemption_hint()}"
                )
            )
            continue
        for finding in iam.effective_access_findings(subject.where, subject.document, subject_zone(subject, zone)):
            if finding.unknown and subject.deploy_time:
                finding = Finding(
                    f"{subject.where} cannot be evaluated: a part of it is a CloudFormation intrinsic function "
                    f"resolved only at deploy time; {iam.exemption_hint()}"
                )
            findings.append(finding)
    return findings


def wildcard_actions_check(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return [f for where, doc in all_documents(resource_type, props) for f in iam.wildcard_action_findings(where, doc)]


def cross_account_check(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    allowed = _config_list(config, "allowedAccounts")
    if allowed is None:  # nothing configured: nothing to compare with
        return []
    return [
        f
        for where, doc in resource_documents(resource_type, props)
        for f in iam.cross_account_findings(where, doc, allowed)
    ]


def github_oidc_check(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    if resource_type != resource_types.IAM_ROLE or props.get("assumeRolePolicy") is None:
        return []
    return iam.github_oidc_findings("trust policy (assumeRolePolicy)", props["assumeRolePolicy"])


SCANNING_CHECKS = {
    resource_types.ECR_REPOSITORY: ecr.repository_scanning_findings,
    resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION: ecr.registry_scanning_findings,
}


def scanning_check(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    if resource_type in SCANNING_CHECKS:
        return SCANNING_CHECKS[resource_type](props)
    # The same resources written as aws-native, in a CloudFormation template or through Cloud Control.
    findings = []
    for label, pulumi_type, shaped in scanning_forms.pulumi_shapes(resource_type, props)[0]:
        check = SCANNING_CHECKS.get(pulumi_type)
        for finding in check(shaped) if check else []:
            where = f"template resource {label}: " if label else ""
            findings.append(Finding(f"{where}{finding.message}", unknown=finding.unknown))
    return findings


def on_repository(check: Callable[[dict[str, Any]], list[Finding]]) -> ResourceCheck:
    def run(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
        return check(props) if resource_type == resource_types.ECR_REPOSITORY else []

    return run


def replication_check(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    if resource_type != resource_types.ECR_REPLICATION_CONFIGURATION:
        return []
    return ecr.replication_findings(
        props, _config_list(config, "allowedRegions"), _config_list(config, "allowedAccounts")
    )


def required_tags_check(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    return required_tags_findings(resource_type, props, _config_list(config, "requiredTags") or [])


def scanning_coverage_check(resources: list[stack.StackResource], _config: dict[str, Any]) -> list[Finding]:
    return stack.scanning_coverage_findings(resources)


def lifecycle_check(resources: list[stack.StackResource], _config: dict[str, Any]) -> list[Finding]:
    return stack.lifecycle_coverage_findings(resources)
