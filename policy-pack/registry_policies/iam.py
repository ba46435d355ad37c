"""Pure checks over one policy document: effective access from outside, wildcard actions, accounts,
GitHub OIDC. The IAM semantics live in aws_facts.iam; this module turns its answers into findings."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_facts.iam import TooComplex, UnsupportedCondition, Zone, external_access

from .documents import Document, Statement, parse_document
from .findings import Finding, cannot_evaluate
from .names import CROSS_ACCOUNT as CROSS_ACCOUNT
from .names import GITHUB_OIDC as GITHUB_OIDC
from .names import NO_WILDCARD_ACTIONS as NO_WILDCARD_ACTIONS
from .names import NO_WILDCARD_PRINCIPAL as NO_WILDCARD_PRINCIPAL
from .principals import account_of, describe

OUTSIDE = "outside the account, the named accounts and the organization"

GITHUB_ISSUER = "token.actions.githubusercontent.com"
# repo:<org>/<repo>:<anything>; org and repo must be concrete, the ref part may use globs.
GITHUB_SUB = re.compile(r"^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:.+$")
SHOWN = 4  # actions and outsiders named per message before "and N more"


def _parsed(policy: str, where: str, document: Any) -> tuple[Document, list[Finding]]:
    parsed = parse_document(document)
    findings = [Finding(f"{where} is malformed: {error}") for error in parsed.errors]
    if parsed.unknown:
        findings.append(cannot_evaluate(policy, f"the {where} (or a statement of it)"))
    return parsed, findings


def exemption_hint(name: str | None = None) -> str:
    resource = name or "<logical name or URN>"
    return (
        f'if the access is intended, exempt the resource in the pack config: "policy-exemptions": {{"exemptions": '
        f'[{{"policy": "{NO_WILDCARD_PRINCIPAL}", "resource": "{resource}", "reason": "<why, at least 10 characters>"}}]}}'
    )


def effective_access_findings(where: str, document: Any, zone: Zone) -> list[Finding]:
    """no-wildcard-principal: an Allow that an identity outside `zone` can satisfy and no Deny removes."""
    parsed, findings = _parsed(NO_WILDCARD_PRINCIPAL, where, document)
    if parsed.errors:
        return findings
    return findings + statements_access_findings(where, parsed.statements, zone)


def statements_access_findings(where: str, statements: list[Statement], zone: Zone) -> list[Finding]:
    try:
        analysis = external_access(statements, zone)
    except (UnsupportedCondition, TooComplex) as error:
        return [Finding(f"{where} cannot be evaluated: {error}; it is refused because it might grant access {OUTSIDE}")]
    findings = [cannot_evaluate(NO_WILDCARD_PRINCIPAL, f"{what} in the {where}") for what in analysis.unevaluable]
    grouped: dict[int, list[Any]] = {}
    for access in analysis.accesses:
        grouped.setdefault(access.statement.index, []).append(access)
    for accesses in grouped.values():
        statement = accesses[0].statement
        if statement.not_principal:
            granted = (
                f"every principal except NotPrincipal {_short(statement.get('NotPrincipal'))} "
                "(an Allow with NotPrincipal is a wildcard)"
            )
        else:
            principals = list(dict.fromkeys(a.principal.describe() for a in accesses if a.principal is not None))
            granted = ", ".join(principals)
        callers = list(dict.fromkeys(a.caller for a in accesses))
        actions = sorted(set().union(*(a.actions for a in accesses)))
        witness = next((a.witness for a in accesses if a.witness), {})
        example = ""
        if witness:
            example = "; e.g. a request with " + ", ".join(f"{k}={','.join(v)}" for k, v in sorted(witness.items()))
        elif statement.conditions:
            example = "; its conditions do not identify the caller"
        findings.append(
            Finding(
                f"{where}: {statement.label} grants to {granted}, which admits {_some(callers)} ({OUTSIDE}) "
                f"to {_some(actions)}{example}"
            )
        )
    return findings


def _some(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _allow_or_unknown(policy: str, where: str, statement: Statement, findings: list[Finding]) -> bool:
    """True when the statement grants; an unknown Effect is reported."""
    if "Effect" in statement.unknown:
        findings.append(cannot_evaluate(policy, f"the Effect of {statement.label} in the {where}"))
        return False
    return statement.is_allow


def wildcard_action_findings(where: str, document: Any) -> list[Finding]:
    """no-wildcard-actions: "*" or "<service>:*" in an Allow's Action, or any Allow with NotAction."""
    parsed, findings = _parsed(NO_WILDCARD_ACTIONS, where, document)
    for statement in parsed.statements:
        if not _allow_or_unknown(NO_WILDCARD_ACTIONS, where, statement, findings):
            continue
        if statement.not_action:
            findings.append(
                Finding(
                    f"{where}: {statement.label} is an Allow with NotAction "
                    f"{_short(statement.get('NotAction'))}, which grants every other action"
                )
            )
            continue
        if "Action" in statement.unknown:
            findings.append(cannot_evaluate(NO_WILDCARD_ACTIONS, f"an Action of {statement.label}"))
        for name in statement.actions:
            if is_wildcard_action(name):
                findings.append(Finding(f"{where}: {statement.label} allows the wildcard action {name!r}"))
    return findings


def is_wildcard_action(action: str) -> bool:
    """ "*" and a whole service ("ecr:*", "iam:*", any "<service>:*"); "ecr:Get*" is not flagged."""
    return action.strip() == "*" or action.strip().endswith(":*")


def cross_account_findings(where: str, document: Any, allowed_accounts: list[str]) -> list[Finding]:
    """cross-account-principals-allowed: every account named by an Allow principal is on the allow-list."""
    parsed, findings = _parsed(CROSS_ACCOUNT, where, document)
    for statement in parsed.statements:
        if not _allow_or_unknown(CROSS_ACCOUNT, where, statement, findings) or statement.not_principal:
            continue
        if "Principal" in statement.unknown:
            findings.append(cannot_evaluate(CROSS_ACCOUNT, f"the Principal of {statement.label} in the {where}"))
        for principal in statement.principals or ():
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
        if not any(p.kind == "Federated" and p.value.endswith(GITHUB_ISSUER) for p in statement.principals or ()):
            continue
        if "Condition" in statement.unknown:
            findings.append(Finding(f"{where}: {statement.label} trusts GitHub OIDC but its Condition is not known"))
            continue
        subs: list[str] | None = None
        aud: list[str] | None = None
        for condition in statement.conditions:
            op = condition.operator.lower().removeprefix("foranyvalue:")
            if condition.lower_key == f"{GITHUB_ISSUER}:sub" and op in ("stringequals", "stringlike"):
                subs = (subs or []) + list(condition.values)
            elif condition.lower_key == f"{GITHUB_ISSUER}:aud" and op == "stringequals":
                aud = (aud or []) + list(condition.values)
        if subs is None:
            findings.append(
                Finding(
                    f"{where}: {statement.label} trusts GitHub OIDC without a StringEquals/StringLike "
                    f"condition on {GITHUB_ISSUER}:sub: any GitHub repository could assume the role"
                )
            )
        else:
            for sub in subs:
                if not GITHUB_SUB.match(sub):
                    findings.append(
                        Finding(
                            f"{where}: {statement.label} allows the GitHub OIDC sub {sub!r}, which does not "
                            "name one repository (expected repo:<org>/<repo>:<ref or environment>)"
                        )
                    )
        if aud is None or any(a != "sts.amazonaws.com" for a in aud):
            findings.append(
                Finding(
                    f"{where}: {statement.label} trusts GitHub OIDC but does not check "
                    f'{GITHUB_ISSUER}:aud with StringEquals "sts.amazonaws.com"'
                )
            )
    return findings


def _short(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


__all__ = [
    "cross_account_findings",
    "effective_access_findings",
    "github_oidc_findings",
    "is_wildcard_action",
    "statements_access_findings",
    "wildcard_action_findings",
]
