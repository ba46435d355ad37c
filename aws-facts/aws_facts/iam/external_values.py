"""The values external.py's search tries for a condition key the requester chooses: absent, a fresh one, and
what the document's conditions name (pattern instances, numbers either side of a bound, both booleans); network
origin keys only an outsider's (an address in no range the document names, an endpoint owner outside the zone)."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable

from .conditions import as_instant, as_number
from .document import Condition
from .external_callers import FRESH, Facts
from .networks import address_outside, owner_networks
from .principals import unique_ids_named
from .proof_request import ALWAYS_PRESENT, IP_KEYS, VPC_KEYS
from .wildcard import instances

FRESH_IPV4 = ("198.51.100.7", "203.0.113.7", "8.8.8.8", "100.64.0.7", "10.255.255.7")
FRESH_IPV6 = ("2001:db8::7", "2600::7", "fd00::7")
NETWORK_KEYS = IP_KEYS | VPC_KEYS | {"aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths"}


def _outside_network_owners(key: str, conditions: list[Condition], facts: Facts) -> list[str | None]:
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


def candidate_values(
    key: str, conditions: Iterable[Condition], facts: Facts | None = None, insiders: bool = False
) -> list[str | None]:
    """Values a requester may send for a key it chooses: absent (unless the key is in every request,
    ALWAYS_PRESENT), fresh, and what the conditions name. Network keys take only an outsider's values unless
    `insiders` (then also an address of every range and every endpoint, VPC and owner the conditions name)."""
    values = _candidates(key, list(conditions), facts, insiders)
    return [v for v in values if v is not None] if key in ALWAYS_PRESENT else values


def _candidates(key: str, conditions: list[Condition], facts: Facts | None, insiders: bool) -> list[str | None]:
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
        # An outsider's unique id is none the document names (`unique_ids_named`).
        named = unique_ids_named(conditions)
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
    names, plus an address of each range that is not the owner's network (networks.py: broader than S3's limit,
    alone or joined with the document's other ranges) outside the owner's blocks."""
    networks = []
    for condition in conditions:
        for value in condition.values:
            with contextlib.suppress(ValueError):
                networks.append(ipaddress.ip_network(value, strict=False))
    owners = owner_networks(networks)
    found = [str(a) for n in networks if (a := address_outside(n, owners)) is not None]
    for pool in (FRESH_IPV4, FRESH_IPV6):
        free = next((a for a in pool if not any(ipaddress.ip_address(a) in n for n in networks)), None)
        if free is not None:
            found.append(free)
    return list(dict.fromkeys(found))
