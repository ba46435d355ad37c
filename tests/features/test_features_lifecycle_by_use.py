"""Lifecycle by use: archive release images not pulled for N days, delete from the archive only after 90 days,
never delete a release from standard storage; replicas keep the most retentive rule."""

import json

import botocore.session
import harness
import pytest
from aws_facts.grammars import lifecycle as ecr_lifecycle
from hypothesis import given, settings
from hypothesis import strategies as st
from model_registry.catalog import load_catalog
from model_registry.config import Lifecycle, LifecycleOverride
from model_registry.errors import ConfigError
from model_registry.policy_documents.ecr import lifecycle_policy
from model_registry.replica_settings import replica_lifecycle
from registry_policies.lifecycle_by_use import grammar_findings, releases_kept_findings
from registry_stack.config import RegistryConfig

LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ECR = botocore.session.get_session().get_service_model("ecr")


def rule(priority=1, action=None, **selection):
    return {
        "rulePriority": priority,
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1, **selection},
        "action": action or {"type": "expire"},
    }


ARCHIVED = {"storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days"}


# --- the grammar ---------------------------------------------------------------------------------


def test_the_grammars_enumerations_are_botocores():
    def lower(shape):
        return sorted(v.lower() for v in ECR.shape_for(shape).enum)

    assert sorted(ecr_lifecycle.STORAGE_CLASSES) == lower("LifecyclePolicyStorageClass")
    assert sorted(ecr_lifecycle.TARGET_STORAGE_CLASSES) == lower("LifecyclePolicyTargetStorageClass")
    assert sorted(ecr_lifecycle.ACTIONS) == lower("ImageActionType")
    # ECR API reference, PutLifecyclePolicy: lifecyclePolicyText "Maximum length of 30720"; ECR service quotas:
    # 50 rules per lifecycle policy (https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html).
    assert (ecr_lifecycle.MAX_TEXT, ecr_lifecycle.MAX_RULES) == (30_720, 50)


def _tagged_rules(count):
    return [rule(priority, tagStatus="tagged", tagPrefixList=[f"p{priority}"]) for priority in range(1, count + 1)]


def test_fifty_rules_are_accepted_and_fifty_one_refused():
    # ECR service quotas: 50 rules per lifecycle policy (userguide/service-quotas.html).
    assert ecr_lifecycle.problems({"rules": _tagged_rules(50)}) == []
    assert ecr_lifecycle.problems({"rules": _tagged_rules(51)}) == ["rules: holds 51 rules; ECR allows 50"]


def test_a_policy_text_of_30720_characters_is_measured_and_one_more_refused():
    # PutLifecyclePolicy: lifecyclePolicyText "Maximum length of 30720".
    text = json.dumps({"rules": [{**rule(), "description": ""}]})
    padded = text.replace('"description": ""', '"description": "' + "d" * (30_720 - len(text)) + '"')
    assert len(padded) == 30_720 and not any("characters" in p for p in ecr_lifecycle.problems(padded))
    longer = padded.replace('"description": "', '"description": "d')
    assert ecr_lifecycle.problems(longer) == ["the policy is 30721 characters; ECR allows 30720"]


def test_deleting_from_the_archive_is_accepted_at_90_days_and_refused_at_89():
    assert ecr_lifecycle.problems({"rules": [rule(countNumber=90, **ARCHIVED)]}) == []
    [problem] = ecr_lifecycle.problems({"rules": [rule(countNumber=89, **ARCHIVED)]})
    assert problem.startswith("rules[0].selection.countNumber: 89 days; archived images have a 90-day minimum")


@pytest.mark.parametrize(
    ("policy_rule", "expected"),
    [
        (
            rule(countType="sinceImagePulled", countUnit="days", countNumber=30),
            "rules[0].action.type: sinceImagePulled only transitions images to the archive, it cannot expire them",
        ),
        (
            rule(action={"type": "transition"}, countType="sinceImagePulled", countUnit="days", countNumber=30),
            "rules[0].action.targetStorageClass: transition needs targetStorageClass 'archive', not None",
        ),
        (
            rule(action={"type": "expire", "targetStorageClass": "archive"}),
            "rules[0].action.targetStorageClass: expire takes no targetStorageClass",
        ),
        (
            rule(countType="sinceImageTransitioned", countUnit="days", countNumber=120),
            "rules[0].selection.storageClass: sinceImageTransitioned selects archived images: set storageClass 'archive'",
        ),
        (
            rule(storageClass="archive", countType="sinceImagePushed", countUnit="days", countNumber=120),
            "rules[0].selection.storageClass: sinceImagePushed selects standard images only; archive goes with "
            "sinceImageTransitioned",
        ),
        (
            rule(action={"type": "transition", "targetStorageClass": "archive"}, countNumber=120, **ARCHIVED),
            "rules[0].action.type: sinceImageTransitioned only expires archived images",
        ),
        (
            rule(storageClass="glacier"),
            "rules[0].selection.storageClass: must be one of standard, archive, not 'glacier'",
        ),
    ],
)
def test_the_grammar_refuses_what_ecr_refuses_in_the_archive_fields(policy_rule, expected):
    assert ecr_lifecycle.problems({"rules": [policy_rule]}) == [expected]


# --- the catalog ---------------------------------------------------------------------------------


def _catalog(team_lifecycle=None, model_lifecycle=None):
    team = {"team": "nlp", "models": [{"name": "bert", **({"lifecycle": model_lifecycle} if model_lifecycle else {})}]}
    if team_lifecycle:
        team["lifecycle"] = team_lifecycle
    return load_catalog(harness.write_catalog({"nlp.yaml": team}))


def test_a_model_inherits_its_teams_archive_default_and_its_own_keys_win():
    [model] = _catalog({"archiveAfterDaysUnpulled": 60, "deleteArchivedAfterDays": 365}).models
    assert (model.lifecycle.archive_after_days_unpulled, model.lifecycle.delete_archived_after_days) == (60, 365)
    [model] = _catalog({"archiveAfterDaysUnpulled": 60}, {"archiveAfterDaysUnpulled": 30}).models
    assert model.lifecycle.archive_after_days_unpulled == 30


def test_delete_from_the_archive_is_refused_below_the_90_day_minimum_naming_file_line_and_model():
    assert _catalog(model_lifecycle={"archiveAfterDaysUnpulled": 1, "deleteArchivedAfterDays": 90}).models
    with pytest.raises(ConfigError) as error:
        _catalog(model_lifecycle={"archiveAfterDaysUnpulled": 30, "deleteArchivedAfterDays": 89})
    [problem] = error.value.problems
    assert problem.startswith("catalog/nlp.yaml:")
    assert "model 'bert'" in problem and "deleteArchivedAfterDays" in problem and "90" in problem


def test_archive_days_are_accepted_at_3650_and_refused_at_3651_and_at_0():
    assert _catalog(model_lifecycle={"archiveAfterDaysUnpulled": 3650}).models
    for days in (0, 3651):
        with pytest.raises(ConfigError, match="archiveAfterDaysUnpulled"):
            _catalog(model_lifecycle={"archiveAfterDaysUnpulled": days})


def test_deleting_from_the_archive_without_archiving_is_refused():
    with pytest.raises(ConfigError) as error:
        _catalog({"deleteArchivedAfterDays": 120})
    assert list(error.value.problems) == [
        "catalog/nlp.yaml:3: model 'bert': lifecycle.deleteArchivedAfterDays: set without archiveAfterDaysUnpulled, "
        "nothing is ever archived; set archiveAfterDaysUnpulled too, or remove it"
    ]


# --- the policy the stacks build -----------------------------------------------------------------


def test_archiving_releases_by_use_builds_a_transition_and_a_90_day_archive_deletion_per_release_prefix():
    policy = lifecycle_policy(
        Lifecycle(release_tag_prefixes=("v", "release-")),
        LifecycleOverride(archive_after_days_unpulled=45, delete_archived_after_days=180),
    )
    first = [(r["rulePriority"], r["selection"], r["action"]) for r in policy["rules"][:4]]
    assert first == [
        (
            1,
            {
                "tagStatus": "tagged",
                "tagPrefixList": ["v"],
                "countType": "sinceImagePulled",
                "countUnit": "days",
                "countNumber": 45,
            },
            {"type": "transition", "targetStorageClass": "archive"},
        ),
        (
            2,
            {
                "tagStatus": "tagged",
                "tagPrefixList": ["release-"],
                "countType": "sinceImagePulled",
                "countUnit": "days",
                "countNumber": 45,
            },
            {"type": "transition", "targetStorageClass": "archive"},
        ),
        (3, {"tagStatus": "tagged", "tagPrefixList": ["v"], **ARCHIVED, "countNumber": 180}, {"type": "expire"}),
        (4, {"tagStatus": "tagged", "tagPrefixList": ["release-"], **ARCHIVED, "countNumber": 180}, {"type": "expire"}),
    ]


overrides = st.builds(
    LifecycleOverride,
    untagged_expiry_days=st.none() | st.integers(1, 3650),
    prerelease_keep_count=st.none() | st.integers(1, 10000),
    archive_after_days_unpulled=st.none() | st.integers(1, 3650),
    delete_archived_after_days=st.none() | st.integers(90, 3650),
)


@settings(max_examples=200, deadline=None)
@given(overrides)
def test_every_built_policy_is_one_ecr_accepts_and_never_deletes_a_release_from_standard_storage(override):
    settings_ = Lifecycle()
    policy = lifecycle_policy(settings_, override)
    assert ecr_lifecycle.problems(json.dumps(policy)) == []
    assert ecr_lifecycle.release_deletions(ecr_lifecycle.parse(policy), settings_.release_tag_prefixes) == []


# --- the pack ------------------------------------------------------------------------------------


def test_the_pack_refuses_a_lifecycle_policy_ecr_refuses_on_a_policy_and_on_a_creation_template():
    bad = json.dumps({"rules": [rule(countNumber=30, **ARCHIVED)]})
    [finding] = grammar_findings(LIFECYCLE, {"repository": "models/x", "policy": bad}, {})
    assert "policy: rules[0].selection.countNumber: 30 days; archived images have a 90-day minimum" in finding.message
    [finding] = grammar_findings(TEMPLATE, {"prefix": "models", "lifecyclePolicy": bad}, {})
    assert finding.message.startswith("lifecyclePolicy: rules[0].selection.countNumber: 30 days")


def test_the_pack_refuses_a_rule_that_deletes_releases_from_standard_storage_and_allows_archiving_them():
    expire_old_releases = {
        "rules": [
            rule(
                tagStatus="tagged", tagPrefixList=["v"], countType="sinceImagePushed", countUnit="days", countNumber=400
            )
        ]
    }
    config = {"releaseTagPrefixes": ["v"]}
    [finding] = releases_kept_findings(LIFECYCLE, {"policy": json.dumps(expire_old_releases)}, config)
    assert "rulePriority 1 (release tags v*) can delete release images from standard storage" in finding.message
    archive = lifecycle_policy(
        Lifecycle(), LifecycleOverride(archive_after_days_unpulled=30, delete_archived_after_days=90)
    )
    assert releases_kept_findings(LIFECYCLE, {"policy": json.dumps(archive)}, config) == []


def test_a_catch_all_rule_after_the_release_keep_rule_does_not_reach_releases_but_before_it_does():
    keep = rule(1, tagStatus="tagged", tagPrefixList=["v"], countNumber=1_000_000)
    catch_all = rule(2, countType="sinceImagePushed", countUnit="days", countNumber=30)
    assert ecr_lifecycle.release_deletions(ecr_lifecycle.parse({"rules": [keep, catch_all]}), ["v"]) == []
    reversed_ = [{**keep, "rulePriority": 3}, catch_all]
    # a tagStatus any rule must come last: checked on the rules themselves
    assert ecr_lifecycle.release_deletions(
        [ecr_lifecycle.Rule(1, "any", (), (), "standard", "sinceImagePushed", 30, "expire")], ["v"]
    ) == ["rulePriority 1 (release tags v*)"]
    assert ecr_lifecycle.problems({"rules": reversed_}) == [
        "rules[1].rulePriority: a tagStatus any rule must have the highest rulePriority"
    ]


# --- replicas and the stack ----------------------------------------------------------------------


def test_replicas_archive_only_when_every_model_does_and_then_after_the_longest_wait():
    config = RegistryConfig(cost_centre="x")
    both = _catalog(model_lifecycle={"archiveAfterDaysUnpulled": 30, "deleteArchivedAfterDays": 200})
    other = load_catalog(
        harness.write_catalog(
            {
                "nlp.yaml": {
                    "team": "nlp",
                    "lifecycle": {"archiveAfterDaysUnpulled": 90, "deleteArchivedAfterDays": 120},
                    "models": [{"name": "bert"}, {"name": "t5", "lifecycle": {"archiveAfterDaysUnpulled": 20}}],
                },
                "speech.yaml": {"team": "speech", "models": [{"name": "whisper"}]},
            }
        )
    )
    assert replica_lifecycle(config, both.models).archive_after_days_unpulled == 30
    lifecycle = replica_lifecycle(config, other.models)
    assert (lifecycle.archive_after_days_unpulled, lifecycle.delete_archived_after_days) == (None, None)
    archiving = [m for m in other.models if m.team == "nlp"]
    lifecycle = replica_lifecycle(config, archiving)
    assert (lifecycle.archive_after_days_unpulled, lifecycle.delete_archived_after_days) == (90, 120)


CATALOG = {"nlp.yaml": {"team": "nlp", "lifecycle": {"archiveAfterDaysUnpulled": 60}, "models": [{"name": "bert"}]}}


def test_the_registry_stack_archives_by_use_where_archive_storage_is_on_and_not_on_the_emulator():
    run = harness.run_stack(
        "registry", config=harness.stack_config("registry") | {"registry:archiveStorage": True}, catalog=CATALOG
    )
    [policy] = run.of_type(LIFECYCLE)
    actions = [r["action"]["type"] for r in json.loads(policy.inputs["policy"])["rules"]]
    assert actions[0] == "transition"
    replica = json.loads(run.outputs["replicaSettings"]["lifecyclePolicy"])
    assert replica["rules"][0]["selection"]["countType"] == "sinceImagePulled"
    local = harness.run_stack("registry", catalog=CATALOG)
    [policy] = local.of_type(LIFECYCLE)
    assert "transition" not in {r["action"]["type"] for r in json.loads(policy.inputs["policy"])["rules"]}


def test_the_emulator_refuses_the_archive_fields_so_the_contract_is_botocores_model(ecr_client):
    """moto 5.2.5's lifecycle schema predates archive storage: it refuses a policy ECR accepts. The request
    is checked against botocore's service model instead (the text's shape), the text by the grammar above."""
    from botocore.exceptions import ClientError
    from botocore.validate import validate_parameters

    text = json.dumps(lifecycle_policy(Lifecycle(), LifecycleOverride(archive_after_days_unpulled=30)))
    ecr_client.create_repository(repositoryName="models/archived")
    with pytest.raises(ClientError, match="InvalidParameterException"):
        ecr_client.put_lifecycle_policy(repositoryName="models/archived", lifecyclePolicyText=text)
    validate_parameters(
        {"repositoryName": "models/archived", "lifecyclePolicyText": text},
        ECR.operation_model("PutLifecyclePolicy").input_shape,
    )
    assert ecr_lifecycle.problems(text) == []


@pytest.mark.parametrize(("count", "keeps"), [(100_000, False), (100_001, True)])
def test_a_keep_rule_keeps_only_above_ecrs_images_per_repository_quota(count, keeps):
    # ECR's service quotas page: 100,000 images per repository by default (it was 20,000): a release "keep"
    # rule counting 100,000 or fewer can expire releases in a repository at the quota.
    keep = rule(1, tagStatus="tagged", tagPrefixList=["v"], countNumber=count)
    deletions = ecr_lifecycle.release_deletions(ecr_lifecycle.parse({"rules": [keep]}), ["v"])
    assert (deletions == []) == keeps
