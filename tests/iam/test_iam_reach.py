"""aws_facts.iam.reach: what each Allow gives each caller over the requests external_access tries, with
insiders (every account, range, claim and source the document names) among the callers."""

import json

from aws_facts.iam import (
    ALLOW,
    Zone,
    callers_as,
    callers_for,
    decide_all,
    external_access,
    parse,
    reach,
    resource_tag_context,
)
from hypothesis import given, settings
from hypothesis import strategies as st

PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
ORG = "o-a1b2c3d4e5"
OWN = "123456789012"


def _statements(*statements):
    return parse(json.dumps({"Version": "2012-10-17", "Statement": list(statements)})).statements


def _granted(statements, callers=None):
    callers = callers_for(statements, Zone(), insiders=True) if callers is None else callers
    return {(r.caller.describe(), a) for r in reach(statements, callers, PULL) for a in r.actions}


def test_a_deny_outside_the_organization_leaves_pull_to_callers_of_the_organization_only():
    statements = _statements(
        {"Effect": "Allow", "Principal": "*", "Action": list(PULL)},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
        },
    )
    found = reach(statements, callers_for(statements, Zone(), insiders=True), PULL)
    kept = [r for r in found if r.actions]
    assert kept and all(r.caller.context.get("aws:principalorgid") == (ORG,) for r in kept)
    denied = [r for r in found if not r.actions]
    assert denied and all(set(r.denied) == set(PULL) and r.denied[PULL[0]].is_deny for r in denied)


def test_an_allow_from_a_named_source_range_reaches_an_address_in_it_which_external_access_counts_as_owned():
    statements = _statements(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": list(PULL),
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        }
    )
    assert _granted(statements)
    assert external_access(statements, Zone(frozenset({OWN}))).accesses == []


def test_insiders_include_the_owner_s_named_github_repository_which_outsiders_do_not():
    sub = "token.actions.githubusercontent.com:sub"
    statements = _statements(
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {sub: "repo:acme/models:ref:refs/heads/main"}},
        }
    )
    claims = {c.context.get(sub) for c in callers_for(statements, Zone(frozenset({OWN})), insiders=True)}
    assert ("repo:acme/models:ref:refs/heads/main",) in claims
    claims = {c.context.get(sub) for c in callers_for(statements, Zone(frozenset({OWN})))}
    assert ("repo:acme/models:ref:refs/heads/main",) not in claims


def test_a_numeric_bound_is_met_by_a_value_below_it():
    statements = _statements(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": list(PULL),
            "Condition": {"NumericLessThan": {"ecr:maxresults": "10"}},
        }
    )
    assert {a for _, a in _granted(statements)} == set(PULL)


def test_a_role_as_caller_is_named_by_its_arn_and_removed_by_a_deny_that_names_it():
    role = f"arn:aws:iam::{OWN}:role/ci"
    statements = _statements(
        {"Effect": "Allow", "Action": list(PULL), "Resource": "*"},
        {"Effect": "Deny", "Principal": {"AWS": role}, "Action": "ecr:BatchGetImage"},
    )
    callers = callers_as(role, statements)
    assert callers and all(c.arn == role and c.context["aws:principalarn"] == (role,) for c in callers)
    [allow] = {r.statement.index for r in reach(statements, callers, PULL)}
    assert allow == 0
    assert {a for _, a in _granted(statements, callers)} == set(PULL) - {"ecr:BatchGetImage"}


def test_a_known_resource_arn_drops_a_statement_on_another_resource():
    statements = _statements(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "444455556666"},
            "Action": list(PULL),
            "Resource": "arn:aws:ecr:us-east-1:1:repository/other",
        }
    )
    callers = callers_for(statements, Zone(), insiders=True)
    assert reach(statements, callers, PULL, "arn:aws:ecr:us-east-1:1:repository/this") == []
    assert reach(statements, callers, PULL) != []  # unknown: tried on the resource it names


def test_a_tag_known_to_be_absent_fails_an_allow_on_it():
    statements = _statements(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": list(PULL),
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "nlp"}},
        }
    )
    callers = callers_for(statements, Zone(), insiders=True)
    assert reach(statements, callers, PULL, resource_context={"aws:resourcetag/team": ()}) == []
    assert reach(statements, callers, PULL, resource_context={"aws:resourcetag/team": ("nlp",)}) != []


ELEMENTS = st.sampled_from(
    [
        {},
        {"Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}},
        {"Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}},
        {"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Condition": {"NumericLessThan": {"ecr:maxresults": "10"}}},
        {"Condition": {"BoolIfExists": {"aws:ViaAWSService": "false"}}},
        {"Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/*"}}},
        {"Condition": {"ForAnyValue:StringNotEquals": {"aws:PrincipalOrgID": ORG}}},
        {"Condition": {"StringLike": {"aws:SourceAccount": "2109876543*"}}},
    ]
)
PRINCIPALS = st.sampled_from(
    ["*", {"AWS": OWN}, {"AWS": "444455556666"}, {"AWS": f"arn:aws:iam::{OWN}:role/ci"}, {"Service": "s.amazonaws.com"}]
)
ACTIONS = st.lists(st.sampled_from(PULL), min_size=1, max_size=3, unique=True)


@st.composite
def _policies(draw):
    statements = []
    for _ in range(draw(st.integers(1, 4))):
        statement = {
            "Effect": draw(st.sampled_from(["Allow", "Deny"])),
            draw(st.sampled_from(["Principal", "NotPrincipal"])): draw(PRINCIPALS),
            "Action": draw(ACTIONS),
        }
        statements.append(statement | draw(ELEMENTS))
    return statements


@settings(max_examples=150, deadline=None)
@given(_policies())
def test_every_action_reach_grants_is_allowed_by_the_evaluator_for_its_witness_request(policy):
    statements = _statements(*policy)
    for found in reach(statements, callers_for(statements, Zone(), insiders=True), PULL):
        assert set(found.witnesses) == found.actions
        for action, (context, resource) in found.witnesses.items():
            assert decide_all([statements], action, resource, context, found.caller) == ALLOW, (found.caller, context)


def test_a_resource_s_tags_are_given_under_both_prefixes_and_a_tested_tag_it_lacks_is_absent():
    context = resource_tag_context({"Team": "nlp"}, {"aws:resourcetag/owner", "aws:sourceip"})
    assert context == {
        "aws:resourcetag/team": ("nlp",),
        "ecr:resourcetag/team": ("nlp",),
        "aws:resourcetag/owner": (),
    }
