"""The pack started exactly as the engine starts it, driven over gRPC through analyzer_client."""

import json
from pathlib import Path

import pytest
from offline_preview.analyzer_client import AnalyzerClient
from offline_preview.analyzer_messages import merge_pack_config
from registry_policies import names as policy_names
from registry_policies.pack_specs import DEFAULT_LEVELS

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policy-pack"
SEED = json.loads((ROOT / "tests/fixtures/policy_pack_seed_program.json").read_text())["resources"]

BAD_POLICY = {
    "type": "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "name": "openPolicy",
    "properties": {
        "repository": "models",
        "policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "PublicPull", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ecr:BatchGetImage"}
                ],
            }
        ),
    },
}
GOOD_REPOSITORY = {
    "type": "aws:ecr/repository:Repository",
    "name": "models",
    "properties": {
        "name": "models",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:1:key/k"}],
    },
}


@pytest.fixture(scope="module")
def pack():
    with AnalyzerClient(PACK_DIR, project="registry", stack="dev", config={"aws:region": "us-east-1"}) as client:
        yield client


@pytest.fixture
def configured(pack):
    pack.configure({})
    return pack


def by_policy(violations):
    return {(v.policy_name, v.enforcement_level) for v in violations}


def test_analyzer_info_lists_every_policy_with_its_default_level(pack):
    info = pack.info()
    assert info.name == policy_names.PACK_NAME
    assert {p.name: p.enforcement_level for p in info.policies} == {k: v.value for k, v in DEFAULT_LEVELS.items()}
    types = {p.name: p.policy_type for p in info.policies}
    assert types[policy_names.LIFECYCLE] == "stack" and types[policy_names.NO_WILDCARD_PRINCIPAL] == "resource"


def test_configure_sends_a_level_for_every_policy(pack):
    sent = pack.configure({"ecr-tags-immutable": "mandatory", policy_names.REQUIRED_TAGS: {"requiredTags": ["owner"]}})
    assert set(sent) == set(DEFAULT_LEVELS)
    assert sent[policy_names.TAGS_IMMUTABLE]["enforcementLevel"] == "mandatory"
    assert sent[policy_names.NO_WILDCARD_PRINCIPAL]["enforcementLevel"] == "mandatory"
    assert sent[policy_names.REQUIRED_TAGS] == {
        "enforcementLevel": "advisory",
        "properties": {"requiredTags": ["owner"]},
    }


def test_a_bad_repository_policy_is_a_mandatory_violation_naming_the_sid(configured):
    violations = configured.analyze(BAD_POLICY)
    [violation] = [v for v in violations if v.policy_name == policy_names.NO_WILDCARD_PRINCIPAL]
    assert violation.enforcement_level == "mandatory"
    assert 'statement "PublicPull"' in violation.message and '{"AWS": "*"}' in violation.message
    assert violation.resource_name == "openPolicy"
    assert violation.urn == "urn:pulumi:dev::registry::aws:ecr/repositoryPolicy:RepositoryPolicy::openPolicy"


def test_a_repository_without_lifecycle_policy_is_an_advisory_stack_violation(configured):
    violations = configured.analyze_stack([GOOD_REPOSITORY])
    assert by_policy(violations) == {(policy_names.LIFECYCLE, "advisory")}
    assert violations[0].resource_name == "models"


def test_a_repository_with_its_lifecycle_policy_passes_the_stack_policies(configured):
    lifecycle = {
        "type": "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "name": "models-lc",
        # A policy ECR accepts (aws-request-validation refuses "{}": no rules, under 100 characters).
        "properties": {"repository": "models", "policy": UNTAGGED_EXPIRE},
    }
    assert configured.analyze_stack([GOOD_REPOSITORY, lifecycle]) == []


UNTAGGED_EXPIRE = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "description": "expire untagged images after 14 days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 14,
                },
                "action": {"type": "expire"},
            }
        ]
    }
)


def test_a_configure_without_levels_silently_downgrades_mandatory_policies_to_advisory(pack):
    # This is why AnalyzerClient.configure always sends every level.
    merged = merge_pack_config(pack.info().policies, {})
    pack.configure_raw(merged, send_levels=False)
    try:
        [violation] = [v for v in pack.analyze(BAD_POLICY) if v.policy_name == policy_names.NO_WILDCARD_PRINCIPAL]
        assert violation.enforcement_level == "advisory"
    finally:
        pack.configure({})
    [violation] = [v for v in pack.analyze(BAD_POLICY) if v.policy_name == policy_names.NO_WILDCARD_PRINCIPAL]
    assert violation.enforcement_level == "mandatory"


def test_the_origin_program_is_rejected_for_its_wildcard_principal(configured):
    repository, repository_policy, _replication = SEED
    violations = configured.analyze(repository_policy)
    [violation] = [v for v in violations if v.policy_name == policy_names.NO_WILDCARD_PRINCIPAL]
    assert violation.enforcement_level == "mandatory"
    assert 'statement "AllowPushPull"' in violation.message and 'Principal "*"' in violation.message
    assert (policy_names.TAGS_IMMUTABLE, "advisory") in by_policy(configured.analyze(repository))


def test_an_advisory_policy_can_be_raised_to_mandatory(pack):
    pack.configure({"ecr-tags-immutable": {"enforcementLevel": "mandatory"}})
    try:
        assert (policy_names.TAGS_IMMUTABLE, "mandatory") in by_policy(pack.analyze(SEED[0]))
    finally:
        pack.configure({})


def test_an_unknown_policy_document_is_a_mandatory_could_not_evaluate(configured):
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    resource = {
        "type": "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "name": "later",
        "properties": {"repository": unknown, "policy": unknown},
    }
    [violation] = [v for v in configured.analyze(resource) if v.policy_name == policy_names.NO_WILDCARD_PRINCIPAL]
    assert violation.enforcement_level == "mandatory" and "could not be evaluated during preview" in violation.message


def test_an_exemption_with_a_reason_suppresses_the_violation_and_shows_the_reason(pack):
    reason = "legacy CI moves the latest tag until ticket ML-42 lands"
    pack.configure(
        {
            policy_names.EXEMPTIONS: {
                "exemptions": [{"policy": policy_names.TAGS_IMMUTABLE, "resource": "aiModelRepo", "reason": reason}]
            }
        }
    )
    try:
        violations = pack.analyze(SEED[0])
    finally:
        pack.configure({})
    assert policy_names.TAGS_IMMUTABLE not in {v.policy_name for v in violations}
    [note] = [v for v in violations if v.policy_name == policy_names.EXEMPTION_NOTES]
    assert note.enforcement_level == "advisory" and f"exempted from ecr-tags-immutable: {reason}" in note.message


def test_an_exemption_without_a_real_reason_is_a_mandatory_violation_and_exempts_nothing(pack):
    pack.configure(
        {
            policy_names.EXEMPTIONS: {
                "exemptions": [
                    {"policy": policy_names.NO_WILDCARD_PRINCIPAL, "resource": "aiModelRepoPolicy", "reason": "ok"}
                ]
            }
        }
    )
    try:
        violations = pack.analyze(SEED[1])
    finally:
        pack.configure({})
    assert (policy_names.EXEMPTIONS, "mandatory") in by_policy(violations)
    assert (policy_names.NO_WILDCARD_PRINCIPAL, "mandatory") in by_policy(violations)


def test_many_analyze_calls_come_back_in_order(configured):
    resources = [dict(BAD_POLICY, name=f"p{i}") for i in range(50)]
    results = configured.analyze_many(resources)
    assert [r[0].resource_name for r in results] == [f"p{i}" for i in range(50)]


def test_the_pack_process_is_killed_when_the_context_ends():
    with AnalyzerClient(PACK_DIR) as client:
        process = client._process
        assert process.poll() is None
    assert process.poll() is not None
