"""Pinned account settings: the replication stack pins REGISTRY_POLICY_SCOPE and BASIC_SCAN_TYPE_VERSION,
and the pack reads the registry policy under the scope in force."""

import inspect
import json

import botocore.session
import harness
import pulumi_aws
import pytest
from aws_facts import ecr_account_settings
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from offline_preview.evaluate import EvaluationError
from registry_policies.account_settings import scope_findings
from registry_policies.stack import StackResource

SETTING = "aws:ecr/accountSetting:AccountSetting"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
ECR = botocore.session.get_session().get_service_model("ecr")


@pytest.fixture(scope="module")
def registry_run():
    return harness.run_stack("registry")


@pytest.fixture(scope="module")
def deployed(registry_run):
    """The replication stack as dev and prod deploy it (the settings pinned)."""
    return harness.run_stack("replication", upstream=harness.upstream_of(registry_run))


def test_the_settings_values_are_those_the_provider_documents():
    documented = inspect.getdoc(pulumi_aws.ecr.AccountSettingArgs.__init__)
    for name, values in ecr_account_settings.VALUES.items():
        assert name in documented
        for value in values:
            assert f"`{value}`" in documented


def test_the_replication_stack_pins_the_registry_policy_scope_v2_and_basic_scanning_aws_native(deployed):
    assert {r.inputs["name"]: r.inputs["value"] for r in deployed.of_type(SETTING)} == {
        "REGISTRY_POLICY_SCOPE": "V2",
        "BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE",
    }


def test_the_registry_policy_is_put_after_the_scope_that_gives_it_its_meaning(deployed):
    [policy] = deployed.of_type(REGISTRY_POLICY)
    assert {r.urn for r in deployed.of_type(SETTING)} <= set(policy.dependencies)


def test_the_emulator_config_pins_nothing_since_moto_has_no_put_account_setting(registry_run):
    local = harness.run_stack(
        "replication", config=harness.stack_config("replication"), upstream=harness.upstream_of(registry_run)
    )
    assert local.of_type(SETTING) == []


def test_a_scope_ecr_does_not_know_is_refused_naming_the_key(registry_run):
    config = harness.stack_config("replication") | {"replication:accountSettings": {"registryPolicyScope": "V3"}}
    with pytest.raises(EvaluationError, match=r"replication:accountSettings\.registryPolicyScope"):
        harness.run_stack("replication", config=config, upstream=harness.upstream_of(registry_run))


def _stack(*, scope=None, actions=("ecr:ReplicateImage",), effect="Allow", extra=()):
    resources = [
        StackResource(SETTING, f"s-{name}", f"urn:s-{name}", {"name": name, "value": value})
        for name, value in ([("REGISTRY_POLICY_SCOPE", scope)] if scope else []) + list(extra)
    ]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S",
                "Effect": effect,
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": list(actions),
                "Resource": "*",
            }
        ],
    }
    return [*resources, StackResource(REGISTRY_POLICY, "rp", "urn:rp", {"policy": json.dumps(policy)})]


def test_the_stacks_own_registry_policy_means_the_same_under_either_scope(deployed):
    resources = [StackResource(r.type, r.name, r.urn, r.inputs) for r in deployed.resources]
    assert scope_findings(resources) == []
    unpinned = [r for r in resources if r.type != SETTING]
    assert scope_findings(unpinned) == []


def test_under_v1_a_pull_grant_or_deny_in_the_registry_policy_does_nothing_and_is_refused():
    [finding] = scope_findings(_stack(scope="V1", actions=("ecr:BatchGetImage", "ecr:ReplicateImage")))
    assert finding.message.startswith(
        "registry policy Statement[0] (S) names ecr:BatchGetImage, which REGISTRY_POLICY_SCOPE V1 ignores"
    )
    [finding] = scope_findings(_stack(scope="V1", actions=("ecr:PutImage",), effect="Deny"))
    assert "ecr:PutImage" in finding.message
    assert scope_findings(_stack(scope="V2", actions=("ecr:BatchGetImage",))) == []


def test_an_unpinned_scope_is_refused_only_for_actions_whose_effect_depends_on_it():
    [finding] = scope_findings(_stack(actions=("ecr:Batch*",)))
    assert "this stack does not pin the scope" in finding.message and "ecr:BatchGetImage" in finding.message
    assert (
        scope_findings(_stack(actions=("ecr:ReplicateImage", "ecr:CreateRepository", "ecr:BatchImportUpstreamImage")))
        == []
    )


def test_an_invalid_or_twice_pinned_setting_is_refused():
    [finding] = scope_findings(_stack(scope="V2", extra=[("BASIC_SCAN_TYPE_VERSION", "TRIVY")]))
    assert (
        finding.message
        == "account setting s-BASIC_SCAN_TYPE_VERSION: BASIC_SCAN_TYPE_VERSION takes AWS_NATIVE or CLAIR, not 'TRIVY'"
    )
    resources = _stack(scope="V2") + [
        StackResource(SETTING, "again", "urn:again", {"name": "REGISTRY_POLICY_SCOPE", "value": "V1"})
    ]
    messages = [f.message for f in scope_findings(resources)]
    assert "REGISTRY_POLICY_SCOPE is pinned to V1 and V2 in one stack: keep one aws.ecr.AccountSetting" in messages


def test_the_requests_match_botocores_model_and_the_emulator_has_no_such_api(deployed, ecr_client):
    shape = ECR.operation_model("PutAccountSetting").input_shape
    for setting in deployed.of_type(SETTING):
        request = {"name": setting.inputs["name"], "value": setting.inputs["value"]}
        validate_parameters(request, shape)
        with pytest.raises(ClientError) as refused:
            ecr_client.put_account_setting(**request)
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
