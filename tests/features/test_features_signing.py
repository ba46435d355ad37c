"""Signing for release tags: ECR managed signing through aws-native (pulumi-aws 7.51.1 has no signing
resource), and the pack's check that the signing configuration covers every repository of the namespace."""

import importlib.util
import sys
from pathlib import Path

import botocore.session
import harness
import pytest
from aws_facts import ecr_signing
from aws_facts.provider_actions import required_actions
from botocore.exceptions import ClientError
from deployer_policies import policies as deployer
from deployer_policies import stack_types
from offline_preview.evaluate import EvaluationError
from registry_policies.signing import signing_findings
from registry_policies.stack import StackResource

sys.path.insert(0, str(Path(__file__).parents[1] / "deployer"))
from iam_eval import allows  # noqa: E402

ECR = botocore.session.get_session().get_service_model("ecr")
SIGNING = "aws-native:ecr:SigningConfiguration"
PROFILE = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/models_release"


def test_the_pinned_pulumi_aws_has_no_signing_resource_and_aws_native_has():
    assert importlib.util.find_spec("pulumi_aws.ecr.signing_configuration") is None
    import pulumi_aws_native

    assert pulumi_aws_native.ecr.SigningConfiguration


def test_the_facts_are_the_numbers_and_forms_aws_documents():
    # ECR API reference: SigningConfiguration "Maximum of 10 rules"; SigningRule "Maximum of 100 filters per
    # rule" and signingProfileArn "Maximum length of 200"
    # (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SigningConfiguration.html,
    # https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SigningRule.html).
    assert (ecr_signing.MAX_RULES, ecr_signing.MAX_FILTERS, ecr_signing.PROFILE_ARN_MAX) == (10, 100, 200)
    assert ecr_signing.FILTER_TYPE == "WILDCARD_MATCH"
    assert ecr_signing.FILTER_LENGTH == (1, 256)
    assert ecr_signing.FILTER.fullmatch("models/*") and ecr_signing.FILTER.fullmatch("team-a/llama_3.1")
    assert not ecr_signing.FILTER.fullmatch("Models/*") and not ecr_signing.FILTER.fullmatch("models//x")


def test_a_profile_arn_of_200_characters_is_accepted_and_of_201_refused():
    head = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/"
    assert ecr_signing.profile_problem(head + "p" * (200 - len(head))) is None
    assert ecr_signing.profile_problem(head + "p" * (201 - len(head))) is not None


def _configuration(rules: int) -> StackResource:
    rule = {"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": "models/*", "filterType": "WILDCARD_MATCH"}]}
    return StackResource(SIGNING, "signing", "urn:signing", {"rules": [rule] * rules})


def test_ten_signing_rules_are_accepted_and_eleven_refused():
    assert not any("signing rules" in f.message for f in signing_findings([_configuration(10)], {}))
    assert [f.message for f in signing_findings([_configuration(11)], {}) if "signing rules" in f.message] == [
        "11 signing rules; ECR allows 10"
    ]


@pytest.fixture(scope="module")
def signed():
    return harness.run_stack(
        "registry", config=harness.stack_config("registry") | {"registry:signing": {"signingProfileArn": PROFILE}}
    )


def test_the_registry_signs_every_repository_of_the_namespace_with_the_profile(signed):
    [configuration] = signed.of_type(SIGNING)
    assert configuration.inputs == {
        "rules": [
            {
                "signingProfileArn": PROFILE,
                "repositoryFilters": [{"filter": "models/*", "filterType": "WILDCARD_MATCH"}],
            }
        ]
    }
    resources = [StackResource(r.type, r.name, r.urn, r.inputs) for r in signed.resources]
    assert signing_findings(resources, {"requireSigning": True}) == []


def test_without_registry_signing_nothing_is_signed_and_a_pack_that_requires_it_refuses():
    run = harness.run_stack("registry")
    assert run.of_type(SIGNING) == []
    resources = [StackResource(r.type, r.name, r.urn, r.inputs) for r in run.resources]
    assert signing_findings(resources, {}) == []
    [finding] = signing_findings(resources, {"requireSigning": True})
    assert (
        finding.message
        == "4 repositories and no ECR signing configuration: release tags ship unsigned (set registry:signing)"
    )


def test_a_rule_that_misses_a_repository_or_a_bad_profile_is_refused(signed):
    resources = [StackResource(r.type, r.name, r.urn, r.inputs) for r in signed.resources]
    narrowed = [
        StackResource(
            r.type,
            r.name,
            r.urn,
            {
                "rules": [
                    {
                        "signingProfileArn": PROFILE,
                        "repositoryFilters": [{"filter": "models/llama*", "filterType": "WILDCARD_MATCH"}],
                    }
                ]
            },
        )
        if r.type == SIGNING
        else r
        for r in resources
    ]
    messages = sorted(f.message for f in signing_findings(narrowed, {}))
    assert messages == [
        f"repository models/{name} is matched by no signing rule: its release tags would ship unsigned"
        for name in ("resnet-50", "sdxl-base", "whisper-large-v3")
    ]
    bad = [
        StackResource(
            r.type,
            r.name,
            r.urn,
            {
                "rules": [
                    {
                        "signingProfileArn": "arn:aws:signer:us-east-1:1:/signing-profiles/x",
                        "repositoryFilters": [{"filter": "models/*", "filterType": "WILDCARD_MATCH"}],
                    }
                ]
            },
        )
        if r.type == SIGNING
        else r
        for r in resources
    ]
    [finding] = signing_findings(bad, {})
    assert finding.message.startswith(
        "rules[0].signingProfileArn: 'arn:aws:signer:us-east-1:1:/signing-profiles/x' is not a Signer signing profile ARN"
    )


def test_wildcard_match_is_the_whole_name():
    assert ecr_signing.filter_matches("models/*", "models/bert")
    assert not ecr_signing.filter_matches("models/*", "other/models/bert")
    assert ecr_signing.filter_matches("models/bert", "models/bert") and not ecr_signing.filter_matches(
        "models/bert", "models/bert-2"
    )


def test_a_profile_that_is_not_a_signer_arn_is_refused_in_config_naming_the_key():
    config = harness.stack_config("registry") | {
        "registry:signing": {"signingProfileArn": "arn:aws:kms:us-east-1:123456789012:key/x"}
    }
    with pytest.raises(
        EvaluationError, match=r"registry:signing\.signingProfileArn: .* is not a Signer signing profile ARN"
    ):
        harness.run_stack("registry", config=config)


def test_the_request_matches_botocores_model_and_the_emulator_has_no_such_api(signed, ecr_client):
    from botocore.validate import validate_parameters

    [configuration] = signed.of_type(SIGNING)
    request = {"signingConfiguration": configuration.inputs}
    validate_parameters(request, ECR.operation_model("PutSigningConfiguration").input_shape)
    with pytest.raises(ClientError) as refused:
        ecr_client.put_signing_configuration(**request)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_the_registry_deployer_may_make_every_call_the_signing_configuration_needs_in_its_region_only(signed):
    """aws-native reaches ECR through Cloud Control: the provider's calls and the handler's ECR calls."""
    policy = deployer.registry_policy(deployer.Target(account_id=harness.ACCOUNT, region="us-east-1"))
    [configuration] = signed.of_type(SIGNING)
    assert set(stack_types.SIGNING_TYPES) == {configuration.type}
    calls = {
        "cloudformation:CreateResource",
        "cloudformation:GetResource",
        "cloudformation:UpdateResource",
        "cloudformation:DeleteResource",
        "cloudformation:GetResourceRequestStatus",
        "ecr:PutSigningConfiguration",
        "ecr:GetSigningConfiguration",
        "ecr:DeleteSigningConfiguration",
    }
    assert set(required_actions(SIGNING)) == calls
    for action in sorted(calls):
        assert allows(policy, action, "*", {"aws:RequestedRegion": "us-east-1"}), action
        assert not allows(policy, action, "*", {"aws:RequestedRegion": "eu-west-1"}), action
