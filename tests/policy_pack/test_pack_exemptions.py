"""Exemptions: one policy, one resource, a reason of at least 10 characters."""

import json
from pathlib import Path

import pytest
from registry_policies import names as policy_names
from registry_policies.exemptions import find_exemption, parse_exemptions
from registry_policies.pack_specs import DEFAULT_LEVELS

POLICIES = {"ecr-tags-immutable", policy_names.NO_WILDCARD_PRINCIPAL}
REASON = "pulled by the legacy batch job until Q3"


def test_a_valid_exemption_matches_its_resource_by_name_or_urn():
    valid, invalid = parse_exemptions(
        {"exemptions": [{"policy": policy_names.TAGS_IMMUTABLE, "resource": "legacyRepo", "reason": REASON}]}, POLICIES
    )
    assert invalid == []
    assert find_exemption(valid, policy_names.TAGS_IMMUTABLE, "urn:x", "legacyRepo").reason == REASON
    assert find_exemption(valid, policy_names.NO_WILDCARD_PRINCIPAL, "urn:x", "legacyRepo") is None
    assert find_exemption(valid, policy_names.TAGS_IMMUTABLE, "urn:x", "otherRepo") is None


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"policy": policy_names.TAGS_IMMUTABLE, "resource": "r"}, "without a reason"),
        ({"policy": policy_names.TAGS_IMMUTABLE, "resource": "r", "reason": "because"}, "without a reason"),
        ({"policy": policy_names.TAGS_IMMUTABLE, "resource": "r", "reason": "         x"}, "without a reason"),
        ({"policy": "no-such-policy", "resource": "r", "reason": REASON}, "unknown policy"),
        ({"policy": policy_names.TAGS_IMMUTABLE, "reason": REASON}, "names no resource"),
        ("ecr-tags-immutable:r", "is not an object"),
    ],
)
def test_an_invalid_exemption_is_reported_and_not_applied(entry, problem):
    valid, [invalid] = parse_exemptions({"exemptions": [entry]}, POLICIES)
    assert valid == [] and problem in invalid.problem


@pytest.mark.parametrize("environment", ["local", "dev", "prod"])
def test_the_environment_configs_name_only_policies_of_the_pack(environment):
    config = json.loads((Path(__file__).resolve().parents[2] / f"policy-pack/config/{environment}.json").read_text())
    assert set(config) - {"all"} <= set(DEFAULT_LEVELS)
    assert config[policy_names.NO_WILDCARD_PRINCIPAL]["enforcementLevel"] == "mandatory"


def test_the_quota_and_request_validation_policies_cannot_be_exempted_since_aws_refuses_the_deploy_regardless():
    from registry_policies.pack_specs import CHECK_NAMES, NOT_EXEMPTABLE

    assert {
        policy_names.QUOTAS,
        policy_names.QUOTAS_AGGREGATE,
        policy_names.VALIDATION,
        policy_names.LIFECYCLE_GRAMMAR,
    } == NOT_EXEMPTABLE
    entry = {"policy": policy_names.QUOTAS_AGGREGATE, "resource": "ciPush", "reason": REASON}
    valid, [invalid] = parse_exemptions({"exemptions": [entry]}, CHECK_NAMES, NOT_EXEMPTABLE)
    assert valid == []
    assert invalid.problem.startswith("exempts ciPush from aws-quotas-aggregate, which cannot be exempted")
    # every other policy of the pack still can be
    other = {"policy": policy_names.TAGS_IMMUTABLE, "resource": "ciPush", "reason": REASON}
    valid, invalid = parse_exemptions({"exemptions": [other]}, CHECK_NAMES, NOT_EXEMPTABLE)
    assert [e.policy for e in valid] == [policy_names.TAGS_IMMUTABLE] and invalid == []
