"""Pinned account settings: the registry policy read under the REGISTRY_POLICY_SCOPE in force.

`ecr-registry-policy-scope` (stack policy): every aws.ecr.AccountSetting names a setting and a value ECR
accepts, one value per setting; and every statement of an aws.ecr.RegistryPolicy takes effect under the
scope the stack pins: under V1 a registry policy applies only to ReplicateImage, CreateRepository and
BatchImportUpstreamImage, so any other action in it (an Allow or a Deny) silently does nothing; a stack
that does not pin the scope cannot know which reading is in force, and its registry policy may only name
actions that mean the same under both.
"""

from __future__ import annotations

from aws_facts import ecr_account_settings as settings
from aws_facts import resource_types
from aws_facts.iam.document import parse

from .findings import Finding, cannot_evaluate
from .names import REGISTRY_POLICY_SCOPE
from .stack import StackResource
from .values import is_unknown

SCOPE = REGISTRY_POLICY_SCOPE


def scope_findings(resources: list[StackResource]) -> list[Finding]:
    findings: list[Finding] = []
    pinned: dict[str, set[str]] = {}
    for resource in (r for r in resources if r.type == resource_types.ECR_ACCOUNT_SETTING):
        name, value = resource.props.get("name"), resource.props.get("value")
        if is_unknown(name) or is_unknown(value):
            findings.append(cannot_evaluate(SCOPE, "an account setting's name or value", resource.urn, resource.name))
            continue
        problem = settings.value_problem(str(name), str(value))
        if problem:
            findings.append(Finding(f"account setting {resource.name}: {problem}", resource.urn, resource.name))
            continue
        pinned.setdefault(str(name), set()).add(str(value))
    for name, values in pinned.items():
        if len(values) > 1:
            findings.append(
                Finding(
                    f"{name} is pinned to {' and '.join(sorted(values))} in one stack: keep one aws.ecr.AccountSetting"
                )
            )
    scopes = pinned.get(settings.REGISTRY_POLICY_SCOPE)
    scope = next(iter(scopes)) if scopes and len(scopes) == 1 else None
    for resource in (r for r in resources if r.type == resource_types.ECR_REGISTRY_POLICY):
        policy = resource.props.get("policy")
        if is_unknown(policy):
            findings.append(cannot_evaluate(SCOPE, "policy", resource.urn, resource.name))
            continue
        document = parse(policy, is_unknown)
        for statement in document.statements:
            if statement.unknown & {"Action", "NotAction"}:
                findings.append(
                    cannot_evaluate(SCOPE, f"Statement[{statement.index}] actions", resource.urn, resource.name)
                )
                continue
            # Unpinned: what V1 would ignore is what depends on the account's scope.
            ignored = settings.read_statement(scope or "V1", statement.actions, statement.not_action).ignored
            if not ignored:
                continue
            shown = ", ".join(sorted(ignored)[:5]) + (", ..." if len(ignored) > 5 else "")
            label = f"Statement[{statement.index}]{f' ({statement.sid})' if statement.sid else ''}"
            if scope is None:
                message = (
                    f"registry policy {label} names {shown}, which take effect only under REGISTRY_POLICY_SCOPE V2; "
                    "this stack does not pin the scope (aws.ecr.AccountSetting), so what the policy does depends on "
                    "the account: pin REGISTRY_POLICY_SCOPE"
                )
            else:
                message = (
                    f"registry policy {label} names {shown}, which REGISTRY_POLICY_SCOPE {scope} ignores (V1 applies "
                    "only ReplicateImage, CreateRepository, BatchImportUpstreamImage): pin V2 or remove them"
                )
            findings.append(Finding(message, resource.urn, resource.name))
    return findings
