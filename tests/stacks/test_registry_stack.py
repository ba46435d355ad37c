"""The registry stack: what every model repository must be."""

import json
import re

import harness
import pytest
from offline_preview.evaluate import EvaluationError

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"


def test_one_repository_per_catalog_model_under_the_namespace(registry_run):
    names = sorted(r.inputs["name"] for r in registry_run.of_type(REPOSITORY))
    catalog = sorted(f"models/{m['name']}" for team in harness.catalog_files().values() for m in team["models"])
    assert names == catalog


def test_every_repository_is_tagged_with_the_team_whose_file_lists_it(registry_run):
    teams = {
        r.inputs["name"]: (r.inputs["tags"]["team"], r.inputs["tags"]["owner"])
        for r in registry_run.of_type(REPOSITORY)
    }
    assert teams == {
        f"models/{m['name']}": (team["team"], team["team"])
        for team in harness.catalog_files().values()
        for m in team["models"]
    }


def test_a_model_takes_its_team_cost_centre_unless_it_names_its_own():
    catalog = {
        "nlp.yaml": {
            "team": "nlp",
            "costCentre": "nlp-research",
            "models": [{"name": "bert"}, {"name": "t5", "costCentre": "nlp-search"}],
        },
        "speech.yaml": {"team": "speech", "models": [{"name": "whisper"}]},
    }
    run = harness.run_stack("registry", catalog=catalog)
    centres = {r.inputs["name"]: r.inputs["tags"]["cost-centre"] for r in run.of_type(REPOSITORY)}
    assert centres == {"models/bert": "nlp-research", "models/t5": "nlp-search", "models/whisper": "ml-platform"}


def test_every_repository_scans_on_push(registry_run):
    assert {r.inputs["name"]: r.inputs["imageScanningConfiguration"] for r in registry_run.of_type(REPOSITORY)} == {
        r.inputs["name"]: {"scanOnPush": True} for r in registry_run.of_type(REPOSITORY)
    }


def test_tags_are_immutable_or_immutable_with_the_configured_exclusions(registry_run):
    by_name = {r.inputs["name"]: r.inputs for r in registry_run.of_type(REPOSITORY)}
    assert by_name["models/whisper-large-v3"]["imageTagMutability"] == "IMMUTABLE"
    assert "imageTagMutabilityExclusionFilters" not in by_name["models/whisper-large-v3"]
    sdxl = by_name["models/sdxl-base"]
    assert sdxl["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert sdxl["imageTagMutabilityExclusionFilters"] == [
        {"filter": "latest", "filterType": "WILDCARD"},
        {"filter": "nightly-*", "filterType": "WILDCARD"},
    ]


def test_every_repository_is_encrypted_with_the_registry_key(registry_run):
    key_arn = registry_run.outputs["kmsKeyArn"]
    for repository in registry_run.of_type(REPOSITORY):
        assert repository.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key_arn}]


def test_the_key_rotates_and_names_explicit_principals_only(registry_run):
    (key,) = registry_run.of_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    policy = json.loads(key.inputs["policy"])
    principals = [s["Principal"]["AWS"] for s in policy["Statement"]]
    assert principals == [["arn:aws:iam::123456789012:root"], "arn:aws:iam::123456789012:root"]
    assert all("kms:*" not in s["Action"] for s in policy["Statement"])


def test_repositories_and_the_key_are_protected_and_retained(registry_run):
    kept = registry_run.of_type(REPOSITORY) + registry_run.of_type("aws:kms/key:Key")
    assert [(r.name, r.protect, r.retain_on_delete) for r in kept] == [(r.name, True, True) for r in kept]


def test_force_delete_is_off(registry_run):
    assert {r.inputs.get("forceDelete") for r in registry_run.of_type(REPOSITORY)} == {False}


def test_every_repository_has_a_lifecycle_policy(registry_run):
    repositories = {r.inputs["name"] for r in registry_run.of_type(REPOSITORY)}
    assert {p.inputs["repository"] for p in registry_run.of_type(LIFECYCLE)} == repositories


def test_a_model_lifecycle_override_changes_only_its_untagged_expiry(registry_run):
    policies = {p.inputs["repository"]: json.loads(p.inputs["policy"]) for p in registry_run.of_type(LIFECYCLE)}
    untagged = {name: p["rules"][-1]["selection"]["countNumber"] for name, p in policies.items()}
    assert untagged == {
        "models/llama-3-8b-instruct": 14,
        "models/whisper-large-v3": 14,
        "models/resnet-50": 7,
        "models/sdxl-base": 14,
    }


def test_registry_scanning_is_enhanced_and_continuous_over_the_namespace_and_keeps_the_rest_scanned(registry_run):
    (scanning,) = registry_run.of_type("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    assert scanning.inputs["scanType"] == "ENHANCED"
    # The configuration is the account's (one per region): repositories outside the namespace stay scanned on push.
    assert scanning.inputs["rules"] == [
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "models/*", "filterType": "WILDCARD"}]},
        {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]},
    ]


def test_basic_scanning_is_selectable_and_scans_on_push():
    config = harness.stack_config("registry") | {"registry:scanning": {"type": "BASIC", "frequency": "SCAN_ON_PUSH"}}
    run = harness.run_stack("registry", config)
    (scanning,) = run.of_type("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    assert scanning.inputs["scanType"] == "BASIC"
    assert scanning.inputs["rules"] == [
        {
            "scanFrequency": "SCAN_ON_PUSH",
            "repositoryFilters": [
                {"filter": "models/*", "filterType": "WILDCARD"},
                {"filter": "*", "filterType": "WILDCARD"},
            ],
        }
    ]


def test_outputs_follow_the_contract(registry_run):
    outputs = registry_run.outputs
    assert (outputs["registryId"], outputs["region"], outputs["namespace"]) == ("123456789012", "us-east-1", "models")
    assert outputs["repositories"]["resnet-50"] == {
        "name": "models/resnet-50",
        "arn": "arn:aws:ecr:us-east-1:123456789012:repository/models/resnet-50",
        "url": "123456789012.dkr.ecr.us-east-1.amazonaws.com/models/resnet-50",
    }
    assert outputs["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"registry:scanning": {"type": "BASIC", "frequency": "CONTINUOUS_SCAN"}}, "registry:scanning"),
        ({"registry:keyAdmins": ["arn:aws:iam::12345:root"]}, "registry:keyAdmins[0]"),
    ],
)
def test_bad_config_fails_before_any_resource_naming_the_field(change, named):
    config = harness.stack_config("registry") | change
    with pytest.raises(EvaluationError, match=named.replace("[", r"\[").replace("]", r"\]")):
        harness.run_stack("registry", config)


NLP_BAD_TAGS = """team: nlp
models:
  - name: bert
  - name: llama-3
    mutableTags: ["latest", "*"]
"""


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"nlp.yaml": NLP_BAD_TAGS}, "catalog/nlp.yaml:5: model 'llama-3': mutableTags[1]: '*' matches every tag"),
        (
            {"nlp.yaml": "team: nlp\nmodels:\n  - name: Llama_3\n"},
            "catalog/nlp.yaml:3: model 'Llama_3': name: 'Llama_3' is not a valid model name",
        ),
        (
            {
                "nlp.yaml": "team: nlp\nmodels:\n  - {name: bert}\n",
                "speech.yaml": "team: speech\nmodels:\n  - {name: bert}\n",
            },
            "catalog/speech.yaml:3: model 'bert': also in catalog/nlp.yaml:3",
        ),
        (
            {"nlp.yaml": "team: vision\nmodels:\n  - {name: bert}\n"},
            "catalog/nlp.yaml:1: team: 'vision' is not the file's name",
        ),
    ],
)
def test_a_bad_catalog_fails_before_any_resource_naming_file_line_and_model(files, message):
    with pytest.raises(EvaluationError, match=re.escape(message)):
        harness.run_stack("registry", catalog=files)


def test_models_left_in_stack_config_are_refused_pointing_to_the_catalog():
    config = harness.stack_config("registry") | {"registry:models": [{"name": "bert", "team": "nlp"}]}
    with pytest.raises(EvaluationError, match=r"registry:models: the models and their consumers moved to the catalog"):
        harness.run_stack("registry", config)


def test_an_empty_catalog_folder_is_refused_naming_the_folder():
    with pytest.raises(
        EvaluationError, match=r"registry:catalog \(.*\): the catalog folder .*/catalog has no team files"
    ):
        harness.run_stack("registry", catalog={})


def test_an_unknown_environment_is_refused():
    with pytest.raises(EvaluationError, match="unknown environment 'staging'"):
        harness.run_stack("registry", stack="staging")
