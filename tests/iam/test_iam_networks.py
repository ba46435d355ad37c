"""aws_facts.iam.networks: the owner's network a document names, after S3's definition of a public policy
(a fixed aws:SourceIp range of /8 or narrower for IPv4, /32 or narrower for IPv6), read on the addresses."""

import ipaddress

import pytest
from aws_facts.iam.networks import address_outside, owner_networks
from hypothesis import given
from hypothesis import strategies as st


def nets(*texts):
    return [ipaddress.ip_network(t) for t in texts]


@pytest.mark.parametrize(
    ("named", "owners"),
    [
        (["10.0.0.0/8"], ["10.0.0.0/8"]),  # at the limit
        (["10.0.0.0/7"], []),  # one over
        (["10.0.0.0/8", "11.0.0.0/8"], []),  # joined: 10.0.0.0/7
        (["10.0.0.0/9", "10.128.0.0/9"], ["10.0.0.0/8"]),  # joined: 10.0.0.0/8, at the limit
        (["10.0.0.0/8", "12.0.0.0/8"], ["10.0.0.0/8", "12.0.0.0/8"]),  # not adjacent
        (["0.0.0.0/1", "10.1.0.0/16"], ["10.1.0.0/16"]),  # a broad range does not swallow a narrow one
        (["2001:db8::/32", "2001:db9::/32"], []),  # 2001:db8::/31
        (["2001:db9::/32", "2001:dba::/32"], ["2001:db9::/32", "2001:dba::/32"]),
        (["10.0.0.0/8", "::/1"], ["10.0.0.0/8"]),
    ],
)
def test_the_owner_s_network_is_the_narrow_ranges_joined_less_the_blocks_broader_than_the_limit(named, owners):
    assert owner_networks(nets(*named)) == nets(*owners)


def test_an_address_outside_is_the_first_one_no_owner_block_holds():
    assert address_outside(ipaddress.ip_network("10.0.0.0/7"), nets("10.0.0.0/8")) == ipaddress.ip_address("11.0.0.0")
    assert address_outside(ipaddress.ip_network("10.0.0.0/8"), nets("10.0.0.0/8")) is None
    assert address_outside(ipaddress.ip_network("::/0"), nets("::/32", "0:2::/32")) == ipaddress.ip_address("0:1::")


@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)), max_size=12), st.integers(0, 16))
def test_an_address_outside_lies_in_the_range_and_in_no_owner_block(ranges, prefix):
    named = [ipaddress.ip_network(r, strict=False) for r in ranges]
    owners = owner_networks(named)
    assert all(o.prefixlen >= 8 for o in owners)
    whole = ipaddress.ip_network((0, prefix), strict=False)
    address = address_outside(whole, owners)
    if address is None:
        assert any(o.supernet_of(whole) for o in owners)
    else:
        assert address in whole and not any(address in o for o in owners)
