"""Who can pull, push or administer each repository, derived from the manifests' policy documents.

Sources: each repository's `aws:ecr/repositoryPolicy` (resource policy) and every IAM role's inline
policies (`aws:iam/rolePolicy`, and `inlinePolicies` on the role) whose `Resource` matches the
repository's ARN and whose `aws:ResourceTag/<key>` / `ecr:ResourceTag/<key>` StringEquals conditions the
repository's tags meet (a team's push role reaches its team's repositories only). A Deny takes the capability away from the principals it covers; a Deny on `*` bound
by `ArnNotEquals aws:PrincipalArn` covers everyone but the named ARNs. Conditions on Allows are shown
with the principal (`* if aws:PrincipalOrgID=o-…`), never dropped.

Input: resources as mappings with `type`, `inputs` and `outputs` (a manifest's resources, or the
evaluator's). Output: {repository name: {principal: {capability: [why, ...]}}}.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from typing import Any

PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
PUSH = ("ecr:PutImage", "ecr:CompleteLayerUpload", "ecr:UploadLayerPart", "ecr:InitiateLayerUpload")
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

REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

Matrix = dict[str, dict[str, dict[str, list[str]]]]


def _document(value: Any) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def _statements(document: Any) -> list[dict]:
    statements = _document(document).get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return [s for s in statements if isinstance(s, dict)]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def _allows(statement: dict, wanted: tuple[str, ...]) -> bool:
    """True when the statement's actions cover every action of the capability."""
    actions = [a.lower() for a in _list(statement.get("Action"))]
    if "NotAction" in statement:
        excluded = [a.lower() for a in _list(statement["NotAction"])]
        return not any(fnmatch.fnmatchcase(w.lower(), e) for w in wanted for e in excluded)
    return all(any(fnmatch.fnmatchcase(w.lower(), a) for a in actions) for w in wanted)


def _principals(statement: dict) -> list[str]:
    """Principal labels; a `*` carries its condition so that the reader sees what restricts it."""
    principal = statement.get("Principal")
    if principal is None:
        return []
    labels: list[str] = []
    if principal == "*":
        labels.append("*")
    elif isinstance(principal, dict):
        for kind, values in principal.items():
            for value in _list(values):
                labels.append(value if kind == "AWS" else f"{kind.lower()}:{value}")
    conditions = statement.get("Condition") or {}
    qualifier = "; ".join(
        f"{key}={','.join(map(str, _list(value)))}"
        for operator in conditions.values()
        if isinstance(operator, dict)
        for key, value in operator.items()
    )
    return [f"{label} if {qualifier}" if qualifier else label for label in labels]


def _resource_matcher(statement: dict):
    """A test `arn -> bool` for the statement's Resource. Exact ARNs (a push policy lists one per model)
    are a set lookup, so a catalog of N models costs N lookups, not N x N pattern matches."""
    patterns = [p for p in _list(statement.get("Resource")) if isinstance(p, str)]
    exact = {p for p in patterns if not any(c in p for c in "*?[")}
    globs = [p for p in patterns if p not in exact]
    return lambda arn: arn in exact or any(fnmatch.fnmatchcase(arn, g) for g in globs)


def _tags_meet(statement: dict, tags: Mapping[str, Any]) -> bool:
    """The statement's StringEquals conditions on the resource's tags hold for these tags (others are not judged)."""
    equals = (statement.get("Condition") or {}).get("StringEquals")
    if not isinstance(equals, dict):
        return True
    for key, values in equals.items():
        prefix, _, tag = str(key).partition("/")
        if prefix.lower() in ("aws:resourcetag", "ecr:resourcetag") and tags.get(tag) not in _list(values):
            return False
    return True


def _denied_except(statement: dict) -> tuple[bool, set[str]]:
    """(covers everyone?, ARNs excepted by ArnNotEquals/StringNotEquals aws:PrincipalArn)."""
    if statement.get("Principal") not in ("*", {"AWS": "*"}):
        return False, set()
    excepted: set[str] = set()
    for operator, values in (statement.get("Condition") or {}).items():
        if operator in ("ArnNotEquals", "ArnNotLike", "StringNotEquals", "StringNotLike") and isinstance(values, dict):
            excepted.update(_list(values.get("aws:PrincipalArn")))
    return True, excepted


def access_matrix(resources: Iterable[Mapping[str, Any]]) -> Matrix:
    resources = list(resources)
    repositories = {
        r["inputs"].get("name") or r.get("outputs", {}).get("name"): r.get("outputs", {}).get("arn", "")
        for r in resources
        if r["type"] == REPOSITORY
    }
    matrix: Matrix = {name: {} for name in repositories if name}
    tags_of = {r["inputs"].get("name"): r["inputs"].get("tags") or {} for r in resources if r["type"] == REPOSITORY}

    def grant(repository: str, principal: str, capability: str, why: str) -> None:
        matrix[repository].setdefault(principal, {}).setdefault(capability, []).append(why)

    denies: dict[str, list[tuple[str, set[str], str]]] = {name: [] for name in matrix}
    for resource in resources:
        if resource["type"] != REPOSITORY_POLICY:
            continue
        repository = resource["inputs"].get("repository")
        if repository not in matrix:
            continue
        for index, statement in enumerate(_statements(resource["inputs"].get("policy"))):
            sid = statement.get("Sid") or f"#{index}"
            for capability, actions in CAPABILITIES.items():
                if not _allows(statement, actions):
                    continue
                if statement.get("Effect") == "Deny":
                    everyone, excepted = _denied_except(statement)
                    if everyone:
                        denies[repository].append((capability, excepted, sid))
                    continue
                for principal in _principals(statement):
                    grant(repository, principal, capability, f"repository policy {sid}")

    roles = {
        r["inputs"].get("name") or r.get("name"): r.get("outputs", {}).get("arn")
        for r in resources
        if r["type"] == ROLE
    }
    inline: list[tuple[str, Any]] = [
        (roles.get(r["inputs"].get("role"), r["inputs"].get("role")), r["inputs"].get("policy"))
        for r in resources
        if r["type"] == ROLE_POLICY
    ]
    for r in resources:
        if r["type"] == ROLE:
            for policy in _list(r["inputs"].get("inlinePolicies")):
                if isinstance(policy, dict):
                    inline.append((r.get("outputs", {}).get("arn"), policy.get("policy")))
    for role_arn, policy in inline:
        for index, statement in enumerate(_statements(policy)):
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid") or f"#{index}"
            capabilities = [c for c, actions in CAPABILITIES.items() if _allows(statement, actions)]
            matches = _resource_matcher(statement)
            for repository, arn in repositories.items():
                if (
                    capabilities
                    and repository in matrix
                    and arn
                    and matches(arn)
                    and _tags_meet(statement, tags_of[repository])
                ):
                    for capability in capabilities:
                        grant(repository, str(role_arn), capability, f"IAM policy {sid}")

    for repository, rules in denies.items():
        for capability, excepted, sid in rules:
            for principal, capabilities in matrix[repository].items():
                if capability in capabilities and principal not in excepted:
                    capabilities[capability] = [f"DENIED by repository policy {sid}"]
            # The guard itself is a row: everyone (but the excepted) is denied, granted or not.
            everyone = f"* except {', '.join(sorted(excepted))}" if excepted else "*"
            matrix[repository].setdefault(everyone, {})[capability] = [f"DENIED by repository policy {sid}"]
    return matrix


def format_matrix(matrix: Matrix, names_shown: int = 3) -> str:
    """A block per distinct access pattern: the repositories that share it, then `pull push admin principal`
    with ✔ granted, ✘ denied, · not granted. A thousand models with the same consumers make one block."""
    groups: dict[tuple, list[str]] = {}
    for repository in sorted(matrix):
        rows = tuple(sorted((p, _marks(c)) for p, c in matrix[repository].items()))
        groups.setdefault(rows, []).append(repository)
    lines: list[str] = []
    for rows, repositories in groups.items():
        shown = ", ".join(repositories[:names_shown])
        more = f" and {len(repositories) - names_shown} more" if len(repositories) > names_shown else ""
        lines.append(f"  {shown}{more}")
        lines.append("    pull push admin  principal")
        if not rows:
            lines.append("    (no principal outside the account's administrators)")
        for principal, marks in rows:
            lines.append(f"     {marks[0]}    {marks[1]}    {marks[2]}    {principal}")
    return "\n".join(lines)


def _marks(capabilities: dict[str, list[str]]) -> tuple[str, ...]:
    marks = []
    for capability in CAPABILITIES:
        reasons = capabilities.get(capability)
        marks.append("·" if not reasons else "✘" if reasons[0].startswith("DENIED") else "✔")
    return tuple(marks)
