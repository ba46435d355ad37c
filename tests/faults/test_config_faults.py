"""Config catches what the pack or AWS would: a secret where a key is not secret by nature, and empty lists
that make malformed documents, each refused at the key (stack file, line, key) by the stack program."""

from __future__ import annotations

import json
import re
import sys

import pytest
from aws_facts import models
from faults_helpers import REPO
from model_registry.catalog import load_catalog
from model_registry.errors import ConfigError
from offline_preview.evaluate import EvaluationError

sys.path.insert(0, str(REPO / "tests" / "stacks"))
import harness  # noqa: E402

# A passphrase-provider ciphertext as `pulumi config set --secret` writes it.
SECURE = {"secure": "v1:3g2hMUfYMR5bdaB7:RNgS4Vr6FVZpWMbDhMLV3XZCCrYuMPXV2A=="}


@pytest.fixture(scope="module")
def registry_run():
    return harness.run_stack("registry")


def refused(stack, change, upstream=None):
    values = harness.stack_config(stack)
    values.update(change)
    with pytest.raises(EvaluationError) as error:
        harness.run_stack(stack, values, upstream=upstream)
    text = str(error.value)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.mark.parametrize(
    ("stack", "key"),
    [("registry", "registry:namespace"), ("registry", "registry:costCentre"), ("access", "access:catalog")],
)
def test_a_secret_for_a_key_that_is_not_secret_by_nature_is_refused_naming_the_key(registry_run, stack, key):
    upstream = None if stack == "registry" else harness.upstream_of(registry_run)
    text = refused(stack, {key: SECURE}, upstream)
    assert f"{key}: is a secret (`secure:`), but {key.split(':')[1]} is not secret by nature" in text
    assert "[secret]" not in text  # never judged by its placeholder


def test_an_empty_trusted_services_list_is_refused_at_its_key_and_one_service_is_accepted(registry_run):
    upstream = harness.upstream_of(registry_run)
    text = refused("access", {"access:inference": {"trustedServices": []}}, upstream)
    assert re.search(r"Pulumi\.local\.yaml:\d+: access:inference\.trustedServices: an empty list makes", text), text
    assert "which IAM refuses; name the services that assume it, such as sagemaker.amazonaws.com" in text
    values = harness.stack_config("access")
    values["access:inference"] = {"trustedServices": ["sagemaker.amazonaws.com"]}
    run = harness.run_stack("access", values, upstream=upstream)
    (role,) = [r for r in run.of_type("aws:iam/role:Role") if r.inputs["name"] == "model-registry-inference-pull"]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": ["sagemaker.amazonaws.com"]
    }


def test_a_replication_rule_without_destinations_is_refused_at_its_key_and_one_destination_is_accepted(registry_run):
    upstream = harness.upstream_of(registry_run)
    text = refused("replication", {"replication:rules": [{"destinations": []}]}, upstream)
    assert re.search(r"Pulumi\.local\.yaml:\d+: replication:rules\[0\]\.destinations: an empty list makes", text), text
    assert "name a destination region (and registryId for another account), or remove the rule" in text
    values = harness.stack_config("replication") | {"replication:rules": [{"destinations": [{"region": "eu-west-1"}]}]}
    run = harness.run_stack("replication", values, upstream=upstream)
    (configuration,) = run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    (rule,) = configuration.inputs["replicationConfiguration"]["rules"]
    assert [d["region"] for d in rule["destinations"]] == ["eu-west-1"]


def test_no_replication_rule_at_all_stays_accepted_because_it_means_no_replication(registry_run):
    values = harness.stack_config("replication") | {"replication:rules": []}
    run = harness.run_stack("replication", values, upstream=harness.upstream_of(registry_run))
    assert run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration") == []


TEAM = "team: nlp\nci:\n  pushers:{pushers}\nmodels:\n  - name: llama\n"
ONE_REF = "\n    - repository: acme/model-build\n      refs: {refs}"


@pytest.mark.parametrize(
    ("pushers", "line", "key", "fix"),
    [
        (" []", 3, "ci.pushers", "name a repository and its refs, or remove `ci`"),
        (ONE_REF.format(refs="[]"), 5, "ci.pushers[0].refs", "name the refs or environments it pushes from"),
    ],
)
def test_an_empty_pusher_list_in_a_team_file_is_refused_at_its_key_and_one_is_accepted(
    tmp_path, pushers, line, key, fix
):
    (tmp_path / "nlp.yaml").write_text(TEAM.format(pushers=pushers))
    with pytest.raises(ConfigError) as error:
        load_catalog(tmp_path)
    (problem,) = error.value.problems  # one line, not the list's as well as its item's
    assert problem.startswith(f"{tmp_path.name}/nlp.yaml:{line}: {key}: an empty list "), problem
    assert fix in problem
    (tmp_path / "nlp.yaml").write_text(TEAM.format(pushers=ONE_REF.format(refs="[refs/heads/main]")))
    (team,) = load_catalog(tmp_path).teams
    assert [(p.repository, p.refs) for p in team.pushers] == [("acme/model-build", ("refs/heads/main",))]


def test_lists_left_empty_where_empty_is_meaningful_never_reach_ecr_as_an_empty_list(registry_run):
    # ECR's model refuses an empty exclusion-filter list and an empty replication filter list (min 1 each):
    # an empty mutableTags is IMMUTABLE without filters, empty prefixes the namespace's one filter.
    assert models.length("ecr", "ImageTagMutabilityExclusionFilters")[0] == 1
    assert models.length("ecr", "RepositoryFilterList")[0] == 1
    repositories = {r.inputs["name"]: r.inputs for r in registry_run.of_type("aws:ecr/repository:Repository")}
    whisper = repositories["models/whisper-large-v3"]  # catalog/speech.yaml: no mutableTags
    assert whisper["imageTagMutability"] == "IMMUTABLE" and "imageTagMutabilityExclusionFilters" not in whisper
    rules = [{"destinations": [{"region": "eu-west-1"}], "prefixes": []}]
    values = harness.stack_config("replication") | {"replication:rules": rules}
    run = harness.run_stack("replication", values, upstream=harness.upstream_of(registry_run))
    (configuration,) = run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    (rule,) = configuration.inputs["replicationConfiguration"]["rules"]
    assert rule["repositoryFilters"] == [{"filter": "models/", "filterType": "PREFIX_MATCH"}]
