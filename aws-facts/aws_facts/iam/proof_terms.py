"""The z3 terms of the effective-access proof (proof.py): the question's own z3 context, the regular expressions
of IAM's wildcards (globs, ARN patterns), of numbers and of names, and the small term builders the request's
encoding (proof_request.py, proof_callers.py, proof_formulas.py) writes its formulas with."""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import re
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any

import z3

from .. import sdk_internals
from .wildcard import has_glob

# ---- one z3 context per question ----------------------------------------------------------------------------
# z3's answer and the work it spends on one (its resource units, SOLVER_RLIMIT) depend on every term created in
# its context before: in one long-lived context, the same question cost 0.6 million units alone and 2.2
# million after two others, so a test's verdict depended on the tests before it. Each question is therefore
# asked in a context of its own, which makes the work, and so the verdict at the budget, the same everywhere.


class _Terms:
    """The regular expressions every question uses, built in the question's context (a z3 term belongs to one)."""

    def __init__(self) -> None:
        self.s = z3.StringSort()
        self.any = z3.AllChar(z3.ReSort(self.s))
        # Every character but the colon, as two ranges (a complement inside a loop is much slower to solve).
        self.noncolon = z3.Union(z3.Range(chr(0), "9"), z3.Range(";", chr(0x2FFFF)))
        self.digit = z3.Range("0", "9")
        self.alnum_lower = z3.Union(z3.Range("a", "z"), self.digit)
        self.account_re = z3.Loop(self.digit, 12, 12)
        self.org_re = z3.Concat(z3.Re("o-"), z3.Loop(self.alnum_lower, 10, 32))
        # An organization path: its organization's id (10 to 32 characters: a prefix pattern admits others), then
        # a root and OUs of [a-z0-9-] separated and ended by `/` (their exact lengths left open: a superset,
        # faster to solve).
        self.path_re = z3.Concat(
            self.org_re,
            z3.Re("/r-"),
            z3.Plus(self.alnum_lower),
            z3.Re("/"),
            z3.Star(z3.Union(self.alnum_lower, z3.Re("-"), z3.Re("/"))),
        )
        self.name_char = z3.Union(z3.Range("A", "Z"), z3.Range("a", "z"), self.digit, *(z3.Re(c) for c in "+=,.@_-"))
        self.service_re = z3.Concat(
            z3.Range("a", "z"), z3.Star(z3.Union(z3.Range("a", "z"), self.digit, z3.Re("."), z3.Re("-")))
        )


_TERMS: list[tuple[z3.Context, _Terms]] = []  # the current context's terms (one entry)


def current_terms() -> _Terms:
    context = z3.main_ctx()
    if not _TERMS or _TERMS[0][0] is not context:
        _TERMS[:] = [(context, _Terms())]
    return _TERMS[0][1]


@contextlib.contextmanager
def own_z3_context() -> Iterator[None]:
    """z3's default context is a new one for the duration (sdk_internals.fresh_z3_default_context), its terms
    dropped with it. Made on first use: most documents are answered without the solver, and a context costs
    1.4 ms to make."""
    with sdk_internals.fresh_z3_default_context():
        try:
            yield
        finally:
            _TERMS.clear()


# ---- regular expressions of IAM's wildcards ----------------------------------------------------------------


def chars_re(text: str, ignore_case: bool) -> z3.ReRef:
    if not ignore_case:
        return z3.Re(text)
    parts = []
    for c in text:
        low, up = c.lower(), c.upper()
        parts.append(z3.Union(z3.Re(low), z3.Re(up)) if low != up and len(low) == len(up) == 1 else z3.Re(c))
    return _concat(parts)


def _concat(parts: list[z3.ReRef]) -> z3.ReRef:
    if not parts:
        return z3.Re("")
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def glob_re(pattern: str, ignore_case: bool = False) -> z3.ReRef:
    """`*` any run of characters, `?` one character, everything else literal (wildcard.matches)."""
    parts: list[z3.ReRef] = []
    for piece in re.split(r"([*?])", pattern):
        if piece == "*":
            parts.append(z3.Star(current_terms().any))
        elif piece == "?":
            parts.append(current_terms().any)
        elif piece:
            parts.append(chars_re(piece, ignore_case))
    return _concat(parts)


def arn_re(pattern: str) -> z3.ReRef:
    """ARN matching (wildcard.arn_matches): `?` and an inner `*` never cross a colon; a `*` that ends a
    segment does."""
    parts: list[z3.ReRef] = []
    literal = ""
    for index, c in enumerate(pattern):
        if c in "*?":
            if literal:
                parts.append(z3.Re(literal))
                literal = ""
            if c == "?":
                parts.append(current_terms().noncolon)
            else:
                last = index + 1 == len(pattern) or pattern[index + 1] == ":"
                parts.append(z3.Star(current_terms().any if last else current_terms().noncolon))
        else:
            literal += c
    if literal:
        parts.append(z3.Re(literal))
    return _concat(parts)


def account_field(pattern: str, arn: bool) -> str | None:
    """The account field of every ARN (without colons in its partition, service and region) that a pattern
    matches: a pattern of it when it has wildcards; None when a wildcard before it can stand for colons too
    (any `*` or `?` of StringLike)."""
    parts = pattern.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    if not arn and any(has_glob(p) for p in parts[:5]):
        return None
    if arn and parts[4].endswith("*"):
        return None  # the account field's own last `*` may run on past its colon
    return parts[4]


def is_arn(term: z3.SeqRef) -> z3.BoolRef:
    seg = z3.Star(current_terms().noncolon)
    return z3.InRe(
        term,
        z3.Concat(
            z3.Re("arn:"),
            seg,
            z3.Re(":"),
            seg,
            z3.Re(":"),
            seg,
            z3.Re(":"),
            seg,
            z3.Re(":"),
            z3.Star(current_terms().any),
        ),
    )


def all_of(terms: list[z3.BoolRef]) -> z3.BoolRef:
    return z3.And(*terms) if terms else z3.BoolVal(True)


def any_of(terms: list[z3.BoolRef]) -> z3.BoolRef:
    return z3.Or(*terms) if terms else z3.BoolVal(False)


def str_val(text: str) -> z3.SeqRef:
    return z3.StringVal(text)


def cat(*parts: z3.SeqRef | str) -> z3.SeqRef:
    terms = [str_val(p) if isinstance(p, str) else p for p in parts]
    return z3.Concat(*terms) if len(terms) > 1 else terms[0]


def member(term: z3.ExprRef, values: Iterable[str]) -> z3.BoolRef:
    listed = sorted(values)
    return z3.Or(*(term == str_val(v) for v in listed)) if listed else z3.BoolVal(False)


# ---- numbers, addresses and binary values of the conditions ------------------------------------------------


def _below(bound: int) -> z3.ReRef:
    """Digit strings without leading zeros (the empty string standing for 0) whose value is below `bound`."""
    if bound <= 0:
        return z3.Empty(z3.ReSort(current_terms().s))
    text = str(bound)
    parts: list[z3.ReRef] = [z3.Re("")]  # 0
    if len(text) == 2:
        parts.append(z3.Range("1", "9"))  # fewer digits (z3.Loop with an upper bound of 0 has no bound)
    elif len(text) > 2:
        parts.append(z3.Concat(z3.Range("1", "9"), z3.Loop(current_terms().digit, 0, len(text) - 2)))
    for position, digit in enumerate(text):
        low = "1" if position == 0 else "0"
        top = chr(ord(digit) - 1)
        if top >= low:
            tail = len(text) - position - 1
            pieces = [z3.Re(text[:position])] if position else []
            pieces.append(z3.Range(low, top))
            if tail:
                pieces.append(z3.Loop(current_terms().digit, tail, tail))
            parts.append(_concat(pieces))
    return z3.Union(*parts) if len(parts) > 1 else parts[0]


def number_re(relation: str, bound: Fraction) -> z3.ReRef:
    """Digit strings (leading zeros allowed: as_number reads "007" as 7) whose value stands in `relation`
    (equals, lessthan, lessthanequals, greaterthan, greaterthanequals) to `bound`."""
    numbers = z3.Plus(current_terms().digit)
    zeros = z3.Star(z3.Re("0"))
    whole = bound.denominator == 1
    if relation == "equals":
        if not whole or bound < 0:
            return z3.Empty(z3.ReSort(current_terms().s))
        return z3.Concat(zeros, z3.Re(str(bound.numerator))) if bound else z3.Plus(z3.Re("0"))
    # below: values < ceil(bound) when the relation is strict or the bound not whole; <= bound otherwise.
    ceiling = -((-bound.numerator) // bound.denominator)
    floor = bound.numerator // bound.denominator
    if relation == "lessthan":
        limit = ceiling
    elif relation == "lessthanequals":
        limit = floor + 1
    elif relation == "greaterthanequals":
        return z3.Intersect(numbers, z3.Complement(z3.Concat(zeros, _below(ceiling))))
    else:  # greaterthan
        return z3.Intersect(numbers, z3.Complement(z3.Concat(zeros, _below(floor + 1))))
    return z3.Intersect(numbers, z3.Concat(zeros, _below(limit)))


def sub_after(pieces: list[Any], index: int, piece: str, sub: str) -> str | None:
    """What follows a `*` of a literal piece: "" (the end), ":" or another character; None when a variable
    follows (the segment's end is then not known)."""
    del sub
    tail = piece.split("*", 1)[1] if "*" in piece else ""
    if tail:
        return tail[0] if tail[0] == ":" else "x"
    following = pieces[index + 1 :]
    for p in following:
        if isinstance(p, str):
            if p:
                return p[0] if p[0] == ":" else "x"
            continue
        return None
    return ""


def in_network(network: ipaddress.IPv4Network | ipaddress.IPv6Network, address: z3.BitVecRef) -> z3.BoolRef:
    bits = network.max_prefixlen
    mask = ((1 << bits) - 1) ^ ((1 << (bits - network.prefixlen)) - 1)
    return (address & z3.BitVecVal(mask, bits)) == z3.BitVecVal(int(network.network_address), bits)


def decoded_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
