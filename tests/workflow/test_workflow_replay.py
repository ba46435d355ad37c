"""A local replay of the workflows' `run:` steps, as GitHub's runner runs them (`shell: bash`, i.e.
`bash --noprofile --norc -eo pipefail`), with a stand-in `make` first on PATH.

The stand-in either fails, passes, or runs the real offline preview on an insecure program (a mandatory
policy violation) and the real diff of a base that has a protected repository against a head that
dropped it (BLOCKED). Each must turn its step, and so the job, red.
"""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest
from repo_copy import committed_copy, git
from workflow_files import GITHUB_DEFAULT_SHELL, REPO_ROOT, replay, run_steps

STANDIN_MAKE = r"""#!/usr/bin/env bash
# Stand-in for make in a workflow replay; STANDIN_MODE: pass, fail or real.
target=$1
shift
flags=()
diff_flags=()
sharded=
changed=
base=
for arg in "$@"; do
  case $arg in
    PREVIEW_FLAGS=*) read -r -a flags <<<"${arg#PREVIEW_FLAGS=}" ;;
    DIFF_FLAGS=*) read -r -a diff_flags <<<"${arg#DIFF_FLAGS=}" ;;
    SHARDED=*) sharded=${arg#SHARDED=} ;;
    CHANGED=*) changed=${arg#CHANGED=} ;;
    BASE=*) base=${arg#BASE=} ;;
  esac
done
echo "$target $*" >>"$PWD/make-calls"
case "$STANDIN_MODE:$target" in
  sharded:preview-all)
    # The Makefile's recipe for SHARDED=1 CHANGED=1 without the CLI, on the checkout in $PWD (a git repository
    # whose origin/main is the base): the changed stacks and why, then the real offline preview of those.
    [ "$sharded:$changed" = 1:1 ] || { echo "stand-in: expected SHARDED=1 CHANGED=1"; exit 2; }
    mkdir -p build/preview/dev
    keys=$(.venv/bin/python -m offline_preview.shard_plan changed --repo-root "$PWD" --env dev --base "$base" \
      --keys --why build/preview/dev/changed-stacks.md) || exit 2
    cat build/preview/dev/changed-stacks.md
    echo
    exec "$OFFLINE_PREVIEW" --repo-root "$PWD" --env dev --sharded --only-stacks "$keys" --no-checkov "${flags[@]}" ;;
  real:preview-all)
    # The fixture program stands in for the repository's stacks and has no upstream stacks: --deployed REF
    # (which reads the repository's upstream stacks at REF) is recorded, not passed.
    kept=()
    for ((i = 0; i < ${#flags[@]}; i++)); do
      if [ "${flags[i]}" = --deployed ]; then i=$((i + 1)); echo "${flags[i]}" >"$PWD/deployed-ref"; else kept+=("${flags[i]}"); fi
    done
    exec "$OFFLINE_PREVIEW" --project "$PROGRAM" --env local --build-dir "$PWD/build" --no-checkov --quiet "${kept[@]}" ;;
  real:diff)
    # As the Makefile's recipe: the tool's status to DIFF_STATUS_FILE, and make's own 2 on failure.
    status=0
    "$OFFLINE_PREVIEW" diff --base-dir "$BASE_DIR" --head-dir "$HEAD_DIR" "${diff_flags[@]}" || status=$?
    for arg in "$@"; do case $arg in DIFF_STATUS_FILE=*) echo "$status" >"${arg#DIFF_STATUS_FILE=}" ;; esac; done
    if [ "$status" != 0 ]; then echo "make: *** [Makefile: diff] Error $status"; exit 2; fi ;;
  real:*|pass:*) echo "make $target: ok" ;;
  fail:*) echo "make $target: stand-in failure"; exit 2 ;;
esac
"""
PROTECTED_URN = "urn:pulumi:dev::registry::aws:ecr/repository:Repository::llama"
MAKE_STEPS = [s for s in run_steps() if "make " in s.spec["run"]]


def _bin_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    make = directory / "make"
    make.write_text(STANDIN_MAKE)
    make.chmod(make.stat().st_mode | stat.S_IEXEC)
    return directory


def _workdir(tmp_path: Path) -> Path:
    directory = tmp_path / "checkout"
    directory.mkdir()
    (directory / ".venv").symlink_to(REPO_ROOT / ".venv")  # steps call .venv/bin/python, as after `make install`
    return directory


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    return _bin_dir(tmp_path)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return _workdir(tmp_path)


def _manifests(tmp_path: Path) -> dict[str, str]:
    base, head = tmp_path / "base", tmp_path / "head"
    base.mkdir()
    head.mkdir()
    repository = {
        "urn": PROTECTED_URN,
        "type": "aws:ecr/repository:Repository",
        "options": {"protect": True, "aliases": []},
        "inputs": {"name": "models/llama"},
    }
    (base / "registry.json").write_text(json.dumps({"resources": [repository]}))
    (head / "registry.json").write_text(json.dumps({"resources": []}))
    return {"BASE_DIR": str(base), "HEAD_DIR": str(head)}


def _real_env(tmp_path: Path) -> dict[str, str]:
    return {
        "STANDIN_MODE": "real",
        "OFFLINE_PREVIEW": str(REPO_ROOT / ".venv" / "bin" / "offline-preview"),
        "PROGRAM": str(REPO_ROOT / "tests" / "fixtures" / "programs" / "public_registry"),
        **_manifests(tmp_path),
    }


def test_the_workflows_have_steps_that_run_make():
    assert {s.id for s in MAKE_STEPS} >= {
        "pull-request.yml:offline:Offline preview (policy pack + checkov)",
        "pull-request.yml:offline:Access diff against the base branch",
        "pull-request.yml:cloud:pulumi preview --policy-pack, each stack",
        "deploy-environment.yml:plan:pulumi preview --save-plan --policy-pack, each stack",
        "deploy-environment.yml:plan:Access diff against the commit deployed before",
        "deploy-environment.yml:deploy:pulumi up --plan --policy-pack, registry -> replication -> access",
    }


@pytest.mark.parametrize("step", MAKE_STEPS, ids=lambda s: s.id)
def test_every_step_that_runs_make_fails_when_make_fails(step, workdir, bin_dir):
    completed = replay(step, workdir, bin_dir, {"STANDIN_MODE": "fail"})
    assert completed.returncode != 0, completed.stdout + completed.stderr
    assert "stand-in failure" in completed.stdout


@pytest.mark.parametrize("step", MAKE_STEPS, ids=lambda s: s.id)
def test_every_step_that_runs_make_passes_when_make_passes(step, workdir, bin_dir):
    completed = replay(step, workdir, bin_dir, {"STANDIN_MODE": "pass"})
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_without_pipefail_a_failing_make_piped_into_tee_would_leave_the_step_green(workdir, bin_dir):
    """Why `shell: bash` matters: GitHub's implicit `bash -e {0}` ignores the failure before `| tee`."""
    (step,) = [s for s in MAKE_STEPS if s.id == "pull-request.yml:offline:Offline preview (policy pack + checkov)"]
    completed = replay(step, workdir, bin_dir, {"STANDIN_MODE": "fail"}, shell=GITHUB_DEFAULT_SHELL)
    assert completed.returncode == 0


def _offline_job_replay(tmp_path, workdir, bin_dir) -> dict[str, int]:
    """Every `run:` step of the offline job in order (all run unless cancelled): {step name: exit status}."""
    outcomes = {}
    env = {**_real_env(tmp_path), "BASE_REF": "main"}
    for step in [s for s in run_steps() if s.workflow == "pull-request.yml" and s.job == "offline"]:
        if step.spec.get("name") == "Comment body and job summary":
            env = {
                **env,
                "PREVIEW_OUTCOME": "failure" if outcomes.get("preview") else "success",
                "DIFF_OUTCOME": "failure" if outcomes.get("diff") else "success",
            }
        completed = replay(step, workdir, bin_dir, env)
        outcomes[step.spec.get("id") or step.spec["name"]] = completed.returncode
    return outcomes


@pytest.fixture(scope="module")
def offline_job(tmp_path_factory) -> tuple[dict[str, int], Path]:
    """The offline job replayed once (each real preview and diff costs seconds): its outcomes and its checkout,
    for the tests below, which read different parts of the same run."""
    tmp_path = tmp_path_factory.mktemp("offline-job")
    workdir = _workdir(tmp_path)
    return _offline_job_replay(tmp_path, workdir, _bin_dir(tmp_path)), workdir


def test_a_mandatory_violation_and_a_blocked_diff_each_turn_the_offline_job_red(offline_job):
    outcomes, workdir = offline_job
    assert outcomes["Tests"] == 0
    assert outcomes["preview"] == 1  # offline-preview's status for a mandatory violation
    assert outcomes["diff"] == 1  # and for a protected resource that would be deleted

    assert outcomes["Comment body and job summary"] == 0
    report = json.loads((workdir / "build" / "reports" / "preview.json").read_text())
    assert report["verdict"] == "FAILED" and report["counts"]["mandatory"] == 1
    comment = (workdir / "build" / "reports" / "comment.md").read_text()
    assert comment.startswith(
        "<!-- offline-preview -->\n### Offline preview (dev): failure, diff against main: failure"
    )
    assert "BLOCKED: protected resource would be deleted" in comment
    assert "`no-wildcard-principal`" in comment
    assert "#### Who reaches what\n```mermaid\nflowchart LR\n" in comment  # the diff's access picture
    summary = (workdir / "step-summary.md").read_text()
    assert summary.rstrip().endswith("```") and "FAILED: 1 mandatory policy violation(s)" in summary


def test_the_pull_request_preview_reads_upstream_stacks_as_the_base_branch_deployed_them(offline_job):
    _, workdir = offline_job  # BASE_REF=main, as GitHub sets github.base_ref
    assert (workdir / "deployed-ref").read_text() == "origin/main\n"


def test_the_offline_preview_step_writes_sarif_and_junit_next_to_the_json(tmp_path, workdir, bin_dir):
    (step,) = [s for s in MAKE_STEPS if s.id == "pull-request.yml:offline:Offline preview (policy pack + checkov)"]
    replay(step, workdir, bin_dir, _real_env(tmp_path))
    reports = workdir / "build" / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["junit.xml", "preview.json", "preview.sarif", "preview.txt"]
    assert (reports / "preview.txt").read_text().rstrip().splitlines()[-1].startswith("FAILED: 1 mandatory")


def test_the_stand_in_diff_is_the_real_command_and_blocks(tmp_path, workdir, bin_dir):
    (step,) = [s for s in MAKE_STEPS if s.id == "pull-request.yml:offline:Access diff against the base branch"]
    completed = replay(step, workdir, bin_dir, {**_real_env(tmp_path), "BASE_REF": "main"})
    assert completed.returncode == 1
    assert f"- {PROTECTED_URN}" in completed.stdout and "BLOCKED" in completed.stdout


def _policy_manifests(tmp_path: Path, head_accounts: list[str]) -> dict[str, str]:
    """A repository policy that grants pull to 111111111111 in the base, and to `head_accounts` in the head."""

    def manifest(accounts: list[str]) -> str:
        policy = {
            "urn": "urn:pulumi:dev::access::aws:ecr/repositoryPolicy:RepositoryPolicy::llama-policy",
            "type": "aws:ecr/repositoryPolicy:RepositoryPolicy",
            "options": {"protect": False, "aliases": []},
            "inputs": {
                "repository": "models/llama",
                "policy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "Pull",
                            "Effect": "Allow",
                            "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
                            "Action": ["ecr:BatchGetImage"],
                        }
                    ],
                },
            },
        }
        return json.dumps({"resources": [policy]})

    base, head = tmp_path / "policies" / "base", tmp_path / "policies" / "head"
    base.mkdir(parents=True)
    head.mkdir()
    (base / "access.json").write_text(manifest(["111111111111"]))
    (head / "access.json").write_text(manifest(head_accounts))
    return {"BASE_DIR": str(base), "HEAD_DIR": str(head)}


def test_a_diff_that_broadens_access_keeps_the_check_green_and_asks_for_a_security_review(tmp_path, workdir, bin_dir):
    (step,) = [s for s in MAKE_STEPS if s.id == "pull-request.yml:offline:Access diff against the base branch"]
    env = {**_real_env(tmp_path), **_policy_manifests(tmp_path, ["111111111111", "444455556666"]), "BASE_REF": "main"}
    completed = replay(step, workdir, bin_dir, env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "::warning title=Access broadens::" in completed.stdout
    assert (workdir / "step-output.txt").read_text() == "access_broadens=true\n"
    assert (workdir / "build" / "reports" / "diff.status").read_text() == "3\n"


def test_a_diff_that_changes_no_access_passes_without_a_review(tmp_path, workdir, bin_dir):
    (step,) = [s for s in MAKE_STEPS if s.id == "pull-request.yml:offline:Access diff against the base branch"]
    env = {**_real_env(tmp_path), **_policy_manifests(tmp_path, ["111111111111"]), "BASE_REF": "main"}
    completed = replay(step, workdir, bin_dir, env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Access broadens" not in completed.stdout
    assert not (workdir / "step-output.txt").exists()


# --- the sharded layout (DEPLOY_LAYOUT=sharded): a pull request previews only what it changes ----------------

PREVIEW_STEP = "pull-request.yml:offline:Offline preview (policy pack + checkov)"
ADDED_MODEL = "  - name: mistral-7b\n    description: one model added by the pull request\n"
# The workflow's environment on a sharded layout's pull request to main.
SHARDED_PULL_REQUEST = {
    "STANDIN_MODE": "sharded",
    "DEPLOY_LAYOUT": "sharded",
    "BASE_REF": "main",
    "OFFLINE_PREVIEW": str(REPO_ROOT / ".venv" / "bin" / "offline-preview"),
}


@pytest.fixture(scope="module")
def sharded_pull_request(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, subprocess.CompletedProcess]:
    """The offline job's preview step, then its comment step, replayed once on a clone of the repository's stacks,
    catalog and pack as a pull request's checkout: origin/main is the base, and HEAD adds one model to the nlp
    team's file (nothing else). The checkout and both steps' results, for the tests below."""
    tmp_path = tmp_path_factory.mktemp("sharded-pull-request")
    workdir, bin_dir = _workdir(tmp_path), _bin_dir(tmp_path)
    committed_copy(REPO_ROOT, workdir, ("stacks", "catalog", "policy-pack"), ".venv\nbuild/\nstep-*\nmake-calls\n")
    git(workdir, "update-ref", "refs/remotes/origin/main", "HEAD")
    with (workdir / "catalog" / "nlp.yaml").open("a") as nlp:
        nlp.write(ADDED_MODEL)
    git(workdir, "commit", "--quiet", "-am", "add a model")
    env = SHARDED_PULL_REQUEST
    (preview,) = [s for s in MAKE_STEPS if s.id == PREVIEW_STEP]
    previewed = replay(preview, workdir, bin_dir, env)
    (comment_step,) = [s for s in run_steps() if s.id == "pull-request.yml:offline:Comment body and job summary"]
    outcome = "success" if previewed.returncode == 0 else "failure"
    commented = replay(comment_step, workdir, bin_dir, {**env, "PREVIEW_OUTCOME": outcome, "DIFF_OUTCOME": "success"})
    return workdir, previewed, commented


def test_a_sharded_pull_request_adding_one_model_previews_only_that_teams_shard(sharded_pull_request):
    sharded_checkout, completed, _ = sharded_pull_request
    assert completed.returncode == 0, completed.stdout + completed.stderr

    # make was asked for the changed stacks of the sharded layout against the base branch, as deployed there.
    (call,) = (sharded_checkout / "make-calls").read_text().splitlines()
    assert call.startswith(
        "preview-all OFFLINE=1 ENV=dev SHARDED=1 CHANGED=1 BASE=origin/main PREVIEW_FLAGS=--deployed origin/main "
    )
    # Previewed: the nlp team's two shard stacks, and nothing else of the layout's 11.
    report = json.loads((sharded_checkout / "build" / "reports" / "preview.json").read_text())
    assert [(s["project"], s["stack"], s["ok"]) for s in report["stacks"]] == [
        ("registry", "dev.nlp", True),
        ("access", "dev.nlp", True),
    ]
    # What they read answered their stack references, evaluated at the base branch (not previewed).
    reads = [line for line in completed.stderr.splitlines() if "evaluating from revision origin/main" in line]
    assert [line.split("] ", 1)[1].split(":")[0] for line in reads] == [
        "registry/dev.core",
        "access/dev.core",
        "registry/dev.nlp",
    ]
    # Which stacks and why, in the report and for the comment.
    why = (sharded_checkout / "build" / "reports" / "changed-stacks.md").read_text()
    assert "**2 of the sharded layout's 11 stacks** changed since `origin/main`" in why
    assert "| registry dev.nlp | its catalog entries changed |\n| access dev.nlp | its catalog entries changed |" in why
    assert "registry dev.core (by registry/dev.nlp, access/dev.nlp); access dev.core (by access/dev.nlp)" in why
    assert (sharded_checkout / "build" / "reports" / "preview.txt").read_text().startswith(why)


def test_the_sharded_comment_names_the_layout_and_says_why_each_stack_was_previewed(sharded_pull_request):
    sharded_checkout, previewed, done = sharded_pull_request
    assert previewed.returncode == 0, previewed.stdout + previewed.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    comment = (sharded_checkout / "build" / "reports" / "comment.md").read_text()
    assert comment.startswith(
        "<!-- offline-preview -->\n### Offline preview (dev, changed stacks of the sharded layout): success, "
        "diff against main: success\n"
    )
    assert "| registry (dev.nlp) | ok |" in comment and "| access (dev.nlp) | ok |" in comment
    assert "| access dev.nlp | its catalog entries changed |" in comment
    assert "| registry dev.nlp | its catalog entries changed |" in (sharded_checkout / "step-summary.md").read_text()


def test_the_whole_layout_keeps_its_preview_of_every_stack(workdir, bin_dir):
    (step,) = [s for s in MAKE_STEPS if s.id == PREVIEW_STEP]
    completed = replay(step, workdir, bin_dir, {"STANDIN_MODE": "pass", "BASE_REF": "main", "DEPLOY_LAYOUT": ""})
    assert completed.returncode == 0
    (call,) = (workdir / "make-calls").read_text().splitlines()
    assert call.startswith("preview-all OFFLINE=1 ENV=dev PREVIEW_FLAGS=--deployed origin/main ")
    assert "SHARDED" not in call
