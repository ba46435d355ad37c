"""The outsiders of external.py's search: callers that stand for every identity outside a trust zone (principals
of an outside account, anonymous callers, services acting for an outsider, users of web identity and SAML
providers, S3 canonical users), and what the document names that they are drawn from (`zone_facts`)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from ..names import ACCOUNT_ID, organizations_whole_under
from .document import Condition, Statement
from .principals import Caller, account_of
from .providers import Provider, provider, provider_of
from .wildcard import has_glob, instances, matches, split_arn

FRESH_ACCOUNTS = ("999999999999", "999999999998")
FRESH_ORG = "o-x0outsider0"
FRESH = "x-outsider"
FRESH_SERVICE = "x-outsider.amazonaws.com"

ACCOUNT_KEYS = {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount"}
ARN_KEYS = {"aws:principalarn", "aws:sourcearn"}
ORG_KEYS = {"aws:principalorgid", "aws:sourceorgid"}
ORG_PATH_KEYS = {"aws:principalorgpaths", "aws:sourceorgpaths"}


@dataclass(frozen=True)
class Zone:
    """The trusted side: account ids, organization ids and organization paths (`o-x/r-y/ou-z/`, a path and
    everything under it). accounts=None: the document's own (public check)."""

    accounts: frozenset[str] | None = None
    organizations: frozenset[str] = frozenset()
    org_paths: frozenset[str] = frozenset()
    # The owners of federated identities (a GitHub organization or user, a GitLab group, an HCP Terraform
    # organization: providers.Provider.owner, lower case) whose workflows are the zone's own; None: any owner a
    # trust names concretely (a web identity provider is shared, so an unnamed owner is always an outsider).
    federated_owners: frozenset[str] | None = None

    def __post_init__(self) -> None:
        # A trusted path that ends at its organization's root is the whole organization: it is trusted.
        whole = organizations_whole_under(self.org_paths)
        if not whole <= self.organizations:
            object.__setattr__(self, "organizations", self.organizations | whole)


@dataclass(frozen=True)
class Facts:
    accounts: frozenset[str]  # concrete accounts the document names
    organizations: frozenset[str]
    trusted_accounts: frozenset[str]
    trusted_orgs: frozenset[str]
    outsider_accounts: tuple[str, ...]
    outsider_orgs: tuple[str | None, ...]
    federated_owners: frozenset[str] | None = None


def conditions_of(statements: Sequence[Statement]) -> list[Condition]:
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


def zone_facts(statements: Sequence[Statement], zone: Zone) -> Facts:
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
    for condition in conditions_of(statements):
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
    return Facts(
        frozenset(accounts), frozenset(orgs), trusted, trusted_orgs, outsiders, outsider_orgs, zone.federated_owners
    )


def _arn_instances(pattern: str, account: str) -> list[str]:
    """ARNs a pattern matches, with a wildcard account field filled in with `account`."""
    parts = split_arn(pattern)
    if parts is None:
        return []
    if has_glob(parts[4]):
        parts[4] = account
    return [":".join(parts[:5] + [tail]) for tail in instances(parts[5])]


def _aws_callers(statements: Sequence[Statement], facts: Facts) -> list[Caller]:
    patterns = [
        p.value for s in statements for p in (s.principals or ()) if p.kind == "AWS" and split_arn(p.value) is not None
    ]
    patterns += [v for c in conditions_of(statements) if c.lower_key == "aws:principalarn" for v in c.values]
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
    facts = zone_facts(statements, Zone(frozenset()))
    return [Caller("aws", account, arn, None, arn, _principal_context(account, arn, o)) for o in facts.outsider_orgs]


def _service_callers(
    statements: Sequence[Statement], facts: Facts, everyone: bool, insiders: bool = False
) -> list[Caller]:
    services = {p.value for s in statements for p in (s.principals or ()) if p.kind == "Service"}
    if everyone:
        # "*" names every service: also the ones a condition on the service's name singles out.
        keys = ("aws:principalservicename", "aws:principalservicenameslist")
        services |= {
            i for c in conditions_of(statements) if c.lower_key in keys for v in c.values for i in instances(v)
        }
    names = sorted(s for s in services if not has_glob(s))
    if everyone or any(has_glob(s) for s in services):
        names.append(FRESH_SERVICE)
    source_patterns = [v for c in conditions_of(statements) if c.lower_key == "aws:sourcearn" for v in c.values]
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


def _federated_callers(statements: Sequence[Statement], facts: Facts, insiders: bool = False) -> list[Caller]:
    values = {p.value for s in statements for p in (s.principals or ()) if p.kind == "Federated"}
    conditions = conditions_of(statements)
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
                (key, c)
                for c in dict.fromkeys(candidates)
                if insiders or not _owned(spec, c, literals, owners, facts.federated_owners)
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


def _owned(
    spec: Provider, candidate: str, literals: set[str], owners: set[str], trusted: frozenset[str] | None = None
) -> bool:
    """A claim value the document names exactly, or whose owner (GitHub org, GitLab group) it names; with the
    zone's `trusted` owners, only when its owner is one of them (another owner's workflows are outsiders even
    where the trust names them)."""
    owner = spec.owner(candidate) if spec.owner else None
    if trusted is not None and owner is not None and owner.lower() not in trusted:
        return False
    if candidate in literals:
        return True
    return owner is not None and owner in owners


def _canonical_callers(statements: Sequence[Statement], facts: Facts, zone: Zone) -> list[Caller]:
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
    facts = zone_facts(statements, zone)
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
