"""The rows of the access matrix for one set of documents: who gets pull, push, admin or other ECR actions.

Every document is read by aws_facts.iam, and who gets what is decided by the library's own request search
(`aws_facts.iam.reach`, the search behind the pack's `external_access`): for each principal a statement
names, the callers that stand for it (an account's root, a fresh role of it and every role the documents
name, in no organization, another or each one named; services with and without a source; ...) make every
request the conditions distinguish (each key absent, fresh, and each value the conditions name, numbers
either side of a bound, an address in and out of every range), and the Denies that apply to a request
take actions away. A row's capability is granted when some request gets it.

A row's principal carries its statement's conditions (`* if aws:PrincipalOrgID=o-…`), and the Denies that
take the grant from some of its callers only (`* if no Deny applies (DENY …)`). A capability with only some
of its actions granted reads `<why> (only a, b)`; one whose every admitted action a Deny removes reads
`DENIED by <source> <sid>`; a document the library cannot evaluate (an unknown operator, too many condition
keys) grants what its Allows name, `<why> (not evaluated: <reason>)`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from aws_facts.iam import (
    Caller,
    PrincipalValue,
    Statement,
    TooComplex,
    UnplaceablePrincipal,
    UnsupportedCondition,
    Zone,
    callers_as,
    callers_for,
    external_access,
    parse,
    reach,
)
from aws_facts.iam.actions import actions_on
from aws_facts.iam.evaluate import action_applies, resource_applies
from model_registry.policy_documents.ecr import PULL_ACTIONS, PUSH_ONLY_ACTIONS

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

Matrix = dict[str, dict[str, dict[str, list[str]]]]


def statements_of(document: Any) -> list[Statement]:
    """A malformed document grants nothing here (the pack refuses it). Equal documents share one parse,
    so that their statements' action sets are computed once for a thousand repositories."""
    text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
    return _parsed(text)


@lru_cache(maxsize=4096)
def _parsed(text: str) -> list[Statement]:
    return parse(text).statements


def _ecr_actions() -> frozenset[str]:
    """Every ECR action that acts on a repository (ecr:GetAuthorizationToken acts on none)."""
    return actions_on("ecr", "repository") | NAMED


ECR_ACTIONS = _ecr_actions()


def _label(principal: PrincipalValue) -> str:
    """A row's principal: `*` for anyone, an AWS value as written, `service:<name>` and the like otherwise."""
    kind, value = principal.kind, principal.value
    if kind == "*" or (kind == "AWS" and value == "*"):
        return "*"
    if kind == "AWS":
        return value
    if kind == "Service":
        return f"service:{value}"
    return f"{kind.lower()}:{value}"


def _qualifier(statement: Statement) -> str:
    return "; ".join(f"{c.key}={','.join(c.values)}" for c in statement.conditions)


def _text(statement: Statement) -> str:
    return json.dumps(statement.raw, sort_keys=True, default=str)


def _why(statement: Statement, sources: Mapping[int, str]) -> str:
    return f"{sources[id(statement)]} {statement.sid or f'#{statement.index}'}"


# (Allow, row) -> (actions some caller keeps, actions a Deny removes from every caller -> by, Denies that remove
# from some callers an action others keep)
Found = dict[tuple[int, str], tuple[set[str], dict[str, str], list[Statement]]]


def _search(
    statements: list[Statement],
    callers: list[Caller],
    arn: str | None,
    tags: Mapping[str, tuple[str, ...]],
    sources: Mapping[int, str],
    label: Any,
) -> Found | str:
    """Per (Allow, row label), over the callers that stand for the row's principal: what some request keeps,
    what a Deny removes from every request, and the Denies that limit who keeps it; the library's reason when
    it cannot evaluate the documents."""
    try:
        reached = reach(statements, callers, ECR_ACTIONS, arn, tags)
    except (UnsupportedCondition, TooComplex) as error:
        return str(error)
    lost: dict[tuple[int, str], dict[str, list[Statement]]] = {}
    found: Found = {}
    for r in reached:
        key = (id(r.statement), label(r.statement, r.principal))
        granted, denied, _ = found.setdefault(key, (set(), {}, []))
        granted |= r.actions
        for action, deny in r.denied.items():
            denied.setdefault(action, _why(deny, sources))
            lost.setdefault(key, {}).setdefault(action, []).append(deny)
    for key, (granted, denied, limiting) in found.items():
        for action in granted & set(denied):
            del denied[action]
            for deny in lost[key][action]:
                if all(deny is not seen for seen in limiting):
                    limiting.append(deny)
    return found


def _deny_label(deny: Statement) -> str:
    principals = "everyone except " if deny.not_principal else ""
    principals += ", ".join(p.value for p in deny.principals or ())
    conditions = "; ".join(f"{c.key} {c.operator} {','.join(c.values)}" for c in deny.conditions)
    return " ".join(w for w in ("DENY", principals) if w) + (f" if {conditions}" if conditions else "")


def row_label(statement: Statement, principal: PrincipalValue | None) -> str:
    qualifier = _qualifier(statement)
    if statement.not_principal or principal is None:
        label = "everyone except " + ", ".join(p.value for p in statement.principals or ())
    else:
        label = _label(principal)
    return f"{label} if {qualifier}" if qualifier else label


def _add(
    rows: dict[str, dict[str, list[str]]],
    label: str,
    why: str,
    found: Found | str,
    statement: Statement,
) -> None:
    if isinstance(found, str):
        actions = frozenset(a for a in ECR_ACTIONS if action_applies(statement, a))
        _grant(rows, label, f"{why} (not evaluated: {found})", actions, {})
        return
    granted, denied, limiting = found.get((id(statement), label), (set(), {}, []))
    if limiting:  # some of the principal's callers keep what a Deny takes from the others
        label += "; " if " if " in label else " if "
        label += "no Deny applies (" + "; ".join(_deny_label(d) for d in limiting) + ")"
    _grant(rows, label, why, frozenset(granted) | frozenset(denied), denied)


def _proved(
    statement: Statement,
    denies: list[Statement],
    arn: str | None,
    tags: Mapping[str, tuple[str, ...]],
    found: Found | str,
) -> tuple[Found | str, str] | None:
    """Where the search shows no grant through an Allow, the library's proof (external_access, trusting no
    one but the repository's owner) may still find a request that gets in (an organization path or a pattern
    the search does not try): its grant, shown with the witness request. An Allow naming an AWS principal no
    account holds (an IAM unique id, a padded id) is shown as not evaluated, as the pack refuses it."""
    if isinstance(found, str) or any(key[0] == id(statement) and granted for key, (granted, _, _) in found.items()):
        return None
    try:
        accesses = external_access([statement, *denies], Zone(frozenset()), tags, arn).accesses
    except UnplaceablePrincipal as error:
        return str(error), ""
    except (UnsupportedCondition, TooComplex):
        return None
    accesses = [a for a in accesses if a.actions & ECR_ACTIONS]  # the Denies grant nothing
    if not accesses:
        return None
    proved = dict(found)
    for access in accesses:
        label = row_label(statement, access.principal)
        granted, denied, limiting = proved.get((id(statement), label), (set(), {}, []))
        kept = access.actions & ECR_ACTIONS  # some request keeps them: no Deny removes them from every caller
        proved[(id(statement), label)] = (granted | kept, {a: d for a, d in denied.items() if a not in kept}, limiting)
    request = ", ".join(f"{k}={','.join(v)}" for k, v in sorted(accesses[0].witness.items()))
    return proved, f" (proof: {accesses[0].caller}, e.g. a request with {request})"


def repository_rows(
    policy: list[Statement],
    identity: list[tuple[str | None, list[Statement]]],
    arn: str | None,
    tags: Mapping[str, tuple[str, ...]],
    memo: dict[tuple, tuple[Found | str, Statement | None]],
) -> dict[str, dict[str, list[str]]]:
    """The rows of one repository: its policy's Allows per principal value, its Denies, then each role."""
    rows: dict[str, dict[str, list[str]]] = {}
    sources = {id(s): "repository policy" for s in policy}
    policy_denies = [s for s in policy if s.is_deny]
    allows = [s for s in policy if s.is_allow and s.principals is not None]
    denies_read = tuple((d.index, _text(d)) for d in policy_denies)
    denies_apply = tuple(resource_applies(d, arn) for d in policy_denies)
    for statement in allows:
        # An Allow's rows depend on it and the Denies only: the callers that stand for its principals are the
        # ones it and the Denies distinguish, and templated policies share most statements.
        key: tuple = ("allow", statement.index, _text(statement), denies_read, arn is None, denies_apply)
        key += (resource_applies(statement, arn), tuple(sorted(tags.items())))
        if key not in memo:
            read = [statement, *policy_denies]
            callers = callers_for(read, Zone(), insiders=True)
            memo[key] = (_search(read, callers, arn, tags, sources, row_label), statement)
        found, searched = memo[key]
        assert searched is not None  # an Allow's entry keeps the statement its search was made for
        why = _why(statement, sources)
        proved = _proved(statement, policy_denies, arn, tags, found)
        if proved is not None:
            found, note = proved
            why += note
        if statement.not_principal:
            labels = [row_label(statement, None)]
        else:
            labels = list(dict.fromkeys(row_label(statement, p) for p in statement.principals or ()))
        for label in labels:
            _add(rows, label, why, found, searched)
    for statement in policy_denies:
        if statement.principals is not None:
            _guard(rows, statement, frozenset(a for a in ECR_ACTIONS if action_applies(statement, a)))
    for number, (role_arn, statements) in enumerate(identity):
        applies = tuple(resource_applies(s, arn) for s in statements)
        granting = [s for s, a in zip(statements, applies, strict=True) if a and s.is_allow and s.principals is None]
        if not granting:
            continue
        label = str(role_arn)
        # A role's rows depend on its own statements and the repository policy's Denies, often alike.
        key = (number, denies_read, arn is None, applies, tuple(sorted(tags.items())))
        if key not in memo:
            read = [s for s in statements if s.principals is None] + policy_denies
            sources = {id(s): "IAM policy" for s in statements} | {id(s): "repository policy" for s in policy}
            callers = callers_as(role_arn, read) if role_arn else [Caller("aws", description=label)]
            memo[key] = (_search(read, callers, arn, tags, sources, lambda _s, _p, label=label: label), None)
        found = memo[key][0]
        for statement in granting:
            _add(rows, label, f"IAM policy {statement.sid or f'#{statement.index}'}", found, statement)
    _finish(rows)
    return rows


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
    label = _deny_label(deny)
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
