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
128.0.0.0/1 together cover everything) are anyone's.

What the encoding cannot express raises Unencodable (a kind of UnsupportedCondition): the caller reports
the document as "cannot be evaluated", never as passed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import json
import math
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from .. import sdk_internals
from ..names import ACCOUNT_ID
from .actions import all_actions, expand
from .conditions import NEGATED, UnsupportedCondition, as_instant, as_number, check_operator
from .document import Condition, PrincipalValue, Statement
from .evaluate import ALLOW, action_applies, decide
from .principals import Caller, value_names
from .wildcard import has_glob, split_arn

# The solver's budget per question, in z3's resource units (deterministic, unlike a wall-clock timeout on a
# shared machine: about 4 CPU seconds per million); the wall-clock timeout only guards against a hang.
SOLVER_RLIMIT = 5_000_000
SOLVER_TIMEOUT_MS = 600_000
OWNER_PREFIX_V4 = 8  # S3: a range broader than /8 (IPv4) or /32 (IPv6) is public, a narrower one the owner's
OWNER_PREFIX_V6 = 32
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
NAME_CHARS = "A-Za-z0-9+=,.@_-"  # IAM user, role and session names
IP_KEYS = {"aws:sourceip", "aws:vpcsourceip"}
VPC_KEYS = {"aws:sourcevpc", "aws:sourcevpce"}
# The condition keys AWS sets from the caller's identity, never the requester's choice (one definition: external.py
# reads it too).
IDENTITY_KEYS = {
    "aws:principalaccount",
    "kms:calleraccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principaltype",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:federatedprovider",
    "aws:username",
    "aws:userid",
}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LOCK = threading.Lock()  # z3's context is not thread-safe; the pack's gRPC server may use threads


class Unencodable(UnsupportedCondition):
    """A part of the document this encoding cannot express: the document cannot be evaluated."""


@dataclass(frozen=True)
class ProofZone:
    """The trusted side for the proof: accounts, organizations and organization paths (`o-x/r-y/ou-z/`)."""

    accounts: frozenset[str]
    organizations: frozenset[str]
    org_paths: frozenset[str] = frozenset()
    own_accounts: frozenset[str] = frozenset()  # the resource's possible owners (aws:ResourceAccount)


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


def _terms() -> _Terms:
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


def _chars(text: str, ignore_case: bool) -> z3.ReRef:
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
            parts.append(z3.Star(_terms().any))
        elif piece == "?":
            parts.append(_terms().any)
        elif piece:
            parts.append(_chars(piece, ignore_case))
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
                parts.append(_terms().noncolon)
            else:
                last = index + 1 == len(pattern) or pattern[index + 1] == ":"
                parts.append(z3.Star(_terms().any if last else _terms().noncolon))
        else:
            literal += c
    if literal:
        parts.append(z3.Re(literal))
    return _concat(parts)


def _except(excluded: set[str]) -> z3.ReRef:
    """One character, any but the excluded ones (as ranges: a complement is slow to solve)."""
    ranges, low = [], 0
    for c in sorted(excluded):
        if ord(c) > low:
            ranges.append(z3.Range(chr(low), chr(ord(c) - 1)))
        low = ord(c) + 1
    ranges.append(z3.Range(chr(low), chr(0x2FFFF)))
    return z3.Union(*ranges) if len(ranges) > 1 else ranges[0]


def _other_than(words: list[str]) -> z3.ReRef:
    """Strings without a colon other than each of `words`, written without a complement (faster to solve)."""
    noncolon = _except({":"})
    if not words:
        return z3.Star(noncolon)
    each = []
    for word in words:
        shorter = z3.Loop(noncolon, 0, len(word) - 1) if len(word) > 1 else z3.Re("")
        options = [shorter, z3.Concat(z3.Loop(noncolon, len(word) + 1, len(word) + 1), z3.Star(noncolon))]
        for i, c in enumerate(word):
            options.append(_concat([z3.Re(word[:i]) if i else z3.Re(""), _except({":", c}), z3.Star(noncolon)]))
        each.append(z3.Union(*options))
    return z3.Intersect(*each) if len(each) > 1 else each[0]


def _account_field(pattern: str, arn: bool) -> str | None:
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


def _is_arn(term: z3.SeqRef) -> z3.BoolRef:
    seg = z3.Star(_terms().noncolon)
    return z3.InRe(
        term,
        z3.Concat(
            z3.Re("arn:"), seg, z3.Re(":"), seg, z3.Re(":"), seg, z3.Re(":"), seg, z3.Re(":"), z3.Star(_terms().any)
        ),
    )


def _all(terms: list[z3.BoolRef]) -> z3.BoolRef:
    return z3.And(*terms) if terms else z3.BoolVal(True)


def _any(terms: list[z3.BoolRef]) -> z3.BoolRef:
    return z3.Or(*terms) if terms else z3.BoolVal(False)


def _s(text: str) -> z3.SeqRef:
    return z3.StringVal(text)


def _cat(*parts: z3.SeqRef | str) -> z3.SeqRef:
    terms = [_s(p) if isinstance(p, str) else p for p in parts]
    return z3.Concat(*terms) if len(terms) > 1 else terms[0]


def _member(term: z3.ExprRef, values: Iterable[str]) -> z3.BoolRef:
    listed = sorted(values)
    return z3.Or(*(term == _s(v) for v in listed)) if listed else z3.BoolVal(False)


# ---- one key of the request --------------------------------------------------------------------------------


@dataclass
class _Slots:
    """A condition key's values in the request: `count` of them (0: absent), each a string term; for a key
    tested by IP operators, each value is an address instead (is_ip, is_v4, 32-bit and 128-bit vectors)."""

    count: z3.ArithRef
    values: list[z3.SeqRef]
    ip: list[tuple[z3.BoolRef, z3.BoolRef, z3.BitVecRef, z3.BitVecRef]] | None = None
    fixed: bool = False  # the caller's identity or the resource's known context, not the requester's

    def present(self) -> z3.BoolRef:
        return self.count > 0

    def has(self, i: int) -> z3.BoolRef:
        return self.count > i


def _absent() -> _Slots:
    return _Slots(z3.IntVal(0), [], fixed=True)


def _one(term: z3.SeqRef | str, when: z3.BoolRef | bool = True) -> _Slots:
    value = _s(term) if isinstance(term, str) else term
    count = z3.If(when, z3.IntVal(1), z3.IntVal(0)) if not isinstance(when, bool) else z3.IntVal(1 if when else 0)
    return _Slots(count, [value], fixed=True)


# ---- the encoding ----------------------------------------------------------------------------------------


class _Request:
    """The request of one caller kind, as z3 terms, with the constraints that make it an outsider's."""

    def __init__(
        self,
        kind: str,
        statements: Sequence[Statement],
        zone: ProofZone,
        fixed: Mapping[str, tuple[str, ...]],
        resource: str | None,
    ):
        self.kind = kind
        self.statements = statements
        self.zone = zone
        self.constraints: list[z3.BoolRef] = []
        self.tidy: list[z3.BoolRef] = []  # shapes under which every comparison is exact
        self.loose: list[tuple[str, z3.BoolRef]] = []  # comparisons the encoding does not decide (free)
        self.keys: dict[str, _Slots] = {}
        self.lazy: dict[str, Any] = {}
        self.orgs: dict[str, dict[str, Any]] = {}
        self.org_relevant: dict[str, z3.BoolRef] = {}
        text = " ".join(json.dumps(s.raw, default=str) for s in statements)
        self.sessions = ":assumed-role/" in text or ":sts:" in text
        self.partitions = ["aws", *(p for p in PARTITIONS[1:] if f"arn:{p}:" in text)]
        self.counter = 0
        self.tests: dict[str, list[Condition]] = {}
        for s in statements:
            for c in s.conditions:
                self.tests.setdefault(c.lower_key, []).append(c)
        self.res_account = z3.String("resource_account")
        self.constraints.append(z3.InRe(self.res_account, _terms().account_re))
        if zone.own_accounts:
            self.constraints.append(_member(self.res_account, zone.own_accounts))
        self.resource = _s(resource) if resource is not None else z3.String("resource")
        self.resource_known = resource is not None
        for key, values in fixed.items():
            self.keys[key] = _Slots(z3.IntVal(len(values)), [_s(v) for v in values], fixed=True)
        if "aws:resourceaccount" not in self.keys:
            self.keys["aws:resourceaccount"] = _one(self.res_account)
        # The resource is the owner's: in a trusted organization, or in none.
        self.lazy["aws:resourceorgid"] = self._resource_org
        self.lazy["aws:resourceorgpaths"] = self._resource_org
        getattr(self, f"_{kind}")()

    def fresh(self, sort: str = "s", name: str = "v") -> Any:
        self.counter += 1
        label = f"{name}_{self.counter}"
        if sort == "b":
            return z3.Bool(label)
        if sort == "i":
            return z3.Int(label)
        return z3.String(label)

    # -- identities (created when a formula needs them: an unused part costs the solver nothing) --

    def _organization(self, prefix: str, part: str) -> tuple[z3.BoolRef, z3.SeqRef]:
        """(in an organization, its id or its path `o-.../r-.../ou-.../`): an outsider's organization is
        not trusted, and its path is under no trusted path. Id and path are tied when both are tested."""
        if prefix not in self.orgs:
            in_org = z3.Bool(f"{prefix}_in_org")
            self.orgs[prefix] = {"in": in_org}
        entry = self.orgs[prefix]
        in_org = entry["in"]
        if part not in entry:
            term = z3.String(f"{prefix}_{part}")
            entry[part] = term
            if part == "id":
                self.constraints += [z3.InRe(term, _terms().org_re), z3.Not(_member(term, self.zone.organizations))]
            else:
                # The shape, and outside every trusted path (a prefix test: a complement is slow to solve).
                self.constraints.append(z3.InRe(term, _terms().path_re))
                trusted = sorted({*(f"{o}/" for o in self.zone.organizations), *self.zone.org_paths})
                self.constraints += [z3.Not(z3.PrefixOf(_s(t), term)) for t in trusted]
                # An organization has one root: a trusted path names its organization's root.
                for path in sorted(self.zone.org_paths):
                    parts = path.split("/")
                    if len(parts) >= 2 and parts[1]:
                        same_org = z3.PrefixOf(_s(parts[0] + "/"), term)
                        self.constraints.append(z3.Implies(same_org, z3.PrefixOf(_s(f"{parts[0]}/{parts[1]}/"), term)))
            if "id" in entry and "path" in entry:
                self.constraints.append(z3.PrefixOf(z3.Concat(entry["id"], _s("/")), entry["path"]))
        return in_org, entry[part]

    def _aws(self) -> None:
        self.account = z3.String("account")
        self.constraints += [
            z3.InRe(self.account, _terms().account_re),
            z3.Not(_member(self.account, self.zone.accounts)),
            self.account != self.res_account,
        ]
        self.org_relevant["principal"] = z3.BoolVal(True)
        self.lazy.update(
            {
                "aws:principalaccount": lambda: _one(self.account),
                "kms:calleraccount": lambda: _one(self.account),
                "aws:principalarn": lambda: _one(self._principal_arn()),
                "aws:principalisawsservice": lambda: _one("false"),
                "aws:principaltype": lambda: _one(
                    z3.If(self.arns()[2] == 0, _s("Account"), z3.If(self.arns()[2] == 1, _s("User"), _s("AssumedRole")))
                ),  # a role acts through its sessions
                "aws:principalorgid": lambda: _one(*reversed(self._organization("principal", "id"))),
                "aws:principalorgpaths": lambda: _one(*reversed(self._organization("principal", "path"))),
                "aws:username": self._username,
                "aws:userid": self._userid,
            }
        )

    def arns(self) -> tuple[z3.SeqRef, z3.SeqRef, z3.ArithRef]:
        """(the principal's ARN: root, a user or a role, with its path; the ARN of a role session; 0 root,
        1 user, 2 role, 3 a role's session). A session's role is read as `role/<name>` by the evaluator, so a
        session's role has the path `/` here. The ARN is `arn:<partition>:iam::<account>:<tail>` with one
        term for the tail (fewer terms solve faster)."""
        if not hasattr(self, "parn"):
            self.tail, self.ptype = z3.String("principal_tail"), z3.Int("principal_type")
            name, path = z3.Plus(_terms().name_char), z3.Star(z3.Concat(z3.Plus(_terms().name_char), z3.Re("/")))
            partition: z3.SeqRef | str = "aws"
            if len(self.partitions) > 1:
                partition = z3.String("partition")
                self.constraints.append(_member(partition, self.partitions))
            self.constraints += [
                z3.InRe(
                    self.tail, z3.Union(z3.Re("root"), z3.Concat(z3.Union(z3.Re("user/"), z3.Re("role/")), path, name))
                ),
                self.ptype >= 0,
                self.ptype <= 3,
                (self.ptype == 0) == (self.tail == _s("root")),
                (self.ptype == 1) == z3.PrefixOf(_s("user/"), self.tail),
            ]
            self.parn = _cat("arn:", partition, ":iam::", self.account, ":", self.tail)
            # An STS principal: a role's session (its role is `role/<name>`) or a federated user.
            self.session_name, self.sts_tail = z3.String("role_name"), z3.String("sts_tail")
            self.sarn = _cat("arn:", partition, ":sts::", self.account, ":", self.sts_tail)
            if self.sessions:
                role_session = z3.PrefixOf(z3.Concat(_s("assumed-role/"), self.session_name, _s("/")), self.sts_tail)
                self.constraints += [
                    z3.InRe(self.session_name, name),
                    z3.InRe(
                        self.sts_tail,
                        z3.Union(
                            z3.Concat(z3.Re("assumed-role/"), name, z3.Re("/"), name),
                            z3.Concat(z3.Re("federated-user/"), name),
                        ),
                    ),
                    z3.Implies(
                        z3.And(self.ptype == 3, role_session), self.tail == z3.Concat(_s("role/"), self.session_name)
                    ),
                    z3.Implies(self.ptype == 3, z3.Or(role_session, z3.PrefixOf(_s("federated-user/"), self.sts_tail))),
                ]
            else:
                self.constraints.append(self.ptype != 3)  # no value names an STS principal: a role stands for them
        return self.parn, self.sarn, self.ptype

    def _principal_arn(self) -> z3.SeqRef:
        """aws:PrincipalArn: a role session's is its role's ARN, a federated user's its own."""
        parn, sarn, ptype = self.arns()
        return z3.If(z3.And(ptype == 3, z3.PrefixOf(_s("federated-user/"), self.sts_tail)), sarn, parn)

    def _username(self) -> _Slots:
        """A user's name (free here: the last part of the user's ARN)."""
        self.arns()
        return _one(z3.String("user_name"), self.ptype == 1)

    def _userid(self) -> _Slots:
        """aws:userid is `<unique id>[:<session>]`: a unique id the document names is one principal's."""
        tests = self.tests.get("aws:userid", [])
        named = {v.split(":", 1)[0] for c in tests for v in c.values if not has_glob(v.split(":", 1)[0])}
        slots = self._requester("aws:userid", tests)
        for i, value in enumerate(slots.values):
            for unique in sorted(named):
                outside = z3.And(value != _s(unique), z3.Not(z3.PrefixOf(_s(unique + ":"), value)))
                self.constraints.append(z3.Implies(slots.has(i), outside))
        return slots

    def _resource_org(self) -> _Slots:
        if "aws:resourceorgid" in self.keys or "aws:resourceorgpaths" in self.keys:
            return self.keys.get("aws:resourceorgid") or self.keys["aws:resourceorgpaths"]
        organizations = sorted(self.zone.organizations)
        if not organizations:
            self.keys["aws:resourceorgid"] = self.keys["aws:resourceorgpaths"] = _absent()
            return self.keys["aws:resourceorgid"]
        in_org, org, path = z3.Bool("resource_in_org"), z3.String("resource_org"), z3.String("resource_org_path")
        self.constraints += [
            _member(org, organizations),
            z3.PrefixOf(z3.Concat(org, _s("/")), path),
            z3.InRe(path, _terms().path_re),
        ]
        self.keys["aws:resourceorgid"], self.keys["aws:resourceorgpaths"] = _one(org, in_org), _one(path, in_org)
        return self.keys["aws:resourceorgid"]

    def _source_org(self, part: str, either: z3.BoolRef) -> _Slots:
        in_org, term = self._organization("source", part)
        return _one(term, z3.And(in_org, either))

    def _anonymous(self) -> None:
        self.lazy["aws:principaltype"] = lambda: _one("Anonymous")

    def _service(self) -> None:
        self.service = z3.String("service")
        self.constraints.append(z3.InRe(self.service, _terms().service_re))
        has_account, source_account = z3.Bool("has_source_account"), z3.String("source_account")
        has_arn, source_arn = z3.Bool("has_source_arn"), z3.String("source_arn")
        self.constraints.append(z3.InRe(source_account, _terms().account_re))
        self.org_relevant["source"] = z3.Or(has_account, has_arn)
        either = z3.Or(has_account, has_arn)
        self.lazy.update(
            {
                "aws:principalisawsservice": lambda: _one("true"),
                "aws:principalservicename": lambda: _one(self.service),
                "aws:principalservicenameslist": lambda: _one(self.service),
                "aws:sourceaccount": lambda: _one(source_account, has_account),
                "aws:sourceowner": lambda: _one(source_account, has_account),
                "aws:sourcearn": lambda: _one(source_arn, has_arn),
                "aws:sourceorgid": lambda: self._source_org("id", either),
                "aws:sourceorgpaths": lambda: self._source_org("path", either),
            }
        )
        own = self.zone.accounts
        literal_arns = {v for c in self.tests.get("aws:sourcearn", []) for v in c.values if not has_glob(v)}
        accountless = {v for v in literal_arns if (p := split_arn(v)) is not None and not p[4]}
        self.source = (has_account, source_account, has_arn, source_arn)
        # The source ARN is an outsider's: its account field is not trusted, and it is not an account-less ARN
        # (an S3 bucket) the document spells out, which is the owner's. The account field is a term of its own,
        # tied to the ARN by every pattern that fixes it: the ARN's partition, service and region hold no colon,
        # so a pattern whose fifth field is written out fixes the account of every ARN it matches. (A regular
        # expression for "an ARN whose account is not trusted" is much slower to solve.)
        seg = z3.Star(_terms().noncolon)
        head = z3.Concat(z3.Re("arn:"), seg, z3.Re(":"), seg, z3.Re(":"), seg, z3.Re(":"))
        arn_account = z3.String("source_arn_account")
        self.source_arn_account = arn_account
        self.constraints += [
            z3.InRe(source_arn, z3.Concat(head, seg, z3.Re(":"), z3.Star(_terms().any))),
            z3.InRe(arn_account, seg),
            z3.Not(_member(arn_account, own)),
            arn_account != self.res_account,
            z3.Not(_member(source_arn, accountless)),
        ]
        for condition in self.tests.get("aws:sourcearn", []):
            for value in condition.values:
                fixed = _account_field(value, condition.base.startswith("arn"))
                if fixed is not None and not (condition.variables and "${" in value):
                    pattern = arn_re(value) if condition.base.startswith("arn") else glob_re(value)
                    field = z3.InRe(arn_account, arn_re(fixed)) if has_glob(fixed) else arn_account == _s(fixed)
                    self.constraints.append(z3.Implies(z3.InRe(source_arn, pattern), field))
        self.constraints += [
            z3.Not(z3.And(has_account, z3.Or(_member(source_account, own), source_account == self.res_account))),
        ]

    # -- requester keys --

    def _free(self, key: str) -> _Slots:
        """The key's values in the request: the caller's identity, the resource's known context or the
        requester's choice."""
        if key in self.keys:
            return self.keys[key]
        if key in self.lazy:
            made = self.lazy[key]()
            self.keys.setdefault(key, made)  # a maker may set related keys itself
        elif key in IDENTITY_KEYS or "." in key.rpartition(":")[0]:
            # An identity key of another kind of caller, or a web identity claim: only a federated caller has one.
            self.keys[key] = _absent()
        else:
            self.keys[key] = self._requester(key, self.tests.get(key, []))
        return self.keys[key]

    def _requester(self, key: str, tests: list[Condition]) -> _Slots:
        size = max(1, len(tests))
        count = z3.Int(f"count[{key}]")
        self.constraints.append(z3.And(count >= 0, count <= size))
        values = [z3.String(f"value[{key}][{i}]") for i in range(size)]
        slots = _Slots(count, values)
        bases = {c.base for c in tests} - {"null"}
        if bases & {"ipaddress", "notipaddress"} or key in IP_KEYS:
            if bases - {"ipaddress", "notipaddress"}:
                raise Unencodable(f"the key {key} is tested both as an IP address and as text")
            slots.ip = []
            for i in range(size):
                is_ip, is_v4 = z3.Bool(f"is_ip[{key}][{i}]"), z3.Bool(f"is_v4[{key}][{i}]")
                a4, a6 = z3.BitVec(f"v4[{key}][{i}]", 32), z3.BitVec(f"v6[{key}][{i}]", 128)
                slots.ip.append((is_ip, is_v4, a4, a6))
                if key in IP_KEYS:
                    self.constraints.append(
                        z3.Implies(slots.has(i), z3.And(is_ip, z3.Not(self._owner_network(key, is_v4, a4, a6))))
                    )
        elif "bool" in bases:
            # A boolean key (aws:SecureTransport, aws:ViaAWSService, ...) carries "true" or "false".
            self.constraints += [z3.Implies(slots.has(i), _member(v, ("true", "false"))) for i, v in enumerate(values)]
        elif key in VPC_KEYS:
            named = {v for c in tests for v in c.values if not has_glob(v)}
            self.constraints += [z3.Implies(slots.has(i), z3.Not(_member(v, named))) for i, v in enumerate(values)]
        elif key == "aws:vpceaccount":
            self.constraints += [
                z3.Implies(slots.has(i), z3.Not(_member(v, self.zone.accounts))) for i, v in enumerate(values)
            ]
        elif key in ("aws:vpceorgid", "aws:vpceorgpaths"):
            for i, v in enumerate(values):
                org = self.fresh(name="vpce_org")
                self.constraints.append(
                    z3.Implies(
                        slots.has(i),
                        z3.And(
                            z3.InRe(org, _terms().org_re),
                            z3.PrefixOf(org, v),
                            z3.Not(_member(org, self.zone.organizations)),
                        ),
                    )
                )
                if key == "aws:vpceorgid":
                    self.constraints.append(z3.Implies(slots.has(i), v == org))
                else:
                    self.constraints.append(z3.Implies(slots.has(i), z3.PrefixOf(_cat(org, "/"), v)))
                    self.constraints += [
                        z3.Implies(slots.has(i), z3.Not(z3.PrefixOf(_s(p), v))) for p in sorted(self.zone.org_paths)
                    ]
        return slots

    def _owner_network(self, key: str, is_v4: z3.BoolRef, a4: z3.BitVecRef, a6: z3.BitVecRef) -> z3.BoolRef:
        """The address is in a range the document names that is narrow enough to be the owner's network."""
        inside = []
        for condition in self.tests.get(key, []):
            for value in condition.values:
                try:
                    network = ipaddress.ip_network(value, strict=False)
                except ValueError:
                    continue
                if network.version == 4 and network.prefixlen >= OWNER_PREFIX_V4:
                    inside.append(z3.And(is_v4, _in_network(network, a4)))
                elif network.version == 6 and network.prefixlen >= OWNER_PREFIX_V6:
                    inside.append(z3.And(z3.Not(is_v4), _in_network(network, a6)))
        return z3.Or(*inside) if inside else z3.BoolVal(False)

    # -- statements --

    def principal_matches(self, statement: Statement) -> z3.BoolRef:
        if statement.principals is None:
            return z3.BoolVal(True)
        named = z3.Or(*(self._names(p) for p in statement.principals)) if statement.principals else z3.BoolVal(False)
        return z3.Not(named) if statement.not_principal else named

    def _names(self, principal: PrincipalValue) -> z3.BoolRef:
        kind, value = principal.kind, principal.value
        if kind == "*" or (kind == "AWS" and value == "*"):
            return z3.BoolVal(True)
        if kind == "AWS" and self.kind == "aws":
            account = value if ACCOUNT_ID.fullmatch(value) or (has_glob(value) and ":" not in value) else None
            parts = split_arn(value)
            if parts is not None and parts[2] == "iam" and parts[5] == "root":
                account = parts[4]
            if account is not None:
                return z3.InRe(self.account, glob_re(account))
            if self._trusted_arn(value, False) and not any(
                p.endswith("*") or "?" in p for p in value.split(":", 5)[:5]
            ):
                return z3.BoolVal(False)  # a principal of a trusted account
            pattern = glob_re(value)
            parn, sarn, ptype = self.arns()
            return z3.Or(z3.InRe(parn, pattern), z3.And(ptype == 3, z3.InRe(sarn, pattern)))
        if kind == "Service" and self.kind == "service":
            return z3.InRe(self.service, glob_re(value.lower()))
        return z3.BoolVal(False)

    def resource_matches(self, statement: Statement) -> z3.BoolRef:
        if statement.resources is None:
            return z3.BoolVal(True)
        hit = (
            z3.Or(*(z3.InRe(self.resource, arn_re(p)) for p in statement.resources))
            if statement.resources
            else z3.BoolVal(False)
        )
        return z3.Not(hit) if statement.not_resource else hit

    def conditions_hold(self, statement: Statement) -> z3.BoolRef:
        return z3.And(*(self.holds(c) for c in statement.conditions)) if statement.conditions else z3.BoolVal(True)

    def holds(self, condition: Condition) -> z3.BoolRef:
        """conditions.holds, as a formula."""
        check_operator(condition)
        slots = self._free(condition.lower_key)
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
            hit = z3.Or(*(self._compare(condition, base, e, slots, i) for e in condition.values))
            ones.append((slots.has(i), z3.Not(hit) if negated else hit))
        every = _all([z3.Implies(has, one) for has, one in ones])
        some = _any([z3.And(has, one) for has, one in ones])
        if condition.qualifier == "forallvalues" or (condition.qualifier != "foranyvalue" and negated):
            present = every
        else:
            present = some
        return z3.If(slots.present(), present, when_absent)

    def _undecided(self, why: str) -> z3.BoolRef:
        flag = self.fresh("b", "undecided")
        self.loose.append((why, flag))
        return flag

    def _trusted_arn(self, pattern: str, variables: bool) -> bool:
        """An ARN pattern whose account field is a trusted account (or the resource's own, by variable): it
        matches no outsider's ARN, which the formula can say at once (the solver is slow to find it)."""
        parts = pattern.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn" or any(p.endswith("*") for p in parts[:4]):
            return False
        field = parts[4]
        if variables and field.lower() == "${aws:resourceaccount}":
            return True
        return not has_glob(field) and "${" not in field and field in self.zone.accounts

    def _compare(self, condition: Condition, base: str, expected: str, slots: _Slots, i: int) -> z3.BoolRef:
        actual = slots.values[i]
        variables = condition.variables and "${" in expected
        identity_arn = (self.kind == "aws" and condition.lower_key == "aws:principalarn") or (
            self.kind == "service" and condition.lower_key == "aws:sourcearn"
        )
        arn_bases = ("arnlike", "arnnotlike", "arnequals", "arnnotequals", "stringequals", "stringnotequals")
        if identity_arn and base in arn_bases and self._trusted_arn(expected, variables):
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
                return z3.And(is_ip, is_v4, _in_network(network, a4))
            return z3.And(is_ip, z3.Not(is_v4), _in_network(network, a6))
        if base.startswith("numeric") or base.startswith("date"):
            if variables:
                raise Unencodable(f"the condition {condition.text()} compares a number with a policy variable")
            number = as_instant(expected) if base.startswith("date") else as_number(expected)
            if number is None:
                return z3.BoolVal(False)
            if not math.isfinite(number):
                raise Unencodable(f"the condition {condition.text()} compares with a value that is not a finite number")
            digits = z3.InRe(actual, z3.Plus(z3.Range("0", "9")))
            self.tidy.append(z3.Implies(slots.has(i), digits))
            relation = base.removeprefix("numeric").removeprefix("date").removeprefix("not")
            exact = z3.InRe(actual, number_re(relation, Fraction(number)))
            return z3.If(digits, exact, self._undecided(f"{condition.text()} on a value that is not digits"))
        if base == "binaryequals":
            decoded = _base64(expected)
            if decoded is None:
                return z3.BoolVal(False)
            same = [e for c in self.tests.get(condition.lower_key, []) for e in c.values if _base64(e) == decoded]
            named = {e for c in self.tests.get(condition.lower_key, []) for e in c.values}
            self.tidy.append(z3.Implies(slots.has(i), z3.Or(_member(actual, named), z3.Contains(actual, _s("#")))))
            return z3.Or(
                _member(actual, same),
                z3.And(
                    z3.Not(_member(actual, named)),
                    z3.Not(z3.Contains(actual, _s("#"))),
                    self._undecided(f"{condition.text()}"),
                ),
            )
        if slots.ip is not None:
            raise Unencodable(f"the key {condition.key} is tested both as an IP address and as text")
        if variables:
            return self._with_variables(condition, base, expected, actual)
        if (
            self.kind == "service"
            and condition.lower_key == "aws:sourcearn"
            and (base.startswith("arn") or base.startswith("string"))
        ):
            fixed = (
                _account_field(expected, base.startswith("arn")) if "like" in base or base.startswith("arn") else None
            )
            if base.startswith("stringequals") and "ignorecase" not in base:
                fixed = _account_field(expected, True) if not has_glob(expected) else None
            if fixed is not None and not has_glob(fixed) and fixed in self.zone.accounts:
                return z3.BoolVal(False)  # only an ARN of a trusted account matches: never an outsider's
        if base in ("stringequals", "stringnotequals"):
            return actual == _s(expected)
        if base in ("stringequalsignorecase", "stringnotequalsignorecase", "bool"):
            return z3.InRe(actual, _chars(expected, ignore_case=True))
        if base in ("stringlike", "stringnotlike"):
            return z3.InRe(actual, glob_re(expected))
        if base.startswith("arn"):
            return z3.And(_is_arn(actual), z3.InRe(actual, arn_re(expected)))
        raise Unencodable(f"the condition operator {condition.operator} is not modelled")

    def _with_variables(self, condition: Condition, base: str, expected: str, actual: z3.SeqRef) -> z3.BoolRef:
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
            slots = self._free(key.strip().lower())
            if slots.ip is not None or not slots.values:
                if slots.values:
                    raise Unencodable(f"the condition {condition.text()} uses the IP key {key} as a variable")
                value: z3.SeqRef = _s("")
            else:
                value = slots.values[0]
            default = default.strip()
            if default.startswith("'") and default.endswith("'") and len(default) >= 2:
                value = z3.If(slots.present(), value, _s(default[1:-1]))
            else:
                available.append(slots.present())
            pieces.append(value)
            exact.append(z3.And(z3.Not(z3.Contains(value, _s("*"))), z3.Not(z3.Contains(value, _s("?")))))
        pieces.append(expected[position:])
        self.tidy.append(_all(exact))
        if base in ("stringequals", "stringnotequals"):
            term = _cat(*[p for p in pieces if not (isinstance(p, str) and not p)] or [""])
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
                        glob = self.fresh(name="glob")
                        if not arn:
                            shape = z3.Star(_terms().any) if sub == "*" else _terms().any
                        elif sub == "?":
                            shape = _terms().noncolon
                        else:
                            after = sub_after(pieces, index, piece, sub)
                            shape = z3.Star(_terms().any if after in ("", ":") else _terms().noncolon)
                            if after is None:
                                exact.append(z3.BoolVal(False))
                        self.constraints.append(z3.InRe(glob, shape))
                        parts.append(glob)
                    elif sub:
                        parts.append(_s(sub))
            structural = actual == (z3.Concat(*parts) if len(parts) > 1 else parts[0] if parts else _s(""))
            if arn:
                structural = z3.And(_is_arn(actual), structural)
            return z3.And(*available, z3.If(_all(exact), structural, self._undecided(f"{condition.text()}")))
        raise Unencodable(f"the condition {condition.text()} uses a policy variable with {condition.operator}")


def _below(bound: int) -> z3.ReRef:
    """Digit strings without leading zeros (the empty string standing for 0) whose value is below `bound`."""
    if bound <= 0:
        return z3.Empty(z3.ReSort(_terms().s))
    text = str(bound)
    parts: list[z3.ReRef] = [z3.Re("")]  # 0
    if len(text) == 2:
        parts.append(z3.Range("1", "9"))  # fewer digits (z3.Loop with an upper bound of 0 has no bound)
    elif len(text) > 2:
        parts.append(z3.Concat(z3.Range("1", "9"), z3.Loop(_terms().digit, 0, len(text) - 2)))
    for position, digit in enumerate(text):
        low = "1" if position == 0 else "0"
        top = chr(ord(digit) - 1)
        if top >= low:
            tail = len(text) - position - 1
            pieces = [z3.Re(text[:position])] if position else []
            pieces.append(z3.Range(low, top))
            if tail:
                pieces.append(z3.Loop(_terms().digit, tail, tail))
            parts.append(_concat(pieces))
    return z3.Union(*parts) if len(parts) > 1 else parts[0]


def number_re(relation: str, bound: Fraction) -> z3.ReRef:
    """Digit strings (leading zeros allowed: as_number reads "007" as 7) whose value stands in `relation`
    (equals, lessthan, lessthanequals, greaterthan, greaterthanequals) to `bound`."""
    numbers = z3.Plus(_terms().digit)
    zeros = z3.Star(z3.Re("0"))
    whole = bound.denominator == 1
    if relation == "equals":
        if not whole or bound < 0:
            return z3.Empty(z3.ReSort(_terms().s))
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


def _in_network(network: ipaddress.IPv4Network | ipaddress.IPv6Network, address: z3.BitVecRef) -> z3.BoolRef:
    bits = network.max_prefixlen
    mask = ((1 << bits) - 1) ^ ((1 << (bits - network.prefixlen)) - 1)
    return (address & z3.BitVecVal(mask, bits)) == z3.BitVecVal(int(network.network_address), bits)


def _base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


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
    requests: list[_Request] = []
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
    requests: list[_Request],
) -> list[Witness]:
    found: list[Witness] = []
    allows = [s for s in statements if s.is_allow]
    denies = [s for s in statements if s.is_deny]
    for kind in _kinds(statements):
        open_allows = [s for s in allows if not _admits_insiders_only(s, zone, kind)]
        if not open_allows:
            continue  # every Allow admits insiders only, as written: nothing to solve
        request = _Request(kind, statements, zone, fixed, resource)
        requests.append(request)
        action = z3.Int("action")
        applies = {  # the formulas the questions below use: the open Allows' and the Denies'
            s.index: z3.And(request.principal_matches(s), request.resource_matches(s), request.conditions_hold(s))
            for s in (*open_allows, *denies)
        }

        def in_classes(numbers: set[int], action: z3.ArithRef = action) -> z3.BoolRef:
            return _any([action == n for n in sorted(numbers)])

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
        if (
            condition.lower_key not in _ZONE_KEYS
            or condition.base not in ("stringequals", "stringlike")
            or condition.qualifier not in ("", "foranyvalue")
            or condition.if_exists
            or not condition.values
            or (condition.variables and any("${" in v for v in condition.values))
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
    trusted account written out (`_account_field`: a StringLike wildcard before it may stand for colons, so it
    does not fix it). A service is an outsider only when its source account, or its source ARN's account, is not
    trusted (`_Request._service`), so such an Allow admits no outside service: the repository policies'
    consumer services (`aws:SourceAccount` of a consumer account, `aws:SourceArn` of its function)."""
    if statement.unknown:
        return False
    for condition in statement.conditions:
        key = condition.lower_key
        if (
            key not in (*_SOURCE_ACCOUNT_KEYS, "aws:sourcearn")
            or condition.base not in ("stringequals", "stringlike", "arnequals", "arnlike")
            or (key in _SOURCE_ACCOUNT_KEYS and condition.base.startswith("arn"))
            or condition.qualifier not in ("", "foranyvalue")
            or condition.if_exists
            or not condition.values
            or (condition.variables and any("${" in v for v in condition.values))
        ):
            continue
        if key in _SOURCE_ACCOUNT_KEYS:
            accounts = [v if condition.base == "stringequals" or not has_glob(v) else None for v in condition.values]
        else:
            accounts = [_account_field(v, condition.base.startswith("arn")) for v in condition.values]
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
    model: z3.ModelRef, request: _Request, statement: Statement, actions: frozenset[str], resource: str | None
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
    if request.kind == "aws":
        account = _string(model, request.account)
        arn = f"arn:aws:iam::{account}:root"
        if hasattr(request, "parn"):
            session = model.eval(request.ptype, model_completion=True).as_long() == 3
            arn = _string(model, request.sarn if session else request.parn)
            if session and arn.split(":", 5)[-1].startswith("federated-user/"):
                context["aws:principalarn"] = (arn,)
        context.setdefault("aws:principalaccount", (account,))  # shown in the finding: who the outsider is
        caller = Caller("aws", account, arn, None, f"principals of account {account} ({arn})", context)
    elif request.kind == "service":
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


__all__ = ["ProofZone", "Unencodable", "Witness", "action_classes", "arn_re", "glob_re", "outsider_witnesses"]
