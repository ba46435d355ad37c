"""no-wildcard-actions, cross-account-principals-allowed, github-oidc-sub-restricted, required-tags
and the resource-type table (Lambda permissions: test_pack_effective_access.py)."""

import json

import pytest
from registry_policies.iam import cross_account_findings, github_oidc_findings, wildcard_action_findings
from registry_policies.resources import all_documents
from registry_policies.tags import required_tags_findings


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize("action", ["*", "ecr:*", "iam:*", "kms:*", "s3:*", ["ecr:BatchGetImage", "ECR:*"]])
def test_wildcard_actions_in_an_allow_are_reported(action):
    [finding] = wildcard_action_findings(
        "policy", doc({"Sid": "Wide", "Effect": "Allow", "Action": action, "Resource": "*"})
    )
    assert 'statement "Wide"' in finding.message and "wildcard action" in finding.message


def test_allow_with_not_action_is_reported():
    [finding] = wildcard_action_findings("policy", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert "NotAction" in finding.message


@pytest.mark.parametrize("action", ["ecr:Get*", "ecr:BatchGetImage", ["ecr:PutImage", "ecr:UploadLayerPart"]])
def test_specific_or_partially_globbed_actions_pass(action):
    assert wildcard_action_findings("policy", doc({"Effect": "Allow", "Action": action, "Resource": "*"})) == []


def test_wildcard_actions_in_a_deny_pass():
    assert wildcard_action_findings("policy", doc({"Effect": "Deny", "Action": "*", "Resource": "*"})) == []


def test_a_principal_of_an_account_not_on_the_allow_list_is_reported():
    document = doc(
        {
            "Sid": "X",
            "Effect": "Allow",
            "Action": "ecr:BatchGetImage",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"]},
        }
    )
    [finding] = cross_account_findings("repository policy", document, ["111122223333"])
    assert "444455556666" in finding.message and 'statement "X"' in finding.message


def test_service_principals_are_not_accounts():
    document = doc(
        {"Effect": "Allow", "Action": "ecr:BatchGetImage", "Principal": {"Service": "sagemaker.amazonaws.com"}}
    )
    assert cross_account_findings("repository policy", document, []) == []


GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def oidc_trust(condition=None):
    statement = {
        "Sid": "GitHub",
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        statement["Condition"] = condition
    return doc(statement)


AUD = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}


def test_a_github_trust_pinned_to_one_repository_passes():
    condition = {
        "StringEquals": AUD,
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/models:ref:refs/heads/main"},
    }
    assert github_oidc_findings("trust policy", oidc_trust(condition)) == []


def test_a_github_trust_without_sub_condition_is_reported():
    [finding] = github_oidc_findings("trust policy", oidc_trust({"StringEquals": AUD}))
    assert "any GitHub repository could assume the role" in finding.message


@pytest.mark.parametrize("sub", ["*", "repo:acme/*", "repo:*", "repo:acme/models"])
def test_a_github_sub_that_does_not_name_one_repository_is_reported(sub):
    condition = {"StringEquals": AUD, "StringLike": {"token.actions.githubusercontent.com:sub": sub}}
    [finding] = github_oidc_findings("trust policy", oidc_trust(condition))
    assert repr(sub) in finding.message


def test_a_github_trust_without_aud_check_is_reported():
    condition = {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/models:environment:prod"}}
    [finding] = github_oidc_findings("trust policy", oidc_trust(condition))
    assert ":aud" in finding.message


def test_a_role_is_checked_in_its_trust_policy_and_its_inline_policies():
    props = {"assumeRolePolicy": "{}", "inlinePolicies": [{"name": "pull", "policy": "{}"}]}
    assert [where for where, _ in all_documents("aws:iam/role:Role", props)] == [
        "trust policy (assumeRolePolicy)",
        "inline policy pull (inlinePolicies[0].policy)",
    ]


def test_missing_required_tags_are_named():
    [finding] = required_tags_findings(
        "aws:ecr/repository:Repository", {"tags": {"owner": "ml"}}, ["owner", "cost-center"]
    )
    assert "cost-center" in finding.message and "owner" not in finding.message.split("tag(s)")[1].split(" in ")[0]


def test_provider_default_tags_count():
    assert required_tags_findings("aws:ecr/repository:Repository", {"tagsAll": {"owner": "ml"}}, ["owner"]) == []
