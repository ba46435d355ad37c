"""Condition operators as AWS documents them: one named case per rule."""

import pytest
from aws_facts.iam import Condition, UnsupportedCondition, holds


def check(operator, key, values, context):
    values = tuple(values) if isinstance(values, list) else (values,)
    normalised = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in context.items()}
    return holds(Condition(operator, key, values), normalised)


@pytest.mark.parametrize(
    ("operator", "key", "values", "context", "expected"),
    [
        ("StringEquals", "aws:PrincipalOrgID", "o-1", {"aws:PrincipalOrgID": "o-1"}, True),
        ("StringEquals", "aws:principalorgid", "o-1", {"AWS:PrincipalOrgId": "o-1"}, True),  # keys: any case
        ("StringEquals", "aws:PrincipalOrgID", "o-1", {"aws:PrincipalOrgID": "O-1"}, False),  # values: exact
        ("StringEqualsIgnoreCase", "k", "Abc", {"k": "aBC"}, True),
        ("StringLike", "k", "repo:acme/*", {"k": "repo:acme/x:ref:main"}, True),
        ("StringLike", "k", "a?c", {"k": "abbc"}, False),
        ("StringNotEquals", "k", ["a", "b"], {"k": "c"}, True),
        ("StringNotEquals", "k", ["a", "b"], {"k": "a"}, False),
        # a key absent from the request: positive operators fail, negated ones and ...IfExists hold
        ("StringEquals", "k", "a", {}, False),
        ("StringNotEquals", "k", "a", {}, True),
        ("StringEqualsIfExists", "k", "a", {}, True),
        ("StringEqualsIfExists", "k", "a", {"k": "b"}, False),
        ("ArnNotLikeIfExists", "aws:SourceArn", "arn:aws:s3:::b", {}, True),
        ("Null", "k", "true", {}, True),
        ("Null", "k", "false", {}, False),
        ("Null", "k", "false", {"k": "x"}, True),
        # multivalued keys
        ("ForAnyValue:StringEquals", "aws:TagKeys", ["team"], {"aws:TagKeys": ["owner", "team"]}, True),
        ("ForAllValues:StringEquals", "aws:TagKeys", ["team"], {"aws:TagKeys": ["owner", "team"]}, False),
        ("ForAllValues:StringEquals", "aws:TagKeys", ["team"], {}, True),
        ("ForAnyValue:StringEquals", "aws:TagKeys", ["team"], {}, False),
        ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], {"aws:TagKeys": ["a", "b"]}, True),
        # numbers, dates, booleans, addresses, ARNs, binary
        ("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "9"}, True),
        ("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "10"}, False),
        ("NumericGreaterThanEquals", "k", "1.5", {"k": "1.50"}, True),
        ("NumericEquals", "k", "10", {"k": "ten"}, False),
        ("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z", {"aws:CurrentTime": "2026-11-25T20:00:00Z"}, True),
        ("DateGreaterThan", "aws:EpochTime", "1700000000", {"aws:EpochTime": "1600000000"}, False),
        ("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "TRUE"}, True),
        ("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "false"}, False),
        ("IpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "10.2.3.4"}, True),
        ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "10.2.3.4"}, False),
        ("IpAddress", "aws:SourceIp", "2001:db8::/32", {"aws:SourceIp": "2001:db8::1"}, True),
        (
            "ArnLike",
            "aws:SourceArn",
            "arn:aws:sns:*:123456789012:*",
            {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:t"},
            True,
        ),
        ("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:t", {"aws:SourceArn": "not-an-arn"}, False),
        ("BinaryEquals", "k", "QmluYXJ5", {"k": "QmluYXJ5"}, True),
        # policy variables take the request's value
        (
            "StringEquals",
            "aws:ResourceTag/team",
            "${aws:PrincipalTag/team}",
            {"aws:ResourceTag/team": "nlp", "aws:PrincipalTag/team": "nlp"},
            True,
        ),
        ("StringEquals", "aws:ResourceTag/team", "${aws:PrincipalTag/team}", {"aws:ResourceTag/team": "nlp"}, False),
        ("StringLike", "k", "${*}", {"k": "*"}, True),
    ],
)
def test_condition_operator(operator, key, values, context, expected):
    assert check(operator, key, values, context) is expected


def test_an_operator_iam_does_not_have_raises():
    with pytest.raises(UnsupportedCondition, match="StringMatches"):
        check("StringMatches", "k", "a", {"k": "a"})


def test_a_qualifier_iam_does_not_have_raises():
    with pytest.raises(UnsupportedCondition):
        check("ForSomeValues:StringEquals", "k", "a", {"k": "a"})
