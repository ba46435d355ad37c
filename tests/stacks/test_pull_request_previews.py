"""A pull request that adds, renames or removes a model previews green, and the deploy order converges in one run.

In a pull request the engine previews the access stack against the registry's last *deployed* outputs (a stack
reference reads nothing else): the registry does not have the added model yet, and still has the removed one.
The registry run of these tests (`registry_run`, the repository's catalog as deployed) stands for that state.
"""

import harness
import pytest
from offline_preview.evaluate import PREVIEW, EvaluationError

POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def _with_model(name: str) -> dict:
    catalog = harness.catalog_files()
    catalog["nlp.yaml"]["models"].append({"name": name})
    return catalog


def _without_genai() -> dict:
    catalog = harness.catalog_files()
    del catalog["genai.yaml"]  # sdxl-base
    return catalog


def _renamed(old: str, new: str) -> dict:
    catalog = harness.catalog_files()
    for models in (team["models"] for team in catalog.values()):
        for model in models:
            if model["name"] == old:
                model["name"] = new
    return catalog


def _policies(run) -> list[str]:
    return sorted(p.inputs["repository"] for p in run.of_type(POLICY))


def test_a_pull_request_adding_a_model_previews_its_policy_with_a_warning(registry_run):
    run = harness.run_stack(
        "access", catalog=_with_model("bert-base"), upstream=harness.upstream_of(registry_run), mode=PREVIEW
    )
    assert "models/bert-base" in _policies(run)  # named by the contract: the pack checks it in the pull request
    (warning,) = [m for m in run.evaluation.diagnostics if "bert-base" in m]
    assert "model 'bert-base' is not a repository of the registry stack: not deployed yet" in warning
    assert "make deploy-all deploys the registry first" in warning


def test_a_pull_request_removing_a_model_previews_with_a_warning(registry_run):
    run = harness.run_stack(
        "access", catalog=_without_genai(), upstream=harness.upstream_of(registry_run), mode=PREVIEW
    )
    assert "models/sdxl-base" not in _policies(run)
    (warning,) = [m for m in run.evaluation.diagnostics if "sdxl-base" in m]
    assert "removed from the catalog but still deployed" in warning


def test_a_pull_request_renaming_a_model_previews_with_both_warnings(registry_run):
    run = harness.run_stack(
        "access", catalog=_renamed("resnet-50", "resnet-101"), upstream=harness.upstream_of(registry_run), mode=PREVIEW
    )
    assert "models/resnet-101" in _policies(run) and "models/resnet-50" not in _policies(run)
    warnings = [m for m in run.evaluation.diagnostics if "resnet" in m]
    assert len(warnings) == 2


@pytest.mark.parametrize("catalog", [_with_model("bert-base"), _without_genai()], ids=["added", "removed"])
def test_at_up_against_a_registry_without_the_change_the_access_stack_still_fails(catalog, registry_run):
    # `pulumi up` of access alone, before the registry's: the policy would name a repository that does not exist.
    with pytest.raises(EvaluationError, match="registry"):
        harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry_run))


@pytest.mark.parametrize(
    "catalog",
    [_with_model("bert-base"), _without_genai(), _renamed("resnet-50", "resnet-101")],
    ids=["added", "removed", "renamed"],
)
def test_the_deploy_order_converges_in_one_run(catalog):
    # make deploy-all: registry up, then replication, then access, each reading the one before as deployed.
    registry = harness.run_stack("registry", catalog=catalog)
    replication = harness.run_stack("replication", upstream=harness.upstream_of(registry))
    access = harness.run_stack("access", catalog=catalog, upstream=harness.upstream_of(registry, replication))
    assert _policies(access) == sorted(r["name"] for r in registry.outputs["repositories"].values())
    assert not [m for m in access.evaluation.diagnostics if "registry stack" in m]
