"""The Allows of the effective-access proof (proof.py) answered without the solver: an Allow that, as written,
admits no caller of a kind from outside the zone (a Principal of trusted accounts only, of no caller of that
kind, a condition only an insider or a service acting for the zone meets). Most of the catalog's documents are
of these forms; tests/iam/test_iam_proof.py holds each shortcut to the solver's own answer."""

from __future__ import annotations

import re

from .document import Condition, Statement
from .proof_request import ProofZone
from .proof_terms import account_field
from .wildcard import has_glob, split_arn


def admits_insiders_only(statement: Statement, zone: ProofZone, kind: str) -> bool:
    """An Allow that, as written, admits no caller of this kind from outside: answered without the solver
    (the catalog's documents, most of them, are of these forms)."""
    return (
        (kind == "aws" and _names_only_trusted(statement, zone))
        or names_no_caller_of(statement, kind)
        or requires_an_insider(statement, zone)
        or (kind == "service" and requires_a_trusted_source(statement, zone))
    )


def names_no_caller_of(statement: Statement, kind: str) -> bool:
    """A Principal of written-out values none of which is a caller of this kind: an anonymous caller is met only
    by a wildcard principal, a service only by its Service principal or a wildcard. So a repository policy's
    named roles and accounts are not asked about anonymous and service callers (a test holds this to the solver)."""
    if kind == "aws" or statement.principals is None or statement.not_principal or not statement.principals:
        return False
    for principal in statement.principals:
        if principal.kind == "*" or has_glob(principal.value):
            return False
        if kind == "service" and principal.kind == "Service":
            return False
    return True


_ZONE_KEYS = ("aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount")


def _holds_only_with_the_key(condition: Condition, bases: tuple[str, ...]) -> bool:
    """A condition of one of these operators that a request meets only by carrying the key with a value it names:
    alone or ForAnyValue (ForAllValues holds for a request without the key), not IfExists, with values, and no
    policy variable among them (its value is the request's own)."""
    return (
        condition.base in bases
        and condition.qualifier in ("", "foranyvalue")
        and not condition.if_exists
        and bool(condition.values)
        and not (condition.variables and any("${" in v for v in condition.values))
    )


def requires_an_insider(statement: Statement, zone: ProofZone) -> bool:
    """A condition that only a principal of the trusted zone meets: StringEquals or StringLike (alone or
    ForAnyValue), not IfExists, on aws:PrincipalOrgID, aws:PrincipalOrgPaths or aws:PrincipalAccount, every
    value of which names the zone (an organization path's text before its first wildcard lies under a trusted
    path: `o-x/r-y/*` under the trusted organization o-x). A caller without the key (anonymous, a service)
    fails it too. ForAllValues is met by a request without the key, so it is never such a condition."""
    if statement.unknown:
        return False
    trusted_paths = (*(f"{o}/" for o in zone.organizations), *zone.org_paths)
    for condition in statement.conditions:
        if condition.lower_key not in _ZONE_KEYS or not _holds_only_with_the_key(
            condition, ("stringequals", "stringlike")
        ):
            continue
        inside = True
        for value in condition.values:
            exact = condition.base == "stringequals" or not has_glob(value)
            if condition.lower_key == "aws:principalorgpaths":
                literal = value if exact else re.split(r"[*?]", value, maxsplit=1)[0]
                inside = any(literal.startswith(path) for path in trusted_paths)
            elif condition.lower_key == "aws:principalorgid":
                inside = exact and value in zone.organizations
            else:
                inside = exact and value in zone.accounts
            if not inside:
                break
        if inside:
            return True
    return False


_SOURCE_ACCOUNT_KEYS = ("aws:sourceaccount", "aws:sourceowner")


def requires_a_trusted_source(statement: Statement, zone: ProofZone) -> bool:
    """A condition that only a service acting for the trusted zone meets: StringEquals or StringLike (alone or
    ForAnyValue), not IfExists, on aws:SourceAccount or aws:SourceOwner, every value a trusted account written
    out; or the same, or ArnEquals/ArnLike, on aws:SourceArn, every value an ARN whose account field is a
    trusted account written out (`account_field`: a StringLike wildcard before it may stand for colons, so it
    does not fix it). A service is an outsider only when its source account, or its source ARN's account, is not
    trusted (`ServiceRequest`), so such an Allow admits no outside service: the repository policies'
    consumer services (`aws:SourceAccount` of a consumer account, `aws:SourceArn` of its function)."""
    if statement.unknown:
        return False
    for condition in statement.conditions:
        key = condition.lower_key
        if key in _SOURCE_ACCOUNT_KEYS:
            bases: tuple[str, ...] = ("stringequals", "stringlike")
        elif key == "aws:sourcearn":
            bases = ("stringequals", "stringlike", "arnequals", "arnlike")
        else:
            continue
        if not _holds_only_with_the_key(condition, bases):
            continue
        if key in _SOURCE_ACCOUNT_KEYS:
            accounts = [v if condition.base == "stringequals" or not has_glob(v) else None for v in condition.values]
        else:
            accounts = [account_field(v, condition.base.startswith("arn")) for v in condition.values]
        if all(a is not None and not has_glob(a) and a in zone.accounts for a in accounts):
            return True
    return False


def _names_only_trusted(statement: Statement, zone: ProofZone) -> bool:
    """A Principal of written-out AWS values (an account id, its root, a user or a role), all of trusted
    accounts: it names no principal of another account (the common repository policy, answered at once)."""
    if statement.principals is None or statement.not_principal or not statement.principals:
        return False
    for principal in statement.principals:
        if principal.kind != "AWS" or has_glob(principal.value):
            if principal.kind in ("Service", "Federated", "CanonicalUser"):
                continue  # another kind of caller, judged on its own
            return False
        parts = split_arn(principal.value)
        account = principal.value if parts is None else parts[4]
        if account not in zone.accounts:
            return False
    return True
