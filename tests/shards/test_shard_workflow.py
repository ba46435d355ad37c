"""The sharded deploy workflow: the core stacks, then one job per shard from the plan's matrix, each in a
concurrency group of its environment and shard, never cancelled, a failure failing only its own job."""

import json
import subprocess
import sys

import yaml
from model_registry.catalog import load_catalog
from model_registry.shards import plan
from shard_helpers import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def jobs():
    return yaml.safe_load((WORKFLOWS / "deploy-shards.yml").read_text())["jobs"]


def test_one_job_per_shard_from_the_plan_each_in_its_own_concurrency_group():
    shard = jobs()["shard"]
    assert shard["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert shard["strategy"]["fail-fast"] is False
    assert shard["concurrency"] == {
        "group": "deploy-${{ inputs.environment }}-${{ matrix.shard }}",
        "cancel-in-progress": False,
    }
    assert shard["needs"] == ["plan", "core"]
    assert jobs()["core"]["concurrency"] == {
        "group": "deploy-${{ inputs.environment }}-core",
        "cancel-in-progress": False,
    }


def test_the_matrix_is_the_catalogs_shards():
    done = subprocess.run(
        [sys.executable, "-m", "offline_preview.shard_plan", "matrix", "--env", "dev"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [s.name for s in plan(load_catalog(REPO / "catalog"))]


def test_each_job_deploys_its_own_stacks_with_the_pack():
    core = [s["run"] for s in jobs()["core"]["steps"] if "run" in s][0]
    shard = [s["run"] for s in jobs()["shard"]["steps"] if "run" in s][0]
    assert 'only="registry/${DEPLOY_ENV}.core,replication/${DEPLOY_ENV}.core,access/${DEPLOY_ENV}.core"' in core
    assert 'only="registry/${DEPLOY_ENV}.${SHARD},access/${DEPLOY_ENV}.${SHARD}"' in shard
    for script in (core, shard):
        assert 'make deploy-all SHARDED=1 ENV="${DEPLOY_ENV}" ONLY="${only}"' in script


def test_the_sharded_and_the_whole_deployments_never_both_run():
    deploy = yaml.safe_load((WORKFLOWS / "deploy.yml").read_text())["jobs"]
    assert deploy["dev"]["if"].endswith("vars.DEPLOY_LAYOUT != 'sharded'")
    assert deploy["dev-shards"]["if"].endswith("vars.DEPLOY_LAYOUT == 'sharded'")
    assert deploy["prod-shards"]["needs"] == "dev-shards"
    assert deploy["prod-shards"]["uses"] == "$/.github/workflows/deploy-shards.yml"
