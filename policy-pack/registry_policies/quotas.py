"""AWS's documented quotas as data, and pure checks of every document, name, tag and list against them.

A deploy that breaks a quota fails halfway (some resources created, the rest refused), so the pack
refuses it at preview. Each number comes from the AWS page linked beside it; the pack's README lists
them all. Single-resource limits are checked by `resource_quota_findings`; limits summed over several
resources (the inline policies of one role, user or group) by `aggregate_quota_findings`.

How a size is measured:
- IAM: "IAM does not count white space when calculating the size of a policy". Whitespace outside
  JSON strings (space, tab, line feed, carriage return) is not counted; every character inside a
  string is, as written (`iam_policy_size`). Counting a space inside a string value is the safe side.
- ECR: characters of the document as the provider sends it (`sent_characters`: compacted by Go's
  json.Marshal, `&` `<` `>` written as six-character escapes), so a pretty-printed policy AWS accepts passes;
  KMS: UTF-8 bytes (the quota is 32,768 bytes).
- Tag keys and values: Unicode characters.
A value still unknown at preview cannot be measured: it is reported as `cannot_evaluate` (mandatory
policies must not pass on an unknown), unless the known part already breaks the limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aws_facts import tags
from aws_facts.gojson import provider_form
from aws_facts.iam.quotas import policy_size, policy_text
from aws_facts.quotas import (
    AWS_TAGS_URL,
    ECR_TAGS_URL,
    IAM_TAGS_URL,
    KMS_TAGS_URL,
    QUOTA_TABLE,
    Quota,
)

from .findings import Finding, cannot_evaluate
from .stack import StackResource
from .values import first_block, get_path, is_unknown

QUOTAS = "aws-quotas"
QUOTAS_AGGREGATE = "aws-quotas-aggregate"
TRUST_POLICY_OPTION = "roleTrustPolicyLength"

ROLE = "aws:iam/role:Role"
USER = "aws:iam/user:User"
GROUP = "aws:iam/group:Group"
MANAGED_POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
KMS_KEYS = ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/keyPolicy:KeyPolicy")

# Where each taggable type keeps its tags, and which page documents its tag rules. The creation
# template's resourceTags are applied to every repository it creates, so ECR's rules hold for them.
TAG_PROPERTY = {CREATION_TEMPLATE: "resourceTags"}
TAG_RULES_URL = {"aws:iam/": IAM_TAGS_URL, "aws:ecr/": ECR_TAGS_URL, "aws:kms/": KMS_TAGS_URL}
RESERVED_TAG_PREFIX = tags.RESERVED_PREFIX
# "Amazon EC2 resources allow any characters" in tags (the tagging page); the other limits hold.
ANY_TAG_CHARACTER_PREFIXES = tags.ANY_CHARACTER_TYPE_PREFIXES
# What a generated resource name appends to namePrefix (the provider's unique-id suffix).
UNIQUE_SUFFIX_LENGTH = 26


# ---------------------------------------------------------------------------------------------- measuring


# IAM's size rule lives in the IAM library, which the stacks and the deployer policies count with too;
# the pack's name for it stays, since its README and tests use it.
iam_policy_size = policy_size


def characters(document: Any) -> int:
    return len(policy_text(document))


def sent_characters(document: Any) -> int:
    """Characters of an ECR policy as the provider sends it: decoded and written again by Go's json.Marshal
    (compact, `<` `>` `&` as six-character escapes; aws_facts.gojson.provider_form). Text that is not JSON
    is counted as written (the provider refuses it anyway)."""
    sent = provider_form(document)
    return len(policy_text(document)) if sent is None else len(sent)


def utf8_bytes(document: Any) -> int:
    return len(policy_text(document).encode("utf-8"))


is_tag_text = tags.is_tag_text


def over(quota: Quota, measured: int, where: str, fix: str = "") -> Finding:
    """The one-line message of a broken quota."""
    message = f"{where}: {quota.what} is {measured:,} {quota.unit}, above AWS's limit of {quota.limit:,} ({quota.url})"
    return Finding(f"{message}; {fix}" if fix else message)


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
    ROLE: _role,
    ROLE_POLICY: _inline_policy,
    USER_POLICY: _inline_policy,
    GROUP_POLICY: _inline_policy,
    MANAGED_POLICY: _managed_policy,
    USER: _user,
    GROUP: _group,
    REPOSITORY: _repository,
    REPOSITORY_POLICY: _repository_policy,
    REGISTRY_POLICY: _registry_policy,
    LIFECYCLE_POLICY: _lifecycle_policy,
    CREATION_TEMPLATE: _creation_template,
    REPLICATION: _replication,
    REGISTRY_SCANNING: _registry_scanning,
    **{kms: _kms_key for kms in KMS_KEYS},
}


# ------------------------------------------------------------------------------------------------- tags


def tag_rules_url(resource_type: str) -> str:
    """The page that documents the tag rules of the resource's service (the general page otherwise)."""
    return next((url for prefix, url in TAG_RULES_URL.items() if resource_type.startswith(prefix)), AWS_TAGS_URL)


def tag_findings(resource_type: str, props: dict[str, Any]) -> list[Finding]:
    """Tag count, key and value lengths, characters and the reserved aws: prefix, on any taggable resource.

    Both the resource's own tags and tagsAll (where the provider merges its default tags) are read.
    Only AWS resources are checked; EC2 accepts any character in tags, so only its lengths are.
    """
    if not resource_type.startswith("aws:"):
        return []
    field = TAG_PROPERTY.get(resource_type, "tags")
    merged: dict[str, Any] = {}
    findings: list[Finding] = []
    for source in ("tagsAll", field):
        tags = props.get(source)
        if is_unknown(tags):
            if source == field:
                findings.append(cannot_evaluate(QUOTAS, f"{field} (the tags)"))
            continue  # tagsAll is computed by the provider; its known part is `tags` plus default tags
        if isinstance(tags, dict):
            merged.update(tags)
    if not merged:
        return findings
    url = tag_rules_url(resource_type)
    count, key_quota, value_quota = (
        _documented(QUOTA_TABLE[key], url) for key in ("tags-per-resource", "tag-key", "tag-value")
    )
    # Tags with the reserved aws: prefix do not count toward the 50 (ECR's tag restrictions).
    user_tags = [k for k in merged if not k.lower().startswith(RESERVED_TAG_PREFIX)]
    if len(user_tags) > count.limit:
        findings.append(over(count, len(user_tags), field, "tags of tagsAll (provider default tags) count too"))
    for key, value in merged.items():
        where = f"{field}[{key[:40]!r}]"
        any_character = resource_type.startswith(ANY_TAG_CHARACTER_PREFIXES)
        findings += _tag_text(key, "key", where, key_quota, any_character)
        if is_unknown(value):
            findings.append(cannot_evaluate(QUOTAS, f"the value of tag {key!r}"))
        elif isinstance(value, str):
            findings += _tag_text(value, "value", where, value_quota, any_character)
    return findings


def _documented(quota: Quota, url: str) -> Quota:
    # The same tag limits, linked to the page of the resource's own service.
    return Quota(quota.what, quota.limit, quota.unit, url)


def _tag_text(text: str, part: str, where: str, quota: Quota, any_character: bool) -> list[Finding]:
    findings: list[Finding] = []
    if len(text) > quota.limit:
        findings.append(over(quota, len(text), where))
    if part == "key" and not text:
        findings.append(Finding(f"{where}: a tag key must not be empty ({quota.url})"))
    bad = [] if any_character else sorted({c for c in text if not is_tag_text(c)})
    if bad:
        findings.append(
            Finding(
                f"{where}: the tag {part} contains {''.join(bad)!r}, which AWS does not accept in tags "
                f"(letters, digits, spaces and _ . : / = + - @ only; {quota.url})"
            )
        )
    if text.lower().startswith(RESERVED_TAG_PREFIX):
        findings.append(
            Finding(f"{where}: the tag {part} starts with the prefix 'aws:', which AWS reserves ({quota.url})")
        )
    return findings


# ----------------------------------------------------------------------------------------- aggregates


@dataclass(frozen=True)
class _Principal:
    kind: str  # role | user | group
    owner_type: str  # the IAM resource type that owns the inline policies
    attachment_type: str  # the per-policy resource type
    attachment_field: str  # its property naming the owner
    quota_key: str


PRINCIPALS = (
    _Principal("role", ROLE, ROLE_POLICY, "role", "iam-role-inline-policies"),
    _Principal("user", USER, USER_POLICY, "user", "iam-user-inline-policies"),
    _Principal("group", GROUP, GROUP_POLICY, "group", "iam-group-inline-policies"),
)


def aggregate_quota_findings(resources: Iterable[StackResource]) -> list[Finding]:
    """The inline policies of each role, user and group, summed over the stack, within IAM's quota.

    A role's inline policies are its own `inlinePolicies` plus every RolePolicy whose `role` names it
    (by name, or, while the name is unknown at preview, by the engine's property dependency on the
    role). Users and groups likewise, with UserPolicy and GroupPolicy. An owner that is not in the stack
    is identified by the name the policies give; only the stack's own policies can be summed for it.
    """
    listed = list(resources)
    findings: list[Finding] = []
    for principal in PRINCIPALS:
        findings += _principal_findings(principal, listed)
    return findings


@dataclass
class _Tally:
    label: str
    urn: str | None
    name: str | None
    size: int = 0
    documents: int = 0
    unknown: list[str] | None = None

    def add(self, document: Any, where: str) -> None:
        if is_unknown(document):
            self.unknown = (self.unknown or []) + [where]
        elif isinstance(document, (str, dict, list)):
            self.size += iam_policy_size(document)
            self.documents += 1


def _principal_findings(principal: _Principal, resources: list[StackResource]) -> list[Finding]:
    owners = [r for r in resources if r.type == principal.owner_type]
    by_urn: dict[str, _Tally] = {}
    by_name: dict[str, _Tally] = {}
    for owner in owners:
        name = owner.props.get("name")
        known = isinstance(name, str) and not is_unknown(name)
        label = f"{principal.kind} {owner.name}" + (f" ({name})" if known and name != owner.name else "")
        tally = _Tally(label, owner.urn, owner.name)
        by_urn[owner.urn] = tally
        if known:
            by_name[name] = tally
        inline = owner.props.get("inlinePolicies")
        if is_unknown(inline):
            tally.unknown = ["inlinePolicies"]
        for index, entry in enumerate(inline if isinstance(inline, list) else []):
            tally.add(get_path(entry, "policy"), f"inlinePolicies[{index}].policy")
    findings: list[Finding] = []
    for attachment in (r for r in resources if r.type == principal.attachment_type):
        target = attachment.props.get(principal.attachment_field)
        tally = next(
            (by_urn[u] for u in attachment.property_dependencies.get(principal.attachment_field, ()) if u in by_urn),
            None,
        )
        if tally is None and isinstance(target, str) and not is_unknown(target):
            tally = by_name.get(target)
            if tally is None:  # an owner outside the stack: sum what the stack attaches to it
                tally = by_name[target] = _Tally(f"{principal.kind} {target}", attachment.urn, attachment.name)
        if tally is None:
            findings.append(
                cannot_evaluate(
                    QUOTAS_AGGREGATE,
                    f"the {principal.kind} that {attachment.name} attaches its policy to",
                    urn=attachment.urn,
                    name=attachment.name,
                )
            )
            continue
        tally.add(attachment.props.get("policy"), f"{attachment.name}.policy")
    quota = QUOTA_TABLE[principal.quota_key]
    for tally in {id(t): t for t in [*by_urn.values(), *by_name.values()]}.values():
        if tally.size > quota.limit:
            finding = over(
                quota,
                tally.size,
                f"{tally.label}, {tally.documents} inline policy document{'' if tally.documents == 1 else 's'}",
                f"IAM sums every inline policy of the {principal.kind}: grant by pattern or attribute "
                "(aws:ResourceTag) instead of one statement per resource, or use managed policies",
            )
            findings.append(Finding(finding.message, tally.urn, tally.name))
        elif tally.unknown:
            findings.append(
                cannot_evaluate(
                    QUOTAS_AGGREGATE,
                    f"an inline policy of {tally.label} ({', '.join(tally.unknown)})",
                    urn=tally.urn,
                    name=tally.name,
                )
            )
    return findings
