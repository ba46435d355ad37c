"""The request of the effective-access proof (proof.py) as z3 terms: one caller kind's identity, the resource,
every condition key's values, the constraints that make the request an outsider's, and each statement's
principal, resource and conditions as formulas over it (`Request`)."""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from ..names import ACCOUNT_ID, partitions
from .conditions import NEGATED, UnsupportedCondition, as_instant, as_number, check_operator
from .document import Condition, PrincipalValue, Statement
from .networks import owner_networks
from .principals import unique_ids_named
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

IP_KEYS = {"aws:sourceip", "aws:vpcsourceip"}
VPC_KEYS = {"aws:sourcevpc", "aws:sourcevpce"}
# Keys in every request's context, one value each (the global condition keys page: aws:CurrentTime,
# aws:EpochTime, aws:SecureTransport, "Availability: this key is always included in the request context"): a
# request cannot leave them out to escape a Deny on them.
ALWAYS_PRESENT = {"aws:currenttime", "aws:epochtime", "aws:securetransport"}
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


class Unencodable(UnsupportedCondition):
    """A part of the document this encoding cannot express: the document cannot be evaluated."""


@dataclass(frozen=True)
class ProofZone:
    """The trusted side for the proof: accounts, organizations and organization paths (`o-x/r-y/ou-z/`)."""

    accounts: frozenset[str]
    organizations: frozenset[str]
    org_paths: frozenset[str] = frozenset()
    own_accounts: frozenset[str] = frozenset()  # the resource's possible owners (aws:ResourceAccount)


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
    value = str_val(term) if isinstance(term, str) else term
    count = z3.If(when, z3.IntVal(1), z3.IntVal(0)) if not isinstance(when, bool) else z3.IntVal(1 if when else 0)
    return _Slots(count, [value], fixed=True)


# ---- the encoding ----------------------------------------------------------------------------------------


class Request:
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
        self.partitions = ["aws", *(p for p in partitions() if p != "aws" and f"arn:{p}:" in text)]
        self.counter = 0
        self.tests: dict[str, list[Condition]] = {}
        for s in statements:
            for c in s.conditions:
                self.tests.setdefault(c.lower_key, []).append(c)
        self.res_account = z3.String("resource_account")
        self.constraints.append(z3.InRe(self.res_account, current_terms().account_re))
        if zone.own_accounts:
            self.constraints.append(member(self.res_account, zone.own_accounts))
        self.resource = str_val(resource) if resource is not None else z3.String("resource")
        self.resource_known = resource is not None
        for key, values in fixed.items():
            self.keys[key] = _Slots(z3.IntVal(len(values)), [str_val(v) for v in values], fixed=True)
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
                self.constraints += [
                    z3.InRe(term, current_terms().org_re),
                    z3.Not(member(term, self.zone.organizations)),
                ]
            else:
                # The shape, and outside every trusted path (a prefix test: a complement is slow to solve).
                self.constraints.append(z3.InRe(term, current_terms().path_re))
                trusted = sorted({*(f"{o}/" for o in self.zone.organizations), *self.zone.org_paths})
                self.constraints += [z3.Not(z3.PrefixOf(str_val(t), term)) for t in trusted]
                # An organization has one root: a trusted path names its organization's root.
                for path in sorted(self.zone.org_paths):
                    parts = path.split("/")
                    if len(parts) >= 2 and parts[1]:
                        same_org = z3.PrefixOf(str_val(parts[0] + "/"), term)
                        self.constraints.append(
                            z3.Implies(same_org, z3.PrefixOf(str_val(f"{parts[0]}/{parts[1]}/"), term))
                        )
            if "id" in entry and "path" in entry:
                self.constraints.append(z3.PrefixOf(z3.Concat(entry["id"], str_val("/")), entry["path"]))
        return in_org, entry[part]

    def _aws(self) -> None:
        self.account = z3.String("account")
        self.constraints += [
            z3.InRe(self.account, current_terms().account_re),
            z3.Not(member(self.account, self.zone.accounts)),
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
                    z3.If(
                        self.arns()[2] == 0,
                        str_val("Account"),
                        z3.If(self.arns()[2] == 1, str_val("User"), str_val("AssumedRole")),
                    )
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
            name, path = (
                z3.Plus(current_terms().name_char),
                z3.Star(z3.Concat(z3.Plus(current_terms().name_char), z3.Re("/"))),
            )
            partition: z3.SeqRef | str = "aws"
            if len(self.partitions) > 1:
                partition = z3.String("partition")
                self.constraints.append(member(partition, self.partitions))
            self.constraints += [
                z3.InRe(
                    self.tail, z3.Union(z3.Re("root"), z3.Concat(z3.Union(z3.Re("user/"), z3.Re("role/")), path, name))
                ),
                self.ptype >= 0,
                self.ptype <= 3,
                (self.ptype == 0) == (self.tail == str_val("root")),
                (self.ptype == 1) == z3.PrefixOf(str_val("user/"), self.tail),
            ]
            self.parn = cat("arn:", partition, ":iam::", self.account, ":", self.tail)
            # An STS principal: a role's session (its role is `role/<name>`) or a federated user.
            self.session_name, self.sts_tail = z3.String("role_name"), z3.String("sts_tail")
            self.sarn = cat("arn:", partition, ":sts::", self.account, ":", self.sts_tail)
            if self.sessions:
                role_session = z3.PrefixOf(
                    z3.Concat(str_val("assumed-role/"), self.session_name, str_val("/")), self.sts_tail
                )
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
                        z3.And(self.ptype == 3, role_session),
                        self.tail == z3.Concat(str_val("role/"), self.session_name),
                    ),
                    z3.Implies(
                        self.ptype == 3, z3.Or(role_session, z3.PrefixOf(str_val("federated-user/"), self.sts_tail))
                    ),
                ]
            else:
                self.constraints.append(self.ptype != 3)  # no value names an STS principal: a role stands for them
        return self.parn, self.sarn, self.ptype

    def _principal_arn(self) -> z3.SeqRef:
        """aws:PrincipalArn: a role session's is its role's ARN, a federated user's its own."""
        parn, sarn, ptype = self.arns()
        return z3.If(z3.And(ptype == 3, z3.PrefixOf(str_val("federated-user/"), self.sts_tail)), sarn, parn)

    def _username(self) -> _Slots:
        """A user's name (free here: the last part of the user's ARN)."""
        self.arns()
        return _one(z3.String("user_name"), self.ptype == 1)

    def _userid(self) -> _Slots:
        """aws:userid is `<unique id>[:<session>]`: a unique id the document names (`unique_ids_named`) is one
        principal's, an outsider's is another."""
        tests = self.tests.get("aws:userid", [])
        named = unique_ids_named(tests)
        slots = self._requester("aws:userid", tests)
        for i, value in enumerate(slots.values):
            for unique in sorted(named):
                outside = z3.And(value != str_val(unique), z3.Not(z3.PrefixOf(str_val(unique + ":"), value)))
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
            member(org, organizations),
            z3.PrefixOf(z3.Concat(org, str_val("/")), path),
            z3.InRe(path, current_terms().path_re),
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
        self.constraints.append(z3.InRe(self.service, current_terms().service_re))
        has_account, source_account = z3.Bool("has_source_account"), z3.String("source_account")
        has_arn, source_arn = z3.Bool("has_source_arn"), z3.String("source_arn")
        self.constraints.append(z3.InRe(source_account, current_terms().account_re))
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
        seg = z3.Star(current_terms().noncolon)
        head = z3.Concat(z3.Re("arn:"), seg, z3.Re(":"), seg, z3.Re(":"), seg, z3.Re(":"))
        arn_account = z3.String("source_arn_account")
        self.source_arn_account = arn_account
        self.constraints += [
            z3.InRe(source_arn, z3.Concat(head, seg, z3.Re(":"), z3.Star(current_terms().any))),
            z3.InRe(arn_account, seg),
            z3.Not(member(arn_account, own)),
            arn_account != self.res_account,
            z3.Not(member(source_arn, accountless)),
        ]
        for condition in self.tests.get("aws:sourcearn", []):
            for value in condition.values:
                fixed = account_field(value, condition.base.startswith("arn"))
                if fixed is not None and not (condition.variables and "${" in value):
                    pattern = arn_re(value) if condition.base.startswith("arn") else glob_re(value)
                    field = z3.InRe(arn_account, arn_re(fixed)) if has_glob(fixed) else arn_account == str_val(fixed)
                    self.constraints.append(z3.Implies(z3.InRe(source_arn, pattern), field))
        self.constraints += [
            z3.Not(z3.And(has_account, z3.Or(member(source_account, own), source_account == self.res_account))),
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
        self.constraints.append(count == 1 if key in ALWAYS_PRESENT else z3.And(count >= 0, count <= size))
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
            self.constraints += [z3.Implies(slots.has(i), member(v, ("true", "false"))) for i, v in enumerate(values)]
        elif key in VPC_KEYS:
            named = {v for c in tests for v in c.values if not has_glob(v)}
            self.constraints += [z3.Implies(slots.has(i), z3.Not(member(v, named))) for i, v in enumerate(values)]
        elif key == "aws:vpceaccount":
            self.constraints += [
                z3.Implies(slots.has(i), z3.Not(member(v, self.zone.accounts))) for i, v in enumerate(values)
            ]
        elif key in ("aws:vpceorgid", "aws:vpceorgpaths"):
            for i, v in enumerate(values):
                org = self.fresh(name="vpce_org")
                self.constraints.append(
                    z3.Implies(
                        slots.has(i),
                        z3.And(
                            z3.InRe(org, current_terms().org_re),
                            z3.PrefixOf(org, v),
                            z3.Not(member(org, self.zone.organizations)),
                        ),
                    )
                )
                if key == "aws:vpceorgid":
                    self.constraints.append(z3.Implies(slots.has(i), v == org))
                else:
                    self.constraints.append(z3.Implies(slots.has(i), z3.PrefixOf(cat(org, "/"), v)))
                    self.constraints += [
                        z3.Implies(slots.has(i), z3.Not(z3.PrefixOf(str_val(p), v)))
                        for p in sorted(self.zone.org_paths)
                    ]
        return slots

    def _owner_network(self, key: str, is_v4: z3.BoolRef, a4: z3.BitVecRef, a6: z3.BitVecRef) -> z3.BoolRef:
        """The address is in the owner's network: the ranges the document names that are narrow enough, joined
        (networks.owner_networks)."""
        named = []
        for condition in self.tests.get(key, []):
            for value in condition.values:
                try:
                    named.append(ipaddress.ip_network(value, strict=False))
                except ValueError:
                    continue
        inside = [
            z3.And(is_v4, in_network(network, a4))
            if network.version == 4
            else z3.And(z3.Not(is_v4), in_network(network, a6))
            for network in owner_networks(named)
        ]
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
        every = all_of([z3.Implies(has, one) for has, one in ones])
        some = any_of([z3.And(has, one) for has, one in ones])
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
            self.tidy.append(z3.Implies(slots.has(i), digits))
            relation = base.removeprefix("numeric").removeprefix("date").removeprefix("not")
            exact = z3.InRe(actual, number_re(relation, Fraction(number)))
            return z3.If(digits, exact, self._undecided(f"{condition.text()} on a value that is not digits"))
        if base == "binaryequals":
            decoded = decoded_base64(expected)
            if decoded is None:
                return z3.BoolVal(False)
            same = [
                e for c in self.tests.get(condition.lower_key, []) for e in c.values if decoded_base64(e) == decoded
            ]
            named = {e for c in self.tests.get(condition.lower_key, []) for e in c.values}
            self.tidy.append(z3.Implies(slots.has(i), z3.Or(member(actual, named), z3.Contains(actual, str_val("#")))))
            return z3.Or(
                member(actual, same),
                z3.And(
                    z3.Not(member(actual, named)),
                    z3.Not(z3.Contains(actual, str_val("#"))),
                    self._undecided(f"{condition.text()}"),
                ),
            )
        if slots.ip is not None:
            raise Unencodable(f"the key {condition.key} is tested both as an IP address and as text")
        if variables:
            return self._with_variables(condition, base, expected, actual)
        if self._spells_no_value(condition.lower_key, base, expected) or self._through_a_trusted_ou(
            condition.lower_key, base, expected
        ):
            return z3.BoolVal(False)
        if (
            self.kind == "service"
            and condition.lower_key == "aws:sourcearn"
            and (base.startswith("arn") or base.startswith("string"))
        ):
            fixed = (
                account_field(expected, base.startswith("arn")) if "like" in base or base.startswith("arn") else None
            )
            if base.startswith("stringequals") and "ignorecase" not in base:
                fixed = account_field(expected, True) if not has_glob(expected) else None
            if fixed is not None and not has_glob(fixed) and fixed in self.zone.accounts:
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

    def _spells_no_value(self, key: str, base: str, expected: str) -> bool:
        """A value that no value of this identity key can match: a character (other than a wildcard) that none of
        its values holds, such as `$` in `arn:aws:iam::*:user/${aws:username}` under Version 2008-10-17 (literal
        text). The solver would prove it only slowly (a wildcard next to an impossible character), so it is said
        here, and is what the encoding implies."""
        alphabet = _ALPHABETS.get((self.kind, key))
        if alphabet is None or base not in (*_CASE_SENSITIVE, *_ARN_BASES):
            return False
        literal = expected if base in ("stringequals", "stringnotequals") else re.sub(r"[*?]", "", expected)
        return re.fullmatch(f"[{alphabet}]*", literal) is None

    def _through_a_trusted_ou(self, key: str, base: str, expected: str) -> bool:
        """An organization path pattern every match of which passes through the last OU of a trusted path
        (`o-x/*/ou-y/*` with `o-x/r-z/ou-y/` trusted): an OU has one parent (AWS Organizations), so every path
        through it begins with the trusted path, and no outsider's path does (`_organization`)."""
        if key not in ("aws:principalorgpaths", "aws:sourceorgpaths") or base not in _CASE_SENSITIVE:
            return False
        pieces = re.split(r"[*?]", expected) if base in ("stringlike", "stringnotlike") else [expected]
        for path in self.zone.org_paths:
            ids = [p for p in path.split("/") if p]
            if len(ids) < 3 or not ids[-1].startswith("ou-"):
                continue
            if pieces[0].startswith(ids[0] + "/") and any(f"/{ids[-1]}/" in piece for piece in pieces):
                return True
        return False

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
        self.tidy.append(all_of(exact))
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
                        glob = self.fresh(name="glob")
                        if not arn:
                            shape = z3.Star(current_terms().any) if sub == "*" else current_terms().any
                        elif sub == "?":
                            shape = current_terms().noncolon
                        else:
                            after = sub_after(pieces, index, piece, sub)
                            shape = z3.Star(current_terms().any if after in ("", ":") else current_terms().noncolon)
                            if after is None:
                                exact.append(z3.BoolVal(False))
                        self.constraints.append(z3.InRe(glob, shape))
                        parts.append(glob)
                    elif sub:
                        parts.append(str_val(sub))
            structural = actual == (z3.Concat(*parts) if len(parts) > 1 else parts[0] if parts else str_val(""))
            if arn:
                structural = z3.And(is_arn(actual), structural)
            return z3.And(*available, z3.If(all_of(exact), structural, self._undecided(f"{condition.text()}")))
        raise Unencodable(f"the condition {condition.text()} uses a policy variable with {condition.operator}")
