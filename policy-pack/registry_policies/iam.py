"""Pure checks over one policy document: wildcard principals and actions, accounts, GitHub OIDC."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .documents import Document, Statement, parse_document, string_list
from .findings import Finding, cannot_evaluate
from .principals import (
    IDENTITY_KEYS,
    Principal,
    PrincipalProblem,
    account_of,
    describe,
    is_wildcard_value,
    principals_of,
    restricting_conditions,
)
from .values import is_unknown

NO_WILDCARD_PRINCIPAL = "no-wildcard-principal"
NO_WILDCARD_ACTIONS = "no-wildcard-actions"
CROSS_ACCOUNT = "cross-account-principals-allowed"
GITHUB_OIDC = "github-oidc-sub-restricted"

GITHUB_ISSUER = "token.actions.githubusercontent.com"
# repo:<org>/<repo>:<anything>; org and repo must be concrete, the ref part may use globs.
GITHUB_SUB = re.compile(r"^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:.+$")
RESTRICTION_KEYS = ", ".join(
    sorted(
        {
            "aws:PrincipalOrgID",
            "aws:PrincipalOrgPaths",
            "aws:PrincipalAccount",
            "aws:SourceAccount",
            "aws:SourceArn",
            "aws:PrincipalArn",
        }
    )
)


def _parsed(policy: str, where: str, document: Any) -> tuple[Document, list[Finding]]:
    parsed = parse_document(document)
    findings = [Finding(f"{where} is malformed: {error}") for error in parsed.errors]
    if parsed.unknown:
        findings.append(cannot_evaluate(policy, f"the {where} (or a statement of it)"))
    return parsed, findings


def _allow_or_unknown(policy: str, where: str, statement: Statement, findings: list[Finding]) -> bool:
    """True when the statement may grant; an unknown Effect is reported and treated as a grant."""
    if is_unknown(statement.effect):
        findings.append(cannot_evaluate(policy, f"the Effect of {statement.label} in the {where}"))
        return False
    return statement.is_allow


def _known_principals(policy: str, where: str, statement: Statement, findings: list[Finding]) -> Iterator[Principal]:
    """The principals a statement's Principal names, as far as they are known. A malformed Principal is
    reported as such, an unknown one as could-not-be-evaluated; neither is yielded."""
    principals = principals_of(statement.get("Principal"))
    if isinstance(principals, PrincipalProblem):
        findings.append(Finding(f"{where} is malformed: {statement.label}: {principals.message}"))
        return
    for principal in principals:
        if is_unknown(principal.value):
            findings.append(cannot_evaluate(policy, f"the Principal of {statement.label} in the {where}"))
        else:
            yield principal


def wildcard_principal_findings(where: str, document: Any) -> list[Finding]:
    """no-wildcard-principal over one document: every Allow that grants to anyone is a finding."""
    parsed, findings = _parsed(NO_WILDCARD_PRINCIPAL, where, document)
    for statement in parsed.statements:
        if not _allow_or_unknown(NO_WILDCARD_PRINCIPAL, where, statement, findings):
            continue
        if statement.has("NotPrincipal"):
            findings.append(
                Finding(
                    f"{where}: {statement.label} is an Allow with NotPrincipal "
                    f"{_short(statement.get('NotPrincipal'))}, which grants every principal except those "
                    "listed: a wildcard principal"
                )
            )
            continue
        if not statement.has("Principal"):
            continue
        for principal in _known_principals(NO_WILDCARD_PRINCIPAL, where, statement, findings):
            if not is_wildcard_value(principal.value):
                continue
            restrictions, rejected, unknown = restricting_conditions(statement)
            if restrictions:
                continue
            if unknown:
                findings.append(
                    cannot_evaluate(NO_WILDCARD_PRINCIPAL, f"the Condition of {statement.label} in the {where}")
                )
                continue
            detail = f" ({'; '.join(rejected)})" if rejected else ""
            findings.append(
                Finding(
                    f"{where}: {statement.label} grants to the wildcard {describe(principal)} without a "
                    f"restricting condition on {RESTRICTION_KEYS}{detail}"
                )
            )
    return findings


def wildcard_action_findings(where: str, document: Any) -> list[Finding]:
    """no-wildcard-actions: "*" or "<service>:*" in an Allow's Action, or any Allow with NotAction."""
    parsed, findings = _parsed(NO_WILDCARD_ACTIONS, where, document)
    for statement in parsed.statements:
        if not _allow_or_unknown(NO_WILDCARD_ACTIONS, where, statement, findings):
            continue
        if statement.has("NotAction"):
            findings.append(
                Finding(
                    f"{where}: {statement.label} is an Allow with NotAction "
                    f"{_short(statement.get('NotAction'))}, "
                    "which grants every other action"
                )
            )
        if not statement.has("Action"):
            continue
        action = statement.get("Action")
        actions = [action] if is_unknown(action) else string_list(action)
        if actions is None:
            findings.append(
                Finding(f"{where} is malformed: {statement.label}: Action must be a string or a list of strings")
            )
            continue
        for name in actions:
            if is_unknown(name):
                findings.append(cannot_evaluate(NO_WILDCARD_ACTIONS, f"an Action of {statement.label}"))
            elif is_wildcard_action(name):
                findings.append(Finding(f"{where}: {statement.label} allows the wildcard action {name!r}"))
    return findings


def is_wildcard_action(action: str) -> bool:
    """ "*" and a whole service ("ecr:*", "iam:*", any "<service>:*"); "ecr:Get*" is not flagged."""
    return action.strip() == "*" or action.strip().endswith(":*")


def cross_account_findings(where: str, document: Any, allowed_accounts: list[str]) -> list[Finding]:
    """cross-account-principals-allowed: every account named by an Allow principal is on the allow-list."""
    parsed, findings = _parsed(CROSS_ACCOUNT, where, document)
    for statement in parsed.statements:
        if not _allow_or_unknown(CROSS_ACCOUNT, where, statement, findings) or not statement.has("Principal"):
            continue
        for principal in _known_principals(CROSS_ACCOUNT, where, statement, findings):
            account = account_of(principal)
            if account is not None and account not in allowed_accounts:
                findings.append(
                    Finding(
                        f"{where}: {statement.label} grants to {describe(principal)} of account {account}, "
                        f"which is not in allowedAccounts {sorted(allowed_accounts)}"
                    )
                )
    return findings


def github_oidc_findings(where: str, document: Any) -> list[Finding]:
    """github-oidc-sub-restricted: a GitHub OIDC trust must pin sub to repositories and aud to STS."""
    parsed, findings = _parsed(GITHUB_OIDC, where, document)
    for statement in parsed.statements:
        if not _allow_or_unknown(GITHUB_OIDC, where, statement, findings):
            continue
        principals = principals_of(statement.get("Principal")) if statement.has("Principal") else []
        if isinstance(principals, PrincipalProblem) or not any(_is_github(p) for p in principals):
            continue
        subs, aud, condition_problem = _github_conditions(statement.get("Condition"))
        if condition_problem:
            findings.append(Finding(f"{where}: {statement.label} trusts GitHub OIDC but {condition_problem}"))
            continue
        if subs is None:
            findings.append(
                Finding(
                    f"{where}: {statement.label} trusts GitHub OIDC without a StringEquals/StringLike "
                    f"condition on {GITHUB_ISSUER}:sub: any GitHub repository could assume the role"
                )
            )
        else:
            for sub in subs:
                if is_unknown(sub):
                    findings.append(cannot_evaluate(GITHUB_OIDC, f"the sub condition of {statement.label}"))
                elif not GITHUB_SUB.match(sub):
                    findings.append(
                        Finding(
                            f"{where}: {statement.label} allows the GitHub OIDC sub {sub!r}, which does not "
                            "name one repository (expected repo:<org>/<repo>:<ref or environment>)"
                        )
                    )
        if aud is None or any(not is_unknown(a) and a != "sts.amazonaws.com" for a in aud):
            findings.append(
                Finding(
                    f"{where}: {statement.label} trusts GitHub OIDC but does not check "
                    f'{GITHUB_ISSUER}:aud with StringEquals "sts.amazonaws.com"'
                )
            )
    return findings


def _is_github(principal: Principal) -> bool:
    return (
        principal.kind == "Federated" and isinstance(principal.value, str) and principal.value.endswith(GITHUB_ISSUER)
    )


def _github_conditions(condition: Any) -> tuple[list[Any] | None, list[Any] | None, str | None]:
    if condition is None:
        return None, None, None
    if is_unknown(condition):
        return None, None, "its Condition is not known during preview"
    if not isinstance(condition, dict):
        return None, None, "its Condition is not an object"
    subs: list[Any] | None = None
    aud: list[Any] | None = None
    for operator, entries in condition.items():
        if not isinstance(entries, dict):
            continue
        op = str(operator).lower().removeprefix("foranyvalue:")
        for key, values in entries.items():
            lowered = str(key).lower()
            listed = [values] if is_unknown(values) else string_list(values)
            if lowered == f"{GITHUB_ISSUER}:sub" and op in ("stringequals", "stringlike"):
                subs = (subs or []) + (listed or [""])
            elif lowered == f"{GITHUB_ISSUER}:aud" and op == "stringequals":
                aud = (aud or []) + (listed or [""])
    return subs, aud, None


def _short(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


__all__ = [
    "IDENTITY_KEYS",
    "cross_account_findings",
    "github_oidc_findings",
    "is_wildcard_action",
    "wildcard_action_findings",
    "wildcard_principal_findings",
]
