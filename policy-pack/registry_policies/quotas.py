"""AWS's documented quotas on a single resource: every document, name, tag and list of it against the limits.

A deploy that breaks a quota fails halfway (some resources created, the rest refused), so the pack
refuses it at preview. Each number comes from the AWS page linked beside it (aws_facts.quotas.QUOTA_TABLE);
the pack's README lists them all. Single-resource limits are checked here by `resource_quota_findings`
(tags by quota_tags, sizes measured by quota_measures); limits summed over several resources (the inline
policies of one role, user or group) by quota_aggregates' `aggregate_quota_findings`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_facts import resource_types
from aws_facts.quotas import QUOTA_TABLE, Quota

from .findings import Finding, cannot_evaluate
from .names import QUOTAS as QUOTAS
from .quota_measures import iam_policy_size, over, sent_characters, utf8_bytes
from .quota_tags import tag_findings
from .values import first_block, get_path, is_unknown

TRUST_POLICY_OPTION = "roleTrustPolicyLength"

KMS_KEYS = (resource_types.KMS_KEY, resource_types.KMS_REPLICA_KEY, resource_types.KMS_KEY_POLICY)
# What a generated resource name appends to namePrefix (the provider's unique-id suffix).
UNIQUE_SUFFIX_LENGTH = 26

# --------------------------------------------------------------------------------- single-resource checks


def trust_policy_quota(config: dict[str, Any]) -> Quota:
    """The role trust policy quota, raised by the pack option roleTrustPolicyLength when the account has more."""
    quota = QUOTA_TABLE["iam-role-trust-policy-length"]
    value = config.get(TRUST_POLICY_OPTION)
    if value is None:
        return quota
    # Pack config reaches the pack as a protobuf Struct, where every number is a float.
    whole = isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()
    if not whole or value < quota.limit:
        raise ValueError(
            f"the pack config option {QUOTAS}.{TRUST_POLICY_OPTION} must be a whole number of at least "
            f"{quota.limit} (AWS's default; set it to the account's raised quota), not {value!r}"
        )
    return quota.at(int(value))


def resource_quota_findings(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    """Every single-resource quota of the resource (documents, names, tags, lists)."""
    findings: list[Finding] = []
    check = _RESOURCE_CHECKS.get(resource_type)
    if check is not None:
        findings += check(props, config)
    findings += tag_findings(resource_type, props)
    return findings


def _size(
    props: dict[str, Any], field: str, quota: Quota, measure: Callable[[Any], int], fix: str = ""
) -> list[Finding]:
    value = props.get(field)
    if value is None:
        return []
    if is_unknown(value):
        return [cannot_evaluate(QUOTAS, f"{field} ({quota.what})")]
    if not isinstance(value, (str, dict, list)):
        return []  # malformed: the document policies report it
    measured = measure(value)
    return [over(quota, measured, field, fix)] if measured > quota.limit else []


def _name(props: dict[str, Any], field: str, quota: Quota, where: str = "") -> list[Finding]:
    value = props.get(field)
    where = where or field
    if value is None:
        return []
    if is_unknown(value):
        return [cannot_evaluate(QUOTAS, f"{where} ({quota.what})")]
    if isinstance(value, str) and len(value) > quota.limit:
        return [over(quota, len(value), where, f"shorten {where}")]
    return []


def _name_prefix(props: dict[str, Any], quota: Quota) -> list[Finding]:
    # The provider appends a 26-character unique suffix to namePrefix; the whole must fit the name quota.
    value = props.get("namePrefix")
    if not isinstance(value, str) or is_unknown(value):
        return []
    generated = len(value) + UNIQUE_SUFFIX_LENGTH
    if generated <= quota.limit:
        return []
    return [
        over(
            quota,
            generated,
            "namePrefix",
            f"the generated name is namePrefix plus {UNIQUE_SUFFIX_LENGTH} characters; "
            f"use a prefix of at most {quota.limit - UNIQUE_SUFFIX_LENGTH} characters",
        )
    ]


def _names(props: dict[str, Any], quota: Quota) -> list[Finding]:
    return _name(props, "name", quota) + _name_prefix(props, quota)


def _role(props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    trust = trust_policy_quota(config)
    findings = _names(props, QUOTA_TABLE["iam-role-name"]) + _name(props, "path", QUOTA_TABLE["iam-path"])
    findings += _size(
        props,
        "assumeRolePolicy",
        trust,
        iam_policy_size,
        f"trust fewer principals per statement, or raise the account's quota and set {QUOTAS}.{TRUST_POLICY_OPTION}",
    )
    inline = props.get("inlinePolicies")
    for index, entry in enumerate(inline if isinstance(inline, list) else []):
        if isinstance(entry, dict):
            findings += _name(entry, "name", QUOTA_TABLE["iam-policy-name"], f"inlinePolicies[{index}].name")
    return findings


def _inline_policy(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return _names(props, QUOTA_TABLE["iam-policy-name"])


def _managed_policy(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    quota = QUOTA_TABLE["iam-managed-policy-length"]
    findings = _names(props, QUOTA_TABLE["iam-policy-name"]) + _name(props, "path", QUOTA_TABLE["iam-path"])
    return findings + _size(props, "policy", quota, iam_policy_size, "split it into several managed policies")


def _user(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return _name(props, "name", QUOTA_TABLE["iam-user-name"]) + _name(props, "path", QUOTA_TABLE["iam-path"])


def _group(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return _name(props, "name", QUOTA_TABLE["iam-group-name"]) + _name(props, "path", QUOTA_TABLE["iam-path"])


def _repository(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return _name(props, "name", QUOTA_TABLE["ecr-repository-name"])


def _repository_policy(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return _size(props, "policy", QUOTA_TABLE["ecr-repository-policy-length"], sent_characters, _FEWER_PRINCIPALS)


def _registry_policy(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return _size(props, "policy", QUOTA_TABLE["ecr-registry-policy-length"], sent_characters, _FEWER_PRINCIPALS)


_FEWER_PRINCIPALS = "grant to fewer, broader principals (an account root or aws:PrincipalOrgID)"


def _lifecycle_rules(props: dict[str, Any], field: str) -> list[Finding]:
    value = props.get(field)
    if not isinstance(value, (str, dict)) or is_unknown(value):
        return []  # absent or unknown: _size already reports an unknown document
    try:
        document = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []  # not JSON: nothing to count
    rules = document.get("rules") if isinstance(document, dict) else None
    quota = QUOTA_TABLE["ecr-lifecycle-rules"]
    if isinstance(rules, list) and len(rules) > quota.limit:
        return [over(quota, len(rules), f"{field}.rules")]
    return []


def _lifecycle(props: dict[str, Any], field: str) -> list[Finding]:
    return _size(props, field, QUOTA_TABLE["ecr-lifecycle-policy-length"], sent_characters) + _lifecycle_rules(
        props, field
    )


def _lifecycle_policy(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return _lifecycle(props, "policy")


def _creation_template(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    findings = _name(props, "prefix", QUOTA_TABLE["ecr-template-prefix"])
    findings += _name(props, "description", QUOTA_TABLE["ecr-template-description"])
    findings += _size(
        props, "repositoryPolicy", QUOTA_TABLE["ecr-repository-policy-length"], sent_characters, _FEWER_PRINCIPALS
    )
    return findings + _lifecycle(props, "lifecyclePolicy")


def _kms_key(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    return _size(props, "policy", QUOTA_TABLE["kms-key-policy-length"], utf8_bytes)


def _count(value: Any, quota: Quota, where: str) -> list[Finding]:
    if isinstance(value, list) and len(value) > quota.limit:
        return [over(quota, len(value), where)]
    return []


def _replication(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    config = first_block(props.get("replicationConfiguration"))
    if is_unknown(config):
        return [cannot_evaluate(QUOTAS, "replicationConfiguration")]
    rules = get_path(config, "rules")
    if is_unknown(rules):
        return [cannot_evaluate(QUOTAS, "replicationConfiguration.rules")]
    if not isinstance(rules, list):
        return []
    findings = _count(rules, QUOTA_TABLE["ecr-replication-rules"], "replicationConfiguration.rules")
    destinations: set[tuple[Any, Any]] = set()
    undecided = False
    for index, rule in enumerate(rules):
        where = f"replicationConfiguration.rules[{index}]"
        filters = get_path(rule, "repositoryFilters")
        if is_unknown(filters):
            findings.append(cannot_evaluate(QUOTAS, f"{where}.repositoryFilters"))
        findings += _count(filters, QUOTA_TABLE["ecr-replication-filters"], f"{where}.repositoryFilters")
        targets = get_path(rule, "destinations")
        if is_unknown(targets):
            undecided = True
            continue
        for target in targets if isinstance(targets, list) else []:
            key = (get_path(target, "region"), get_path(target, "registryId"))
            if any(is_unknown(part) for part in key):
                undecided = True
            destinations.add(key)
    quota = QUOTA_TABLE["ecr-replication-destinations"]
    if len(destinations) > quota.limit:
        findings.append(
            over(quota, len(destinations), "replicationConfiguration.rules[*].destinations", "(region, registryId)")
        )
    elif undecided:
        findings.append(cannot_evaluate(QUOTAS, "a replication destination"))
    return findings


def _registry_scanning(props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    rules = props.get("rules")
    if is_unknown(rules):
        return [cannot_evaluate(QUOTAS, "rules (registry scanning)")]
    if not isinstance(rules, list):
        return []
    findings = _count(rules, QUOTA_TABLE["ecr-scanning-rules"], "rules")
    for index, rule in enumerate(rules):
        filters = get_path(rule, "repositoryFilters")
        if is_unknown(filters):
            findings.append(cannot_evaluate(QUOTAS, f"rules[{index}].repositoryFilters"))
        findings += _count(filters, QUOTA_TABLE["ecr-scanning-filters"], f"rules[{index}].repositoryFilters")
    return findings


_RESOURCE_CHECKS = {
    resource_types.IAM_ROLE: _role,
    resource_types.IAM_ROLE_POLICY: _inline_policy,
    resource_types.IAM_USER_POLICY: _inline_policy,
    resource_types.IAM_GROUP_POLICY: _inline_policy,
    resource_types.IAM_POLICY: _managed_policy,
    resource_types.IAM_USER: _user,
    resource_types.IAM_GROUP: _group,
    resource_types.ECR_REPOSITORY: _repository,
    resource_types.ECR_REPOSITORY_POLICY: _repository_policy,
    resource_types.ECR_REGISTRY_POLICY: _registry_policy,
    resource_types.ECR_LIFECYCLE_POLICY: _lifecycle_policy,
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: _creation_template,
    resource_types.ECR_REPLICATION_CONFIGURATION: _replication,
    resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION: _registry_scanning,
    **{kms: _kms_key for kms in KMS_KEYS},
}
