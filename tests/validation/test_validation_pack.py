"""aws-request-validation through the real pack over gRPC (pulumi-policy's server, the engine's protocol):
mandatory, one line per finding, and an exemption of it is itself refused."""

import json
from pathlib import Path

import pytest
from offline_preview.analyzer_client import AnalyzerClient
from registry_policies.validation import VALIDATION, VALIDATION_COVERAGE

PACK_DIR = Path(__file__).resolve().parents[2] / "policy-pack"


def resource(resource_type, name, properties):
    return {
        "type": resource_type,
        "name": name,
        "urn": f"urn:pulumi:dev::access::{resource_type}::{name}",
        "properties": properties,
    }


STACK = [
    resource("aws:ecr/repository:Repository", "upper", {"name": "Models/Llama", "imageTagMutability": "IMMUTABLE"}),
    resource("aws:kms/key:Key", "shortWindow", {"deletionWindowInDays": 5}),
    resource(
        "aws:iam/role:Role",
        "longSession",
        {
            "maxSessionDuration": 43201,
            "assumeRolePolicy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                }
            ),
        },
    ),
    resource("aws:ecr/repository:Repository", "fine", {"name": "models/llama", "imageTagMutability": "IMMUTABLE"}),
    resource("aws:sqs/queue:Queue", "queue", {"name": "q"}),
]


@pytest.fixture(scope="module")
def violations():
    with AnalyzerClient(PACK_DIR, project="access", stack="dev", config={"aws:region": "us-east-1"}) as client:
        client.configure({})
        return client.analyze_stack(STACK)


def test_each_refused_request_is_a_mandatory_violation_on_its_resource(violations):
    refused = {(v.resource_name, v.enforcement_level) for v in violations if v.policy_name == VALIDATION}
    assert refused == {("upper", "mandatory"), ("shortWindow", "mandatory"), ("longSession", "mandatory")}


def test_each_finding_is_one_line_with_resource_field_rule_value_and_link(violations):
    (window,) = [v for v in violations if v.policy_name == VALIDATION and v.resource_name == "shortWindow"]
    detail = window.message.split("\n", 1)[1]  # the server prefixes the policy's description
    assert "\n" not in detail
    assert detail == (
        "shortWindow (aws:kms/key:Key) deletionWindowInDays: must be a whole number of days from 7 to 30; got 5 "
        "[pulumi-aws 7.51.1 (terraform-provider-aws v6) internal/service/kms/key.go] "
        "(https://www.pulumi.com/registry/packages/aws/api-docs/kms/key/)"
    )


def test_an_unmapped_type_is_named_by_the_advisory_coverage_policy_and_not_refused(violations):
    with AnalyzerClient(PACK_DIR, project="access", stack="dev", config={"aws:region": "us-east-1"}) as client:
        client.configure({})
        queue = client.analyze(STACK[4])
        mapped = client.analyze(STACK[3])
    assert [(v.resource_name, v.enforcement_level) for v in queue if v.policy_name == VALIDATION_COVERAGE] == [
        ("queue", "advisory")
    ]
    assert not [v for v in mapped if v.policy_name == VALIDATION_COVERAGE]
    assert not [v for v in violations if v.policy_name == VALIDATION and v.resource_name == "queue"]


def test_an_exemption_from_request_validation_is_itself_refused():
    config = {
        "policy-exemptions": {
            "exemptions": [{"policy": VALIDATION, "resource": "shortWindow", "reason": "we like five days"}]
        }
    }
    with AnalyzerClient(PACK_DIR, project="access", stack="dev", config={"aws:region": "us-east-1"}) as client:
        client.configure(config)
        single = client.analyze(STACK[1])
        stacked = client.analyze_stack(STACK)
    assert any(v.policy_name == "policy-exemptions" and "cannot be exempted" in v.message for v in single)
    assert any(v.policy_name == VALIDATION and v.resource_name == "shortWindow" for v in stacked)
