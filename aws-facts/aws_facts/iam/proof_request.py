"""The request of the effective-access proof (proof.py) as z3 terms: the resource, every condition key's values
(`Slots`), and the keys the requester chooses, with the constraints that keep them an outsider's (`Request`).
Each kind of caller adds its identity (proof_callers.py); each statement is a formula over the request
(proof_formulas.py)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import z3

from ..names import partitions
from .conditions import UnsupportedCondition
from .document import Condition, Statement
from .networks import owner_networks
from .proof_terms import cat, current_terms, in_network, member, str_val
from .wildcard import has_glob

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
class Slots:
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


def no_values() -> Slots:
    """A key this request cannot carry (another caller's identity key, a resource key the zone rules out)."""
    return Slots(z3.IntVal(0), [], fixed=True)


def one_value(term: z3.SeqRef | str, when: z3.BoolRef | bool = True) -> Slots:
    """A key set by the caller's identity or the resource: one value, present when `when` holds."""
    value = str_val(term) if isinstance(term, str) else term
    count = z3.If(when, z3.IntVal(1), z3.IntVal(0)) if not isinstance(when, bool) else z3.IntVal(1 if when else 0)
    return Slots(count, [value], fixed=True)


# ---- the request ------------------------------------------------------------------------------------------


class Request:
    """The request of one caller kind (a subclass in proof_callers.py), as z3 terms, with the constraints that
    make it an outsider's."""

    kind: ClassVar[str]  # "aws", "anonymous" or "service": its subclass in proof_callers.py

    def __init__(
        self,
        statements: Sequence[Statement],
        zone: ProofZone,
        fixed: Mapping[str, tuple[str, ...]],
        resource: str | None,
    ):
        self.statements = statements
        self.zone = zone
        self.constraints: list[z3.BoolRef] = []
        self.tidy: list[z3.BoolRef] = []  # shapes under which every comparison is exact
        self.loose: list[tuple[str, z3.BoolRef]] = []  # comparisons the encoding does not decide (free)
        self.keys: dict[str, Slots] = {}
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
            self.keys[key] = Slots(z3.IntVal(len(values)), [str_val(v) for v in values], fixed=True)
        if "aws:resourceaccount" not in self.keys:
            self.keys["aws:resourceaccount"] = one_value(self.res_account)
        # The resource is the owner's: in a trusted organization, or in none.
        self.lazy["aws:resourceorgid"] = self._resource_org
        self.lazy["aws:resourceorgpaths"] = self._resource_org
        self._identity()

    def fresh(self, sort: str = "s", name: str = "v") -> Any:
        self.counter += 1
        label = f"{name}_{self.counter}"
        if sort == "b":
            return z3.Bool(label)
        if sort == "i":
            return z3.Int(label)
        return z3.String(label)

    def _identity(self) -> None:
        """The caller's identity keys and the constraints that make the caller an outsider (proof_callers.py)."""
        raise NotImplementedError

    # -- organizations (created when a formula needs them: an unused part costs the solver nothing) --

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

    def _resource_org(self) -> Slots:
        if "aws:resourceorgid" in self.keys or "aws:resourceorgpaths" in self.keys:
            return self.keys.get("aws:resourceorgid") or self.keys["aws:resourceorgpaths"]
        organizations = sorted(self.zone.organizations)
        if not organizations:
            self.keys["aws:resourceorgid"] = self.keys["aws:resourceorgpaths"] = no_values()
            return self.keys["aws:resourceorgid"]
        in_org, org, path = z3.Bool("resource_in_org"), z3.String("resource_org"), z3.String("resource_org_path")
        self.constraints += [
            member(org, organizations),
            z3.PrefixOf(z3.Concat(org, str_val("/")), path),
            z3.InRe(path, current_terms().path_re),
        ]
        self.keys["aws:resourceorgid"], self.keys["aws:resourceorgpaths"] = (
            one_value(org, in_org),
            one_value(path, in_org),
        )
        return self.keys["aws:resourceorgid"]

    # -- requester keys --

    def slots(self, key: str) -> Slots:
        """The key's values in the request: the caller's identity, the resource's known context or the
        requester's choice."""
        if key in self.keys:
            return self.keys[key]
        if key in self.lazy:
            made = self.lazy[key]()
            self.keys.setdefault(key, made)  # a maker may set related keys itself
        elif key in IDENTITY_KEYS or "." in key.rpartition(":")[0]:
            # An identity key of another kind of caller, or a web identity claim: only a federated caller has one.
            self.keys[key] = no_values()
        else:
            self.keys[key] = self._requester(key, self.tests.get(key, []))
        return self.keys[key]

    def _requester(self, key: str, tests: list[Condition]) -> Slots:
        size = max(1, len(tests))
        count = z3.Int(f"count[{key}]")
        self.constraints.append(count == 1 if key in ALWAYS_PRESENT else z3.And(count >= 0, count <= size))
        values = [z3.String(f"value[{key}][{i}]") for i in range(size)]
        slots = Slots(count, values)
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
