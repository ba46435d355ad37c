"""Quotas summed over several resources: the inline policies of each IAM role, user and group, together,
within IAM's quota (aws-quotas-aggregate)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aws_facts import resource_types
from aws_facts.quotas import QUOTA_TABLE

from .findings import Finding, cannot_evaluate
from .names import QUOTAS_AGGREGATE as QUOTAS_AGGREGATE
from .quota_measures import iam_policy_size, over
from .stack import StackResource
from .values import get_path, is_unknown


@dataclass(frozen=True)
class _Principal:
    kind: str  # role | user | group
    owner_type: str  # the IAM resource type that owns the inline policies
    attachment_type: str  # the per-policy resource type
    attachment_field: str  # its property naming the owner
    quota_key: str


PRINCIPALS = (
    _Principal("role", resource_types.IAM_ROLE, resource_types.IAM_ROLE_POLICY, "role", "iam-role-inline-policies"),
    _Principal("user", resource_types.IAM_USER, resource_types.IAM_USER_POLICY, "user", "iam-user-inline-policies"),
    _Principal(
        "group", resource_types.IAM_GROUP, resource_types.IAM_GROUP_POLICY, "group", "iam-group-inline-policies"
    ),
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
