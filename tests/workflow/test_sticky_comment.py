"""The sticky-comment workflow's script (`.github/workflows/sticky-comment.yml`, step "Post or update the
comment"), replayed as the runner runs it: one comment per marker, found again and updated, never another's.

`gh` is a stand-in that answers the comments listing from a fixture through the real `jq` (as `gh api
--jq` does) and records what would be posted.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from workflow_files import GITHUB_BASH, run_steps

(STEP,) = [
    s for s in run_steps() if s.workflow == "sticky-comment.yml" and s.spec["name"] == "Post or update the comment"
]
LIMIT = 65_536
STANDIN_GH = r"""#!/usr/bin/env bash
# Stand-in for gh: `api --paginate URL --jq EXPR` filters $GH_COMMENTS with jq; other calls are recorded.
set -euo pipefail
[[ $1 == api ]] || exit 3
shift
if [[ $1 == --paginate ]]; then
  jq -r "$4" "$GH_COMMENTS"
  exit 0
fi
method=$2 url=$3 body=${5#body=@}
printf '%s %s\n' "$method" "$url" >>"$GH_LOG"
cp "$body" "$GH_LOG.body"
"""

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="jq (on GitHub's runners) is not installed")


@pytest.fixture
def gh(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    standin = bin_dir / "gh"
    standin.write_text(STANDIN_GH)
    standin.chmod(standin.stat().st_mode | stat.S_IEXEC)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "GITHUB_REPOSITORY": "acme/model-registry",
        "GH_COMMENTS": str(tmp_path / "comments.json"),
        "GH_LOG": str(tmp_path / "gh.log"),
    }


def _comments(env: dict[str, str], comments: list[dict]) -> None:
    Path(env["GH_COMMENTS"]).write_text(json.dumps(comments))


def _post(env: dict[str, str], tmp_path: Path, marker: str, body: str) -> subprocess.CompletedProcess:
    """The step in a workspace whose downloaded artifact holds the body at reports/comment.md."""
    (tmp_path / "artifact" / "reports").mkdir(parents=True, exist_ok=True)
    (tmp_path / "artifact" / "reports" / "comment.md").write_text(body)
    script = tmp_path / "step.sh"
    script.write_text(STEP.spec["run"])
    step_env = {**env, "PR_NUMBER": "12", "MARKER": marker, "BODY_PATH": "reports/comment.md"}
    return subprocess.run([*GITHUB_BASH, str(script)], cwd=tmp_path, env=step_env, capture_output=True, text=True)


def _calls(env: dict[str, str]) -> list[str]:
    log = Path(env["GH_LOG"])
    return log.read_text().splitlines() if log.exists() else []


BOT = "github-actions[bot]"


def test_the_first_run_posts_a_new_comment(gh, tmp_path):
    _comments(gh, [{"id": 5, "user": {"login": "alice"}, "body": "looks good"}])
    completed = _post(gh, tmp_path, "offline-preview", "<!-- offline-preview -->\n### OK\n")
    assert completed.returncode == 0, completed.stderr
    assert _calls(gh) == ["POST repos/acme/model-registry/issues/12/comments"]
    assert Path(gh["GH_LOG"] + ".body").read_text() == "<!-- offline-preview -->\n### OK\n"


def test_a_later_run_updates_the_bots_comment_with_the_same_marker(gh, tmp_path):
    _comments(
        gh,
        [
            {"id": 7, "user": {"login": BOT}, "body": "<!-- cloud-preview -->\n### cloud"},
            {"id": 8, "user": {"login": BOT}, "body": "<!-- offline-preview -->\n### old"},
        ],
    )
    assert _post(gh, tmp_path, "offline-preview", "<!-- offline-preview -->\n### new\n").returncode == 0
    assert _calls(gh) == ["PATCH repos/acme/model-registry/issues/comments/8"]


def test_the_other_jobs_comment_is_never_overwritten(gh, tmp_path):
    _comments(gh, [{"id": 7, "user": {"login": BOT}, "body": "<!-- cloud-preview -->\n### cloud"}])
    assert _post(gh, tmp_path, "offline-preview", "<!-- offline-preview -->\n### new\n").returncode == 0
    assert _calls(gh) == ["POST repos/acme/model-registry/issues/12/comments"]


def test_a_person_quoting_the_marker_does_not_get_their_comment_edited(gh, tmp_path):
    _comments(gh, [{"id": 9, "user": {"login": "mallory"}, "body": "<!-- offline-preview -->\nmine"}])
    assert _post(gh, tmp_path, "offline-preview", "<!-- offline-preview -->\n### new\n").returncode == 0
    assert _calls(gh) == ["POST repos/acme/model-registry/issues/12/comments"]


def test_a_body_of_exactly_githubs_limit_is_posted(gh, tmp_path):
    _comments(gh, [])
    head = "<!-- offline-preview -->\n"
    assert _post(gh, tmp_path, "offline-preview", head + "x" * (LIMIT - len(head))).returncode == 0
    assert len(_calls(gh)) == 1


def test_a_body_one_character_over_githubs_limit_is_refused_before_any_call(gh, tmp_path):
    _comments(gh, [])
    head = "<!-- offline-preview -->\n"
    completed = _post(gh, tmp_path, "offline-preview", head + "x" * (LIMIT - len(head) + 1))
    assert completed.returncode == 1 and "at most 65536" in completed.stderr
    assert _calls(gh) == []


def test_a_body_without_its_marker_line_is_refused(gh, tmp_path):
    _comments(gh, [])
    completed = _post(gh, tmp_path, "offline-preview", "### no marker\n")
    assert completed.returncode == 2 and "does not start with the line '<!-- offline-preview -->'" in completed.stderr
    assert _calls(gh) == []


def test_a_pull_request_number_that_is_not_one_is_refused_before_any_call(gh, tmp_path):
    _comments(gh, [])
    (tmp_path / "artifact").mkdir()
    script = tmp_path / "step.sh"
    script.write_text(STEP.spec["run"])
    env = {**gh, "PR_NUMBER": "12; rm -rf /", "MARKER": "offline-preview", "BODY_PATH": "x.md"}
    completed = subprocess.run([*GITHUB_BASH, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert completed.returncode == 2 and "PR_NUMBER must be a pull request number" in completed.stderr
    assert _calls(gh) == []
