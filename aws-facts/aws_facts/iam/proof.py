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

The parts: the request (proof_request.py, one subclass per caller kind in proof_callers.py), each statement as
formulas over it (proof_formulas.py), the Allows answered without the solver (proof_shortcuts.py), the
witnesses decoded and checked again (proof_witness.py).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import z3

from .actions import all_actions, expand
from .document import Statement
from .evaluate import action_applies
from .proof_callers import REQUESTS
from .proof_formulas import conditions_hold, principal_matches, resource_matches
from .proof_request import IDENTITY_KEYS, IP_KEYS, VPC_KEYS, ProofZone, Request, Unencodable
from .proof_shortcuts import admits_insiders_only
from .proof_terms import any_of, arn_re, glob_re, number_re, own_z3_context
from .proof_witness import Witness, cross_check, decode_witness

# The solver's budget per question, in z3's resource units (deterministic, unlike a wall-clock timeout on a
# shared machine: about 4 CPU seconds per million); the wall-clock timeout only guards against a hang.
SOLVER_RLIMIT = 5_000_000
SOLVER_TIMEOUT_MS = 600_000
_LOCK = threading.Lock()  # z3's context is not thread-safe; the pack's gRPC server may use threads


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
        open_allows = [s for s in allows if not admits_insiders_only(s, zone, kind)]
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
                    witness = decode_witness(model, request, allow, classes[number], resource)
                    found.append(witness)
                else:
                    witness.actions |= classes[number]
                remaining.discard(number)
        del applies
    for witness in found:
        cross_check(statements, witness)
    return found


def _ask(*formulas: z3.BoolRef) -> tuple[z3.CheckSatResult, z3.Solver]:
    """A solver per question: z3's incremental mode (push/pop or assumptions) costs more than a fresh solver
    here, whose preprocessing also decides most questions at once."""
    solver = z3.Solver()
    solver.set("timeout", SOLVER_TIMEOUT_MS)
    solver.set("rlimit", SOLVER_RLIMIT)
    solver.add(*formulas)
    return solver.check(), solver


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
