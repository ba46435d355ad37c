"""Who can pull, push, administer or otherwise act on each repository, from the manifests' documents.

Sources: each repository's `aws:ecr/repositoryPolicy` (resource policy) and every IAM role's identity
policies (`aws:iam/rolePolicy`, `inlinePolicies` on the role, and the manifest's managed policies it has). Every document is read and evaluated by
registry_iam, the library the policy pack uses, so the matrix and the pack cannot disagree on what a
statement means (element case, NotAction/NotResource, wildcards, conditions, Denies).

For each principal a statement names, a representative request is evaluated: an account stands for any
principal of it, `*` for anyone; the statement's own conditions are taken as met and shown with the
principal (`* if aws:PrincipalOrgID=o-…`), while the repository's tags decide `aws:ResourceTag/<key>` and
`ecr:ResourceTag/<key>` conditions. Denies that apply to that request (of the repository policy, and of
the role's own policies) take actions away.

Output: {repository name: {principal: {capability: [why, ...]}}} with capabilities pull, push, admin and
other (any other action). A capability with only some of its actions granted reads `<why> (only a, b)`;
one whose every granted action a Deny removes reads `DENIED by <source> <sid>`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from model_registry.policy_documents.ecr import PULL_ACTIONS, PUSH_ONLY_ACTIONS
from registry_iam import Caller, Statement, account_of, parse
from registry_iam.actions import actions_on
from registry_iam.conditions import NEGATED, all_hold
from registry_iam.evaluate import action_applies, resource_applies
from registry_iam.principals import statement_names
from registry_iam.wildcard import has_glob, instances

# What pull and push mean is the stacks' definition, in one place.
PULL = PULL_ACTIONS
PUSH = PUSH_ONLY_ACTIONS
ADMIN = (
    "ecr:SetRepositoryPolicy",
    "ecr:DeleteRepositoryPolicy",
    "ecr:DeleteRepository",
    "ecr:PutLifecyclePolicy",
    "ecr:PutImageTagMutability",
    "ecr:PutImageScanningConfiguration",
    "ecr:BatchDeleteImage",
)
CAPABILITIES = {"pull": PULL, "push": PUSH, "admin": ADMIN}
COLUMNS = (*CAPABILITIES, "other")
NAMED = frozenset(a for actions in CAPABILITIES.values() for a in actions)

REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
RESOURCE_TAG_PREFIXES = ("aws:resourcetag/", "ecr:resourcetag/")

Matrix = dict[str, dict[str, dict[str, list[str]]]]


def _statements(document: Any) -> list[Statement]:
    """A malformed document grants nothing here (the pack refuses it). Equal documents share one parse,
    so that their statements' action sets are computed once for a thousand repositories."""
    text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
    return _parsed(text)


@lru_cache(maxsize=4096)
def _parsed(text: str) -> list[Statement]:
    return parse(text).statements


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def _ecr_actions() -> frozenset[str]:
    """Every ECR action that acts on a repository (ecr:GetAuthorizationToken acts on none)."""
    return actions_on("ecr", "repository") | NAMED


def _representative(kind: str, value: str) -> tuple[str, Caller]:
    """(label, a request's caller) for one principal value of a statement."""
    if kind == "*" or (kind == "AWS" and value == "*"):
        return "*", Caller("aws", description="anyone")
    if kind == "AWS":
        account = account_of(value)
        is_account = value == account or value.endswith(":root")
        arn = f"arn:aws:iam::{account}:role/any-principal" if is_account else value
        context = {"aws:principalarn": (arn,)}
        if account:
            context |= {"aws:principalaccount": (account,), "kms:calleraccount": (account,)}
        return value, Caller("aws", account, arn, None, value, context)
    if kind == "Service":
        context = {"aws:principalisawsservice": ("true",), "aws:principalservicename": (value,)}
        return f"service:{value}", Caller("service", name=value, description=value, context=context)
    return f"{kind.lower()}:{value}", Caller(kind.lower() if kind != "CanonicalUser" else "canonical", name=value)


def _witness(statement: Statement, context: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The context with the statement's conditions met on every key the request does not fix."""
    result = dict(context)
    for condition in statement.conditions:
        key = condition.lower_key
        if key in result or condition.base in NEGATED or condition.if_exists:
            continue
        if condition.base == "null":
            if any(v.lower() == "false" for v in condition.values):
                result[key] = ("present",)
            continue
        value = condition.values[0]
        result[key] = (instances(value)[0] if has_glob(value) else value,)
    return result


def _qualifier(statement: Statement) -> str:
    return "; ".join(f"{c.key}={','.join(c.values)}" for c in statement.conditions)


class _Evaluator:
    """Caches each statement's ECR action set: a thousand repositories share a few statements' shapes."""

    def __init__(self) -> None:
        self.candidates = _ecr_actions()
        self._actions: dict[int, frozenset[str]] = {}

    def actions(self, statement: Statement) -> frozenset[str]:
        key = id(statement)
        if key not in self._actions:
            self._actions[key] = frozenset(a for a in self.candidates if action_applies(statement, a))
        return self._actions[key]

    def denied(
        self, denies: list[tuple[str, Statement]], arn: str, caller: Caller | None, context: dict
    ) -> dict[str, str]:
        """action -> the Deny that removes it, for this request."""
        removed: dict[str, str] = {}
        for source, deny in denies:
            if not resource_applies(deny, arn) or not statement_names(deny, caller)[0]:
                continue
            if not all_hold(deny.conditions, context):
                continue
            for action in self.actions(deny):
                removed.setdefault(action, f"{source} {deny.sid or f'#{deny.index}'}")
        return removed


def _grant(
    rows: dict[str, dict[str, list[str]]],
    label: str,
    why: str,
    granted: frozenset[str],
    denied: dict[str, str],
) -> None:
    left = {a for a in granted if a not in denied}
    row = rows.setdefault(label, {})
    for capability, actions in CAPABILITIES.items():
        got, had = left & set(actions), granted & set(actions)
        if got == set(actions):
            row.setdefault(capability, []).append(why)
        elif got:
            row.setdefault(capability, []).append(f"{why} (only {', '.join(sorted(got))})")
        elif had:
            row.setdefault(capability, []).append(f"DENIED by {denied[sorted(had)[0]]}")
    other = sorted(left - NAMED)
    if other:
        shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
        row.setdefault("other", []).append(f"{why} ({shown})")
    if not row:
        del rows[label]


def _guard(rows: dict[str, dict[str, list[str]]], deny: Statement, actions: frozenset[str]) -> None:
    """A repository policy's Deny as a row of its own (e.g. the deny-push-except-CI guard, `* if
    aws:PrincipalArn=<team role>` read with its operator), ✘ on each capability it takes away."""
    principals = "everyone except " if deny.not_principal else ""
    principals += ", ".join(p.value for p in deny.principals or ())
    conditions = "; ".join(f"{c.key} {c.operator} {','.join(c.values)}" for c in deny.conditions)
    label = f"DENY {principals}" + (f" if {conditions}" if conditions else "")
    why = f"DENIED by repository policy {deny.sid or f'#{deny.index}'}"
    row = rows.setdefault(label, {})
    for capability, capability_actions in CAPABILITIES.items():
        if actions & set(capability_actions):
            row.setdefault(capability, []).append(why)
    if not row:
        del rows[label]


def _finish(rows: dict[str, dict[str, list[str]]]) -> None:
    """A grant from one source outweighs a Deny reported for another statement."""
    for row in rows.values():
        for capability, reasons in row.items():
            granted = [r for r in reasons if not r.startswith("DENIED")]
            row[capability] = granted or reasons[:1]


def access_matrix(resources: Iterable[Mapping[str, Any]]) -> Matrix:
    resources = list(resources)
    repositories: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {}
    for r in resources:
        if r["type"] != REPOSITORY:
            continue
        name = r["inputs"].get("name") or r.get("outputs", {}).get("name")
        tags = {**(r["inputs"].get("tags") or {}), **(r.get("outputs", {}).get("tagsAll") or {})}
        tag_context = {f"{p}{k}".lower(): (str(v),) for k, v in tags.items() for p in RESOURCE_TAG_PREFIXES}
        if name:
            repositories[name] = (r.get("outputs", {}).get("arn", ""), tag_context)
    repository_policies: dict[str, list[Statement]] = {}
    for r in resources:
        if r["type"] == REPOSITORY_POLICY and r["inputs"].get("repository") in repositories:
            repository_policies.setdefault(r["inputs"]["repository"], []).extend(_statements(r["inputs"].get("policy")))
    evaluator = _Evaluator()
    identity = _identity_documents(resources)
    matrix: Matrix = {}
    for name, (arn, tags) in repositories.items():
        rows: dict[str, dict[str, list[str]]] = {}
        policy = repository_policies.get(name, [])
        policy_denies = [("repository policy", s) for s in policy if s.is_deny]
        for statement in policy:
            if not statement.is_allow or statement.principals is None:
                continue
            why = f"repository policy {statement.sid or f'#{statement.index}'}"
            qualifier = _qualifier(statement)
            values = [(p.kind, p.value) for p in statement.principals]
            if statement.not_principal:
                values = [("*", "*")]
            for kind, value in values:
                label, caller = _representative(kind, value)
                if statement.not_principal:
                    label = "everyone except " + ", ".join(p.value for p in statement.principals)
                elif qualifier:
                    label = f"{label} if {qualifier}"
                context = _witness(statement, {**tags, **caller.context})
                if not all_hold(statement.conditions, context) or not resource_applies(statement, arn):
                    continue
                _grant(
                    rows,
                    label,
                    why,
                    evaluator.actions(statement),
                    evaluator.denied(policy_denies, arn, caller, context),
                )
        for statement in policy:
            if statement.is_deny and statement.principals is not None:
                _guard(rows, statement, evaluator.actions(statement))
        for role_arn, statements in identity:
            caller = _representative("AWS", role_arn)[1] if role_arn else None
            denies = policy_denies + [("IAM policy", s) for s in statements if s.is_deny]
            for statement in statements:
                if not statement.is_allow or not resource_applies(statement, arn):
                    continue
                context = _witness(statement, {**tags, **(caller.context if caller else {})})
                if not all_hold(statement.conditions, context):
                    continue
                why = f"IAM policy {statement.sid or f'#{statement.index}'}"
                _grant(
                    rows,
                    str(role_arn),
                    why,
                    evaluator.actions(statement),
                    evaluator.denied(denies, arn, caller, context),
                )
        _finish(rows)
        matrix[name] = rows
    return matrix


def _identity_documents(resources: list[Mapping[str, Any]]) -> list[tuple[str | None, list[Statement]]]:
    """Per role: the statements of every identity policy it has (inline, `RolePolicy`, and managed
    policies of the manifest attached by `managedPolicyArns` or `RolePolicyAttachment`), read together so
    that a Deny in one removes what another allows."""
    roles = {
        r["inputs"].get("name") or r.get("name"): r.get("outputs", {}).get("arn")
        for r in resources
        if r["type"] == ROLE
    }
    managed = {
        r.get("outputs", {}).get("arn"): r["inputs"].get("policy") for r in resources if r["type"] == MANAGED_POLICY
    }
    found: dict[str | None, list[Statement]] = {}
    for r in resources:
        if r["type"] == ROLE_POLICY:
            role = r["inputs"].get("role")
            found.setdefault(roles.get(role, role), []).extend(_statements(r["inputs"].get("policy")))
        elif r["type"] == ATTACHMENT and r["inputs"].get("policyArn") in managed:
            role = r["inputs"].get("role")
            found.setdefault(roles.get(role, role), []).extend(_statements(managed[r["inputs"]["policyArn"]]))
        elif r["type"] == ROLE:
            arn = r.get("outputs", {}).get("arn")
            for policy in _list(r["inputs"].get("inlinePolicies")):
                if isinstance(policy, dict):
                    found.setdefault(arn, []).extend(_statements(policy.get("policy")))
            for policy_arn in _list(r["inputs"].get("managedPolicyArns")):
                if policy_arn in managed:
                    found.setdefault(arn, []).extend(_statements(managed[policy_arn]))
    return list(found.items())


def format_matrix(matrix: Matrix, names_shown: int = 3) -> str:
    """A block per distinct access pattern: the repositories that share it, then `pull push admin other
    principal` with ✔ granted, ◐ partly granted, ✘ denied, · not granted. A thousand models with the same
    consumers make one block."""
    groups: dict[tuple, list[str]] = {}
    for repository in sorted(matrix):
        rows = tuple(sorted((p, _marks(c)) for p, c in matrix[repository].items()))
        groups.setdefault(rows, []).append(repository)
    lines: list[str] = []
    for rows, repositories in groups.items():
        shown = ", ".join(repositories[:names_shown])
        more = f" and {len(repositories) - names_shown} more" if len(repositories) > names_shown else ""
        lines.append(f"  {shown}{more}")
        lines.append("    pull push admin other  principal")
        if not rows:
            lines.append("    (no principal outside the account's administrators)")
        for principal, marks in rows:
            lines.append(f"     {marks[0]}    {marks[1]}    {marks[2]}    {marks[3]}    {principal}")
    return "\n".join(lines)


def _marks(capabilities: dict[str, list[str]]) -> tuple[str, ...]:
    marks = []
    for capability in COLUMNS:
        reasons = capabilities.get(capability) or []
        if not reasons:
            marks.append("·")
        elif all(r.startswith("DENIED") for r in reasons):
            marks.append("✘")
        elif capability != "other" and all("(only " in r for r in reasons if not r.startswith("DENIED")):
            marks.append("◐")
        else:
            marks.append("✔")
    return tuple(marks)


__all__ = ["CAPABILITIES", "access_matrix", "format_matrix"]
