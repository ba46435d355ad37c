"""Pull-through caches: cache rules for the upstreams a team names (credentials by Secrets Manager ARN), a
creation template per cache prefix with the models' KMS, immutability and lifecycle, scanning of the
prefix, and pull through the cache for the build roles only (the access matrix shows it)."""

import json
import sys
from pathlib import Path

import botocore.session
import harness
import pytest
from aws_facts import ecr_pull_through, provider_actions
from aws_facts.iam.actions import actions_on
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from deployer_policies import policies as deployer
from deployer_policies import stack_types
from deployer_policies.boundary import boundary_policy
from model_registry.catalog import load_catalog
from model_registry.errors import ConfigError
from offline_preview.access_matrix import access_matrix
from offline_preview.analyzer_client import AnalyzerClient
from offline_preview.evaluate import EvaluationError
from registry_policies.pull_through import cache_findings
from registry_policies.scanning import Place
from registry_policies.stack import StackResource

sys.path.insert(0, str(Path(__file__).parents[1] / "deployer"))
from iam_eval import allows  # noqa: E402

ECR = botocore.session.get_session().get_service_model("ecr")
RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
ACCOUNT = harness.ACCOUNT
PACK_DIR = Path(__file__).resolve().parents[2] / "policy-pack"


def team(name, upstreams, ci=True):
    data = {"team": name, "upstreams": upstreams, "models": [{"name": f"{name}-model"}]}
    if ci:
        data["ci"] = {"pushers": [{"repository": f"acme/{name}-build"}]}
    return data


CATALOG = {
    "nlp.yaml": team("nlp", [{"registry": "docker-hub", "credentialArn": SECRET}, {"registry": "k8s"}]),
    "vision.yaml": team("vision", [{"registry": "quay"}, {"registry": "k8s"}]),
    "speech.yaml": team("speech", [], ci=False),
}


@pytest.fixture(scope="module")
def run():
    return harness.run_stack(
        "registry", config=harness.stack_config("registry") | {"registry:upstreamCaches": True}, catalog=CATALOG
    )


def test_the_facts_are_botocores():
    assert set(ecr_pull_through.UPSTREAMS) <= set(ECR.shape_for("UpstreamRegistry").enum)
    prefix = ECR.shape_for("PullThroughCacheRuleRepositoryPrefix").metadata
    assert (prefix["min"], prefix["max"]) == ecr_pull_through.PREFIX_LENGTH
    assert prefix["pattern"] == f"^{ecr_pull_through.PREFIX.pattern}$"
    credential = ECR.shape_for("CredentialArn").metadata
    assert credential["pattern"] == f"^{ecr_pull_through.CREDENTIAL_ARN.pattern}$"
    assert (credential["min"], credential["max"]) == ecr_pull_through.CREDENTIAL_ARN_LENGTH


def test_one_cache_rule_per_upstream_named_by_any_team_with_credentials_only_where_needed(run):
    rules = {r.inputs["ecrRepositoryPrefix"]: r.inputs for r in run.of_type(RULE)}
    assert rules == {
        "cache/docker-hub": {
            "ecrRepositoryPrefix": "cache/docker-hub",
            "upstreamRegistryUrl": "registry-1.docker.io",
            "credentialArn": SECRET,
        },
        "cache/k8s": {"ecrRepositoryPrefix": "cache/k8s", "upstreamRegistryUrl": "registry.k8s.io"},
        "cache/quay": {"ecrRepositoryPrefix": "cache/quay", "upstreamRegistryUrl": "quay.io"},
    }


def test_each_cache_prefix_has_a_template_with_the_models_key_immutability_and_lifecycle(run):
    [key] = run.of_type("aws:kms/key:Key")
    [model_lifecycle, *_] = run.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    [role] = run.of_type("aws:iam/role:Role")
    templates = {t.inputs["prefix"]: t.inputs for t in run.of_type(TEMPLATE)}
    assert sorted(templates) == ["cache/docker-hub", "cache/k8s", "cache/quay"]
    # The models' one key: every repository is encrypted with it, and so is every cache template.
    [key_arn] = {
        r.inputs["encryptionConfigurations"][0]["kmsKey"] for r in run.of_type("aws:ecr/repository:Repository")
    }
    assert key_arn == key.outputs["arn"]
    for template in templates.values():
        assert template["appliedFors"] == ["PULL_THROUGH_CACHE"]
        assert template["imageTagMutability"] == "IMMUTABLE"
        assert template["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key_arn}]
        assert template["lifecyclePolicy"] == model_lifecycle.inputs["policy"]
        assert template["customRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/model-registry-cache-template"
    assert role.inputs["permissionsBoundary"] == f"arn:aws:iam::{ACCOUNT}:policy/model-registry-role-boundary"
    assert key.inputs["multiRegion"] is True


def test_the_registry_scanning_covers_the_models_and_every_cache_prefix(run):
    [scanning] = run.of_type(SCANNING)
    assert [f["filter"] for f in scanning.inputs["rules"][0]["repositoryFilters"]] == [
        "models/*",
        "cache/docker-hub/*",
        "cache/k8s/*",
        "cache/quay/*",
    ]


def test_the_access_matrix_shows_pull_through_the_cache_for_the_build_roles_only(run):
    resources = [{"type": r.type, "inputs": r.inputs, "outputs": {}} for r in run.resources]
    matrix = access_matrix(resources)
    rows = matrix["cache/quay/*"]
    pullers = sorted(p for p, caps in rows.items() if caps.get("pull") and not caps["pull"][0].startswith("DENIED"))
    assert pullers == [
        f"arn:aws:iam::{ACCOUNT}:role/model-registry-ci-push-nlp",
        f"arn:aws:iam::{ACCOUNT}:role/model-registry-ci-push-vision",
    ]
    assert all(not caps.get("push") for caps in rows.values())


def test_the_pack_accepts_the_stack_and_refuses_a_rule_without_template_scanning_or_secret(run):
    resources = [StackResource(r.type, r.name, r.urn, r.inputs) for r in run.resources]
    assert cache_findings(resources) == []
    without = [r for r in resources if not (r.type == TEMPLATE and r.props["prefix"] == "cache/quay")]
    [finding] = cache_findings(without)
    assert (
        "pull-through cache rule 'cache/quay' (quay.io): no repository creation template with prefix" in finding.message
    )
    unscanned = [
        StackResource(
            r.type,
            r.name,
            r.urn,
            {
                **r.props,
                "rules": [
                    {
                        "scanFrequency": "CONTINUOUS_SCAN",
                        "repositoryFilters": [{"filter": "models/*", "filterType": "WILDCARD"}],
                    }
                ],
            },
        )
        if r.type == SCANNING
        else r
        for r in resources
    ]
    messages = [f.message for f in cache_findings(unscanned)]
    assert len(messages) == 3 and all("does not cover" in m for m in messages)
    no_secret = [
        StackResource(r.type, r.name, r.urn, {k: v for k, v in r.props.items() if k != "credentialArn"})
        if r.type == RULE
        else r
        for r in resources
    ]
    [finding] = cache_findings(no_secret)
    assert "registry-1.docker.io needs credentials" in finding.message
    mutable = [
        StackResource(r.type, r.name, r.urn, {**r.props, "imageTagMutability": "MUTABLE"}) if r.type == TEMPLATE else r
        for r in resources
    ]
    assert len(cache_findings(mutable)) == 3


def _load(files):
    return load_catalog(harness.write_catalog(files))


def test_credentials_are_a_secret_arn_required_where_the_upstream_needs_them_and_never_a_value():
    with pytest.raises(ConfigError) as error:
        _load({"nlp.yaml": team("nlp", [{"registry": "github-container-registry"}])})
    assert "github-container-registry needs credentials" in error.value.problems[0]
    with pytest.raises(ConfigError) as error:
        _load({"nlp.yaml": team("nlp", [{"registry": "docker-hub", "credentialArn": "my-dockerhub-password"}])})
    assert "is not the ARN of a Secrets Manager secret named ecr-pullthroughcache/<name>" in error.value.problems[0]
    with pytest.raises(ConfigError, match="quay is public and takes no credentials"):
        _load({"nlp.yaml": team("nlp", [{"registry": "quay", "credentialArn": SECRET}])})
    with pytest.raises(ConfigError, match="'gcr' is not an upstream registry this registry caches"):
        _load({"nlp.yaml": team("nlp", [{"registry": "gcr"}])})


def test_two_teams_naming_one_upstream_must_name_one_secret():
    other = SECRET.replace("docker-hub-AbCdEf", "other-XyZ123")
    with pytest.raises(ConfigError, match="one cache rule per upstream: agree on one secret"):
        _load(
            {
                "nlp.yaml": team("nlp", [{"registry": "docker-hub", "credentialArn": SECRET}]),
                "vision.yaml": team("vision", [{"registry": "docker-hub", "credentialArn": other}]),
            }
        )


def test_the_cache_prefix_leaves_room_for_every_upstream_at_19_characters_and_not_20():
    config = harness.stack_config("registry") | {"registry:upstreamCaches": True}
    harness.run_stack("registry", config=config | {"registry:upstreamCachePrefix": "c" * 19}, catalog=CATALOG)
    with pytest.raises(
        EvaluationError,
        match=r"registry:upstreamCachePrefix: the cache prefix 'c{20}/docker-hub' is 31 characters; ECR allows 2-30",
    ):
        harness.run_stack("registry", config=config | {"registry:upstreamCachePrefix": "c" * 20}, catalog=CATALOG)


def test_the_emulator_config_creates_no_cache_and_the_requests_match_botocores_model(run, ecr_client):
    local = harness.run_stack("registry", catalog=CATALOG)
    assert local.of_type(RULE) == [] and local.of_type(TEMPLATE) == []
    shape = ECR.operation_model("CreatePullThroughCacheRule").input_shape
    for rule in run.of_type(RULE):
        validate_parameters(rule.inputs, shape)
        with pytest.raises(ClientError) as refused:
            ecr_client.create_pull_through_cache_rule(**rule.inputs)
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_the_registry_deployer_may_make_every_call_the_cache_resources_need(run):
    policy = deployer.registry_policy(deployer.Target(account_id=ACCOUNT, region="us-east-1"))
    home = {"aws:RequestedRegion": "us-east-1"}
    for action in provider_actions.required_actions(RULE) + provider_actions.required_actions(TEMPLATE):
        if action.startswith("ecr:") and action not in deployer.CACHE_REPOSITORY_ACTIONS:
            assert allows(policy, action, "*", home), action
    for action in deployer.CACHE_REPOSITORY_ACTIONS:
        assert allows(policy, action, f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/cache/quay/library/x", home)
    role = f"arn:aws:iam::{ACCOUNT}:role/model-registry-cache-template"
    assert allows(policy, "iam:PassRole", role, {"iam:PassedToService": "ecr.amazonaws.com"})
    boundary = {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/model-registry-role-boundary"}
    assert allows(policy, "iam:CreateRole", role, boundary) and not allows(policy, "iam:CreateRole", role)
    assert allows(policy, "iam:PutRolePolicy", role, boundary)
    assert set(stack_types.UPSTREAM_CACHE_TYPES) == {r.type for r in run.resources} - set(
        stack_types.STACK_RESOURCE_TYPES["registry"]
    )


# --- the build roles' identity grant to pull through the caches (access stack) -----------------------------

PULL_THROUGH_GRANT = "PullThroughTheCaches"


@pytest.fixture(scope="module")
def access(run):
    return harness.run_stack("access", catalog=CATALOG, upstream=harness.upstream_of(run))


def _role_policies(access_run):
    return {
        p.inputs["role"]: json.loads(p.inputs["policy"]) for p in access_run.of_type("aws:iam/rolePolicy:RolePolicy")
    }


def test_each_build_role_may_import_and_create_only_in_the_cache_prefixes_repositories(run, access):
    policies = _role_policies(access)
    assert sorted(policies) == [
        "model-registry-ci-push-nlp",
        "model-registry-ci-push-vision",
        "model-registry-inference-pull",
    ]
    for role in ("model-registry-ci-push-nlp", "model-registry-ci-push-vision"):
        [grant] = [s for s in policies[role]["Statement"] if s["Sid"] == PULL_THROUGH_GRANT]
        assert grant == {
            "Sid": PULL_THROUGH_GRANT,
            "Effect": "Allow",
            "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
            "Resource": [
                f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/cache/docker-hub/*",
                f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/cache/k8s/*",
                f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/cache/quay/*",
            ],
        }
    # The inference role does not build: it may not pull through a cache.
    assert not any(s["Sid"] == PULL_THROUGH_GRANT for s in policies["model-registry-inference-pull"]["Statement"])
    # The registry exports the prefixes of exactly the rules it created.
    assert run.outputs["cachePrefixes"] == ["cache/docker-hub", "cache/k8s", "cache/quay"]


def test_no_identity_grant_to_pull_through_without_cache_rules():
    """Without an upstream in the catalog, or where the environment has no caches (local), no role gets it."""
    no_upstreams = {name: {**data, "upstreams": []} for name, data in CATALOG.items()}
    deployed = harness.stack_config("registry") | {"registry:upstreamCaches": True}
    registry_without = harness.run_stack("registry", config=deployed, catalog=no_upstreams)
    local_registry = harness.run_stack("registry", catalog=CATALOG)
    for registry, catalog in ((registry_without, no_upstreams), (local_registry, CATALOG)):
        assert registry.outputs["cachePrefixes"] == []
        access_run = harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry))
        for policy in _role_policies(access_run).values():
            assert not any(s["Sid"] == PULL_THROUGH_GRANT for s in policy["Statement"])
            assert "ecr:BatchImportUpstreamImage" not in json.dumps(policy)


def test_the_pull_through_action_names_are_iams_and_act_on_repositories():
    """The names the leaf writes once are IAM's own spelling of actions whose resource is a repository, so
    a grant scoped to repository ARNs is the whole grant."""
    assert set(ecr_pull_through.PULL_THROUGH_ACTIONS) <= actions_on("ecr", "repository")


def test_the_build_roles_grant_fits_inside_the_boundary_and_the_boundary_allows_no_more(access):
    boundary = boundary_policy(deployer.Target(account_id=ACCOUNT))
    cache_repository = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/cache/quay/library/alpine"
    for action in ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository"):
        assert allows(boundary, action, cache_repository), action
    # Importing upstream images is for the caches only, not the models' namespace nor any other repository.
    assert not allows(boundary, "ecr:BatchImportUpstreamImage", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/models/x")
    assert not allows(boundary, "ecr:BatchImportUpstreamImage", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/other/x")
    [nlp] = [p for p in access.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"].endswith("-nlp")]
    [grant] = [s for s in json.loads(nlp.inputs["policy"])["Statement"] if s["Sid"] == PULL_THROUGH_GRANT]
    assert all(allows(boundary, a, r) for a in grant["Action"] for r in grant["Resource"])


def test_the_pack_accepts_the_access_stack_with_the_grant_and_the_matrix_still_shows_build_roles_only(run, access):
    resources = [
        {"type": r.type, "name": r.name, "urn": r.urn, "properties": r.inputs}
        for r in (*run.resources, *access.resources)
    ]
    with AnalyzerClient(PACK_DIR, project="access", stack="dev", config={"aws:region": "us-east-1"}) as client:
        client.configure({})
        violations = [v for r in resources for v in client.analyze(r)] + client.analyze_stack(resources)
    assert [(v.policy_name, v.resource_name, v.message) for v in violations if v.enforcement_level == "mandatory"] == []
    matrix = access_matrix(
        [{"type": r.type, "inputs": r.inputs, "outputs": {}} for r in (*run.resources, *access.resources)]
    )
    for prefix in ("cache/docker-hub/*", "cache/k8s/*", "cache/quay/*"):
        pullers = sorted(
            p for p, caps in matrix[prefix].items() if caps.get("pull") and not caps["pull"][0].startswith("DENIED")
        )
        assert pullers == [
            f"arn:aws:iam::{ACCOUNT}:role/model-registry-ci-push-nlp",
            f"arn:aws:iam::{ACCOUNT}:role/model-registry-ci-push-vision",
        ]
        assert all(not caps.get("push") for caps in matrix[prefix].values())


# ECR user guide, "Creating a pull through cache rule", prerequisites: "The account and Region that the secret is
# in must match the account and Region that the pull through cache rule is in." The registry is 123456789012 in
# us-east-1 (the local stack); the catalog names the secret at line 6 of the file written below.
FOREIGN_SECRETS = {
    "arn:aws:secretsmanager:us-east-1:444455556666:secret:ecr-pullthroughcache/hub-AbCdEf": "account '444455556666'",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf": "region 'eu-west-1'",
}


@pytest.mark.parametrize("secret", FOREIGN_SECRETS)
def test_a_secret_of_another_account_or_region_is_refused_naming_the_team_file_and_line(secret):
    text = (
        "team: nlp\n"
        "models:\n  - name: nlp-model\n"
        "upstreams:\n"
        f"  - {{registry: docker-hub,\n     credentialArn: {secret}}}\n"
    )
    config = harness.stack_config("registry") | {"registry:upstreamCaches": True}
    with pytest.raises(EvaluationError) as error:
        harness.run_stack("registry", config=config, catalog={"nlp.yaml": text})
    assert f"catalog/nlp.yaml:6: upstreams[0].credentialArn: the secret '{secret}' is in " in str(error.value)
    assert FOREIGN_SECRETS[secret] in str(error.value)


@pytest.mark.parametrize("secret", FOREIGN_SECRETS)
def test_the_pack_refuses_a_cache_rule_whose_secret_is_elsewhere(run, secret):
    moved = [
        StackResource(r.type, r.name, r.urn, {**r.inputs, "credentialArn": secret})
        if r.type == RULE and "credentialArn" in r.inputs
        else _plain(r)
        for r in run.resources
    ]
    [finding] = cache_findings(moved, Place("123456789012", "us-east-1"))
    assert f"credentialArn: the secret '{secret}' is in {FOREIGN_SECRETS[secret]}" in finding.message
    assert cache_findings([_plain(r) for r in run.resources], Place("123456789012", "us-east-1")) == []


def test_the_rule_s_place_is_its_provider_s_and_an_unknown_one_is_not_compared(run):
    in_europe = [
        StackResource(r.type, r.name, r.urn, r.inputs, provider={"region": "eu-west-1"})
        if r.type == RULE
        else _plain(r)
        for r in run.resources
    ]
    [finding] = cache_findings(in_europe, Place("123456789012", "us-east-1"))
    assert "region 'us-east-1', not the registry's 'eu-west-1'" in finding.message
    assert cache_findings([_plain(r) for r in run.resources], Place("", "")) == []


def _plain(resource):
    return StackResource(resource.type, resource.name, resource.urn, resource.inputs)
