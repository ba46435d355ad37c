"""Parsing: element names in any case, values as IAM reads them, malformed documents named."""

import json

import pytest
from aws_facts.iam import parse
from aws_facts.iam.document import MAX_DOCUMENT_CHARS
from hypothesis import given, settings
from hypothesis import strategies as st

STATEMENT = {
    "Sid": "Pull",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": ["ecr:BatchGetImage"],
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
}


def _shape(document):
    return [
        (s.sid, s.effect, s.principals, s.not_principal, s.actions, s.resources, s.conditions)
        for s in parse(document).statements
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.booleans(), min_size=60, max_size=60))
def test_element_names_are_read_in_any_case(flips):
    flip = iter(flips)

    def recase(name):
        return "".join(c.swapcase() if next(flip) else c for c in name)

    statement = {recase(k): v for k, v in STATEMENT.items()}
    document = {recase("Version"): "2012-10-17", recase("Statement"): [statement]}
    assert _shape(document) == _shape({"Version": "2012-10-17", "Statement": [STATEMENT]})


def test_numbers_and_booleans_are_condition_values():
    statement = dict(
        STATEMENT, Condition={"NumericLessThan": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": True}}
    )
    [parsed] = parse({"Statement": [statement]}).statements
    assert {(c.key, c.values) for c in parsed.conditions} == {
        ("s3:max-keys", ("10",)),
        ("aws:SecureTransport", ("true",)),
    }


def test_not_resource_and_not_principal_are_kept_as_negations():
    statement = {"Effect": "Deny", "NotPrincipal": {"AWS": "1"}, "Action": "*", "NotResource": "arn:aws:s3:::b/*"}
    [parsed] = parse(json.dumps({"Statement": statement})).statements
    assert parsed.not_principal and parsed.not_resource and parsed.resources == ("arn:aws:s3:::b/*",)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("{not json", "not valid JSON"),
        ('{"Statement": [{"Effect": "Permit"}]}', 'must be "Allow" or "Deny"'),
        ('{"Statement": [{"Effect": "Allow", "Action": "a", "NotAction": "b"}]}', "both Action and NotAction"),
        (
            '{"Statement": [{"Effect": "Allow", "Condition": {"StringEquals": {"k": {"x": 1}}}}]}',
            "string, number, boolean",
        ),
        ('{"Statement": [{"Effect": "Allow", "effect": "Deny"}]}', "more than once"),
    ],
)
def test_malformed_documents_are_named(document, words):
    errors = parse(document).errors
    assert errors and words in errors[0]


def test_a_value_marked_unknown_is_recorded_not_read():
    [statement] = parse(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "?"}, "Action": "a"}]}, lambda v: v == "?"
    ).statements
    assert statement.unknown == {"Principal"}


def test_a_document_of_exactly_the_size_limit_is_read_and_one_character_more_is_refused():
    base = json.dumps({"Statement": [{"Effect": "Allow", "Action": "a", "Sid": ""}]})
    at_limit = base.replace('"Sid": ""', '"Sid": "' + "x" * (MAX_DOCUMENT_CHARS - len(base)) + '"')
    assert len(at_limit) == MAX_DOCUMENT_CHARS
    assert parse(at_limit).errors == []
    over = at_limit.replace('"Sid": "', '"Sid": "x', 1)
    assert "more than the 131072" in parse(over).errors[0]
