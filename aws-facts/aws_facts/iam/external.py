"""Which identities outside a trust zone (the account, the named accounts, the organization) a set of
statements lets in, for which actions, and under which conditions.

Definitions follow IAM Access Analyzer ("identifying public and cross-account access") and AWS's policy
evaluation logic. The question is existential: is there ONE request by an outsider that an Allow
admits and no Deny removes? The analysis enumerates outsiders that stand for every case:

- IAM principals of an account outside the zone (a fresh account, and each account the document names
  that is not in the zone), with roles the document names or a fresh one, in no organization or another;
- anonymous callers (for "*");
- service principals acting for an outsider: with no source context, or with `aws:SourceAccount`,
  `aws:SourceArn` (account field) and `aws:SourceOwner` of an outside account ("confused deputy");
- users of each web identity / SAML provider whose identifying claims are not the owner's
  (see providers.py), and S3 canonical users.

Identity keys (`aws:PrincipalAccount`, `kms:CallerAccount`, `aws:PrincipalOrgID`, ...) come from the
outsider and are absent where they do not apply. Every other condition key is chosen by the requester
(or unknown, as a resource's tags are to a policy check): the analysis tries it absent and with each
value the document's conditions name (pattern instances, numbers either side of a bound, both booleans)
plus a fresh value. Network origin keys (`aws:SourceIp`, `aws:SourceVpc(e)`) take only values the
document does not name. A document is "restricted" only when no such request gets through.

Without a configured zone (`Zone(accounts=None)`), every concrete account and organization the document
names counts as trusted: the check then finds public access (anyone, any account, any provider user).

What each Allow gives a named caller (the access matrix's question) is reach.py's, over the same requests
(`tried_requests`).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .actions import all_actions, expand
from .conditions import Context, UnsupportedCondition, all_hold, check_operator
from .document import PrincipalValue, Statement
from .evaluate import action_applies, resource_applies
from .external_callers import FRESH, Facts, Zone, accounts_matching, callers_as, callers_for, conditions_of, zone_facts
from .external_values import candidate_values
from .principals import Caller, statement_names, unplaceable_aws_principals
from .proof import IDENTITY_KEYS, ProofZone, outsider_witnesses
from .providers import provider_of
from .wildcard import instances

MAX_REQUESTS_PER_CALLER = 4096
SEARCHED = ("federated", "canonical")  # caller kinds judged by the search; the others by proof (proof.py)
FRESH_RESOURCE = "arn:aws:x-outsider:us-east-1:999999999999:x-outsider"
# The caller's identity keys (proof.IDENTITY_KEYS) but the two that name a principal inside its account: the
# search knows no user names or unique ids, so it tries values for aws:username and aws:userid as it does for a
# requester's keys (a fresh one and those the document names).
CALLER_FIXED_KEYS = IDENTITY_KEYS - {"aws:username", "aws:userid"}


class TooComplex(ValueError):
    """The document has too many condition keys and values to try every combination."""


class UnplaceablePrincipal(TooComplex):
    """An Allow names an AWS principal the analysis cannot place in an account (principals.unplaceable_aws_principals).
    A TooComplex, so every caller that reports a document it cannot judge reports this one too."""


@dataclass
class ExternalAccess:
    """An Allow that lets an outsider in."""

    statement: Statement
    principal: PrincipalValue | None  # the principal value that names the outsider (None: NotPrincipal)
    caller: str  # who the outsider is
    actions: set[str] = field(default_factory=set)
    # one request that gets in: its context (every key present; the solver's model, checked by `decide`)
    witness: dict[str, tuple[str, ...]] = field(default_factory=dict)
    resource: str | None = None  # the witness request's resource (None: the one the policy is attached to)


@dataclass
class Analysis:
    accesses: list[ExternalAccess] = field(default_factory=list)
    unevaluable: list[str] = field(default_factory=list)  # statements whose unknown parts could matter

    @property
    def external(self) -> bool:
        return bool(self.accesses) or bool(self.unevaluable)


MEMO_SIZE = 4096
_MEMO: dict[tuple[Any, ...], Analysis | Exception] = {}
_MEMO_LOCK = threading.RLock()


def external_access(
    statements: Sequence[Statement],
    zone: Zone = Zone(),
    resource_context: Mapping[str, Sequence[str]] | None = None,
    resource: str | None = None,
) -> Analysis:
    """Every Allow that lets an identity outside `zone` in, and the actions it gets after the Denies.

    Principals of accounts, anonymous callers and services: by proof (proof.py; "no outsider" is the
    solver's UNSAT, an outsider comes with the request it found, checked by `decide`). Web identity, SAML and
    S3 canonical users: by the search below (providers.py's identifying claims). Raises UnsupportedCondition
    (Unencodable among them) and TooComplex when the document cannot be evaluated.

    `resource_context` fixes resource keys (e.g. {"aws:resourcetag/team": ["nlp"]}); `resource` the
    resource's ARN. Without them, the resource's keys are unknown and free like requester keys.
    Memoised by document (statements, their Version and the zone): equal documents are solved once.
    """
    fixed = {k.lower(): tuple(v) for k, v in (resource_context or {}).items()}
    if all(s.resources is None for s in statements):
        resource = None  # no Resource element: every statement applies to the resource, whichever it is
    key = (
        tuple(
            (
                s.index,
                json.dumps(s.raw, sort_keys=True, default=repr),
                s.unknown,
                tuple(c.variables for c in s.conditions),
            )
            for s in statements
        ),
        zone,
        resource,
        tuple(sorted(fixed.items())),
    )
    # One solve per document, whichever thread asks first: the solver is serialised anyway (proof._LOCK), and a
    # document asked twice at once must get one answer, the same witness in every finding.
    with _MEMO_LOCK:
        cached = _MEMO.get(key)
        if cached is None:
            try:
                cached = _external_access(statements, zone, fixed, resource)
            except (UnsupportedCondition, TooComplex) as error:
                cached = error
            if len(_MEMO) >= MEMO_SIZE:
                _MEMO.pop(next(iter(_MEMO)))
            _MEMO[key] = cached
    if isinstance(cached, Exception):
        raise cached
    return cached


def _external_access(
    statements: Sequence[Statement],
    zone: Zone,
    fixed_resource: dict[str, tuple[str, ...]],
    resource: str | None,
) -> Analysis:
    analysis = Analysis()
    usable: list[Statement] = []
    unknown_denies: list[str] = []
    for statement in statements:
        for condition in statement.conditions:
            check_operator(condition)
        relevant_unknown = statement.unknown - {"Resource"}
        if relevant_unknown:
            what = f"the {'/'.join(sorted(relevant_unknown))} of {statement.label}"
            (unknown_denies if statement.is_deny else analysis.unevaluable).append(what)
            continue
        unplaceable = unplaceable_aws_principals(statement)
        if unplaceable:
            raise UnplaceablePrincipal(
                f'the AWS principal {unplaceable[0]!r} of {statement.label} is not "*", a 12-digit account id or '
                "an IAM/STS ARN with one (AWS refuses it, or it is a unique id of an account the document does not "
                "name); write the account id or the role's ARN"
            )
        usable.append(statement)
    allows = [s for s in usable if s.is_allow]
    if not allows:
        return analysis
    denies = [s for s in usable if s.is_deny]
    candidates = set()
    for statement in allows:
        if statement.not_action:
            candidates |= {a for a in all_actions() if action_applies(statement, a)}
        else:
            candidates |= {a for p in statement.actions for a in expand(p)}
    allow_sets = {s.index: frozenset(a for a in candidates if action_applies(s, a)) for s in allows}
    deny_sets = {s.index: frozenset(a for a in candidates if action_applies(s, a)) for s in denies}
    resources: list[str | None] = [resource]
    if resource is None:
        patterns = [p for s in usable for p in (s.resources or ())]
        # Each pattern's instances, and a resource no pattern names (what a NotResource grants).
        named_resources = [i for p in patterns for i in instances(p)]
        resources = list(dict.fromkeys([*named_resources, FRESH_RESOURCE])) if named_resources else [None]
    found: dict[tuple[int, str], ExternalAccess] = {}
    facts = zone_facts(usable, zone)
    for caller in callers_for(usable, zone):
        if caller.kind not in SEARCHED:
            continue  # proved below
        for live, context in tried_requests(usable, caller, fixed_resource, facts):
            _admit(live, context, resources, allow_sets, deny_sets, caller, found)
    proof_zone = ProofZone(facts.trusted_accounts, facts.trusted_orgs, zone.org_paths, zone.accounts or frozenset())
    for witness in outsider_witnesses(usable, proof_zone, resource, fixed_resource):
        if not witness.confirmed:
            request = ", ".join(f"{k}={','.join(v)}" for k, v in sorted(witness.context.items()))
            analysis.unevaluable.append(
                f"{witness.statement.label}: the solver's request ({witness.caller.describe()}; {request}) is not "
                "allowed by the evaluator, a disagreement that is a bug in the IAM library"
            )
            continue
        access = ExternalAccess(
            witness.statement,
            witness.principal,
            witness.caller.describe(),
            set(witness.actions),
            dict(witness.context),
            witness.resource,
        )
        found[(witness.statement.index, access.caller)] = access
    if found and unknown_denies:
        # A Deny not known yet might remove what was found: the answer is "cannot tell", not "open".
        analysis.unevaluable += unknown_denies
        return analysis
    analysis.accesses = list(found.values())
    return analysis


def tried_requests(
    statements: Sequence[Statement],
    caller: Caller,
    fixed_resource: Mapping[str, tuple[str, ...]],
    facts: Facts,
    insiders: bool = False,
) -> Iterator[tuple[list[tuple[Statement, PrincipalValue | None]], dict[str, tuple[str, ...]]]]:
    """Every request of one caller the analysis tries: (the statements that name the caller, with the
    principal value that does, and the request's context). The caller's keys and `fixed_resource` are
    fixed; every other key a live statement tests takes each of its candidate values, first the keys an
    Allow tests (only requests some Allow admits are kept), then one value per outcome of the keys only
    Denies test. Raises TooComplex past MAX_REQUESTS_PER_CALLER."""
    named = [(s, statement_names(s, caller)) for s in statements]
    live = [(s, principal) for s, (applies, principal) in named if applies]
    if not any(s.is_allow for s, _ in live):
        return
    keys = {c.lower_key for s, _ in live for c in s.conditions}
    fixed = {k: v for k, v in caller.context.items()}
    fixed.update(fixed_resource)
    free = sorted(k for k in keys if k not in fixed and k not in CALLER_FIXED_KEYS and not _claim_key(k, caller))
    conditions = conditions_of([s for s, _ in live])
    option_of = {k: candidate_values(k, [c for c in conditions if c.lower_key == k], facts, insiders) for k in free}
    # First the keys an Allow tests: a request that satisfies no Allow gets nothing, whatever the Denies
    # say, so the Denies' own keys are tried only for requests some Allow admits.
    allows = [s for s, _ in live if s.is_allow]
    allow_keys = [k for k in free if any(c.lower_key == k for s in allows for c in s.conditions)]
    deny_keys = [k for k in free if k not in allow_keys]
    _check_size(free, [len(option_of[k]) for k in allow_keys])
    admitted = []
    for assignment in itertools.product(*(option_of[k] for k in allow_keys)):
        context: dict[str, tuple[str, ...]] = dict(fixed)
        context.update({k: (v,) for k, v in zip(allow_keys, assignment, strict=True) if v is not None})
        if any(all_hold(s.conditions, context) for s in allows):
            admitted.append(context)
    if not admitted:
        return
    denies = [s for s, _ in live if s.is_deny]
    for k in deny_keys:
        option_of[k] = _distinct_for_denies(k, option_of[k], denies)
    _check_size(free, [len(admitted)] + [len(option_of[k]) for k in deny_keys])
    for admitted_context in admitted:
        for assignment in itertools.product(*(option_of[k] for k in deny_keys)):
            context = dict(admitted_context)
            context.update({k: (v,) for k, v in zip(deny_keys, assignment, strict=True) if v is not None})
            yield live, context


def _distinct_for_denies(key: str, values: list[str | None], denies: list[Statement]) -> list[str | None]:
    """One value per way a key only Denies test can make their conditions on it hold or fail: each condition
    tests one key, so two values that every Deny's conditions on the key judge alike are interchangeable
    (unless a policy variable ties the key to another)."""
    tests = [[c for c in d.conditions if c.lower_key == key] for d in denies]
    tests = [t for t in tests if t]
    if any("${" in v for t in tests for c in t for v in c.values):
        return values
    kept: dict[tuple[bool, ...], str | None] = {}
    for value in sorted(values, key=lambda v: v == FRESH):  # a named value makes the clearer example
        context: dict[str, tuple[str, ...]] = {key: (value,)} if value is not None else {}
        kept.setdefault(tuple(all_hold(t, context) for t in tests), value)
    return list(kept.values())


def _check_size(free: list[str], counts: list[int]) -> None:
    total = 1
    for count in counts:
        total *= count
    if total > MAX_REQUESTS_PER_CALLER:
        raise TooComplex(
            f"the conditions combine {len(free)} requester-chosen keys ({', '.join(free)}) into {total} "
            f"cases, more than the {MAX_REQUESTS_PER_CALLER} this analysis tries"
        )


def _claim_key(key: str, caller: Caller) -> bool:
    """A web identity claim (`<provider host>:<claim>`) of a provider the caller does not come from."""
    host = key.rpartition(":")[0]
    if "." not in host:
        return False  # a service's key (aws:, ecr:, kms:...)
    return caller.kind != "federated" or provider_of(caller.name or "")[0].lower() != host


def _admit(
    live: list[tuple[Statement, PrincipalValue | None]],
    context: Context,
    resources: list[str | None],
    allow_sets: dict[int, frozenset[str]],
    deny_sets: dict[int, frozenset[str]],
    caller: Caller,
    found: dict[tuple[int, str], ExternalAccess],
) -> None:
    applying = [(s, p) for s, p in live if all_hold(s.conditions, context)]
    for resource in resources:
        on = [(s, p) for s, p in applying if resource_applies(s, resource)]
        denied = frozenset().union(*(deny_sets[s.index] for s, _ in on if s.is_deny))
        for statement, principal in on:
            if not statement.is_allow:
                continue
            actions = allow_sets[statement.index] - denied
            if not actions:
                continue
            key = (statement.index, caller.describe())
            if key not in found:
                witness = {k: tuple(v) for k, v in context.items() if k not in caller.context}
                found[key] = ExternalAccess(statement, principal, caller.describe(), set(), witness)
            found[key].actions |= actions


__all__ = [
    "MAX_REQUESTS_PER_CALLER",
    "Analysis",
    "ExternalAccess",
    "TooComplex",
    "Zone",
    "accounts_matching",
    "callers_as",
    "callers_for",
    "external_access",
]
