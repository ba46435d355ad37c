"""aws-request-validation: refused here whatever AWS or the provider would refuse, judged by their own models.

A pure stack check over the leaf package's `aws_facts.validation`: every resource of a type in the one
table (aws_facts.validation.requests) is checked against botocore's request shapes, the provider's schema
rules and the document grammars; each finding is one line naming the resource, the field, the rule, the
value and the page that documents the rule. It is mandatory and cannot be exempted: AWS refuses the deploy
whatever the pack says.

A stack check, not a per-resource one, because two rules need more than the resource: replication to the
source registry needs the provider's region and account, and a registry policy's allowed actions depend on
the account's REGISTRY_POLICY_SCOPE setting (an aws:ecr/accountSetting:AccountSetting in the stack, else
AWS's default, V2).

aws-request-validation-coverage (advisory) names each AWS resource whose type the table does not map: its
requests are not validated offline, and it is never refused for that.
"""

from __future__ import annotations

from typing import Any

from aws_facts import resource_types
from aws_facts.ecr_account_settings import DEFAULT_REGISTRY_POLICY_SCOPE, REGISTRY_POLICY_SCOPE
from aws_facts.ecr_scanning import ScanFrequency
from aws_facts.singletons import SCANNING_FILTERS_URL, scanning_leaves_out
from aws_facts.validation import REQUESTS, validate_resource

from .findings import Finding
from .names import ACCOUNT_WIDE as ACCOUNT_WIDE
from .names import VALIDATION as VALIDATION
from .names import VALIDATION_COVERAGE as VALIDATION_COVERAGE
from .providers import provider_account
from .stack import StackResource
from .values import is_unknown


def _registry_scope(resources: list[StackResource]) -> str:
    for resource in resources:
        if resource.type == resource_types.ECR_ACCOUNT_SETTING and resource.props.get("name") == REGISTRY_POLICY_SCOPE:
            value = resource.props.get("value")
            if isinstance(value, str) and not is_unknown(value):
                return value
    return DEFAULT_REGISTRY_POLICY_SCOPE


def _region(provider: dict[str, Any] | None) -> str | None:
    region = (provider or {}).get("region")
    return region if isinstance(region, str) and not is_unknown(region) else None


def validation_findings(resources: list[StackResource]) -> list[Finding]:
    """One finding per rule broken, on the resource that breaks it."""
    scope = _registry_scope(resources)
    findings: list[Finding] = []
    for resource in resources:
        result = validate_resource(
            resource.type,
            resource.props,
            is_unknown=is_unknown,
            region=_region(resource.provider),
            account=provider_account(resource.provider),
            registry_scope=scope,
        )
        for problem in result.problems:
            findings.append(
                Finding(
                    f"{resource.name} ({resource.type}) {problem.where}: {problem.rule}; got {problem.value} "
                    f"[{problem.source}] ({problem.url})",
                    resource.urn,
                    resource.name,
                )
            )
    return findings


def coverage_finding(resource_type: str, _props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    """An AWS resource whose type the table does not map: named, never refused."""
    if not resource_type.startswith("aws:") or resource_type in REQUESTS:
        return []
    return [
        Finding(
            f"{resource_type} is not in the request-validation table (aws_facts/validation/requests.py): its inputs "
            "are not checked against AWS's models offline; AWS and the provider still check them at deploy"
        )
    ]


def account_wide_scanning_findings(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    """A registry scanning configuration that leaves the repositories it does not name unscanned. An exemption
    (policy-exemptions, with a reason) is the acknowledgement that this is intended."""
    if resource_type != resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION:
        return []
    rules, scan_type = props.get("rules"), props.get("scanType")
    if is_unknown(rules) or is_unknown(scan_type):
        return [
            Finding(
                f"{ACCOUNT_WIDE} could not be evaluated during preview: the scanning rules are not known yet; an "
                "unknown value must not count as a pass"
            )
        ]
    effect = scanning_leaves_out(scan_type, rules)
    if effect is None:
        return []
    return [
        Finding(
            f"rules: this registry scanning configuration replaces the account's, and {effect} (repositories no "
            f"filter names); add a rule with the filter '*' (e.g. {ScanFrequency.SCAN_ON_PUSH}) to keep them scanned, or "
            f"acknowledge it with an exemption of {ACCOUNT_WIDE} and a reason ({SCANNING_FILTERS_URL})"
        )
    ]
