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
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import itertools
import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..names import ACCOUNT_ID
from .actions import action_matches, all_actions, expand
from .conditions import Context, UnsupportedCondition, all_hold, as_instant, as_number, check_operator
from .document import Condition, PrincipalValue, Statement
from .evaluate import action_applies, resource_applies
from .principals import Caller, account_of, statement_names
from .proof import IDENTITY_KEYS, IP_KEYS, VPC_KEYS, ProofZone, outsider_witnesses
from .providers import Provider, provider, provider_of
from .wildcard import has_glob, instances, matches, split_arn

MAX_REQUESTS_PER_CALLER = 4096
SEARCHED = ("federated", "canonical")  # caller kinds judged by the search; the others by proof (proof.py)
FRESH_ACCOUNTS = ("999999999999", "999999999998")
FRESH_ORG = "o-x0outsider0"
FRESH = "x-outsider"
FRESH_IPV4 = ("198.51.100.7", "203.0.113.7", "8.8.8.8", "100.64.0.7", "10.255.255.7")
FRESH_IPV6 = ("2001:db8::7", "2600::7", "fd00::7")
FRESH_SERVICE = "x-outsider.amazonaws.com"
FRESH_RESOURCE = "arn:aws:x-outsider:us-east-1:999999999999:x-outsider"

ACCOUNT_KEYS = {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount"}
ARN_KEYS = {"aws:principalarn", "aws:sourcearn"}
ORG_KEYS = {"aws:principalorgid", "aws:sourceorgid"}
ORG_PATH_KEYS = {"aws:principalorgpaths", "aws:sourceorgpaths"}
# The caller's identity keys (proof.IDENTITY_KEYS) but the two that name a principal inside its account: the
# search knows no user names or unique ids, so it tries values for aws:username and aws:userid as it does for a
# requester's keys (a fresh one and those the document names).
CALLER_FIXED_KEYS = IDENTITY_KEYS - {"aws:username", "aws:userid"}
NETWORK_KEYS = IP_KEYS | VPC_KEYS | {"aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths"}


class TooComplex(ValueError):
    """The document has too many condition keys and values to try every combination."""


@dataclass(frozen=True)
class Zone:
    """The trusted side: account ids, organization ids and organization paths (`o-x/r-y/ou-z/`, a path and
    everything under it). accounts=None: the document's own (public check)."""

    accounts: frozenset[str] | None = None
    organizations: frozenset[str] = frozenset()
    org_paths: frozenset[str] = frozenset()


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


@dataclass(frozen=True)
class _Facts:
    accounts: frozenset[str]  # concrete accounts the document names
    organizations: frozenset[str]
    trusted_accounts: frozenset[str]
    trusted_orgs: frozenset[str]
    outsider_accounts: tuple[str, ...]
    outsider_orgs: tuple[str | None, ...]


def _conditions(statements: Sequence[Statement]) -> list[Condition]:
    return [c for s in statements for c in s.conditions]


def _account_field(value: str, arn: bool) -> str | None:
    """The account part of a principal value or condition value (an ARN's fifth field, which a trailing
    `*` of a StringLike pattern may end: `arn:aws:iam::12345678901*`)."""
    if not arn and ":" not in value:
        return value
    parts = value.split(":", 5)
    return parts[4] if len(parts) >= 5 and parts[0] in ("arn", "*") else None


def accounts_matching(pattern: str, trusted: frozenset[str]) -> list[str]:
    """An account outside `trusted` that a wildcard account pattern (`1234567890*`, `12345678901?`) matches:
    a wildcard in an account field names every account it matches ([Principal] and ARN matching)."""
    if not has_glob(pattern):
        return []
    fixed = len(pattern.replace("*", ""))
    stars = pattern.count("*")
    for digit in "9870":
        if stars:
            head, _, tail = pattern.partition("*")
            candidate = head + digit * max(0, 12 - fixed) + tail.replace("*", "")
        else:
            candidate = pattern
        candidate = candidate.replace("?", digit)
        if ACCOUNT_ID.fullmatch(candidate) and matches(pattern, candidate) and candidate not in trusted:
            return [candidate]
    return []


def _facts(statements: Sequence[Statement], zone: Zone) -> _Facts:
    accounts: set[str] = set()
    orgs: set[str] = set()
    account_patterns: set[str] = set()

    def named(value: str, arn: bool) -> None:
        account = _account_field(value, arn)
        if account is None:
            return
        if has_glob(account):
            account_patterns.add(account)
        elif ACCOUNT_ID.fullmatch(account):
            accounts.add(account)

    for statement in statements:
        for principal in statement.principals or ():
            if principal.kind == "AWS" and principal.value != "*":
                named(principal.value, arn=":" in principal.value)
    for condition in _conditions(statements):
        key = condition.lower_key
        for value in condition.values:
            if key in ACCOUNT_KEYS or key == "aws:vpceaccount":
                named(value, arn=False)
            elif key in ARN_KEYS:
                named(value, arn=True)
            elif key in (*ORG_KEYS, "aws:vpceorgid") and not has_glob(value):
                orgs.add(value.lower())  # ids are lower case (o-[a-z0-9]{10,32}): O-ABC... names o-abc...
        if key in ORG_PATH_KEYS or key == "aws:vpceorgpaths":
            orgs.update(v.split("/", 1)[0].lower() for v in condition.values if not has_glob(v.split("/", 1)[0]))
    if zone.accounts is None:
        trusted, trusted_orgs = frozenset(accounts), frozenset(orgs) | zone.organizations
    else:
        trusted, trusted_orgs = zone.accounts, zone.organizations
    fresh = next(a for a in FRESH_ACCOUNTS if a not in trusted)
    globbed = {a for p in account_patterns for a in accounts_matching(p, trusted)}
    outsiders = (fresh, *sorted((accounts | globbed) - trusted - {fresh}))
    outsider_orgs: tuple[str | None, ...] = (None, FRESH_ORG, *sorted(orgs - trusted_orgs))
    return _Facts(frozenset(accounts), frozenset(orgs), trusted, trusted_orgs, outsiders, outsider_orgs)


def _arn_instances(pattern: str, account: str) -> list[str]:
    """ARNs a pattern matches, with a wildcard account field filled in with `account`."""
    parts = split_arn(pattern)
    if parts is None:
        return []
    if has_glob(parts[4]):
        parts[4] = account
    return [":".join(parts[:5] + [tail]) for tail in instances(parts[5])]


def _aws_callers(statements: Sequence[Statement], facts: _Facts) -> list[Caller]:
    patterns = [
        p.value for s in statements for p in (s.principals or ()) if p.kind == "AWS" and split_arn(p.value) is not None
    ]
    patterns += [v for c in _conditions(statements) if c.lower_key == "aws:principalarn" for v in c.values]
    callers = []
    for account in facts.outsider_accounts:
        arns = [f"arn:aws:iam::{account}:root", f"arn:aws:iam::{account}:role/{FRESH}"]
        for pattern in patterns:
            arns += [a for a in _arn_instances(pattern, account) if account_of(a) == account]
        fresh = account == facts.outsider_accounts[0]
        who = "any principal of another AWS account" if fresh else f"principals of account {account}"
        for arn, org in itertools.product(dict.fromkeys(arns), facts.outsider_orgs):
            callers.append(Caller("aws", account, arn, None, who, _principal_context(account, arn, org)))
    return callers


def _principal_context(account: str, arn: str, org: str | None) -> dict[str, tuple[str, ...]]:
    context: dict[str, tuple[str, ...]] = {
        "aws:principalaccount": (account,),
        "kms:calleraccount": (account,),
        "aws:principalarn": (arn,),
        "aws:principalisawsservice": ("false",),
        "aws:principaltype": ("Account" if arn.endswith(":root") else "AssumedRole",),
    }
    if org is not None:
        context["aws:principalorgid"] = (org,)
        context["aws:principalorgpaths"] = (f"{org}/r-x0outsider/ou-x0outsider/",)
    return context


def callers_as(arn: str, statements: Sequence[Statement]) -> list[Caller]:
    """The IAM principal `arn` (e.g. a role whose identity policies are read) as a caller: in no
    organization, in another one, and in each organization the statements name."""
    account = account_of(arn)
    if account is None:
        return [Caller("aws", None, arn, None, arn, {"aws:principalarn": (arn,)})]
    facts = _facts(statements, Zone(frozenset()))
    return [Caller("aws", account, arn, None, arn, _principal_context(account, arn, o)) for o in facts.outsider_orgs]


def _service_callers(
    statements: Sequence[Statement], facts: _Facts, everyone: bool, insiders: bool = False
) -> list[Caller]:
    services = {p.value for s in statements for p in (s.principals or ()) if p.kind == "Service"}
    if everyone:
        # "*" names every service: also the ones a condition on the service's name singles out.
        keys = ("aws:principalservicename", "aws:principalservicenameslist")
        services |= {i for c in _conditions(statements) if c.lower_key in keys for v in c.values for i in instances(v)}
    names = sorted(s for s in services if not has_glob(s))
    if everyone or any(has_glob(s) for s in services):
        names.append(FRESH_SERVICE)
    source_patterns = [v for c in _conditions(statements) if c.lower_key == "aws:sourcearn" for v in c.values]
    literals = {v for v in source_patterns if not has_glob(v)}
    callers = []
    for name in names:
        for account in facts.outsider_accounts:
            prefix = name.split(".", 1)[0]
            arns: list[str | None] = [None, f"arn:aws:{prefix}:us-east-1:{account}:{FRESH}"]
            for pattern in source_patterns:
                for instance in _arn_instances(pattern, account):
                    arn_owner = account_of(instance)
                    # An ARN without account (S3) belongs to whoever owns the name: only a pattern instance
                    # the document does not spell out can be the outsider's.
                    if arn_owner == account or (arn_owner is None and (insiders or instance not in literals)):
                        arns.append(instance)
            for arn, source_account, org in itertools.product(
                dict.fromkeys(arns), (None, account), facts.outsider_orgs
            ):
                if arn is None and source_account is None and org is not None:
                    continue
                context: dict[str, tuple[str, ...]] = {
                    "aws:principalisawsservice": ("true",),
                    "aws:principalservicename": (name,),
                }
                if arn is not None:
                    context["aws:sourcearn"] = (arn,)
                if source_account is not None:
                    context["aws:sourceaccount"] = (source_account,)
                    context["aws:sourceowner"] = (source_account,)
                if org is not None:
                    context["aws:sourceorgid"] = (org,)
                    context["aws:sourceorgpaths"] = (f"{org}/r-x0outsider/ou-x0outsider/",)
                service = "any AWS service" if name == FRESH_SERVICE else f"the service {name}"
                owner = source_account or account_of(arn or "")
                if arn is None and source_account is None:
                    source = "with no source account or ARN"
                elif owner is None or owner == facts.outsider_accounts[0]:
                    source = "for a resource of another account"
                else:
                    source = f"for a resource of account {owner}"
                callers.append(Caller("service", None, None, name, f"{service} {source}", context))
    return callers


def _federated_callers(statements: Sequence[Statement], facts: _Facts, insiders: bool = False) -> list[Caller]:
    values = {p.value for s in statements for p in (s.principals or ()) if p.kind == "Federated"}
    conditions = _conditions(statements)
    callers = []
    for value in sorted(values):
        host, account = provider_of(value)
        if has_glob(value):
            callers.append(Caller("federated", None, None, value, f"any user of any identity provider ({value})"))
            continue
        if host.startswith("saml:"):
            if account is not None and account in facts.trusted_accounts:
                continue
            callers.append(Caller("federated", None, None, value, f"any user of the SAML provider {value}"))
            continue
        spec = provider(host)
        choices: list[list[tuple[str, str | None]]] = []
        for claim in spec.identifying:
            key = spec.key(claim)
            patterns = [v for c in conditions if c.lower_key == key for v in c.values]
            literals = {v for v in patterns if not has_glob(v)}
            owners = set()
            if spec.owner is not None:
                owners = {o for v in patterns if (o := spec.owner(v)) and not has_glob(o)}

            candidates = [spec.fresh] + [i for p in patterns for i in instances(p)]
            options: list[tuple[str, str | None]] = [(key, None)]  # None: the claim is absent
            options += [
                (key, c) for c in dict.fromkeys(candidates) if insiders or not _owned(spec, c, literals, owners)
            ]
            choices.append(options)
        for combination in itertools.product(*choices):
            context: dict[str, tuple[str, ...]] = {"aws:federatedprovider": (value,)}
            shown = []
            for key, claim_value in combination:
                context[key] = (claim_value,) if claim_value is not None else ()
                if claim_value is not None:
                    shown.append(f"{key.split(':', 1)[1]}={claim_value}")
            who = f"any user of {host}" + (f" (e.g. {', '.join(shown)})" if shown else "")
            callers.append(Caller("federated", None, None, value, who, context))
    return callers


def _owned(spec: Provider, candidate: str, literals: set[str], owners: set[str]) -> bool:
    """A claim value the document names exactly, or whose owner (GitHub org, GitLab group) it names."""
    if candidate in literals:
        return True
    owner = spec.owner(candidate) if spec.owner else None
    return owner is not None and owner in owners


def _canonical_callers(statements: Sequence[Statement], facts: _Facts, zone: Zone) -> list[Caller]:
    values = {p.value for s in statements for p in (s.principals or ()) if p.kind == "CanonicalUser"}
    # A canonical user id cannot be tied to an account: only the public check may take a named one as owned.
    return [
        Caller("canonical", None, None, v, f"the S3 canonical user {v}")
        for v in sorted(values)
        if has_glob(v) or zone.accounts is not None
    ]


def callers_for(statements: Sequence[Statement], zone: Zone, insiders: bool = False) -> list[Caller]:
    """Callers that stand for every outsider of `zone`; with `insiders`, for everyone (every account,
    organization, source and claim value the statements name is tried as a caller's, as with a zone that
    trusts nobody and owns no name)."""
    if insiders:
        zone = Zone(frozenset())
    facts = _facts(statements, zone)
    everyone = any(
        s.not_principal or any(p.kind == "*" or (p.kind == "AWS" and p.value == "*") for p in (s.principals or ()))
        for s in statements
    )
    callers = _aws_callers(statements, facts)
    if everyone:
        callers.append(Caller("anonymous", description="anonymous callers (anyone)"))
    callers += _service_callers(statements, facts, everyone, insiders)
    callers += _federated_callers(statements, facts, insiders)
    callers += _canonical_callers(statements, facts, zone)
    return callers


def _outside_network_owners(key: str, conditions: list[Condition], facts: _Facts) -> list[str | None]:
    """Values of aws:VpceAccount, aws:VpceOrgID, aws:VpceOrgPaths (the owner of the VPC endpoint a request came
    through) whose owner is outside the zone: absent, fresh, and each named value or pattern instance of an
    outside owner (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)."""

    def outside(value: str) -> bool:
        if key == "aws:vpceaccount":
            return value not in facts.trusted_accounts
        return value.split("/", 1)[0].lower() not in facts.trusted_orgs

    values: list[str | None] = [None, FRESH]
    values += [i for c in conditions for v in c.values for i in instances(v) if outside(i)]
    return list(dict.fromkeys(values))


def _candidates(
    key: str, conditions: Iterable[Condition], facts: _Facts | None = None, insiders: bool = False
) -> list[str | None]:
    """Values a requester may send for a key it chooses: absent, fresh, and what the conditions name.
    Network keys take only an outsider's values unless `insiders` (then also an address of every range and
    every endpoint, VPC and owner the conditions name)."""
    conditions = list(conditions)
    if insiders and key in NETWORK_KEYS:
        inside = [i for c in conditions for v in c.values for i in instances(v)]
        if key in IP_KEYS:
            inside = [a for c in conditions for v in c.values if (a := _address_in(v)) is not None]
            return list(dict.fromkeys([None, *_outside_addresses(conditions), *inside]))
        return list(dict.fromkeys([None, FRESH, *inside]))
    if facts is not None and key in ("aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths"):
        return _outside_network_owners(key, conditions, facts)
    if key in IP_KEYS:
        return [None, *_outside_addresses(conditions)]
    if key == "aws:userid":
        # <unique id of a user or role>[:<session>]: the unique id names one principal of one account.
        named = {v.split(":", 1)[0] for c in conditions for v in c.values if not has_glob(v.split(":", 1)[0])}
        found = [i for c in conditions for v in c.values for i in instances(v)]
        return [None, FRESH, *dict.fromkeys(i for i in found if i.split(":", 1)[0] not in named)]
    network = key in NETWORK_KEYS
    values: list[str | None] = [None, FRESH]
    for condition in conditions:
        for value in condition.values:
            base = condition.base
            if base.startswith("numeric") or base.startswith("date"):
                # Either side of the bound: a date as an ISO 8601 instant or epoch seconds, one second off.
                number = as_instant(value) if base.startswith("date") else as_number(value)
                values.append(value)
                if number is not None:
                    values += [repr(number + 1), repr(number - 1)]
            elif base == "bool":
                values += ["true", "false"]
            elif base in ("ipaddress", "notipaddress"):
                with contextlib.suppress(ValueError):
                    values.append(str(ipaddress.ip_network(value, strict=False).network_address))
            elif base == "null":
                continue
            elif network:
                values += [i for i in instances(value) if i not in condition.values]
            else:
                values += instances(value)
    return list(dict.fromkeys(values))


def _address_in(value: str) -> str | None:
    """An address of the range `value` (its last one: a /31 or /32 range's network address is its own)."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    return str(network[-1])


def _outside_addresses(conditions: list[Condition]) -> list[str]:
    """An outsider's source addresses: one IPv4 and one IPv6 address in none of the ranges the document
    names, plus an address of each range that covers every address (0.0.0.0/0, ::/0). A fixed range
    otherwise counts as the owner's network, as in S3's definition of a public policy."""
    networks = []
    for condition in conditions:
        for value in condition.values:
            with contextlib.suppress(ValueError):
                networks.append(ipaddress.ip_network(value, strict=False))
    found = [str(n.network_address) for n in networks if n.prefixlen == 0]
    for pool in (FRESH_IPV4, FRESH_IPV6):
        free = next((a for a in pool if not any(ipaddress.ip_address(a) in n for n in networks)), None)
        if free is not None:
            found.append(free)
    return list(dict.fromkeys(found))


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
    facts = _facts(usable, zone)
    for caller in callers_for(usable, zone):
        if caller.kind not in SEARCHED:
            continue  # proved below
        for live, context in _requests(usable, caller, fixed_resource, facts):
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


def _requests(
    statements: Sequence[Statement],
    caller: Caller,
    fixed_resource: Mapping[str, tuple[str, ...]],
    facts: _Facts,
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
    conditions = _conditions([s for s, _ in live])
    option_of = {k: _candidates(k, [c for c in conditions if c.lower_key == k], facts, insiders) for k in free}
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


@dataclass
class Reach:
    """What one Allow gives one caller over every request the analysis tries."""

    statement: Statement
    principal: PrincipalValue | None  # the principal value that names the caller (None: NotPrincipal, identity)
    caller: Caller
    actions: set[str] = field(default_factory=set)  # kept after the Denies by some request the Allow admits
    denied: dict[str, Statement] = field(default_factory=dict)  # admitted, but a Deny (this one) removes it always
    # per action kept: a request that keeps it (its context, and its resource; None: the policy's own)
    witnesses: dict[str, tuple[dict[str, tuple[str, ...]], str | None]] = field(default_factory=dict)


def reach(
    statements: Sequence[Statement],
    callers: Iterable[Caller],
    actions: Iterable[str],
    resource: str | None = None,
    resource_context: Mapping[str, Sequence[str]] | None = None,
) -> list[Reach]:
    """For each caller and each Allow of `statements` that admits it in some request: which of `actions` it
    gets and which a Deny takes away. The requests are external_access's (`_requests`), with every value the
    conditions name tried (insiders included); the statements may come from several documents read together
    (a resource policy and a role's identity policies). `resource` and `resource_context` as in
    external_access. Raises UnsupportedCondition and TooComplex as it does."""
    usable = [s for s in statements if not (s.unknown - {"Resource"}) and s.effect is not None]
    for statement in usable:
        for condition in statement.conditions:
            check_operator(condition)
    candidates = frozenset(actions)
    sets = {id(s): _action_set(s.actions, s.not_action, candidates) for s in usable}
    resources: list[str | None] = [resource]
    if resource is None:
        named_resources = [i for s in usable for p in (s.resources or ()) for i in instances(p)]
        resources = list(dict.fromkeys([*named_resources, FRESH_RESOURCE])) if named_resources else [None]
    fixed_resource = {k.lower(): tuple(v) for k, v in (resource_context or {}).items()}
    facts = _facts(usable, Zone(frozenset()))
    found: dict[tuple[int, int], Reach] = {}
    for number, caller in enumerate(callers):
        for live, context in _requests(usable, caller, fixed_resource, facts, insiders=True):
            applying = [(s, p) for s, p in live if all_hold(s.conditions, context)]
            for on_resource in resources:
                on = [(s, p) for s, p in applying if resource_applies(s, on_resource)]
                denies = [s for s, _ in on if s.is_deny]
                removed = frozenset().union(*(sets[id(d)] for d in denies))
                for statement, principal in on:
                    if not statement.is_allow or not sets[id(statement)]:
                        continue
                    entry = found.setdefault((id(statement), number), Reach(statement, principal, caller))
                    kept = sets[id(statement)] - removed - entry.actions
                    if kept:
                        request = (context, on_resource)
                        entry.witnesses.update(dict.fromkeys(kept, request))
                        entry.actions |= kept
                    for action in sets[id(statement)] & removed:
                        if action not in entry.denied:
                            entry.denied[action] = next(d for d in denies if action in sets[id(d)])
    for entry in found.values():
        entry.denied = {a: d for a, d in entry.denied.items() if a not in entry.actions}
    return list(found.values())


@functools.lru_cache(maxsize=4096)
def _action_set(actions: tuple[str, ...], not_action: bool, candidates: frozenset[str]) -> frozenset[str]:
    """The candidates an Action (or NotAction) element covers: many documents share a few elements."""
    hits = frozenset(a for a in candidates if action_matches(actions, a))
    return candidates - hits if not_action else hits


def resource_tag_context(
    tags: Mapping[str, str], tested: Iterable[str] = (), prefixes: Sequence[str] = ("aws:", "ecr:")
) -> dict[str, tuple[str, ...]]:
    """A resource's known tags as `resource_context` for external_access and reach: `<prefix>ResourceTag/<key>`
    for each tag, and absent (an empty value) for each tag key in `tested` (condition keys, lower case) the
    resource does not have. A caller that knows a repository's tags (the access matrix, a stack-wide check)
    passes them so that the search does not try other values."""
    context: dict[str, tuple[str, ...]] = {
        f"{p}resourcetag/{k}".lower(): (str(v),) for k, v in tags.items() for p in prefixes
    }
    wanted = tuple(f"{p}resourcetag/" for p in prefixes)
    context |= {k: () for k in tested if k.startswith(wanted) and k not in context}
    return context
