"""Do no harm outside the namespace: the account's replication configuration and registry policy are one per
region and put whole (PutReplicationConfiguration, PutRegistryPolicy; the provider never reads what exists), so
each drops what the account held and it does not hold. The leaf says what a rule or a statement reaches outside
the namespaces; account-wide-replication and account-wide-registry-policy say it, blocked unless an exemption
with a reason acknowledges it."""

import json
from pathlib import Path

import pytest
from aws_facts.singletons import (
    inside,
    registry_policy_outside,
    replication_covers,
    replication_outside,
    resource_inside,
)
from offline_preview.analyzer_client import AnalyzerClient
from registry_policies import names as policy_names
from registry_policies.singletons import registry_policy_findings, replication_findings
from registry_policies.values import UNKNOWN_STRING_VALUE

REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
PACK_DIR = Path(__file__).resolve().parents[2] / "policy-pack"
MODELS = ["models"]


def rule(*filters, to="eu-central-1"):
    body = {"destinations": [{"region": to, "registryId": "111111111111"}]}
    if filters:
        body["repositoryFilters"] = [{"filter": f, "filterType": "PREFIX_MATCH"} for f in filters]
    return body


def grant(sid, resource, actions=("ecr:ReplicateImage", "ecr:CreateRepository"), **extra):
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}}
    statement["Action"] = list(actions)
    if resource is not None:
        statement["Resource"] = resource
    return statement | extra


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# --- the leaf: which repositories a PREFIX_MATCH filter covers ----------------------------------------------


@pytest.mark.parametrize("prefix", ["models/", "models/llm", "models/llm-7b"])
def test_a_prefix_that_begins_with_the_namespace_and_a_slash_stays_inside(prefix):
    assert inside(prefix, MODELS)


# A PREFIX_MATCH filter covers every repository whose name begins with it: `models` covers `models-archive/x`.
@pytest.mark.parametrize("prefix", ["models", "model", "models-archive/", "modelsx", "other/models/", "mo"])
def test_a_prefix_that_can_begin_another_repository_s_name_reaches_outside(prefix):
    assert not inside(prefix, MODELS)


def test_no_namespace_owns_nothing():
    assert not inside("models/", [])


def test_a_configuration_that_names_only_the_namespace_replicates_nothing_outside():
    assert replication_outside([rule("models/"), rule("models/llm", to="us-east-1")], MODELS) == []


def test_each_rule_reaching_outside_is_named_with_what_it_covers_and_where_it_sends_it():
    lines = replication_outside([rule("models/"), rule("models", "team-x/"), rule()], MODELS)
    assert lines == [
        "rules[1] replicates every repository whose name begins with 'models', 'team-x/' to 111111111111/eu-central-1",
        "rules[2] has no repository filter, so it replicates every repository of the account to "
        "111111111111/eu-central-1",
    ]


# --- the leaf: what a registry policy reaches outside the namespace -----------------------------------------


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:ecr:us-east-1:123456789012:repository/models/*",
        "arn:aws:ecr:*:*:repository/models/llm",
        "arn:aws:ecr:us-east-1:123456789012:repository/models/a*",
    ],
)
def test_an_ecr_arn_under_the_namespace_and_a_slash_stays_inside(arn):
    assert resource_inside(arn, MODELS)


@pytest.mark.parametrize(
    "arn",
    [
        "*",
        "arn:aws:ecr:us-east-1:123456789012:repository/*",
        "arn:aws:ecr:us-east-1:123456789012:repository/models*",
        "arn:aws:ecr:us-east-1:123456789012:repository/ecr-public/*",
        "arn:aws:ecr:us-east-1:123456789012:repository/*/models/x",
        "arn:aws:*:us-east-1:123456789012:repository/models/*",
    ],
)
def test_an_arn_that_can_match_another_repository_reaches_outside(arn):
    assert not resource_inside(arn, MODELS)


def test_a_registry_policy_on_the_namespace_only_grants_nothing_outside():
    assert registry_policy_outside(policy(grant("Ours", "arn:aws:ecr:us-east-1:1:repository/models/*")), MODELS) == []


def test_each_statement_reaching_outside_is_named_with_its_grant():
    document = policy(
        grant("Ours", "arn:aws:ecr:us-east-1:123456789012:repository/models/*"),
        grant("Cache", "arn:aws:ecr:us-east-1:123456789012:repository/ecr-public/*", ("ecr:BatchImportUpstreamImage",)),
        grant("Everything", None),
        {"Sid": "AllBut", "Effect": "Deny", "Principal": "*", "Action": "ecr:*", "NotResource": "arn:x"},
    )
    assert registry_policy_outside(document, MODELS) == [
        'statement "Cache" allows ecr:BatchImportUpstreamImage to arn:aws:iam::210987654321:root on '
        "arn:aws:ecr:us-east-1:123456789012:repository/ecr-public/*",
        'statement "Everything" allows ecr:ReplicateImage, ecr:CreateRepository to arn:aws:iam::210987654321:root '
        "on the whole registry (no Resource)",
        'statement "AllBut" denies ecr:* to * on every repository but arn:x',
    ]


# --- the pack: one finding per resource, what it drops and what it reaches ----------------------------------


def test_a_replication_configuration_always_says_it_drops_the_account_s_other_rules():
    props = {"replicationConfiguration": {"rules": [rule("models/")]}}
    (finding,) = replication_findings(REPLICATION, props, {"namespaces": MODELS})
    assert "every rule it does not hold is dropped" in finding.message
    assert "What it holds outside 'models/': nothing." in finding.message
    assert f"an exemption of {policy_names.ACCOUNT_WIDE_REPLICATION} and a reason" in finding.message


def test_a_replication_filter_on_the_bare_namespace_is_named_as_reaching_outside():
    props = {"replicationConfiguration": {"rules": [rule("models")]}}
    (finding,) = replication_findings(REPLICATION, props, {"namespaces": MODELS})
    assert "rules[0] replicates every repository whose name begins with 'models' to" in finding.message


def test_without_namespaces_configured_every_rule_is_outside():
    props = {"replicationConfiguration": {"rules": [rule("models/")]}}
    (finding,) = replication_findings(REPLICATION, props, {})
    assert "outside the stacks' namespace (none named): rules[0] replicates" in finding.message


def test_a_registry_policy_always_says_it_removes_the_account_s_other_statements():
    props = {"policy": policy(grant("Ours", "arn:aws:ecr:us-east-1:123456789012:repository/models/*"))}
    (finding,) = registry_policy_findings(REGISTRY_POLICY, props, {"namespaces": MODELS})
    assert "every statement it does not hold is removed" in finding.message
    assert "What it holds outside 'models/': nothing." in finding.message


@pytest.mark.parametrize(
    ("check", "resource_type", "props"),
    [
        (replication_findings, REPLICATION, {"replicationConfiguration": {"rules": UNKNOWN_STRING_VALUE}}),
        (registry_policy_findings, REGISTRY_POLICY, {"policy": UNKNOWN_STRING_VALUE}),
    ],
)
def test_an_unknown_value_cannot_be_evaluated_and_does_not_pass(check, resource_type, props):
    (finding,) = check(resource_type, props, {"namespaces": MODELS})
    assert finding.unknown and "could not be evaluated during preview" in finding.message


def test_a_misspelt_namespaces_value_is_an_error_not_a_default():
    with pytest.raises(ValueError, match="namespaces must be a list of strings"):
        replication_findings(REPLICATION, {"replicationConfiguration": {"rules": []}}, {"namespaces": "models"})


# --- through the real pack over gRPC ------------------------------------------------------------------------

CASES = [
    (
        policy_names.ACCOUNT_WIDE_REPLICATION,
        REPLICATION,
        "configuration",
        {"replicationConfiguration": {"rules": [rule("models/")]}},
    ),
    (
        policy_names.ACCOUNT_WIDE_REGISTRY_POLICY,
        REGISTRY_POLICY,
        "registry-policy",
        {"policy": policy(grant("Ours", "arn:aws:ecr:us-east-1:123456789012:repository/models/*"))},
    ),
]


@pytest.mark.parametrize(("policy_name", "resource_type", "name", "props"), CASES)
def test_through_the_pack_it_blocks_and_an_exemption_with_a_reason_acknowledges_it(
    policy_name, resource_type, name, props
):
    resource = {
        "type": resource_type,
        "name": name,
        "urn": f"urn:pulumi:dev::replication::{resource_type}::{name}",
        "properties": props,
    }
    options = {policy_name: {"namespaces": MODELS}}
    acknowledged = options | {
        policy_names.EXEMPTIONS: {
            "exemptions": [{"policy": policy_name, "resource": name, "reason": "this account holds only our models"}]
        }
    }
    with AnalyzerClient(PACK_DIR, project="replication", stack="dev", config={"aws:region": "us-east-1"}) as client:
        client.configure(options)
        blocked = [v for v in client.analyze(resource) if v.policy_name == policy_name]
        client.configure(acknowledged)
        after = [v for v in client.analyze(resource) if v.policy_name == policy_name]
    assert [v.enforcement_level for v in blocked] == ["mandatory"]
    assert "What it holds outside 'models/': nothing." in blocked[0].message
    assert after == []


@pytest.mark.parametrize(
    ("filters", "repository", "covered"),
    [
        (("models/",), "models/llama", True),
        (("models/",), "models-archive/x", False),
        (("models",), "models-archive/x", True),  # a prefix, not a namespace
        (("team-x/", "models/"), "team-x/a", True),
        ((), "anything/at-all", True),  # no filter: every repository
    ],
)
def test_a_rule_replicates_exactly_the_repositories_whose_names_begin_with_one_of_its_filters(
    filters, repository, covered
):
    assert replication_covers(rule(*filters), repository) is covered
