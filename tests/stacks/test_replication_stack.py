"""The replication stack: follows config, gives replicas the registry's settings."""

import json

import harness
import pytest
from offline_preview.evaluate import EvaluationError

TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


def test_replication_destinations_and_prefix_filter_follow_config(replication_run):
    (configuration,) = replication_run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    assert configuration.inputs["replicationConfiguration"] == {
        "rules": [
            {
                "destinations": [
                    {"region": "us-west-2", "registryId": "123456789012"},
                    {"region": "eu-central-1", "registryId": "123456789012"},
                ],
                # `models/`, not `models`: the latter also begins `models-archive/x`, outside the namespace.
                "repositoryFilters": [{"filter": "models/", "filterType": "PREFIX_MATCH"}],
            }
        ]
    }


def test_each_destination_region_gets_a_template_applied_for_replication(replication_run, registry_run):
    templates = {t.inputs["region"]: t.inputs for t in replication_run.of_type(TEMPLATE)}
    assert sorted(templates) == ["eu-central-1", "us-west-2"]
    lifecycle = registry_run.outputs["replicaSettings"]["lifecyclePolicy"]
    for region, template in templates.items():
        assert template["appliedFors"] == ["REPLICATION"]
        assert template["prefix"] == "models"
        assert template["lifecyclePolicy"] == lifecycle
        assert json.loads(lifecycle)["rules"][0]["rulePriority"] == 1  # an integer, as ECR requires
        (encryption,) = template["encryptionConfigurations"]
        assert encryption["encryptionType"] == "KMS" and f":kms:{region}:" in encryption["kmsKey"]
        assert template["customRoleArn"] == replication_run.outputs["templateRoleArn"]
        policy = json.loads(template["repositoryPolicy"])
        assert [s["Condition"] for s in policy["Statement"]] == [
            {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
        ]


def test_replica_keys_are_protected(replication_run):
    keys = replication_run.of_type("aws:kms/replicaKey:ReplicaKey")
    assert sorted((k.inputs["region"], k.protect, k.retain_on_delete) for k in keys) == [
        ("eu-central-1", True, True),
        ("us-west-2", True, True),
    ]


def test_registry_policy_lets_named_source_accounts_replicate_into_the_namespace_only(replication_run):
    (policy,) = replication_run.of_type("aws:ecr/registryPolicy:RegistryPolicy")
    (grant,) = json.loads(policy.inputs["policy"])["Statement"]
    assert grant["Principal"] == {"AWS": ["arn:aws:iam::210987654321:root"]}
    assert grant["Action"] == ["ecr:CreateRepository", "ecr:ReplicateImage"]
    assert grant["Resource"] == ["arn:aws:ecr:us-east-1:123456789012:repository/models/*"]


def test_no_rules_means_no_replication_and_no_templates(registry_run):
    config = harness.stack_config("replication") | {"replication:rules": []}
    run = harness.run_stack("replication", config, upstream=harness.upstream_of(registry_run))
    assert run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration") == []
    assert run.of_type(TEMPLATE) == []


def _destinations(count, start=0):
    regions = ["us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-south-1"]
    return [{"region": regions[i % 6], "registryId": f"{100000000000 + i:012d}"} for i in range(start, start + count)]


@pytest.mark.parametrize(
    ("rules", "named"),
    [
        ([{"destinations": [{"region": "us-east-1"}]}], "replication:rules[0].destinations[0]: region 'us-east-1'"),
        (
            [{"destinations": [{"region": "us-east-1", "registryId": "123456789012"}]}],
            "is the source registry itself",
        ),
        (
            [{"destinations": _destinations(1, i)} for i in range(11)],
            "replication:rules: needs at most 10 items, has 11",
        ),
        (
            [{"destinations": _destinations(13)}, {"destinations": _destinations(13, 13)}],
            "replication:rules: 26 unique destinations; ECR allows at most 25",
        ),
        ([{"destinations": [{"region": "mars-1"}]}], "replication:rules[0].destinations[0].region"),
        ([{"destinations": [{"region": "us-west-2", "registryId": "12345"}]}], "destinations[0].registryId"),
    ],
)
def test_bad_replication_config_fails_naming_the_field(rules, named, registry_run):
    config = harness.stack_config("replication") | {"replication:rules": rules}
    with pytest.raises(EvaluationError, match=named.replace("[", r"\[").replace("]", r"\]")):
        harness.run_stack("replication", config, upstream=harness.upstream_of(registry_run))


def test_local_turns_the_templates_off_because_the_emulator_lacks_their_api(registry_run):
    config = harness.stack_config("replication")
    assert config["replication:replicaTemplates"] is False
    run = harness.run_stack("replication", config, upstream=harness.upstream_of(registry_run))
    assert run.of_type(TEMPLATE) == [] and run.of_type("aws:kms/replicaKey:ReplicaKey") == []
    assert len(run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")) == 1


def test_replica_tags_are_immutable_except_every_model_s_mutable_tags(replication_run):
    # Pulumi.local.yaml: llama has "latest", sdxl has "latest" and "nightly-*"; the others none.
    for template in replication_run.of_type(TEMPLATE):
        assert template.inputs["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
        assert template.inputs["imageTagMutabilityExclusionFilters"] == [
            {"filter": "latest", "filterType": "WILDCARD"},
            {"filter": "nightly-*", "filterType": "WILDCARD"},
        ]


def test_replicas_keep_at_least_what_any_model_keeps(replication_run):
    # The default keeps untagged images 14 days, resnet-50 only 7: replicas keep them the longer 14.
    (template, *_) = replication_run.of_type(TEMPLATE)
    rules = json.loads(template.inputs["lifecyclePolicy"])["rules"]
    untagged = [r for r in rules if r["selection"]["tagStatus"] == "untagged"]
    assert [r["selection"]["countNumber"] for r in untagged] == [14]


def test_every_same_account_replica_region_scans_like_the_home_region(registry_run):
    rules = [{"destinations": [{"region": "us-west-2"}, {"region": "eu-west-1", "registryId": "333333333333"}]}]
    config = harness.stack_config("replication") | {"replication:rules": rules}
    run = harness.run_stack("replication", config, upstream=harness.upstream_of(registry_run))
    (scanning,) = run.of_type(SCANNING)
    assert scanning.inputs["region"] == "us-west-2"
    assert scanning.inputs["scanType"] == "ENHANCED"
    assert scanning.inputs["rules"] == [
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "models*", "filterType": "WILDCARD"}]},
        {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]},
    ]


def test_replica_scanning_does_not_depend_on_templates(registry_run):
    """ENV=local turns templates off (the emulator lacks them); scanning in replica regions stays on."""
    run = harness.run_stack(
        "replication", harness.stack_config("replication"), upstream=harness.upstream_of(registry_run)
    )
    assert sorted(s.inputs["region"] for s in run.of_type(SCANNING)) == ["eu-central-1", "us-west-2"]


def test_replica_scanning_covers_each_prefix_replicated_to_the_region(registry_run):
    rules = [
        {"destinations": [{"region": "us-west-2"}], "prefixes": ["models/llm", "models/vision"]},
        {"destinations": [{"region": "us-west-2"}, {"region": "eu-central-1"}], "prefixes": ["models/speech"]},
    ]
    config = harness.stack_config("replication") | {"replication:rules": rules}
    run = harness.run_stack("replication", config, upstream=harness.upstream_of(registry_run))
    filters = {
        s.inputs["region"]: [f["filter"] for f in s.inputs["rules"][0]["repositoryFilters"]]
        for s in run.of_type(SCANNING)
    }
    assert filters == {
        "eu-central-1": ["models/speech*"],
        "us-west-2": ["models/llm*", "models/speech*", "models/vision*"],
    }


@pytest.mark.parametrize(("count", "ok"), [(100, True), (101, False)])
def test_a_replica_region_takes_at_most_100_scanning_filters(count, ok, registry_run):
    # Each replication rule takes 100 prefixes; two rules to one region can exceed one scanning rule.
    rules = [
        {"destinations": [{"region": "us-west-2"}], "prefixes": [f"models/p{n}" for n in range(50)]},
        {"destinations": [{"region": "us-west-2"}], "prefixes": [f"models/p{n}" for n in range(50, count)]},
    ]
    config = harness.stack_config("replication") | {"replication:rules": rules}
    if ok:
        run = harness.run_stack("replication", config, upstream=harness.upstream_of(registry_run))
        assert len(run.of_type(SCANNING)[0].inputs["rules"][0]["repositoryFilters"]) == 100
    else:
        with pytest.raises(EvaluationError, match="101 prefixes replicate to us-west-2"):
            harness.run_stack("replication", config, upstream=harness.upstream_of(registry_run))


def test_more_than_five_mutable_tags_over_the_catalog_is_refused_naming_the_models():
    models = [{"name": f"m{n}", "mutableTags": [f"tag{n}"]} for n in range(6)]
    registry = harness.run_stack("registry", catalog={"t.yaml": {"team": "t", "models": models}})
    with pytest.raises(EvaluationError, match=r"6 distinct mutableTags filters .*'tag5' \(m5\)"):
        harness.run_stack("replication", upstream=harness.upstream_of(registry))
