"""Documents the real ECR API refuses are refused by the same route (boto3 -> the emulator).

Where moto 5.2.5 accepts what AWS refuses, the case is an xfail(strict=True) naming the gap: it fails
today because the emulator accepts, and turns into an error (XPASS) the day moto starts refusing, so
that the xfail is removed. botocore's service model cannot stand in for these: it carries no such
limits (its replication rule list allows 25, its destination list 100, policies are plain strings).
"""

from __future__ import annotations

import copy
import json

import pytest
from botocore.exceptions import ClientError, ParamValidationError

ACCOUNT = "123456789012"
REPOSITORY = "models/refusals"
MOTO_ACCEPTS = "moto 5.2.5 accepts it; AWS refuses "
# An accepted request fails `refusal()` with pytest's "DID NOT RAISE": only that counts as the expected failure.
ACCEPTED = pytest.fail.Exception


@pytest.fixture
def ecr(emulator, client):
    """A clean registry with one repository to attach documents to."""
    emulator.reset()
    ecr = client("ecr")
    ecr.create_repository(repositoryName=REPOSITORY)
    return ecr


@pytest.fixture(scope="module")
def documents(runs):
    """Valid documents from the stacks, to break one rule at a time."""

    def first(stack, resource_type):
        return next(r.inputs for r in runs[stack].resources if r.type == resource_type)

    return {
        "lifecycle": json.loads(first("registry", "aws:ecr/lifecyclePolicy:LifecyclePolicy")["policy"]),
        "repository_policy": json.loads(first("access", "aws:ecr/repositoryPolicy:RepositoryPolicy")["policy"]),
        "replication": first("replication", "aws:ecr/replicationConfiguration:ReplicationConfiguration")[
            "replicationConfiguration"
        ],
    }


def refusal(call) -> Exception:
    """The error the request ends in; fails the test when it is accepted."""
    with pytest.raises((ClientError, ParamValidationError)) as refused:
        call()
    return refused.value


def code(error: Exception) -> str:
    return error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__


# --- repository names -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Models/Llama", "models//llama", "models/-llama", "models/llama/"])
def test_bad_repository_name_is_refused(ecr, name):
    error = refusal(lambda: ecr.create_repository(repositoryName=name))
    assert code(error) == "InvalidParameterException"
    assert "repositoryName" in str(error)


def test_one_character_repository_name_is_refused_by_botocores_model_before_the_request():
    """boto3 validates minimum lengths client-side: the request never leaves (same route, earlier stop)."""
    import boto3

    ecr = boto3.client("ecr", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    error = refusal(lambda: ecr.create_repository(repositoryName="m"))
    assert code(error) == "ParamValidationError" and "min length: 2" in str(error)


@pytest.mark.xfail(strict=True, raises=ACCEPTED, reason=MOTO_ACCEPTS + "repository names over 256 characters")
def test_repository_name_over_256_characters_is_refused(ecr):
    refusal(lambda: ecr.create_repository(repositoryName="models/" + "a" * 250))


# --- tag mutability -----------------------------------------------------------------------------


def test_exclusion_mode_without_filters_is_refused(ecr):
    error = refusal(
        lambda: ecr.create_repository(repositoryName="models/x", imageTagMutability="IMMUTABLE_WITH_EXCLUSION")
    )
    assert code(error) == "InvalidParameterException" and "imageTagMutabilityExclusionFilters" in str(error)


def test_exclusion_filters_without_exclusion_mode_are_refused(ecr):
    filters = [{"filter": "latest", "filterType": "WILDCARD"}]
    error = refusal(
        lambda: ecr.create_repository(
            repositoryName="models/x", imageTagMutability="IMMUTABLE", imageTagMutabilityExclusionFilters=filters
        )
    )
    assert code(error) == "InvalidParameterException"


@pytest.mark.xfail(strict=True, raises=ACCEPTED, reason=MOTO_ACCEPTS + "more than 5 exclusion filters")
def test_six_exclusion_filters_are_refused(ecr):
    filters = [{"filter": f"tag-{n}", "filterType": "WILDCARD"} for n in range(6)]
    refusal(
        lambda: ecr.create_repository(
            repositoryName="models/x",
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=filters,
        )
    )


# --- lifecycle policies -------------------------------------------------------------------------


def put_lifecycle(ecr, policy: dict):
    return lambda: ecr.put_lifecycle_policy(repositoryName=REPOSITORY, lifecyclePolicyText=json.dumps(policy))


def test_the_stacks_lifecycle_policy_is_accepted(ecr, documents):
    """The control of the cases below: unbroken, the same document goes through."""
    ecr.put_lifecycle_policy(repositoryName=REPOSITORY, lifecyclePolicyText=json.dumps(documents["lifecycle"]))
    stored = ecr.get_lifecycle_policy(repositoryName=REPOSITORY)["lifecyclePolicyText"]
    assert json.loads(stored) == documents["lifecycle"]


def test_lifecycle_rule_with_an_unknown_count_type_is_refused(ecr, documents):
    policy = copy.deepcopy(documents["lifecycle"])
    policy["rules"][0]["selection"]["countType"] = "imageCountLessThan"
    error = refusal(put_lifecycle(ecr, policy))
    assert code(error) == "InvalidParameterException" and "Lifecycle policy validation failure" in str(error)


def test_lifecycle_policy_without_rules_is_refused(ecr):
    error = refusal(put_lifecycle(ecr, {"rulez": [], "description": "x" * 100}))
    assert code(error) == "InvalidParameterException" and "rules" in str(error)


@pytest.mark.xfail(
    strict=True, raises=ACCEPTED, reason=MOTO_ACCEPTS + "a tagStatus 'tagged' rule without tagPrefixList/tagPatternList"
)
def test_tagged_lifecycle_rule_without_a_tag_list_is_refused(ecr, documents):
    policy = copy.deepcopy(documents["lifecycle"])
    del policy["rules"][0]["selection"]["tagPrefixList"]
    refusal(put_lifecycle(ecr, policy))


@pytest.mark.xfail(strict=True, raises=ACCEPTED, reason=MOTO_ACCEPTS + "two lifecycle rules with the same rulePriority")
def test_duplicate_lifecycle_rule_priority_is_refused(ecr, documents):
    policy = copy.deepcopy(documents["lifecycle"])
    policy["rules"][1]["rulePriority"] = policy["rules"][0]["rulePriority"]
    refusal(put_lifecycle(ecr, policy))


# --- repository policies ------------------------------------------------------------------------


@pytest.mark.xfail(
    strict=True, raises=ACCEPTED, reason=MOTO_ACCEPTS + "a repository policy statement with a Resource element"
)
def test_repository_policy_with_a_resource_element_is_refused(ecr, documents):
    policy = copy.deepcopy(documents["repository_policy"])
    policy["Statement"][0]["Resource"] = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{REPOSITORY}"
    refusal(lambda: ecr.set_repository_policy(repositoryName=REPOSITORY, policyText=json.dumps(policy)))


def test_repository_policy_that_is_not_json_is_refused(ecr):
    error = refusal(lambda: ecr.set_repository_policy(repositoryName=REPOSITORY, policyText="{not json"))
    assert code(error) == "InvalidParameterException"


# --- replication --------------------------------------------------------------------------------


def destinations(count: int) -> list[dict[str, str]]:
    """`count` distinct destinations: other accounts' registries in us-west-2."""
    return [{"region": "us-west-2", "registryId": f"{210987654300 + n:012d}"} for n in range(count)]


def test_replication_to_the_source_registry_is_refused(ecr):
    config = {"rules": [{"destinations": [{"region": "us-east-1", "registryId": ACCOUNT}]}]}
    error = refusal(lambda: ecr.put_replication_configuration(replicationConfiguration=config))
    assert code(error) == "InvalidParameterException" and "source registry" in str(error)


@pytest.mark.xfail(strict=True, raises=ACCEPTED, reason=MOTO_ACCEPTS + "26 replication destinations (the limit is 25)")
def test_twenty_six_replication_destinations_are_refused(ecr, documents):
    config = copy.deepcopy(documents["replication"])
    config["rules"][0]["destinations"] = destinations(26)
    refusal(lambda: ecr.put_replication_configuration(replicationConfiguration=config))


def test_emulator_refuses_every_multi_rule_replication_configuration(ecr, documents):
    """Why the 11-rule case below is an xfail: moto refuses even 2 rules, which AWS accepts."""
    config = copy.deepcopy(documents["replication"])
    config["rules"] = config["rules"] * 2
    error = refusal(lambda: ecr.put_replication_configuration(replicationConfiguration=config))
    assert "This feature is disabled" in str(error)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="moto 5.2.5 refuses any configuration of more than one rule ('This feature is disabled'), so it "
    "cannot show AWS's limit of 10 rules; this test requires a refusal for another reason",
)
def test_eleven_replication_rules_are_refused(ecr, documents):
    config = copy.deepcopy(documents["replication"])
    config["rules"] = config["rules"] * 11
    error = refusal(lambda: ecr.put_replication_configuration(replicationConfiguration=config))
    assert "This feature is disabled" not in str(error)


# --- registry scanning --------------------------------------------------------------------------


@pytest.mark.xfail(
    strict=True, raises=ACCEPTED, reason=MOTO_ACCEPTS + "BASIC scanning with CONTINUOUS_SCAN (BASIC scans on push only)"
)
def test_basic_continuous_scanning_is_refused(ecr):
    rules = [
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "models/*", "filterType": "WILDCARD"}]}
    ]
    refusal(lambda: ecr.put_registry_scanning_configuration(scanType="BASIC", rules=rules))


# --- pull-through cache -------------------------------------------------------------------------


def test_pull_through_cache_rule_request_matches_botocores_model_since_moto_answers_500(ecr):
    """moto has no pull-through cache rules (500). The registry does not create one today; this keeps
    the route honest: botocore's model refuses a bad prefix, and the emulator answers 500 to a good one."""
    import botocore.session
    import botocore.validate

    shape = (
        botocore.session.get_session()
        .get_service_model("ecr")
        .operation_model("CreatePullThroughCacheRule")
        .input_shape
    )
    good = {"ecrRepositoryPrefix": "ecr-public", "upstreamRegistryUrl": "public.ecr.aws"}
    botocore.validate.validate_parameters(good, shape)
    with pytest.raises(ParamValidationError, match="ecrRepositoryPrefix"):
        botocore.validate.validate_parameters({**good, "ecrRepositoryPrefix": "e"}, shape)
    error = refusal(lambda: ecr.create_pull_through_cache_rule(**good))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
