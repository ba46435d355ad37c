"""The evaluator that the separation and coverage tests rely on behaves as IAM does."""

import pytest
from iam_eval import allows, decide, wildcard_match

REPO = "arn:aws:ecr:us-east-1:123456789012:repository/models/llama"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecr:Get*", "Resource": "arn:aws:ecr:*:123456789012:repository/models/*"},
        {"Effect": "Deny", "Action": "ecr:GetRepositoryPolicy", "Resource": REPO},
        {
            "Effect": "Allow",
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/pulumi-project": "registry"}},
        },
        {
            "Effect": "Allow",
            "Action": "kms:TagResource",
            "Resource": "*",
            "Condition": {"Null": {"aws:ResourceTag/pulumi-project": "true"}},
        },
    ],
}


def test_action_wildcards_match_case_insensitively():
    assert allows(POLICY, "ECR:getlifecyclepolicy", REPO)
    assert not allows(POLICY, "ecr:PutLifecyclePolicy", REPO)


def test_resource_wildcards_are_case_sensitive_and_literal_otherwise():
    assert allows(POLICY, "ecr:GetLifecyclePolicy", "arn:aws:ecr:eu-west-1:123456789012:repository/models/x")
    assert not allows(POLICY, "ecr:GetLifecyclePolicy", "arn:aws:ecr:eu-west-1:123456789012:repository/Models/x")
    assert not allows(POLICY, "ecr:GetLifecyclePolicy", "arn:aws:ecr:eu-west-1:123456789012:repository/other/x")
    assert wildcard_match("a?c", "abc") and not wildcard_match("a.c", "abc") and not wildcard_match("[ab]", "a")


def test_explicit_deny_wins_over_allow():
    assert decide(POLICY, "ecr:GetRepositoryPolicy", REPO) == "Deny"


def test_condition_on_a_missing_key_does_not_allow():
    key = "arn:aws:kms:us-east-1:123456789012:key/1"
    assert allows(POLICY, "kms:DescribeKey", key, {"aws:ResourceTag/pulumi-project": "registry"})
    assert not allows(POLICY, "kms:DescribeKey", key, {"aws:ResourceTag/pulumi-project": "access"})
    assert decide(POLICY, "kms:DescribeKey", key) == "ImplicitDeny"


def test_null_condition_tells_absent_from_present():
    key = "arn:aws:kms:us-east-1:123456789012:key/1"
    assert allows(POLICY, "kms:TagResource", key)
    assert not allows(POLICY, "kms:TagResource", key, {"aws:ResourceTag/pulumi-project": "registry"})


def test_an_operator_iam_does_not_have_is_refused_rather_than_ignored():
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringMatchesRegex": {"aws:SourceIp": "10.*"}},
            }
        ]
    }
    with pytest.raises(ValueError, match="StringMatchesRegex"):
        allows(policy, "ecr:GetAuthorizationToken", "*", {"aws:SourceIp": "10.1.1.1"})


def test_ip_address_conditions_are_evaluated():
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            }
        ]
    }
    assert allows(policy, "ecr:GetAuthorizationToken", "*", {"aws:SourceIp": "10.1.1.1"})
    assert not allows(policy, "ecr:GetAuthorizationToken", "*", {"aws:SourceIp": "192.0.2.1"})
