"""Each statement of the effective-access proof (proof.py) as formulas over one request (proof_request.py,
proof_callers.py): does its Principal name the caller, its Resource the resource, do its conditions hold
(`principal_matches`, `resource_matches`, `conditions_hold`). The comparisons follow conditions.holds, the
concrete evaluator's, operator by operator; what they cannot express raises Unencodable."""

from __future__ import annotations

import ipaddress
import math
import re
from fractions import Fraction

import z3

from ..names import ACCOUNT_ID
from .conditions import NEGATED, as_instant, as_number, check_operator
from .document import Condition, PrincipalValue, Statement
from .proof_callers import AwsRequest, ServiceRequest
from .proof_request import Request, Slots, Unencodable
from .proof_terms import (
    account_field,
    all_of,
    any_of,
    arn_re,
    cat,
    chars_re,
    current_terms,
    decoded_base64,
    glob_re,
    in_network,
    is_arn,
    member,
    number_re,
    str_val,
    sub_after,
)
from .wildcard import has_glob, split_arn

# The characters of the identity keys' values, for each kind of caller whose identity sets them: a superset of
# the shapes the request gives them (proof_terms._Terms). IAM names and paths are [A-Za-z0-9+=,.@_-] and `/`,
# ARNs add `:` and their partition; organization ids and paths are [a-z0-9-] and `/`; accounts are digits;
# service principals [a-z0-9.-].
_ALPHABETS = {
    ("aws", "aws:principalarn"): "A-Za-z0-9+=,.@_:/-",
    ("aws", "aws:principalaccount"): "0-9",
    ("aws", "kms:calleraccount"): "0-9",
    ("aws", "aws:principalorgid"): "a-z0-9-",
    ("aws", "aws:principalorgpaths"): "a-z0-9/-",
    ("service", "aws:principalservicename"): "a-z0-9.-",
    ("service", "aws:principalservicenameslist"): "a-z0-9.-",
    ("service", "aws:sourceaccount"): "0-9",
    ("service", "aws:sourceowner"): "0-9",
    ("service", "aws:sourceorgid"): "a-z0-9-",
    ("service", "aws:sourceorgpaths"): "a-z0-9/-",
}
_CASE_SENSITIVE = ("stringequals", "stringnotequals", "stringlike", "stringnotlike")
_ARN_BASES = ("arnlike", "arnnotlike", "arnequals", "arnnotequals")


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def principal_matches(request: Request, statement: Statement) -> z3.BoolRef:
    if statement.principals is None:
        return z3.BoolVal(True)
    named = z3.Or(*(_names(request, p) for p in statement.principals)) if statement.principals else z3.BoolVal(False)
    return z3.Not(named) if statement.not_principal else named


def _names(request: Request, principal: PrincipalValue) -> z3.BoolRef:
    kind, value = principal.kind, principal.value
    if kind == "*" or (kind == "AWS" and value == "*"):
        return z3.BoolVal(True)
    if kind == "AWS" and isinstance(request, AwsRequest):
        account = value if ACCOUNT_ID.fullmatch(value) or (has_glob(value) and ":" not in value) else None
        parts = split_arn(value)
        if parts is not None and parts[2] == "iam" and parts[5] == "root":
            account = parts[4]
        if account is not None:
            return z3.InRe(request.account, glob_re(account))
        if _trusted_arn(request, value, False) and not any(
            p.endswith("*") or "?" in p for p in value.split(":", 5)[:5]
        ):
            return z3.BoolVal(False)  # a principal of a trusted account
        pattern = glob_re(value)
        parn, sarn, ptype = request.arns()
        return z3.Or(z3.InRe(parn, pattern), z3.And(ptype == 3, z3.InRe(sarn, pattern)))
    if kind == "Service" and isinstance(request, ServiceRequest):
        return z3.InRe(request.service, glob_re(value.lower()))
    return z3.BoolVal(False)


def resource_matches(request: Request, statement: Statement) -> z3.BoolRef:
    if statement.resources is None:
        return z3.BoolVal(True)
    hit = (
        z3.Or(*(z3.InRe(request.resource, arn_re(p)) for p in statement.resources))
        if statement.resources
        else z3.BoolVal(False)
    )
    return z3.Not(hit) if statement.not_resource else hit


def conditions_hold(request: Request, statement: Statement) -> z3.BoolRef:
    return z3.And(*(holds(request, c) for c in statement.conditions)) if statement.conditions else z3.BoolVal(True)


def holds(request: Request, condition: Condition) -> z3.BoolRef:
    """conditions.holds, as a formula."""
    check_operator(condition)
    slots = request.slots(condition.lower_key)
    base = condition.base
    if base == "null":
        wants_absent = any(v.lower() == "true" for v in condition.values)
        return z3.Not(slots.present()) if wants_absent else slots.present()
    if condition.if_exists or condition.qualifier == "forallvalues":
        when_absent = z3.BoolVal(True)
    elif condition.qualifier == "foranyvalue":
        when_absent = z3.BoolVal(False)
    else:
        when_absent = z3.BoolVal(base in NEGATED)
    negated = base in NEGATED
    ones = []
    for i in range(len(slots.values)):
        hit = z3.Or(*(_compare(request, condition, base, e, slots, i) for e in condition.values))
        ones.append((slots.has(i), z3.Not(hit) if negated else hit))
    every = all_of([z3.Implies(has, one) for has, one in ones])
    some = any_of([z3.And(has, one) for has, one in ones])
    if condition.qualifier == "forallvalues" or (condition.qualifier != "foranyvalue" and negated):
        present = every
    else:
        present = some
    return z3.If(slots.present(), present, when_absent)


def _undecided(request: Request, why: str) -> z3.BoolRef:
    flag = request.fresh("b", "undecided")
    request.loose.append((why, flag))
    return flag


def _trusted_arn(request: Request, pattern: str, variables: bool) -> bool:
    """An ARN pattern whose account field is a trusted account (or the resource's own, by variable): it
    matches no outsider's ARN, which the formula can say at once (the solver is slow to find it)."""
    parts = pattern.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or any(p.endswith("*") for p in parts[:4]):
        return False
    field = parts[4]
    if variables and field.lower() == "${aws:resourceaccount}":
        return True
    return not has_glob(field) and "${" not in field and field in request.zone.accounts


def _compare(request: Request, condition: Condition, base: str, expected: str, slots: Slots, i: int) -> z3.BoolRef:
    actual = slots.values[i]
    variables = condition.variables and "${" in expected
    identity_arn = (request.kind == "aws" and condition.lower_key == "aws:principalarn") or (
        request.kind == "service" and condition.lower_key == "aws:sourcearn"
    )
    arn_bases = ("arnlike", "arnnotlike", "arnequals", "arnnotequals", "stringequals", "stringnotequals")
    if identity_arn and base in arn_bases and _trusted_arn(request, expected, variables):
        return z3.BoolVal(False)
    if base in ("ipaddress", "notipaddress"):
        if variables:
            raise Unencodable(f"the IP condition {condition.text()} uses a policy variable")
        assert slots.ip is not None
        is_ip, is_v4, a4, a6 = slots.ip[i]
        try:
            network = ipaddress.ip_network(expected, strict=False)
        except ValueError:
            return z3.BoolVal(False)
        if network.version == 4:
            return z3.And(is_ip, is_v4, in_network(network, a4))
        return z3.And(is_ip, z3.Not(is_v4), in_network(network, a6))
    if base.startswith("numeric") or base.startswith("date"):
        if variables:
            raise Unencodable(f"the condition {condition.text()} compares a number with a policy variable")
        number = as_instant(expected) if base.startswith("date") else as_number(expected)
        if number is None:
            return z3.BoolVal(False)
        if not math.isfinite(number):
            raise Unencodable(f"the condition {condition.text()} compares with a value that is not a finite number")
        digits = z3.InRe(actual, z3.Plus(z3.Range("0", "9")))
        request.tidy.append(z3.Implies(slots.has(i), digits))
        relation = base.removeprefix("numeric").removeprefix("date").removeprefix("not")
        exact = z3.InRe(actual, number_re(relation, Fraction(number)))
        return z3.If(digits, exact, _undecided(request, f"{condition.text()} on a value that is not digits"))
    if base == "binaryequals":
        decoded = decoded_base64(expected)
        if decoded is None:
            return z3.BoolVal(False)
        same = [e for c in request.tests.get(condition.lower_key, []) for e in c.values if decoded_base64(e) == decoded]
        named = {e for c in request.tests.get(condition.lower_key, []) for e in c.values}
        request.tidy.append(z3.Implies(slots.has(i), z3.Or(member(actual, named), z3.Contains(actual, str_val("#")))))
        return z3.Or(
            member(actual, same),
            z3.And(
                z3.Not(member(actual, named)),
                z3.Not(z3.Contains(actual, str_val("#"))),
                _undecided(request, f"{condition.text()}"),
            ),
        )
    if slots.ip is not None:
        raise Unencodable(f"the key {condition.key} is tested both as an IP address and as text")
    if variables:
        return _with_variables(request, condition, base, expected, actual)
    if _spells_no_value(request, condition.lower_key, base, expected) or _through_a_trusted_ou(
        request, condition.lower_key, base, expected
    ):
        return z3.BoolVal(False)
    if (
        request.kind == "service"
        and condition.lower_key == "aws:sourcearn"
        and (base.startswith("arn") or base.startswith("string"))
    ):
        fixed = account_field(expected, base.startswith("arn")) if "like" in base or base.startswith("arn") else None
        if base.startswith("stringequals") and "ignorecase" not in base:
            fixed = account_field(expected, True) if not has_glob(expected) else None
        if fixed is not None and not has_glob(fixed) and fixed in request.zone.accounts:
            return z3.BoolVal(False)  # only an ARN of a trusted account matches: never an outsider's
    if base in ("stringequals", "stringnotequals"):
        return actual == str_val(expected)
    if base in ("stringequalsignorecase", "stringnotequalsignorecase", "bool"):
        return z3.InRe(actual, chars_re(expected, ignore_case=True))
    if base in ("stringlike", "stringnotlike"):
        return z3.InRe(actual, glob_re(expected))
    if base.startswith("arn"):
        return z3.And(is_arn(actual), z3.InRe(actual, arn_re(expected)))
    raise Unencodable(f"the condition operator {condition.operator} is not modelled")


def _spells_no_value(request: Request, key: str, base: str, expected: str) -> bool:
    """A value that no value of this identity key can match: a character (other than a wildcard) that none of
    its values holds, such as `$` in `arn:aws:iam::*:user/${aws:username}` under Version 2008-10-17 (literal
    text). The solver would prove it only slowly (a wildcard next to an impossible character), so it is said
    here, and is what the encoding implies."""
    alphabet = _ALPHABETS.get((request.kind, key))
    if alphabet is None or base not in (*_CASE_SENSITIVE, *_ARN_BASES):
        return False
    literal = expected if base in ("stringequals", "stringnotequals") else re.sub(r"[*?]", "", expected)
    return re.fullmatch(f"[{alphabet}]*", literal) is None


def _through_a_trusted_ou(request: Request, key: str, base: str, expected: str) -> bool:
    """An organization path pattern every match of which passes through the last OU of a trusted path
    (`o-x/*/ou-y/*` with `o-x/r-z/ou-y/` trusted): an OU has one parent (AWS Organizations), so every path
    through it begins with the trusted path, and no outsider's path does (`_organization`)."""
    if key not in ("aws:principalorgpaths", "aws:sourceorgpaths") or base not in _CASE_SENSITIVE:
        return False
    pieces = re.split(r"[*?]", expected) if base in ("stringlike", "stringnotlike") else [expected]
    for path in request.zone.org_paths:
        ids = [p for p in path.split("/") if p]
        if len(ids) < 3 or not ids[-1].startswith("ou-"):
            continue
        if pieces[0].startswith(ids[0] + "/") and any(f"/{ids[-1]}/" in piece for piece in pieces):
            return True
    return False


def _with_variables(request: Request, condition: Condition, base: str, expected: str, actual: z3.SeqRef) -> z3.BoolRef:
    """A value with policy variables (Version 2012-10-17): each `${key}` is the request's first value of
    the key (or the default `${key, 'text'}`); a key absent without default matches nothing."""
    pieces: list[z3.SeqRef | str] = []
    available = []
    exact = []
    position = 0
    for match in _VARIABLE.finditer(expected):
        pieces.append(expected[position : match.start()])
        position = match.end()
        name = match.group(1)
        if name in ("*", "?", "$"):
            pieces.append(name)
            continue
        key, _, default = name.partition(", ")
        slots = request.slots(key.strip().lower())
        if slots.ip is not None or not slots.values:
            if slots.values:
                raise Unencodable(f"the condition {condition.text()} uses the IP key {key} as a variable")
            value: z3.SeqRef = str_val("")
        else:
            value = slots.values[0]
        default = default.strip()
        if default.startswith("'") and default.endswith("'") and len(default) >= 2:
            value = z3.If(slots.present(), value, str_val(default[1:-1]))
        else:
            available.append(slots.present())
        pieces.append(value)
        exact.append(z3.And(z3.Not(z3.Contains(value, str_val("*"))), z3.Not(z3.Contains(value, str_val("?")))))
    pieces.append(expected[position:])
    request.tidy.append(all_of(exact))
    if base in ("stringequals", "stringnotequals"):
        term = cat(*[p for p in pieces if not (isinstance(p, str) and not p)] or [""])
        return z3.And(*available, actual == term)
    if base in ("stringlike", "stringnotlike", "arnlike", "arnnotlike", "arnequals", "arnnotequals"):
        arn = base.startswith("arn")
        parts: list[z3.SeqRef] = []
        for index, piece in enumerate(pieces):
            if not isinstance(piece, str):
                parts.append(piece)
                continue
            for sub in re.split(r"([*?])", piece):
                if sub in ("*", "?"):
                    glob = request.fresh(name="glob")
                    if not arn:
                        shape = z3.Star(current_terms().any) if sub == "*" else current_terms().any
                    elif sub == "?":
                        shape = current_terms().noncolon
                    else:
                        after = sub_after(pieces, index, piece, sub)
                        shape = z3.Star(current_terms().any if after in ("", ":") else current_terms().noncolon)
                        if after is None:
                            exact.append(z3.BoolVal(False))
                    request.constraints.append(z3.InRe(glob, shape))
                    parts.append(glob)
                elif sub:
                    parts.append(str_val(sub))
        structural = actual == (z3.Concat(*parts) if len(parts) > 1 else parts[0] if parts else str_val(""))
        if arn:
            structural = z3.And(is_arn(actual), structural)
        return z3.And(*available, z3.If(all_of(exact), structural, _undecided(request, f"{condition.text()}")))
    raise Unencodable(f"the condition {condition.text()} uses a policy variable with {condition.operator}")
