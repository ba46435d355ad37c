"""no-wildcard-principal, as a specification: which documents grant to anyone."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE
from registry_policies.iam import wildcard_principal_findings
from registry_policies.values import is_unknown

WHERE = "repository policy (policy)"


def doc(*statements, as_string=True):
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return json.dumps(document) if as_string else document


def allow(principal, sid="Grant", **extra):
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": "ecr:BatchGetImage"}
    statement.update(extra)
    return statement


def messages(document):
    return [f.message for f in wildcard_principal_findings(WHERE, document)]


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"AWS": "*"},
        {"AWS": ["123456789012", "*"]},
        {"AWS": "arn:aws:iam::*:root"},
        {"AWS": "arn:aws:iam::*:role/deployer"},
        {"Service": "*"},
        {"Federated": "*"},
        {"CanonicalUser": "*"},
        {"AWS": "arn:aws:iam::1234*:root"},
    ],
)
def test_every_wildcard_principal_form_is_a_violation(principal):
    found = messages(doc(allow(principal, sid="Pull")))
    assert len(found) == 1
    assert 'statement "Pull"' in found[0]
    assert "wildcard" in found[0]


def test_the_message_names_the_sid_and_the_principal():
    [message] = messages(doc(allow({"AWS": "arn:aws:iam::*:root"}, sid="AllowPushPull")))
    assert 'statement "AllowPushPull"' in message
    assert 'Principal {"AWS": "arn:aws:iam::*:root"}' in message


def test_a_statement_without_sid_is_named_by_its_index():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}
    [message] = messages(
        doc({"Sid": "Ok", "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "ecr:*"}, statement)
    )
    assert "Statement[1]" in message and 'Principal "*"' in message


def test_a_document_given_as_an_object_is_checked_too():
    assert messages(doc(allow("*"), as_string=False))


def test_a_single_statement_object_is_checked_like_a_list():
    assert messages(json.dumps({"Version": "2012-10-17", "Statement": allow("*", sid="Solo")}))


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": "123456789012"},
        {"AWS": "arn:aws:iam::123456789012:root"},
        {"AWS": ["arn:aws:iam::123456789012:role/ci", "210987654321"]},
        {"Service": "sagemaker.amazonaws.com"},
        {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
    ],
)
def test_concrete_principals_pass(principal):
    assert messages(doc(allow(principal))) == []


def test_allow_with_not_principal_is_a_wildcard():
    statement = {
        "Sid": "AllButOne",
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "123456789012"},
        "Action": "ecr:BatchGetImage",
    }
    [message] = messages(doc(statement))
    assert 'statement "AllButOne"' in message and "NotPrincipal" in message and "123456789012" in message


def test_deny_statements_are_not_grants():
    assert messages(doc({"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "ecr:*"})) == []
    assert messages(doc({"Sid": "DenyOthers", "Effect": "Deny", "NotPrincipal": {"AWS": "1"}, "Action": "*"})) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        {"StringEquals": {"aws:principalorgid": "o-a1b2c3d4e5"}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"}},
        {"StringEquals": {"aws:PrincipalAccount": ["123456789012", "210987654321"]}},
        {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:123456789012:function:*"}},
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/puller"}},
    ],
)
def test_a_wildcard_restricted_by_an_identity_condition_passes(condition):
    assert messages(doc(allow("*", Condition=condition))) == []


@pytest.mark.parametrize(
    ("condition", "why"),
    [
        ({"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, "negated"),
        ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, "IfExists"),
        ({"Null": {"aws:PrincipalOrgID": "false"}}, "Null"),
        ({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, "ForAllValues"),
        ({"StringLike": {"aws:PrincipalOrgID": "o-*"}}, "wildcard value"),
        ({"StringEquals": {"aws:PrincipalAccount": ["123456789012", "*"]}}, "wildcard value"),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/puller"}}, "wildcard value"),
        ({"StringLike": {"aws:PrincipalOrgPaths": "o-*/r-ab12/*"}}, "wildcard value"),
        ({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}, None),
        ({"Bool": {"aws:SecureTransport": "true"}}, None),
    ],
)
def test_a_condition_that_does_not_identify_the_caller_does_not_excuse_a_wildcard(condition, why):
    [message] = messages(doc(allow("*", sid="Cond", Condition=condition)))
    assert 'statement "Cond"' in message
    if why:
        assert why in message


def test_an_unknown_policy_document_is_reported_as_not_evaluable():
    [finding] = wildcard_principal_findings(WHERE, UNKNOWN_STRING_VALUE)
    assert finding.unknown and "could not be evaluated during preview" in finding.message


def test_an_unknown_principal_is_reported_as_not_evaluable():
    [finding] = wildcard_principal_findings(WHERE, doc(allow({"AWS": UNKNOWN_STRING_VALUE}), as_string=False))
    assert finding.unknown


def test_a_known_principal_with_an_unknown_resource_passes():
    assert messages(doc(allow({"AWS": "123456789012"}, Resource=UNKNOWN_STRING_VALUE), as_string=False)) == []


def test_an_unknown_condition_on_a_wildcard_is_reported_as_not_evaluable():
    [finding] = wildcard_principal_findings(
        WHERE,
        doc(allow("*", Condition={"StringEquals": {"aws:PrincipalOrgID": UNKNOWN_STRING_VALUE}}), as_string=False),
    )
    assert finding.unknown


# ---- property-based: the verdict agrees with an independent statement of the rule -----------------
# Every generated building block carries its own label (is it a wildcard? does it restrict?), so the
# oracle below never re-implements the pack's parsing.

PRINCIPALS = [  # (principal element, contains a wildcard)
    ("*", True),
    ({"AWS": "*"}, True),
    ({"AWS": ["111122223333", "*"]}, True),
    ({"AWS": "arn:aws:iam::*:root"}, True),
    ({"Service": "*"}, True),
    ({"CanonicalUser": "*"}, True),
    ({"AWS": "111122223333"}, False),
    ({"AWS": "arn:aws:iam::111122223333:role/x"}, False),
    ({"Service": "lambda.amazonaws.com"}, False),
    ({"AWS": ["111122223333", "444455556666"]}, False),
]
OPERATORS = [
    ("StringEquals", True),
    ("StringLike", True),
    ("ForAnyValue:StringEquals", True),
    ("StringNotEquals", False),
    ("StringEqualsIfExists", False),
    ("ForAllValues:StringEquals", False),
    ("Null", False),
]
ARN_OPERATORS = [("ArnEquals", True), ("ArnLike", True), ("ArnNotEquals", False), ("ArnLikeIfExists", False)]
KEYS = {  # key -> [(value, is a wildcard value)]
    "aws:PrincipalOrgID": [("o-a1b2c3d4e5", False), ("o-*", True), ("*", True)],
    "aws:PrincipalAccount": [("111122223333", False), ("*", True), ("1111*", True)],
    "aws:SourceAccount": [("111122223333", False), ("*", True)],
    "aws:RequestedRegion": [("us-east-1", False)],
}
ARN_KEYS = {
    "aws:SourceArn": [("arn:aws:sns:us-east-1:111122223333:topic", False), ("arn:aws:sns:us-east-1:*:t", True)],
    "aws:PrincipalArn": [("arn:aws:iam::111122223333:role/r", False), ("arn:aws:iam::*:role/r", True)],
}
IDENTITY = {"aws:principalorgid", "aws:principalaccount", "aws:sourceaccount", "aws:sourcearn", "aws:principalarn"}


@st.composite
def conditions(draw):
    entries = []  # (operator, key, values, restricts)
    for _ in range(draw(st.integers(0, 2))):
        arn = draw(st.booleans())
        operator, positive = draw(st.sampled_from(ARN_OPERATORS if arn else OPERATORS))
        key = draw(st.sampled_from(sorted(ARN_KEYS if arn else KEYS)))
        pool = (ARN_KEYS if arn else KEYS)[key]
        picked = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
        key = draw(st.sampled_from([key, key.lower(), key.upper()]))
        restricts = positive and key.lower() in IDENTITY and not any(wild for _, wild in picked)
        entries.append((operator, key, [v for v, _ in picked], restricts))
    condition = {}
    for operator, key, values, _ in entries:
        condition.setdefault(operator, {})[key] = values
    # Two entries may collide on (operator, key): the later one wins, so recompute from the dict.
    restricts = any(r for o, k, v, r in entries if condition.get(o, {}).get(k) is v)
    return condition, restricts


@st.composite
def statements(draw):
    effect = draw(st.sampled_from(["Allow", "Deny"]))
    principal, wild = draw(st.sampled_from(PRINCIPALS))
    not_principal = draw(st.booleans())
    condition, restricts = draw(conditions())
    statement = {
        "Effect": effect,
        ("NotPrincipal" if not_principal else "Principal"): principal,
        "Action": "ecr:BatchGetImage",
    }
    if draw(st.booleans()):
        statement["Sid"] = f"S{draw(st.integers(0, 99))}"
    if condition:
        statement["Condition"] = condition
    grants_to_anyone = effect == "Allow" and (not_principal or (wild and not restricts))
    return statement, grants_to_anyone


@settings(max_examples=300, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4), st.booleans())
def test_the_verdict_matches_the_rule_for_generated_documents(generated, as_string):
    document = doc(*[s for s, _ in generated], as_string=as_string)
    expected_violations = sum(1 for _, bad in generated if bad)
    found = wildcard_principal_findings(WHERE, document)
    # A statement with two wildcard principals is reported once per principal: compare presence.
    assert bool(found) == bool(expected_violations)
    assert not any(f.unknown or is_unknown(f.message) for f in found)
