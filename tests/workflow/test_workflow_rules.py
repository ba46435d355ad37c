"""What the workflows must hold to: lint clean (actionlint, zizmor), pipefail everywhere, least privilege
per job, no stored secret where a pull request's code runs, forks handled, actions pinned by commit SHA
with their release in a comment, prod deployed from saved plans after dev, the pulumi CLI and uv matching
what the workspace locks."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest
import yaml
from workflow_files import REPO_ROOT, WORKFLOWS, run_steps, steps, workflows

VENV_BIN = REPO_ROOT / ".venv" / "bin"
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses: (\S+) # (v\d+\.\d+\.\d+)$")
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
def test_every_action_is_pinned_by_commit_sha(step):
    assert PINNED.match(step.spec["uses"]), step.spec["uses"]


def test_every_pinned_action_names_its_release_for_dependabot():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for line in path.read_text().splitlines():
            if re.match(r"^\s*- uses: ", line):
                assert VERSION_COMMENT.search(line), f"{path.name}: {line.strip()}"


def test_one_action_is_pinned_to_one_sha_everywhere():
    pins: dict[str, set[str]] = {}
    for step in steps():
        if "uses" in step.spec:
            action, sha = step.spec["uses"].split("@")
            pins.setdefault(action, set()).add(sha)
    assert {a: len(s) for a, s in pins.items()} == dict.fromkeys(pins, 1)


def test_reusable_workflows_are_called_by_the_self_repository_syntax():
    called = [j["uses"] for w in workflows().values() for j in w["jobs"].values() if "uses" in j]
    assert called and all(u.startswith("$/.github/workflows/") for u in called)


def test_zizmor_reports_nothing_at_its_default_persona():
    completed = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", "--format", "plain", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "No findings to report" in completed.stdout + completed.stderr


def test_zizmor_finds_an_unpinned_action_so_its_silence_means_something(tmp_path):
    (tmp_path / "bad.yml").write_text(
        "on: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: {}\n"
        "    steps:\n      - uses: actions/checkout@v7\n        with:\n          persist-credentials: false\n"
    )
    completed = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", str(tmp_path / "bad.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0 and "unpinned-uses" in completed.stdout


def test_no_workflow_passes_secrets_on_and_none_reads_a_stored_secret():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        text = path.read_text()
        assert "secrets: inherit" not in text and "secrets." not in text, path.name


def test_dependabot_updates_the_actions_and_the_uv_lock():
    config = yaml.safe_load((REPO_ROOT / ".github" / "dependabot.yml").read_text())
    ecosystems = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert ecosystems == {("github-actions", "/"), ("uv", "/")}


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
        "deploy-environment.yml:plan",
        "deploy-environment.yml:deploy",
        "deploy.yml:dev-shards",
        "deploy.yml:prod-shards",
        "deploy-shards.yml:core",
        "deploy-shards.yml:shard",
        "audit.yml:audit",
    }


def test_every_job_holding_cloud_credentials_is_scoped_to_an_environment():
    for name, workflow in workflows().items():
        for job_name, job in workflow["jobs"].items():
            if "steps" in job and any("configure-aws-credentials" in s.get("uses", "") for s in job["steps"]):
                assert job.get("environment"), f"{name}:{job_name}"
                (pulumi_auth,) = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/auth-actions@")]
                assert pulumi_auth["with"]["requested-token-type"].startswith("urn:pulumi:token-type:access_token")


def test_jobs_that_can_write_to_the_repository_check_out_and_run_none_of_its_code():
    for name, workflow in workflows().items():
        for job_name, job in workflow["jobs"].items():
            scopes = {k for k, v in (job.get("permissions") or {}).items() if v == "write" and k in WRITE_SCOPES}
            if not scopes or "uses" in job:  # a reusable workflow's own jobs are checked where they are defined
                continue
            scripts = " ".join(step.get("run", "") for step in job.get("steps") or [])
            assert "make " not in scripts and ".venv" not in scripts and ".github/" not in scripts, f"{name}:{job_name}"
            if "pull-requests" in scopes:
                assert not any(s.get("uses", "").startswith("actions/checkout@") for s in job["steps"]), job_name


def test_the_comment_jobs_call_the_sticky_comment_workflow_with_write_to_pull_requests_only():
    jobs = workflows()["pull-request.yml"]["jobs"]
    for job in ("comment", "cloud-comment"):
        assert jobs[job]["uses"] == "$/.github/workflows/sticky-comment.yml"
        assert jobs[job]["permissions"] == {"pull-requests": "write"}
    assert workflows()["sticky-comment.yml"]["jobs"]["post"]["permissions"] == {"pull-requests": "write"}


@pytest.mark.parametrize(("workflow", "job"), [("sticky-comment.yml", "post"), ("pull-request.yml", "code-scanning")])
def test_a_fork_pull_request_skips_the_writing_steps_with_a_notice(workflow, job):
    spec = workflows()[workflow]["jobs"][job]
    assert spec["env"]["FORK"] == "${{ github.event.pull_request.head.repo.full_name != github.repository }}"
    notices = [s for s in spec["steps"] if s.get("if") == "env.FORK == 'true'"]
    assert len(notices) == 1 and notices[0]["run"].startswith('echo "::notice ')
    others = [s for s in spec["steps"] if s not in notices]
    assert others and all(s.get("if", "").startswith("env.FORK == 'false'") for s in others)


def test_the_cloud_job_never_runs_for_a_fork():
    condition = workflows()["pull-request.yml"]["jobs"]["cloud"]["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition


def test_each_comment_job_posts_under_its_own_marker():
    jobs = workflows()["pull-request.yml"]["jobs"]
    assert sorted(jobs[j]["with"]["marker"] for j in ("comment", "cloud-comment")) == [
        "cloud-preview",
        "offline-preview",
    ]


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


def test_deploys_run_dev_then_prod_from_main_only():
    deploy = workflows()["deploy.yml"]["jobs"]
    assert deploy["prod"]["needs"] == "dev" and deploy["prod"]["with"]["environment"] == "prod"
    assert deploy["dev"]["with"]["environment"] == "dev"
    for job in deploy.values():  # a manual run from another branch deploys nothing
        assert "github.ref == 'refs/heads/main'" in job["if"]


def test_the_approved_job_applies_exactly_the_plans_the_plan_job_saved_and_summarised():
    workflow = workflows()["deploy-environment.yml"]
    assert workflow["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    plan, deploy = workflow["jobs"]["plan"], workflow["jobs"]["deploy"]
    assert plan["environment"] == "${{ inputs.environment }}-plan"
    assert deploy["environment"] == "${{ inputs.environment }}"  # the approval lives on the GitHub environment
    assert deploy["needs"] == "plan"
    plan_runs = " ".join(s.get("run", "") for s in plan["steps"])
    assert 'make plan-all ENV="${DEPLOY_ENV}"' in plan_runs and "make diff BASE=" in plan_runs
    assert "GITHUB_STEP_SUMMARY" in plan_runs and "build/reports/plan.txt" in plan_runs
    (upload,) = [s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    (download,) = [s for s in deploy["steps"] if s.get("uses", "").startswith("actions/download-artifact@")]
    assert upload["with"]["name"] == download["with"]["name"] == "plans-${{ inputs.environment }}"
    assert "build/plans/" in upload["with"]["path"] and download["with"]["path"] == "build"
    deploy_runs = [s["run"] for s in deploy["steps"] if "run" in s]
    assert any('make deploy-all PLANS=1 ENV="${DEPLOY_ENV}"' in run for run in deploy_runs)
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "PULUMI_FLAGS := --non-interactive --policy-pack $(POLICY_PACK) --policy-pack-config" in makefile
    assert "PLAN_DIR ?= build/plans/$(ENV)" in makefile
