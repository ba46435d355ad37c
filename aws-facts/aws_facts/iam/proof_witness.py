"""The witnesses of the effective-access proof (proof.py): the request by an outsider the solver found (its
model), decoded into a caller, its context and the resource (`decode_witness`), and checked again by the
concrete evaluator (`cross_check`: a witness it does not allow is marked unconfirmed)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

import z3

from .document import PrincipalValue, Statement
from .evaluate import ALLOW, decide
from .principals import Caller, value_names
from .proof_callers import AwsRequest, ServiceRequest
from .proof_request import Request


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


def _string(model: z3.ModelRef, term: z3.ExprRef) -> str:
    value = model.eval(term, model_completion=True)
    return value.as_string() if isinstance(value, z3.SeqRef) else str(value)


def decode_witness(
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


def cross_check(statements: Sequence[Statement], witness: Witness) -> None:
    """The concrete evaluator must allow the witness's request (for one of its actions); otherwise the
    encoding and the evaluator disagree, which is a bug: the witness is marked unconfirmed."""
    action = sorted(witness.actions)[0]
    verdict = decide(list(statements), action, witness.resource, witness.context, witness.caller)
    witness.confirmed = verdict == ALLOW
