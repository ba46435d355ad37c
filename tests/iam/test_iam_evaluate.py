"""Request evaluation: explicit Deny wins, then Allow, else implicit deny; principals; Not* elements."""

import pytest
from aws_facts.iam import Caller, decide
from hypothesis import example, given, settings
from hypothesis import strategies as st

REPO = "arn:aws:ecr:us-east-1:123456789012:repository/models/llama"
CI = "arn:aws:iam::123456789012:role/ci"


def caller(arn):
    account = arn.split(":")[4]
    return Caller("aws", account, arn, context={"aws:principalarn": (arn,), "aws:principalaccount": (account,)})


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


PUSH_ONLY_CI = policy(
    {"Sid": "Team", "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "ecr:*"},
    {
        "Sid": "OnlyCi",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "ecr:PutImage",
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": CI}},
    },
)


def test_an_account_principal_names_every_principal_of_the_account():
    assert decide(PUSH_ONLY_CI, "ecr:BatchGetImage", REPO, caller=caller("arn:aws:iam::123456789012:role/x")) == "Allow"
    assert decide(PUSH_ONLY_CI, "ecr:BatchGetImage", REPO, caller=caller("arn:aws:iam::210987654321:role/x")) == (
        "ImplicitDeny"
    )


def test_a_conditional_deny_removes_only_whom_its_condition_covers():
    assert decide(PUSH_ONLY_CI, "ecr:PutImage", REPO, caller=caller(CI)) == "Allow"
    assert decide(PUSH_ONLY_CI, "ecr:PutImage", REPO, caller=caller("arn:aws:iam::123456789012:role/x")) == "Deny"


def test_a_session_of_a_role_is_named_by_the_role_arn():
    only_ci = policy({"Effect": "Allow", "Principal": {"AWS": CI}, "Action": "ecr:BatchGetImage"})
    session = "arn:aws:sts::123456789012:assumed-role/ci/build-42"
    assert decide(only_ci, "ecr:BatchGetImage", REPO, caller=Caller("aws", "123456789012", session)) == "Allow"


def test_not_principal_applies_to_everyone_it_does_not_list():
    deny_others = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": CI}, "Action": "ecr:BatchGetImage"},
    )
    assert decide(deny_others, "ecr:BatchGetImage", REPO, caller=caller(CI)) == "Allow"
    assert decide(deny_others, "ecr:BatchGetImage", REPO, caller=caller("arn:aws:iam::1:role/x")) == "Deny"


@pytest.mark.parametrize(
    ("resource", "expected"),
    [(REPO, "ImplicitDeny"), ("arn:aws:ecr:us-east-1:123456789012:repository/other/x", "Allow")],
)
def test_not_resource_applies_to_every_other_resource(resource, expected):
    document = policy({"Effect": "Allow", "Action": "ecr:*", "NotResource": "arn:aws:ecr:*:*:repository/models/*"})
    assert decide(document, "ecr:BatchGetImage", resource) == expected


def test_resource_tags_decide_attribute_based_grants():
    team = policy(
        {
            "Effect": "Allow",
            "Action": "ecr:PutImage",
            "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/models/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "nlp"}},
        }
    )
    assert decide(team, "ecr:PutImage", REPO, {"aws:ResourceTag/team": "nlp"}) == "Allow"
    assert decide(team, "ecr:PutImage", REPO, {"aws:ResourceTag/team": "vision"}) == "ImplicitDeny"
    assert decide(team, "ecr:PutImage", REPO) == "ImplicitDeny"


ACTIONS = ["ecr:BatchGetImage", "ecr:PutImage", "ecr:DeleteRepository", "kms:Decrypt"]
PATTERNS = ["ecr:*", "ecr:Batch*", "*", "ecr:PutImage", "kms:*", "ECR:put*"]
KEYS = {"aws:PrincipalOrgID": ["o-1", "o-2"], "aws:SourceIp": ["10.0.0.0/8"], "aws:ResourceTag/team": ["nlp", "x*"]}
OPERATORS = ["StringEquals", "StringNotEquals", "StringLike", "StringEqualsIfExists", "IpAddress", "Null"]


@st.composite
def statements(draw, effect=None):
    statement = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        draw(st.sampled_from(["Action", "NotAction"])): draw(
            st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=2)
        ),
        "Resource": draw(st.sampled_from(["*", REPO, "arn:aws:ecr:*:*:repository/other/*"])),
    }
    if draw(st.booleans()):
        key = draw(st.sampled_from(sorted(KEYS)))
        statement["Condition"] = {draw(st.sampled_from(OPERATORS)): {key: draw(st.sampled_from(KEYS[key]))}}
    return statement


CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "aws:PrincipalOrgID": st.sampled_from(["o-1", "o-3"]),
        "aws:ResourceTag/team": st.sampled_from(["nlp", "xy"]),
        "aws:SourceIp": st.sampled_from(["10.1.1.1", "192.0.2.1"]),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4), statements(effect="Deny"), st.sampled_from(ACTIONS), CONTEXTS)
def test_adding_a_deny_never_widens_access(existing, deny, action, context):
    before = decide(policy(*existing), action, REPO, context)
    after = decide(policy(*existing, deny), action, REPO, context)
    assert not (after == "Allow" and before != "Allow")
    if before == "Deny":
        assert after == "Deny"


@settings(max_examples=200, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4), st.sampled_from(ACTIONS), CONTEXTS)
def test_an_explicit_deny_that_applies_always_wins(existing, action, context):
    wide_deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    assert decide(policy(*existing, wide_deny), action, REPO, context) == "Deny"


# --- the account id: one pattern (aws_facts.names, from AWS Organizations' model) ------------------------------


@given(st.one_of(st.from_regex(r"[0-9]{10,14}\n?", fullmatch=True), st.text(max_size=14)))
@example("\u0661" * 12)  # twelve Arabic-Indic digits: Python's \d takes them, AWS's does not
@example("123456789012\n")
@settings(max_examples=300, deadline=None)
def test_the_principal_parser_takes_exactly_twelve_digits_as_an_account_id(value):
    from aws_facts import names
    from aws_facts.iam import principals

    twelve_digits = len(value) == 12 and all(c in "0123456789" for c in value)
    assert (names.ACCOUNT_ID.fullmatch(value) is not None) == twelve_digits
    assert (principals.account_of(value) == value) == twelve_digits
