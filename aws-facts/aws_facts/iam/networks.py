"""Which source addresses a document names as its owner's network, after S3's definition of a public policy
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status):
a policy that admits only fixed aws:SourceIp ranges of /8 or narrower (IPv4), /32 or narrower (IPv6), is not
public; a broader range is anyone's.

The rule is read on the addresses, not on how they are written: 10.0.0.0/8 and 11.0.0.0/8 are 10.0.0.0/7, and
the 256 /8 ranges are every IPv4 address. So the narrow ranges are joined first, and a joined block broader than
the limit is anyone's as well. Both the proof (proof_request.py) and the search (external_values.py) read it here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

OWNER_PREFIX_V4 = 8
OWNER_PREFIX_V6 = 32


def owner_limit(network: Network) -> int:
    """The broadest prefix length a range of this version may have and still be the owner's network."""
    return OWNER_PREFIX_V4 if network.version == 4 else OWNER_PREFIX_V6


def owner_networks(named: Iterable[Network]) -> list[Network]:
    """The blocks of the owner's network among the ranges a document names: its narrow ranges, joined, less the
    joined blocks broader than the limit."""
    narrow = [n for n in named if n.prefixlen >= owner_limit(n)]
    v4 = [n for n in narrow if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in narrow if isinstance(n, ipaddress.IPv6Network)]
    blocks: list[Network] = [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]
    return [b for b in blocks if b.prefixlen >= owner_limit(b)]


def address_outside(network: Network, owners: list[Network]) -> Address | None:
    """The first address of `network` in none of the owner's blocks, or None when the blocks cover it."""
    candidate = int(network.network_address)
    blocks = sorted((int(o.network_address), int(o.broadcast_address)) for o in owners if o.version == network.version)
    for first, last in blocks:
        if first <= candidate <= last:
            candidate = last + 1  # the blocks are disjoint and sorted: the next one may start right after
    if candidate > int(network.broadcast_address):
        return None
    return ipaddress.IPv6Address(candidate) if network.version == 6 else ipaddress.IPv4Address(candidate)
