"""What the workflows must hold to: lint clean, pipefail everywhere, least privilege per job, forks
handled, actions pinned to full versions, the pulumi CLI and uv matching what the workspace locks."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest
from workflow_files import REPO_ROOT, run_steps, steps, workflows

VENV_BIN = REPO_ROOT / ".venv" / "bin"
FULL_VERSION = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@v\d+\.\d+\.\d+$")
WRITE_SCOPES = {"pull-requests", "security-events", "contents", "issues", "packages", "actions", "deployments"}


def _locked_version(package: str) -> str:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    (version,) = {p["version"] for p in lock["package"] if p["name"] == package}
    return version


def _makefile_value(name: str) -> str:
    (value,) = re.findall(rf"^{name} :?= (\S+)$", (REPO_ROOT / "Makefile").read_text(), re.M)
    return value


def test_actionlint_with_shellcheck_reports_nothing_on_the_workflows():
    completed = subprocess.run(
        [str(VENV_BIN / "actionlint"), "-shellcheck", str(VENV_BIN / "shellcheck"), "-no-color"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stdout + completed.stderr) == (0, "")


def test_shellcheck_reports_nothing_on_the_scripts_ci_calls():
    scripts = [REPO_ROOT / ".ci" / "run", *sorted((REPO_ROOT / ".github" / "scripts").glob("*.sh"))]
    completed = subprocess.run([str(VENV_BIN / "shellcheck"), *map(str, scripts)], capture_output=True, text=True)
    assert (completed.returncode, completed.stdout) == (0, "")


def test_actionlint_finds_a_script_injection_so_its_silence_means_something(tmp_path):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "bad.yml").write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    completed = subprocess.run(
        [str(VENV_BIN / "actionlint"), "-no-color"], cwd=tmp_path, capture_output=True, text=True
    )
    assert completed.returncode == 1 and "potentially untrusted" in completed.stdout


@pytest.mark.parametrize("step", run_steps(), ids=lambda s: s.id)
def test_every_run_step_uses_bash_with_pipefail(step):
    assert step.shell == "bash"  # GitHub runs `shell: bash` as bash --noprofile --norc -eo pipefail {0}


@pytest.mark.parametrize("step", run_steps(), ids=lambda s: s.id)
def test_no_run_script_expands_an_expression_inline(step):
    assert "${{" not in step.spec["run"]  # values reach scripts through env:, never spliced into the code


@pytest.mark.parametrize("step", [s for s in steps() if "uses" in s.spec], ids=lambda s: s.id)
def test_every_action_is_pinned_to_a_full_version(step):
    uses = step.spec["uses"]
    assert uses.startswith("./") or FULL_VERSION.match(uses), uses


def test_no_workflow_grants_permissions_to_all_of_its_jobs():
    assert {name: w.get("permissions") for name, w in workflows().items()} == dict.fromkeys(workflows(), {})


def test_every_job_states_its_permissions():
    missing = [f"{n}:{j}" for n, w in workflows().items() for j, job in w["jobs"].items() if "permissions" not in job]
    assert missing == []


def test_only_the_cloud_and_deploy_jobs_can_request_an_oidc_token():
    holders = {
        f"{n}:{j}"
        for n, w in workflows().items()
        for j, job in w["jobs"].items()
        if (job.get("permissions") or {}).get("id-token") == "write"
    }
    assert holders == {
        "pull-request.yml:cloud",
        "deploy.yml:dev",
        "deploy.yml:prod",
        "deploy-environment.yml:deploy",
        "deploy.yml:dev-shards",
        "deploy.yml:prod-shards",
        "deploy-shards.yml:core",
        "deploy-shards.yml:shard",
    }


def test_jobs_that_can_write_to_the_repository_run_none_of_its_code():
    for name, workflow in workflows().items():
        for job_name, job in workflow["jobs"].items():
            scopes = {k for k, v in (job.get("permissions") or {}).items() if v == "write" and k in WRITE_SCOPES}
            scripts = " ".join(step.get("run", "") for step in job.get("steps") or [])
            if scopes:
                assert "make " not in scripts and ".venv" not in scripts, f"{name}:{job_name} writes {scopes}"


@pytest.mark.parametrize("job", ["comment", "code-scanning"])
def test_a_fork_pull_request_skips_the_writing_steps_with_a_notice(job):
    spec = workflows()["pull-request.yml"]["jobs"][job]
    assert spec["env"]["FORK"] == "${{ github.event.pull_request.head.repo.full_name != github.repository }}"
    notices = [s for s in spec["steps"] if s.get("if") == "env.FORK == 'true'"]
    assert len(notices) == 1 and notices[0]["run"].startswith('echo "::notice ')
    others = [s for s in spec["steps"] if s not in notices]
    assert others and all(s.get("if", "").startswith("env.FORK == 'false'") for s in others)


def test_the_cloud_job_never_runs_for_a_fork():
    condition = workflows()["pull-request.yml"]["jobs"]["cloud"]["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition


def test_each_comment_job_posts_under_its_own_marker():
    posts = [s.spec["run"] for s in run_steps() if "sticky-comment.sh" in s.spec["run"]]
    markers = [re.search(r'sticky-comment\.sh "\$PR_NUMBER" (\S+) ', run)[1] for run in posts]
    assert sorted(markers) == ["cloud-preview", "offline-preview"]


def test_the_pulumi_cli_is_the_version_of_the_locked_sdk():
    locked = _locked_version("pulumi")
    for name, workflow in workflows().items():
        installs = [s for s in steps() if s.workflow == name and s.spec.get("uses", "").startswith("pulumi/actions@")]
        if installs:
            assert workflow["env"]["PULUMI_VERSION"] == locked, name
            assert {s.spec["with"]["pulumi-version"] for s in installs} == {"${{ env.PULUMI_VERSION }}"}


def test_uv_on_path_is_the_makefiles_uv():
    wanted = _makefile_value("UV_VERSION")
    setups = [s for s in steps() if s.spec.get("uses", "").startswith("astral-sh/setup-uv@")]
    assert setups
    for step in setups:
        assert step.workflow_spec["env"]["UV_VERSION"] == wanted
        assert step.spec["with"]["version"] == "${{ env.UV_VERSION }}"


def test_every_job_that_runs_pulumi_has_uv_on_path():
    for step in steps():
        if step.spec.get("uses", "").startswith("pulumi/actions@"):
            uses = [s.get("uses", "") for s in step.job_spec["steps"]]
            assert any(u.startswith("astral-sh/setup-uv@") for u in uses), step.id


def test_the_checkov_cache_is_keyed_on_the_makefile_that_pins_its_version():
    caches = [s for s in steps() if s.spec.get("uses", "").startswith("actions/cache@")]
    assert caches and all("hashFiles('Makefile')" in s.spec["with"]["key"] for s in caches)
    assert all(s.spec["with"]["path"] == ".tools" for s in caches)


def test_deploys_run_dev_then_prod_one_at_a_time_per_environment_with_the_pack():
    deploy = workflows()["deploy.yml"]["jobs"]
    assert deploy["prod"]["needs"] == "dev" and deploy["prod"]["with"]["environment"] == "prod"
    job = workflows()["deploy-environment.yml"]["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.environment }}"  # prod's approval lives on its GitHub environment
    assert job["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    scripts = [s["run"] for s in job["steps"] if "run" in s]
    assert any('make deploy-all ENV="${DEPLOY_ENV}"' in run for run in scripts)
    # `make deploy-all` passes the pack and its config to every `pulumi up` (PULUMI_FLAGS).
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "PULUMI_FLAGS := --non-interactive --policy-pack $(POLICY_PACK) --policy-pack-config" in makefile
    assert "up --yes $(PULUMI_FLAGS)" in makefile
