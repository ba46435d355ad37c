"""The access stack: every repository gets a policy, nobody is a wildcard, CI is pinned by `sub`."""

import json
import re

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


PUSH = "aws:ecr/repositoryPolicy:RepositoryPolicy"
TEAMS = {"genai": "sdxl-base", "nlp": "llama-3-8b-instruct", "speech": "whisper-large-v3", "vision": "resnet-50"}
NAMESPACE_ARN = "arn:aws:ecr:us-east-1:123456789012:repository/models/*"


def _role(run, name):
    return next(r for r in run.of_type("aws:iam/role:Role") if r.inputs["name"] == name)


def _role_policies(run):
    return {p.inputs["role"]: json.loads(p.inputs["policy"]) for p in run.of_type("aws:iam/rolePolicy:RolePolicy")}


def _repository_policies(run):
    return {p.inputs["repository"]: json.loads(p.inputs["policy"]) for p in run.of_type(PUSH)}


def test_every_team_with_ci_gets_its_own_push_role(access_run):
    names = sorted(r.inputs["name"] for r in access_run.of_type("aws:iam/role:Role"))
    assert names == [f"model-registry-ci-push-{team}" for team in sorted(TEAMS)] + ["model-registry-inference-pull"]
    assert access_run.outputs["pushRoleArns"] == {
        team: f"arn:aws:iam::123456789012:role/model-registry-ci-push-{team}" for team in TEAMS
    }


def test_a_team_push_role_is_trusted_only_from_its_own_pushers_by_sub_and_audience(access_run):
    (trust,) = json.loads(_role(access_run, "model-registry-ci-push-nlp").inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    }
    assert trust["Condition"] == {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {
            "token.actions.githubusercontent.com:sub": [
                "repo:acme/model-build:ref:refs/heads/main",
                "repo:acme/model-build:ref:refs/tags/v*",
            ]
        },
    }
    (speech,) = json.loads(_role(access_run, "model-registry-ci-push-speech").inputs["assumeRolePolicy"])["Statement"]
    assert speech["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": ["repo:acme/speech-models:environment:release"]
    }


def test_a_team_push_policy_covers_the_namespace_limited_by_the_team_tag(access_run):
    (token, push) = _role_policies(access_run)["model-registry-ci-push-vision"]["Statement"]
    assert token == {
        "Sid": "GetRegistryToken",
        "Effect": "Allow",
        "Action": ["ecr:GetAuthorizationToken"],
        "Resource": "*",
    }
    assert push == {
        "Sid": "PushToTeamRepositories",
        "Effect": "Allow",
        "Action": [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:CompleteLayerUpload",
            "ecr:GetDownloadUrlForLayer",
            "ecr:InitiateLayerUpload",
            "ecr:PutImage",
            "ecr:UploadLayerPart",
        ],
        "Resource": [NAMESPACE_ARN],
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "vision"}},
    }


def test_no_push_role_may_tag_or_untag_a_repository(access_run):
    # A role that could re-tag a repository could move it into its own team and push to it.
    for role, document in _role_policies(access_run).items():
        actions = {a.lower() for s in document["Statement"] for a in s["Action"]}
        assert not actions & {"ecr:tagresource", "ecr:untagresource", "ecr:*", "*"}, role


def test_the_pull_policy_covers_the_namespace_without_push(access_run):
    (token, pull) = _role_policies(access_run)["model-registry-inference-pull"]["Statement"]
    assert token["Action"] == ["ecr:GetAuthorizationToken"]
    assert pull["Resource"] == [NAMESPACE_ARN]
    assert pull["Action"] == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def test_each_repository_lets_only_its_team_role_push_and_denies_everyone_else(access_run):
    policies = _repository_policies(access_run)
    for team, model in TEAMS.items():
        statements = {s["Sid"]: s for s in policies[f"models/{model}"]["Statement"]}
        role = f"arn:aws:iam::123456789012:role/model-registry-ci-push-{team}"
        assert statements["PushByTeamCiRole"]["Principal"] == {"AWS": role}
        deny = statements["DenyPushExceptTeamCiRole"]
        assert (deny["Effect"], deny["Principal"]) == ("Deny", {"AWS": "*"})
        assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": role}}


def test_a_team_without_ci_gets_no_role_and_nobody_may_push_its_models(registry_run):
    catalog = harness.catalog_files()
    del catalog["speech.yaml"]["ci"]
    run = harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry_run))
    assert "model-registry-ci-push-speech" not in {r.inputs["name"] for r in run.of_type("aws:iam/role:Role")}
    statements = _repository_policies(run)["models/whisper-large-v3"]["Statement"]
    pushes = [s for s in statements if "ecr:PutImage" in s["Action"]]
    assert pushes == [
        {
            "Sid": "DenyPushWithoutTeamCi",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"],
        }
    ]


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
    policies = _repository_policies(access_run)

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
    ],
)
def test_bad_access_config_fails_naming_the_field(change, named, registry_run):
    config = harness.stack_config("access") | change
    with pytest.raises(EvaluationError, match=re.escape(named)):
        harness.run_stack("access", config, upstream=harness.upstream_of(registry_run))


def test_model_consumers_left_in_stack_config_are_refused_pointing_to_the_catalog(registry_run):
    config = harness.stack_config("access") | {"access:modelConsumers": {"bert": {"accounts": ["111111111111"]}}}
    with pytest.raises(EvaluationError, match=r"access:modelConsumers: the models and their consumers moved"):
        harness.run_stack("access", config, upstream=harness.upstream_of(registry_run))


def test_pushers_left_in_stack_config_are_refused_pointing_to_the_catalog(registry_run):
    config = harness.stack_config("access") | {"access:ci": {"pushers": [{"repository": "acme/x"}]}}
    with pytest.raises(EvaluationError, match=r"access:ci.pushers: who may push to which models moved to each team"):
        harness.run_stack("access", config, upstream=harness.upstream_of(registry_run))


def test_a_branch_wildcard_in_a_team_pushers_is_refused_naming_file_and_line(registry_run):
    catalog = harness.catalog_files()
    catalog["nlp.yaml"]["ci"]["pushers"][0]["refs"] = ["refs/heads/*"]
    with pytest.raises(EvaluationError, match=re.escape("catalog/nlp.yaml:6: ci.pushers[0].refs[0]: 'refs/heads/*'")):
        harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry_run))


def test_pushers_whose_trust_policy_iam_would_refuse_fail_the_stack_naming_the_file(registry_run):
    catalog = harness.catalog_files()
    catalog["nlp.yaml"]["ci"]["pushers"][0]["refs"] = [f"refs/heads/release-{i:03d}" for i in range(60)]
    with pytest.raises(EvaluationError, match=r"catalog/nlp.yaml:3: ci.pushers: the push role's trust policy would be"):
        harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry_run))


def test_a_model_the_registry_does_not_export_is_refused_in_one_line(registry_run):
    catalog = harness.catalog_files()
    catalog["nlp.yaml"]["models"].append({"name": "no-such-model"})
    with pytest.raises(EvaluationError) as error:
        harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry_run))
    assert "catalog/nlp.yaml:16: model 'no-such-model' is not a repository of the registry stack" in str(error.value)
    assert "\n" not in str(error.value)


def test_a_registry_repository_missing_from_the_access_catalog_is_refused(registry_run):
    catalog = harness.catalog_files()
    del catalog["genai.yaml"]
    with pytest.raises(
        EvaluationError,
        match=r"access:catalog: the registry stack has repositories for models this catalog lacks \(sdxl-base\)",
    ):
        harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry_run))
