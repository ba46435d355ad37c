"""The preview's cross-stack scanning coverage step, over the three stacks' real manifests."""

import copy
from pathlib import Path

import pytest
from offline_preview.coverage import scanning_coverage
from offline_preview.evaluate import DEPLOYED, evaluate
from offline_preview.manifest import build_manifest
from offline_preview.run import Options, run_preview
from registry_policies import names as policy_names

REPO = Path(__file__).resolve().parents[2]
MODELS = ("llama-3-8b-instruct", "resnet-50", "sdxl-base", "whisper-large-v3")

REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


@pytest.fixture(scope="module")
def manifests():
    """registry, replication and access of ENV=local, as the preview writes them (each previewed against its
    upstream stacks as deployed, as run_preview does)."""
    deployed, built = {}, {}
    for project in ("registry", "replication", "access"):
        built[project] = build_manifest(evaluate(REPO / "stacks" / project, "local", upstream=deployed))
        as_deployed = evaluate(REPO / "stacks" / project, "local", upstream=deployed, mode=DEPLOYED)
        deployed[as_deployed.key] = as_deployed
    return built


def scanning_of(manifest, region=None):
    return [
        r
        for r in manifest["resources"]
        if r["type"] == REGISTRY_SCANNING and (region is None or r["inputs"].get("region") == region)
    ]


def test_every_model_repository_and_every_replica_is_covered(manifests):
    report = scanning_coverage(manifests)
    assert report.problems == []
    assert report.checked == len(MODELS) * 3  # home, us-west-2, eu-central-1


def test_a_replica_region_without_scanning_fails_naming_each_replica(manifests):
    changed = copy.deepcopy(manifests)
    west = scanning_of(changed["replication"], "us-west-2")[0]
    changed["replication"]["resources"].remove(west)
    report = scanning_coverage(changed)
    assert sorted(p.split(" in ")[0] for p in report.problems) == [f"replica of models/{m}" for m in MODELS]
    assert all("us-west-2 of account 123456789012 is never scanned" in p for p in report.problems)


def test_a_home_filter_that_misses_a_repository_fails_naming_it(manifests):
    changed = copy.deepcopy(manifests)
    (home,) = scanning_of(changed["registry"])
    home["inputs"]["rules"] = [
        {
            "scanFrequency": "CONTINUOUS_SCAN",
            "repositoryFilters": [{"filter": "models/llama*", "filterType": "WILDCARD"}],
        }
    ]
    report = scanning_coverage(changed)
    assert sorted(p.split(" in ")[0] for p in report.problems) == [
        f"repository models/{m}" for m in MODELS if m != "llama-3-8b-instruct"
    ]


def test_two_stacks_configuring_one_region_fail(manifests):
    changed = copy.deepcopy(manifests)
    extra = copy.deepcopy(scanning_of(changed["replication"], "us-west-2")[0])
    extra["inputs"]["region"] = "us-east-1"
    extra["urn"] += "-home"
    changed["replication"]["resources"].append(extra)
    report = scanning_coverage(changed)
    assert any("us-east-1 of account 123456789012: 2 registry scanning configurations" in p for p in report.problems)


def test_replicas_in_another_account_are_noted_not_checked(manifests):
    changed = copy.deepcopy(manifests)
    (configuration,) = [
        r for r in changed["replication"]["resources"] if r["type"].endswith("ReplicationConfiguration")
    ]
    configuration["inputs"]["replicationConfiguration"]["rules"][0]["destinations"].append(
        {"region": "eu-west-1", "registryId": "333333333333"}
    )
    report = scanning_coverage(changed)
    assert report.problems == []
    assert report.notes == [
        "replicas in eu-west-1 of account 333333333333: that account owns their scanning; not checked"
    ]


def test_a_replication_prefix_limits_what_is_checked_in_the_region(manifests):
    changed = copy.deepcopy(manifests)
    (configuration,) = [
        r for r in changed["replication"]["resources"] if r["type"].endswith("ReplicationConfiguration")
    ]
    configuration["inputs"]["replicationConfiguration"]["rules"][0]["repositoryFilters"] = [
        {"filter": "models/llama", "filterType": "PREFIX_MATCH"}
    ]
    assert scanning_coverage(changed).checked == len(MODELS) + 2  # home, plus one replica in each region


def test_the_preview_runs_the_step_and_fails_on_it(tmp_path):
    result = run_preview(Options(env="local", policy=False, checkov=False, build_dir=tmp_path))
    assert result.coverage is not None and result.coverage.ok and result.ok
    result.coverage.problems.append("replica of models/x in us-west-2 is never scanned")
    assert not result.ok
    from offline_preview.report import preview_report_json, report_text

    text = report_text(result)
    assert "PROBLEM: replica of models/x in us-west-2 is never scanned" in text
    assert text.splitlines()[-1].startswith("FAILED: 1 scanning coverage problem(s)")
    report = preview_report_json(result)
    assert report["verdict"] == "FAILED" and report["scanningCoverage"]["ok"] is False


@pytest.fixture(scope="module")
def regions_manifest():
    """tests/fixtures/programs/scanning_regions: one repository per way of choosing a region."""
    return build_manifest(evaluate(REPO / "tests/fixtures/programs/scanning_regions", "local"))


def test_an_explicit_provider_and_a_region_input_place_their_resources(regions_manifest):
    report = scanning_coverage({"registry": regions_manifest})
    assert [p.split(" is never")[0] for p in report.problems] == [
        "repository models/by-input in us-west-2 of account 123456789012"
    ]
    assert report.checked == 3
    assert [line.split(":")[0] for line in report.places] == [
        "eu-west-1 of account 123456789012",
        "us-east-1 of account 123456789012",
    ]


def test_the_pack_sees_each_resources_provider_as_the_engine_sends_it(regions_manifest):
    from offline_preview.analyzer_client import AnalyzerClient
    from offline_preview.streams import analyzer_resources

    resources = analyzer_resources(regions_manifest)
    by_name = {r["name"]: r for r in resources}
    assert by_name["by-provider"]["providerResource"]["properties"]["region"] == "eu-west-1"
    with AnalyzerClient(
        REPO / "policy-pack", project="fixture", stack="local", config=regions_manifest["config"]
    ) as pack:
        pack.configure({})
        found = pack.analyze_stack(resources)
    coverage = [v.urn.rsplit("::", 1)[1] for v in found if v.policy_name == policy_names.SCANNING_COVERAGE]
    assert coverage == ["by-input"]
