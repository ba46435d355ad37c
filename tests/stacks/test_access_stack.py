"""The access stack: every repository gets a policy, nobody is a wildcard, CI is pinned by `sub`."""

import json

import harness
import pytest
from offline_preview.evaluate import EvaluationError


def _documents(run):
    for resource in run.resources:
        for key in ("policy", "assumeRolePolicy"):
            if key in resource.inputs:
                yield resource, json.loads(resource.inputs[key])


def test_every_repository_gets_a_policy(access_run, registry_run):
    policies = access_run.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy")
    assert sorted(p.inputs["repository"] for p in policies) == sorted(
        r["name"] for r in registry_run.outputs["repositories"].values()
    )


def test_no_allow_statement_has_a_wildcard_principal_without_an_org_condition(access_run):
    for resource, document in _documents(access_run):
        for statement in document["Statement"]:
            principal = statement.get("Principal")
            if statement["Effect"] == "Allow" and principal in ("*", {"AWS": "*"}):
                assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, resource.name


def test_no_statement_grants_ecr_star(access_run):
    actions = [a for _, doc in _documents(access_run) for s in doc["Statement"] for a in s["Action"]]
    assert "ecr:*" not in actions and "*" not in actions


def test_the_push_role_trust_is_restricted_by_sub_and_audience(access_run):
    role = next(r for r in access_run.of_type("aws:iam/role:Role") if r.inputs["name"] == "model-registry-ci-push")
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    }
    assert trust["Condition"] == {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {
            "token.actions.githubusercontent.com:sub": [
                "repo:acme/model-build:ref:refs/heads/main",
                "repo:acme/model-build:ref:refs/tags/v*",
                "repo:acme/speech-models:environment:release",
            ]
        },
    }


def test_push_and_pull_policies_name_the_repositories_not_a_wildcard(access_run, registry_run):
    arns = sorted(r["arn"] for r in registry_run.outputs["repositories"].values())
    policies = {
        p.inputs["role"]: json.loads(p.inputs["policy"]) for p in access_run.of_type("aws:iam/rolePolicy:RolePolicy")
    }
    for document in policies.values():
        token, repositories = document["Statement"]
        assert token == {
            "Sid": "GetRegistryToken",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken"],
            "Resource": "*",
        }
        assert repositories["Resource"] == arns
    assert "ecr:PutImage" in policies["model-registry-ci-push"]["Statement"][1]["Action"]
    assert "ecr:PutImage" not in policies["model-registry-inference-pull"]["Statement"][1]["Action"]


def test_service_consumers_are_bound_to_their_source(access_run):
    policy = json.loads(access_run.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy")[0].inputs["policy"])
    services = {s["Principal"]["Service"]: s["Condition"] for s in policy["Statement"] if "Service" in s["Principal"]}
    assert services == {
        "sagemaker.amazonaws.com": {"StringEquals": {"aws:SourceAccount": "210987654321"}},
        "lambda.amazonaws.com": {
            "ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:210987654321:function:model-server"}
        },
    }


def test_a_model_gets_its_own_consumers_on_top_of_the_shared_ones(access_run):
    policies = {
        p.inputs["repository"]: json.loads(p.inputs["policy"])
        for p in access_run.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy")
    }

    def named(repo):
        return policies[repo]["Statement"][0]["Principal"]["AWS"]

    assert "arn:aws:iam::210987654321:role/chat-inference" in named("models/llama-3-8b-instruct")
    assert "arn:aws:iam::210987654321:role/chat-inference" not in named("models/resnet-50")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"access:consumers": {"accounts": ["*"]}}, "access:consumers.accounts[0]"),
        ({"access:consumers": {"principals": ["*"]}}, "access:consumers.principals[0]"),
        ({"access:consumers": {"orgId": "o-*"}}, "access:consumers.orgId"),
        ({"access:consumers": {"services": [{"service": "lambda.amazonaws.com"}]}}, "access:consumers.services[0]"),
        (
            {"access:modelConsumers": {"no-such-model": {"accounts": ["111111111111"]}}},
            "access:modelConsumers.no-such-model",
        ),
        ({"access:ci": {"pushers": [{"repository": "acme/x", "refs": ["refs/heads/*"]}]}}, "access:ci.pushers[0].refs"),
    ],
)
def test_bad_access_config_fails_naming_the_field(change, named, registry_run):
    config = harness.stack_config("access") | change
    with pytest.raises(EvaluationError, match=named.replace("[", r"\[").replace("]", r"\]")):
        harness.run_stack("access", config, upstream=harness.upstream_of(registry_run))
