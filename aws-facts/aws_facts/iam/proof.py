"""Effective access by proof: is a request from outside the trusted zone allowed? (z3, an SMT solver)

AWS answers this question in IAM Access Analyzer with an SMT solver (Zelkova). This module does the same,
offline: each statement becomes a formula over one request (who makes it, the action, the resource and every
condition key), and the solver is asked for a request by an outsider that an Allow admits and no Deny
removes. "No outsider" is the solver's proof (UNSAT); "outsider" comes with the request the solver found
(its model, decoded), and that request is checked again by the concrete evaluator (`evaluate.decide`).

The request (one per caller kind; federated and S3 canonical callers are judged by external.py's search):
- aws: a principal of an account (12 digits) in a partition: its root, a user or a role session, in no
  organization or in one (`o-` + 10-32 of [a-z0-9]) under a root (`r-` + 4-32) and a chain of OUs; its
  identity keys (aws:PrincipalAccount, kms:CallerAccount, aws:PrincipalArn, aws:PrincipalOrgID,
  aws:PrincipalOrgPaths, aws:PrincipalType, aws:PrincipalIsAWSService, aws:userid's account) follow from it.
- anonymous: anyone ("*"); aws:PrincipalType is "Anonymous", no other identity key.
- service: a service principal, with or without aws:SourceAccount/aws:SourceOwner, aws:SourceArn (an ARN whose
  account field is the source's), aws:SourceOrgID/aws:SourceOrgPaths.
Outside the zone: an account that is not trusted and not the resource's own (aws:ResourceAccount), in no
trusted organization and under no trusted organization path; anyone; a service acting with no source or for
a source outside the zone. Without configured accounts (`Zone(accounts=None)`), the accounts and
organizations the document names are the trusted ones (the public check).

Every other condition key is the requester's: absent, or one or more values (as many as conditions test it),
strings with `*`/`?` globs as regular expressions (ARN patterns segment-wise), numbers and dates as integers
(epoch seconds), IP addresses as bit-vectors (IPv4 32 bits, IPv6 128 bits). Network origin keys keep the
owner's network out of an outsider's reach, as S3 defines a public policy: an outsider's source address is in
no named range of at least /8 (IPv4) or /32 (IPv6), its VPC and VPC endpoint are none the document names, the
endpoint's account and organization are outside the zone. Ranges broader than that (0.0.0.0/1 and
128.0.0.0/1 together cover everything) are anyone's, and so are narrow ranges that join into a broader block
(10.0.0.0/8 and 11.0.0.0/8 are 10.0.0.0/7: networks.py).

What the encoding cannot express raises Unencodable (a kind of UnsupportedCondition): the caller reports
the document as "cannot be evaluated", never as passed.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import z3

from .actions import all_actions, expand
from .document import Condition, PrincipalValue, Statement
from .evaluate import ALLOW, action_applies, decide
from .principals import Caller, value_names
from .proof_callers import REQUESTS, AwsRequest, ServiceRequest
from .proof_formulas import conditions_hold, principal_matches, resource_matches
from .proof_request import IDENTITY_KEYS, IP_KEYS, VPC_KEYS, ProofZone, Request, Unencodable
from .proof_terms import account_field, any_of, arn_re, glob_re, number_re, own_z3_context
from .wildcard import has_glob, split_arn

# The solver's budget per question, in z3's resource units (deterministic, unlike a wall-clock timeout on a
# shared machine: about 4 CPU seconds per million); the wall-clock timeout only guards against a hang.
SOLVER_RLIMIT = 5_000_000
SOLVER_TIMEOUT_MS = 600_000
_LOCK = threading.Lock()  # z3's context is not thread-safe; the pack's gRPC server may use threads


@dataclass
class Witness:
    """One request by an outsider that an Allow admits and no Deny removes."""

    statement: Statement
    principal: PrincipalValue | None
    caller: Caller
    actions: set[str]
    resource: str | None
    context: dict[str, tuple[str, ...]] = field(default_factory=dict)
    confirmed: bool = True  # the concrete evaluator allows it too


# ---- the question -----------------------------------------------------------------------------------------


def _kinds(statements: Sequence[Statement]) -> list[str]:
    kinds = []
    everyone = any(
        s.not_principal
        or s.principals is None
        or any(p.kind == "*" or (p.kind == "AWS" and p.value == "*") for p in s.principals)
        for s in statements
        if s.is_allow
    )
    if everyone or any(p.kind == "AWS" for s in statements if s.is_allow for p in s.principals or ()):
        kinds.append("aws")
    if everyone and not all(s.principals is None for s in statements if s.is_allow):
        kinds.append("anonymous")
    if everyone or any(p.kind == "Service" for s in statements if s.is_allow for p in s.principals or ()):
        kinds.append("service")
    return kinds


def action_classes(statements: Sequence[Statement]) -> tuple[list[frozenset[str]], dict[int, set[int]]]:
    """The actions the Allows can grant, partitioned by which statements cover them: (classes, per statement
    index the classes it covers). One class stands for all its actions in the formulas."""
    candidates: set[str] = set()
    for statement in statements:
        if not statement.is_allow:
            continue
        if statement.not_action:
            candidates |= {a for a in all_actions() if action_applies(statement, a)}
        else:
            candidates |= {a for p in statement.actions for a in expand(p)}
    by_signature: dict[tuple[bool, ...], set[str]] = {}
    for action in candidates:
        signature = tuple(action_applies(s, action) for s in statements)
        by_signature.setdefault(signature, set()).add(action)
    classes = [frozenset(v) for _, v in sorted(by_signature.items(), key=lambda kv: sorted(kv[1])[0])]
    covered: dict[int, set[int]] = {s.index: set() for s in statements}
    for number, actions in enumerate(classes):
        sample = next(iter(actions))
        for statement in statements:
            if action_applies(statement, sample):
                covered[statement.index].add(number)
    return classes, covered


def outsider_witnesses(
    statements: Sequence[Statement],
    zone: ProofZone,
    resource: str | None = None,
    resource_context: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Witness]:
    """For each Allow and each kind of caller: a request by an outsider that the Allow admits and no Deny
    removes (with every action some such request gets), or nothing when the solver proves there is none.
    Raises Unencodable (the document cannot be evaluated) when the encoding cannot decide."""
    with _LOCK, own_z3_context():
        return _witnesses(statements, zone, resource, dict(resource_context or {}))


def _witnesses(
    statements: Sequence[Statement], zone: ProofZone, resource: str | None, fixed: dict[str, tuple[str, ...]]
) -> list[Witness]:
    classes, covered = action_classes(statements)
    if not classes:
        return []
    requests: list[Request] = []
    try:
        return _solve(statements, zone, resource, fixed, classes, covered, requests)
    finally:
        # A request's lazy makers refer to it (a reference cycle): break it, so that the question's terms and
        # its context are freed here, by reference counting, rather than later by the cyclic garbage collector
        # on whatever thread it runs (a full collection per question cost half of the solving time).
        for request in requests:
            request.__dict__.clear()


def _solve(
    statements: Sequence[Statement],
    zone: ProofZone,
    resource: str | None,
    fixed: dict[str, tuple[str, ...]],
    classes: list[frozenset[str]],
    covered: dict[int, set[int]],
    requests: list[Request],
) -> list[Witness]:
    found: list[Witness] = []
    allows = [s for s in statements if s.is_allow]
    denies = [s for s in statements if s.is_deny]
    for kind in _kinds(statements):
        open_allows = [s for s in allows if not _admits_insiders_only(s, zone, kind)]
        if not open_allows:
            continue  # every Allow admits insiders only, as written: nothing to solve
        request = REQUESTS[kind](statements, zone, fixed, resource)
        requests.append(request)
        action = z3.Int("action")
        applies = {  # the formulas the questions below use: the open Allows' and the Denies'
            s.index: z3.And(principal_matches(request, s), resource_matches(request, s), conditions_hold(request, s))
            for s in (*open_allows, *denies)
        }

        def in_classes(numbers: set[int], action: z3.ArithRef = action) -> z3.BoolRef:
            return any_of([action == n for n in sorted(numbers)])

        common = [*request.constraints, z3.And(action >= 0, action < len(classes))]
        common += [z3.Implies(in_classes(covered[d.index]), z3.Not(applies[d.index])) for d in denies]

        for allow in open_allows:
            remaining = set(covered[allow.index])
            witness: Witness | None = None
            while remaining:
                goal = z3.And(applies[allow.index], in_classes(remaining))
                answer, solver = _ask(*common, goal)
                if answer == z3.unknown:
                    raise Unencodable(f"the solver could not decide {allow.label} ({solver.reason_unknown()})")
                if answer == z3.unsat:
                    break
                if witness is None and request.tidy:
                    # A request every comparison of which the encoding decides exactly.
                    answer, solver = _ask(*common, goal, *request.tidy)
                    if answer != z3.sat:
                        undecided = ", ".join(sorted({why for why, _ in request.loose})) or "a value's shape"
                        raise Unencodable(
                            f"{allow.label} may admit an outsider through {undecided}, which the solver does not decide"
                        )
                model = solver.model()
                number = model.eval(action, model_completion=True).as_long()
                if witness is None:
                    witness = _decode(model, request, allow, classes[number], resource)
                    found.append(witness)
                else:
                    witness.actions |= classes[number]
                remaining.discard(number)
        del applies
    for witness in found:
        _cross_check(statements, witness)
    return found


def _ask(*formulas: z3.BoolRef) -> tuple[z3.CheckSatResult, z3.Solver]:
    """A solver per question: z3's incremental mode (push/pop or assumptions) costs more than a fresh solver
    here, whose preprocessing also decides most questions at once."""
    solver = z3.Solver()
    solver.set("timeout", SOLVER_TIMEOUT_MS)
    solver.set("rlimit", SOLVER_RLIMIT)
    solver.add(*formulas)
    return solver.check(), solver


def _admits_insiders_only(statement: Statement, zone: ProofZone, kind: str) -> bool:
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


def _string(model: z3.ModelRef, term: z3.ExprRef) -> str:
    value = model.eval(term, model_completion=True)
    return value.as_string() if isinstance(value, z3.SeqRef) else str(value)


def _decode(
    model: z3.ModelRef, request: Request, statement: Statement, actions: frozenset[str], resource: str | None
) -> Witness:
    """The request of a model: the caller, its context (every key present) and the resource."""
    context: dict[str, tuple[str, ...]] = {}
    for key, slots in request.keys.items():
        count = model.eval(slots.count, model_completion=True).as_long()
        values = []
        for i in range(min(count, len(slots.values))):
            if slots.ip is not None:
                is_ip, is_v4, a4, a6 = slots.ip[i]
                if z3.is_true(model.eval(is_ip, model_completion=True)):
                    if z3.is_true(model.eval(is_v4, model_completion=True)):
                        values.append(str(ipaddress.IPv4Address(model.eval(a4, model_completion=True).as_long())))
                    else:
                        values.append(str(ipaddress.IPv6Address(model.eval(a6, model_completion=True).as_long())))
                else:
                    values.append(_string(model, slots.values[i]) + "#not-an-address")
            else:
                values.append(_string(model, slots.values[i]))
        if values:
            context[key] = tuple(values)
    if isinstance(request, AwsRequest):
        account = _string(model, request.account)
        arn = f"arn:aws:iam::{account}:root"
        if hasattr(request, "parn"):
            session = model.eval(request.ptype, model_completion=True).as_long() == 3
            arn = _string(model, request.sarn if session else request.parn)
            if session and arn.split(":", 5)[-1].startswith("federated-user/"):
                context["aws:principalarn"] = (arn,)
        context.setdefault("aws:principalaccount", (account,))  # shown in the finding: who the outsider is
        caller = Caller("aws", account, arn, None, f"principals of account {account} ({arn})", context)
    elif isinstance(request, ServiceRequest):
        name = _string(model, request.service)
        has_account, source_account, has_arn, source_arn = request.source
        sources = []
        if z3.is_true(model.eval(has_account, model_completion=True)):
            sources.append(f"aws:SourceAccount {_string(model, source_account)}")
        if z3.is_true(model.eval(has_arn, model_completion=True)):
            arn = _string(model, source_arn)
            parts = arn.split(":", 5)
            account = _string(model, request.source_arn_account)
            if len(parts) == 6 and parts[4] != account and parts[4] in request.zone.accounts:
                # A trusted account in a field no pattern fixes: the outsider's written in (checked by `decide`).
                parts[4] = account
                arn = ":".join(parts)
                context["aws:sourcearn"] = (arn,)
            sources.append(f"aws:SourceArn {arn}")
        source = f"for {' and '.join(sources)}" if sources else "with no source account or ARN"
        caller = Caller("service", None, None, name, f"the service {name} {source}", context)
    else:
        caller = Caller("anonymous", description="anonymous callers (anyone)", context=context)
    on = resource
    if on is None and any(s.resources is not None for s in request.statements):
        on = _string(model, request.resource)
    principal = next((p for p in statement.principals or () if value_names(p, caller)), None)
    if statement.not_principal:
        principal = None
    return Witness(statement, principal, caller, set(actions), on, context)


def _cross_check(statements: Sequence[Statement], witness: Witness) -> None:
    """The concrete evaluator must allow the witness's request (for one of its actions); otherwise the
    encoding and the evaluator disagree, which is a bug: the witness is marked unconfirmed."""
    action = sorted(witness.actions)[0]
    verdict = decide(list(statements), action, witness.resource, witness.context, witness.caller)
    witness.confirmed = verdict == ALLOW


__all__ = [
    "IDENTITY_KEYS",
    "IP_KEYS",
    "VPC_KEYS",
    "ProofZone",
    "Unencodable",
    "Witness",
    "action_classes",
    "arn_re",
    "glob_re",
    "number_re",
    "outsider_witnesses",
    "own_z3_context",
]
