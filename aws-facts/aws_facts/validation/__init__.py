"""Requests validated as AWS and the provider would validate them, derived from their models.

`validate_resource(resource_type, props, ...)` answers, for one pulumi-aws resource's checked inputs:
- `mapped`: whether the type is in the one table (aws_facts.validation.requests); an unmapped type is reported
  as unmapped by the caller, never refused;
- `problems`: each rule broken, one `Problem` (where, rule, value, source, documentation link), from
  1. botocore's shapes of the API request(s) the provider makes (required members, enums, lengths, ranges,
     patterns), with policy documents measured as the provider sends them (ECR's compacted by Go's
     json.Marshal: aws_facts.gojson.provider_form);
  2. the provider's own schema rules, from terraform-provider-aws's source (provider_rules.PROVIDER_RULES);
  3. the document grammars and API rules of aws_facts.grammars (IAM policy kinds, ECR lifecycle policies,
     registry-policy scopes, the KMS lockout check, tag-mutability exclusions, replication to itself).
Values not known yet are not judged (AWS judges them at deploy).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import gojson, models, resource_types
from ..ecr_account_settings import DEFAULT_REGISTRY_POLICY_SCOPE
from ..grammars import api_rules
from ..grammars.lifecycle import lifecycle_problems
from ..grammars.policy import policy_problems
from .provider_rules import PROVIDER, PROVIDER_RULES, RULES_BY_TYPE
from .requests import REQUESTS, Field, Request
from .shapes import Problem, check, member_shape


def _never(_value: Any) -> bool:
    return False


# -- documents: which property holds which kind, and whether the provider compacts it ----------------------

# (resource type, property path) -> (grammar, compacted by the provider before sending)
DOCUMENTS: dict[tuple[str, str], tuple[str, bool]] = {
    (resource_types.ECR_REPOSITORY_POLICY, "policy"): ("repository", True),
    (resource_types.ECR_REGISTRY_POLICY, "policy"): ("registry", True),
    (resource_types.ECR_LIFECYCLE_POLICY, "policy"): ("lifecycle", True),
    (resource_types.ECR_REPOSITORY_CREATION_TEMPLATE, "repositoryPolicy"): ("repository", True),
    (resource_types.ECR_REPOSITORY_CREATION_TEMPLATE, "lifecyclePolicy"): ("lifecycle", True),
    (resource_types.ECRPUBLIC_REPOSITORY_POLICY, "policy"): ("repository", False),
    (resource_types.IAM_ROLE, "assumeRolePolicy"): ("trust", False),
    (resource_types.IAM_ROLE, "inlinePolicies[].policy"): ("identity", False),
    (resource_types.IAM_ROLE_POLICY, "policy"): ("identity", False),
    (resource_types.IAM_USER_POLICY, "policy"): ("identity", False),
    (resource_types.IAM_GROUP_POLICY, "policy"): ("identity", False),
    (resource_types.IAM_POLICY, "policy"): ("identity", False),
    (resource_types.KMS_KEY, "policy"): ("key", False),
    (resource_types.KMS_REPLICA_KEY, "policy"): ("key", False),
    (resource_types.KMS_KEY_POLICY, "policy"): ("key", False),
}


@dataclass
class Result:
    mapped: bool
    problems: list[Problem] = field(default_factory=list)


def values_at(props: Any, path: str, is_unknown: Callable[[Any], bool] = _never) -> list[tuple[str, Any]]:
    """(concrete path, value) for a property path ("a.b[].c"), stepping into every element at `[]`; the offline
    preview's Check emulation reads the provider table's paths with it too."""
    found: list[tuple[str, Any]] = [("", props)]
    for step in path.split("."):
        each = step.endswith("[]")
        name = step[:-2] if each else step
        following: list[tuple[str, Any]] = []
        for where, value in found:
            if not isinstance(value, dict) or value.get(name) is None:
                continue
            item = value[name]
            here = f"{where}.{name}" if where else name
            if each:
                if isinstance(item, list):
                    following += [(f"{here}[{i}]", element) for i, element in enumerate(item)]
            else:
                following.append((here, item))
        found = following
    return [(where, value) for where, value in found if value is not None and not is_unknown(value)]


def _as_sent(value: Any, compacted: bool) -> Any:
    if compacted:
        sent = _provider_form(value) if isinstance(value, str) else gojson.provider_form(value)
        return value if sent is None else sent
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def validate_resource(
    resource_type: str,
    props: dict[str, Any],
    *,
    is_unknown: Callable[[Any], bool] = _never,
    region: str | None = None,
    account: str | None = None,
    registry_scope: str = DEFAULT_REGISTRY_POLICY_SCOPE,
) -> Result:
    """Every rule AWS or the provider applies to the resource's request that its inputs break."""
    request = REQUESTS.get(resource_type)
    if request is None:
        return Result(mapped=False)
    problems: list[Problem] = []
    for entry in request.fields:
        document = DOCUMENTS.get((resource_type, entry.prop))
        for where, value in values_at(props, entry.prop, is_unknown):
            problems += _field_problems(request, entry, where, value, document, is_unknown, registry_scope)
    for rule in RULES_BY_TYPE.get(resource_type, ()):
        for where, value in values_at(props, rule.prop, is_unknown):
            if not rule.holds(value):
                problems.append(Problem(where, rule.rule, _shown(value), f"{PROVIDER} {rule.source}", rule.page))
    problems += _api_rules(resource_type, props, is_unknown, region, account)
    return Result(mapped=True, problems=problems)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # protobuf Structs carry every number as a float
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _field_problems(
    request: Request,
    entry: Field,
    where: str,
    value: Any,
    document: tuple[str, bool] | None,
    is_unknown: Callable[[Any], bool],
    registry_scope: str,
) -> list[Problem]:
    shape = _field_shape(request.service, entry.operation, entry.member)
    url = request.url(entry.operation)
    sent = _as_sent(value, document[1]) if document else value
    problems = [p.located("", url) for p in check(request.service, shape, sent, where, is_unknown)]
    if document:
        kind, compacted = document
        if compacted and sent is not value and sent != value:
            problems = [_as_sent_note(p) for p in problems]
        problems += [p.located(where, url) for p in _grammar(kind, value, registry_scope, is_unknown)]
    return problems


# Many resources carry the same document (every model's lifecycle policy, say): each text is judged once.
@functools.lru_cache(maxsize=4096)
def _provider_form(text: str) -> str | None:
    return gojson.provider_form(text)


def _grammar(kind: str, value: Any, registry_scope: str, is_unknown: Callable[[Any], bool]) -> tuple[Problem, ...]:
    if isinstance(value, str):
        return _grammar_of_text(kind, value, registry_scope)
    return _grammar_of(kind, value, registry_scope, is_unknown)


@functools.lru_cache(maxsize=4096)
def _grammar_of_text(kind: str, text: str, registry_scope: str) -> tuple[Problem, ...]:
    return _grammar_of(kind, text, registry_scope)


def _grammar_of(
    kind: str, value: Any, registry_scope: str, is_unknown: Callable[[Any], bool] = _never
) -> tuple[Problem, ...]:
    problems = lifecycle_problems(value) if kind == "lifecycle" else policy_problems(value, kind, is_unknown)
    if kind == "registry":
        problems += api_rules.registry_scope_problems(value, registry_scope)
    return tuple(problems)


@functools.cache
def _field_shape(service: str, operation: str, member: str) -> str:
    """The shape of a request member, resolved once per (service, operation, member)."""
    structure = models.service_model(service)["operations"][operation]["input"]["shape"]
    return member_shape(service, structure, member)


def _as_sent_note(problem: Problem) -> Problem:
    if "characters" not in problem.rule:
        return problem
    rule = f"{problem.rule}, as the provider sends it (compacted by Go's json.Marshal, <>& escaped as \\u003c...)"
    return Problem(problem.where, rule, problem.value, problem.source, problem.url)


def _api_rules(
    resource_type: str,
    props: dict[str, Any],
    is_unknown: Callable[[Any], bool],
    region: str | None,
    account: str | None,
) -> list[Problem]:
    problems: list[Problem] = []
    if resource_type in (
        resource_types.ECR_REPOSITORY,
        resource_types.ECR_REPOSITORY_CREATION_TEMPLATE,
    ):
        mutability, filters = props.get("imageTagMutability"), props.get("imageTagMutabilityExclusionFilters")
        if not is_unknown(mutability) and not is_unknown(filters):
            problems += api_rules.mutability_problems(mutability, filters)
    if resource_type in (resource_types.KMS_KEY, resource_types.KMS_REPLICA_KEY, resource_types.KMS_KEY_POLICY):
        policy = props.get("policy")
        bypass = props.get("bypassPolicyLockoutSafetyCheck")
        if isinstance(policy, (str, dict)) and not is_unknown(policy) and not is_unknown(bypass):
            problems += [p.located("policy", "") for p in api_rules.kms_lockout_problems(policy, bypass)]
    if resource_type == resource_types.KMS_KEY:
        names = ("customerMasterKeySpec", "keyUsage", "enableKeyRotation", "customKeyStoreId", "multiRegion")
        values = [props.get(name) for name in names]
        if not any(is_unknown(value) for value in values):
            problems += api_rules.kms_key_problems(*values)
    if resource_type == resource_types.KMS_REPLICA_KEY and not is_unknown(props.get("primaryKeyArn")):
        problems += api_rules.replica_primary_problems(props.get("primaryKeyArn"))
    if resource_type == resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION:
        scan_type, rules = props.get("scanType"), props.get("rules")
        if not is_unknown(scan_type) and not is_unknown(rules):
            problems += api_rules.scan_frequency_problems(scan_type, rules)
    if resource_type == resource_types.ECR_REPLICATION_CONFIGURATION:
        configuration = props.get("replicationConfiguration")
        if isinstance(configuration, list):
            configuration = configuration[0] if configuration else None
        own_region = props.get("region") if isinstance(props.get("region"), str) else region
        own_account = props.get("registryId") if isinstance(props.get("registryId"), str) else account
        if own_region is not None and is_unknown(own_region):
            own_region = None
        if own_account is not None and is_unknown(own_account):
            own_account = None
        problems += api_rules.replication_destination_problems(configuration, own_region, own_account)
    return problems


__all__ = ["DOCUMENTS", "PROVIDER_RULES", "REQUESTS", "Problem", "Result", "validate_resource", "values_at"]
