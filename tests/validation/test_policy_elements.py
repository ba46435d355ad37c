"""The IAM policy grammar's element rules that AWS states in its messages and pages, each with the form AWS
accepts beside the one it refuses (aws_facts.grammars.policy):

- "Statement IDs (SID) in a single policy must be unique." (IAM);
- "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." and "Actions/Condition can
  contain only one colon." (IAM);
- "Resource <value> must be in ARN format or "*"." (IAM, identity policies);
- principal types AWS, Service, Federated, CanonicalUser (reference_policies_elements_principal.html);
- a role trust policy names STS's actions only ("AssumeRole policy may only specify STS AssumeRole actions");
- NotPrincipal "must be used with "Effect":"Deny"" and never in a role trust policy
  (reference_policies_elements_notprincipal.html).
"""

import json

import pytest
from aws_facts.grammars.policy import policy_problems
from hypothesis import given
from hypothesis import strategies as st

ACCOUNT = "123456789012"
IDENTITY = {"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "*"}
TRUST = {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}
PULL = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "ecr:BatchGetImage"}
KEY = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def rules(found):
    return [(p.where, p.rule) for p in found]


# --- Sid ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "statement"), [("identity", IDENTITY), ("trust", TRUST)])
def test_two_statements_with_one_sid_are_refused_in_an_iam_policy(kind, statement):
    found = rules(policy_problems(doc({**statement, "Sid": "Pull"}, {**statement, "Sid": "Pull"}), kind))
    assert found == [(".Statement[1].Sid", "must be unique in an IAM policy (Statement[0] has it too)")]


def test_distinct_sids_and_statements_without_one_pass():
    assert (
        policy_problems(doc({**IDENTITY, "Sid": "A"}, {**IDENTITY, "Sid": "B"}, IDENTITY, IDENTITY), "identity") == []
    )


def test_a_key_policy_sid_may_hold_spaces_as_kms_default_policy_does():
    assert policy_problems(doc({**KEY, "Sid": "Enable IAM User Permissions"}), "key") == []


# --- actions and condition keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["BatchGetImage", "ecr", "ecr:", ":BatchGetImage", "ecr:Batch:GetImage", "e cr:X"])
@pytest.mark.parametrize(("kind", "statement"), [("identity", IDENTITY), ("repository", PULL), ("key", KEY)])
def test_an_action_without_one_vendor_prefix_is_refused_in_every_kind(kind, statement, action):
    found = rules(policy_problems(doc({**statement, "Action": [action]}), kind))
    assert found == [
        (".Statement[0].Action", 'must be "*" or <vendor>:<action> with one colon (e.g. ecr:BatchGetImage)')
    ]


@pytest.mark.parametrize("action", ["*", "ecr:*", "ecr:Batch*", "ECR:BatchGetImage", "*:GetObject", "ecr-public:Get?"])
def test_actions_of_the_documented_forms_pass(action):
    assert policy_problems(doc({**IDENTITY, "Action": action}), "identity") == []


@given(st.from_regex(r"[a-z0-9-]{1,12}:[A-Za-z*?]{1,20}", fullmatch=True))
def test_any_vendor_and_action_name_pass(action):
    assert policy_problems(doc({**IDENTITY, "Action": action}), "identity") == []
    not_action = {"Effect": "Deny", "NotAction": action, "Resource": "*"}
    assert policy_problems(doc(not_action), "identity") == []


def test_a_condition_key_without_a_vendor_is_refused_and_a_tag_key_with_colons_passes():
    condition = {"StringEquals": {"SourceAccount": ACCOUNT, "aws:ResourceTag/aws:cloudformation:stack-name": "x"}}
    found = rules(policy_problems(doc({**IDENTITY, "Condition": condition}), "identity"))
    assert found == [
        (
            ".Statement[0].Condition.StringEquals",
            "a condition key must be prefaced by a vendor (aws:SourceIp, ecr:ResourceTag/<key>, ...)",
        )
    ]
    oidc = {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/models:*"}}
    assert policy_problems(doc({**TRUST, "Condition": oidc}), "trust") == []


# --- Resource in an identity policy --------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["models/llama", "repository/models/*", ACCOUNT])
def test_an_identity_policy_resource_that_is_not_an_arn_or_star_is_refused(resource):
    found = rules(policy_problems(doc({**IDENTITY, "Resource": ["*", resource]}), "identity"))
    assert found == [
        (".Statement[0].Resource", 'must be "*" or an ARN (arn:<partition>:<service>:...) in an IAM policy')
    ]


@pytest.mark.parametrize(
    "resource",
    ["*", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/models/*", "arn:aws:s3:::bucket/${aws:username}/*", "arn:*"],
)
def test_identity_policy_resources_of_the_documented_forms_pass(resource):
    assert policy_problems(doc({**IDENTITY, "Resource": resource}), "identity") == []
    not_resource = {"Effect": "Deny", "Action": "ecr:*", "NotResource": resource}
    assert policy_problems(doc(not_resource), "identity") == []


# --- principals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind_name", ["Account", "IAM", "Services", "Organization"])
def test_a_principal_type_iam_does_not_know_is_refused(kind_name):
    found = rules(policy_problems(doc({**PULL, "Principal": {kind_name: ACCOUNT}}), "repository"))
    assert found == [(".Statement[0].Principal", "a principal type is one of AWS, Service, Federated, CanonicalUser")]


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": ACCOUNT},
        {"Service": "ecr.amazonaws.com"},
        {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
        {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
    ],
)
def test_the_four_principal_types_pass(principal):
    assert policy_problems(doc({**PULL, "Principal": principal}), "repository") == []


def test_not_principal_goes_with_deny_only():
    deny = {"Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "ecr:*"}
    assert policy_problems(doc(PULL, deny), "repository") == []
    found = rules(policy_problems(doc({**deny, "Effect": "Allow"}), "repository"))
    assert found == [(".Statement[0].NotPrincipal", 'goes with "Effect": "Deny" only (Allow is not supported)')]


def test_a_trust_policy_takes_no_not_principal():
    found = rules(
        policy_problems(doc({"Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "sts:*"}), "trust")
    )
    assert found == [(".Statement[0].NotPrincipal", "a role trust policy takes no NotPrincipal")]


# --- a role trust policy's actions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity", "sts:*", "*"],
)
def test_a_trust_policy_names_sts_actions(action):
    assert policy_problems(doc({**TRUST, "Action": [action]}), "trust") == []


@pytest.mark.parametrize("action", ["ecr:BatchGetImage", "iam:PassRole", "s3:*"])
def test_a_trust_policy_naming_another_service_action_is_refused(action):
    found = rules(policy_problems(doc({**TRUST, "Action": ["sts:AssumeRole", action]}), "trust"))
    assert found == [
        (
            ".Statement[0].Action",
            "a role trust policy may only name STS's actions (sts:AssumeRole, sts:TagSession, ...)",
        )
    ]


def test_a_placeholder_not_known_yet_is_not_judged():
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    document = {"Version": "2012-10-17", "Statement": [{**IDENTITY, "Action": unknown, "Resource": unknown}]}
    assert policy_problems(document, "identity", is_unknown=lambda value: value == unknown) == []
