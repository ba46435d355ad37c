"""The push and pull roles do not grow with the catalog, stay within IAM's quotas, and keep each team to its own.

IAM allows 10,240 characters of inline policy per role (all its inline policies together) and 2,048 of
trust policy by default, whitespace not counted. A policy that listed one ARN per model broke the access
stack's deploy near 150 models; these policies name the namespace and the team tag instead.
"""

import json
import sys
from pathlib import Path

import harness
import pytest
from access_stack.access import oidc_provider_arn, role_documents, team_trust_policy
from access_stack.config import AccessConfig
from model_registry import naming
from model_registry.catalog import Team, load_catalog
from model_registry.config import GitHubPusher, load
from model_registry.errors import ConfigError

sys.path.insert(0, str(Path(__file__).parents[1] / "deployer"))
from iam_eval import allows  # noqa: E402

# IAM and AWS STS quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): all
# inline policies of a role together 10,240 characters, a role trust policy 2,048 (the default), a role name 64.
MAX_INLINE_POLICY_CHARS = 10_240
MAX_TRUST_POLICY_CHARS = 2_048
MAX_ROLE_NAME = 64
TEAMS = ("nlp", "speech", "vision", "genai")
ACCOUNT = harness.ACCOUNT
NAMESPACE_ARN = f"arn:aws:ecr:{harness.REGION}:{ACCOUNT}:repository/models/*"
PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)


def generated_catalog(size: int) -> dict[str, dict]:
    """`size` models spread over the four teams, each team with its CI pushers."""
    files = {
        f"{team}.yaml": {
            "team": team,
            "ci": {"pushers": [{"repository": f"acme/{team}-models", "refs": ["refs/heads/main", "refs/tags/v*"]}]},
            "models": [],
        }
        for team in TEAMS
    }
    for index in range(size):
        model = {
            "name": f"model-{index:05d}",
            "consumers": {"principals": [f"arn:aws:iam::210987654321:role/c{index}"]},
        }
        files[f"{TEAMS[index % len(TEAMS)]}.yaml"]["models"].append(model)
    return files


def documents_at(size: int) -> dict:
    config = _access_config()
    catalog = load_catalog(harness.write_catalog(generated_catalog(size)), namespace="models")
    return role_documents(catalog, config, ACCOUNT, NAMESPACE_ARN)


def _access_config() -> AccessConfig:
    prefix = "access:"
    values = {k[len(prefix) :]: v for k, v in harness.stack_config("access").items() if k.startswith(prefix)}
    return load(AccessConfig, values, "access")


def iam_size(document: str) -> int:
    """Characters IAM counts: the JSON without whitespace outside strings."""
    return len(json.dumps(json.loads(document), separators=(",", ":")))


def test_every_role_document_is_byte_for_byte_the_same_at_4_and_at_10000_models():
    small, large = documents_at(4), documents_at(10_000)
    assert (
        sorted(small) == sorted(large) == sorted([naming.ci_push_role(t) for t in TEAMS] + [naming.INFERENCE_PULL_ROLE])
    )
    assert small == large


def test_the_stack_registers_the_same_role_documents_at_4_and_at_120_models():
    def roles(size: int) -> dict[str, tuple[str, str]]:
        catalog = generated_catalog(size)
        registry = harness.run_stack("registry", catalog=catalog)
        run = harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry))
        policies = {p.inputs["role"]: p.inputs["policy"] for p in run.of_type("aws:iam/rolePolicy:RolePolicy")}
        return {
            r.inputs["name"]: (r.inputs["assumeRolePolicy"], policies[r.inputs["name"]])
            for r in run.of_type("aws:iam/role:Role")
        }

    small, large = roles(4), roles(120)
    assert len(small) == len(TEAMS) + 1
    assert small == large


def test_the_real_role_documents_are_within_iam_quotas(access_run):
    policies = {p.inputs["role"]: p.inputs["policy"] for p in access_run.of_type("aws:iam/rolePolicy:RolePolicy")}
    roles = access_run.of_type("aws:iam/role:Role")
    assert len(roles) == len(policies) == len(TEAMS) + 1
    for role in roles:
        name = role.inputs["name"]
        # One inline policy per role: its size is the role's aggregate.
        assert iam_size(policies[name]) <= MAX_INLINE_POLICY_CHARS, name
        assert iam_size(role.inputs["assumeRolePolicy"]) <= MAX_TRUST_POLICY_CHARS, name
        assert len(name) <= MAX_ROLE_NAME


def test_each_team_push_role_can_push_only_to_repositories_tagged_with_its_team(access_run, registry_run):
    policies = {
        p.inputs["role"]: json.loads(p.inputs["policy"]) for p in access_run.of_type("aws:iam/rolePolicy:RolePolicy")
    }
    repositories = {
        r.outputs["arn"]: r.inputs["tags"]["team"] for r in registry_run.of_type("aws:ecr/repository:Repository")
    }
    assert sorted(set(repositories.values())) == sorted(TEAMS)
    for team in TEAMS:
        policy = policies[naming.ci_push_role(team)]
        for arn, owner in repositories.items():
            context = {"aws:ResourceTag/team": owner}
            pushable = [a for a in PUSH_ACTIONS if allows(policy, a, arn, context)]
            assert pushable == (list(PUSH_ACTIONS) if owner == team else []), (team, arn)


def test_a_push_role_cannot_push_outside_the_namespace_even_to_its_team_tag(access_run):
    policy = next(
        json.loads(p.inputs["policy"])
        for p in access_run.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == naming.ci_push_role("nlp")
    )
    context = {"aws:ResourceTag/team": "nlp"}
    outside = [
        f"arn:aws:ecr:{harness.REGION}:{ACCOUNT}:repository/other/app",
        f"arn:aws:ecr:{harness.REGION}:{ACCOUNT}:repository/models",
        f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/models/x",
        f"arn:aws:ecr:{harness.REGION}:210987654321:repository/models/x",
    ]
    assert [arn for arn in outside if allows(policy, "ecr:PutImage", arn, context)] == []
    # An untagged repository of the namespace: the condition's key is missing, so no push.
    assert not allows(policy, "ecr:PutImage", f"arn:aws:ecr:{harness.REGION}:{ACCOUNT}:repository/models/x", {})


def test_the_inference_role_pulls_from_the_namespace_and_pushes_nowhere(access_run):
    policy = next(
        json.loads(p.inputs["policy"])
        for p in access_run.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == naming.INFERENCE_PULL_ROLE
    )
    arn = f"arn:aws:ecr:{harness.REGION}:{ACCOUNT}:repository/models/resnet-50"
    assert allows(policy, "ecr:BatchGetImage", arn) and allows(policy, "ecr:GetDownloadUrlForLayer", arn)
    assert [
        a
        for a in PUSH_ACTIONS
        if a not in ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
        and allows(policy, a, arn)
    ] == []


def test_every_push_action_supports_the_resource_tag_condition_per_the_service_authorization_reference():
    # parliament ships AWS's Service Authorization Reference as data: an action whose resource type did not
    # take aws:ResourceTag would ignore the team condition (and IAM would then deny it: no Allow matches).
    import parliament

    definition = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    ecr = next(service for service in definition if service["prefix"] == "ecr")
    resource_keys = {r["resource"]: r["condition_keys"] for r in ecr["resources"]}
    privileges = {p["privilege"]: p for p in ecr["privileges"]}
    for action in PUSH_ACTIONS:
        types = [r["resource_type"].rstrip("*") for r in privileges[action.split(":")[1]]["resource_types"]]
        assert types == ["repository"], action
        assert "aws:ResourceTag/${TagKey}" in resource_keys["repository"]
    # GetAuthorizationToken takes no resource type: it can only be granted on "*", without a tag condition.
    assert [r["resource_type"] for r in privileges["GetAuthorizationToken"]["resource_types"]] == [""]


def _team_with_ref(length: int) -> Team:
    """Team nlp whose one pusher's branch name is `length` characters long."""
    pusher = GitHubPusher(repository="acme/model-build", refs=("refs/heads/" + "b" * length,))
    return Team("nlp", None, (pusher,), ("bert",), "catalog/nlp.yaml", 4)


def test_a_trust_policy_of_exactly_2048_characters_is_accepted_and_2049_refused_naming_the_file():
    provider = oidc_provider_arn(ACCOUNT)
    base = len(team_trust_policy(provider, _team_with_ref(1)))
    at_limit = MAX_TRUST_POLICY_CHARS - base + 1
    assert len(team_trust_policy(provider, _team_with_ref(at_limit))) == MAX_TRUST_POLICY_CHARS
    with pytest.raises(
        ConfigError, match=r"catalog/nlp.yaml:4: ci.pushers: the push role's trust policy would be 2,049"
    ):
        team_trust_policy(provider, _team_with_ref(at_limit + 1))
