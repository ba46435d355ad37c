"""Stack references read the upstream's deployed outputs: `--deployed REF` (what a revision deployed) in a pull
request that adds a model, previewed through run_preview on a git repository of the stacks."""

import shutil
import subprocess

import pytest
import yaml
from offline_preview.run import Options, UsageError, run_preview
from preview_helpers import REPO_ROOT

NEW_MODEL = "bert-base"


@pytest.fixture(scope="module")
def pull_request(tmp_path_factory):
    """A repository of the stacks whose HEAD is deployed and whose working tree adds a model to the catalog."""
    root = tmp_path_factory.mktemp("repository")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("stacks", "catalog", "policy-pack/config"):
        shutil.copytree(REPO_ROOT / folder, root / folder, ignore=ignore)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "deployed"], check=True)
    nlp = root / "catalog" / "nlp.yaml"
    catalog = yaml.safe_load(nlp.read_text())
    catalog["models"].append({"name": NEW_MODEL})
    nlp.write_text(yaml.safe_dump(catalog, sort_keys=False))
    return root


def _policies(stack) -> list[str]:
    return sorted(
        r["inputs"]["repository"] for r in stack.resources if r["type"] == "aws:ecr/repositoryPolicy:RepositoryPolicy"
    )


def test_a_pull_request_adding_a_model_previews_green_against_what_head_deployed(pull_request, tmp_path):
    options = Options(
        env="local", repo_root=pull_request, build_dir=tmp_path, policy=False, checkov=False, deployed_revision="HEAD"
    )
    result = run_preview(options)
    assert [s.error for s in result.stacks] == ["", "", ""]
    assert result.upstream == {
        "registry/local": "revision HEAD, as deployed",
        "replication/local": "revision HEAD, as deployed",
    }
    registry, _, access = result.stacks
    assert f"models/{NEW_MODEL}" in _policies(access)  # previewed (and checked by the pack) in the pull request
    # The registry previews the new repository; its ARN is unknown until it is created.
    (repository,) = [r for r in registry.resources if r["inputs"].get("name") == f"models/{NEW_MODEL}"]
    assert "/arn" in repository["unknownOutputs"]


def test_without_a_deployed_source_the_upstream_is_this_runs_program_as_deployed(pull_request, tmp_path):
    result = run_preview(Options(env="local", repo_root=pull_request, build_dir=tmp_path, policy=False, checkov=False))
    assert result.ok
    assert result.upstream == {
        "registry/local": "this run's program, as after deploying it",
        "replication/local": "this run's program, as after deploying it",
    }
    assert f"models/{NEW_MODEL}" in _policies(result.stacks[2])


def test_a_revision_git_does_not_know_is_refused_in_one_line(pull_request, tmp_path):
    options = Options(
        env="local", repo_root=pull_request, build_dir=tmp_path, policy=False, checkov=False, deployed_revision="nope"
    )
    with pytest.raises(UsageError, match=r"^--deployed nope: .*nope") as error:
        run_preview(options)
    assert "\n" not in str(error.value)
