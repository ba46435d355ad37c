"""`make diff` against any base: each revision is evaluated by its own code in its own worktree, and the
current diff reads the manifests every revision wrote. Tried on the repository's real history since the
catalog moved into its own files (git log): that first revision, the revisions just before the library's
interfaces changed (the shared JSON reader, the leaf package that replaced `registry_iam`), and a few in
between, each against the working tree.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from hypothesis_budget import examples
from offline_preview.cli import AS_DEPLOYED_VARIABLE, EXIT_BROADENS, EXIT_OK, main, revision_sources
from offline_preview.manifest_reader import ManifestError, read_manifest
from preview_helpers import REPO_ROOT

# Revisions tried, each one evaluation of the three stacks by its own code (about 2 CPU-s): under `make test` the
# first, one in between and the two before the interfaces changed; HYPOTHESIS_PROFILE=thorough (CI's pull-request
# job) three in between.
SAMPLE = examples(4, 6)


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, check=True).stdout


def _history() -> list[str]:
    """First-parent commits since the catalog moved into catalog/, oldest first ([] in a shallow clone or
    outside a git checkout)."""
    try:
        if _git("rev-parse", "--is-shallow-repository").strip() == "true":
            return []
    except (OSError, subprocess.CalledProcessError):
        return []
    added = _git("log", "--diff-filter=A", "--format=%H", "--", "catalog/").split()
    if not added:
        return []
    return _git("rev-list", "--first-parent", "--reverse", f"{added[-1]}^..HEAD").split()


def _just_before(pattern_args: list[str]) -> list[str]:
    found = _git("log", "--format=%H", *pattern_args).split()
    return [f"{found[-1]}^"] if found else []


def _sample() -> list[str]:
    history = _history()
    if not history:
        return []
    step = max(1, len(history) // (SAMPLE - 1))
    picked = [history[0], *history[step:-1:step]][: SAMPLE - 2]
    picked += _just_before(["-S", "def load_json", "--", "shared"])
    picked += _just_before(["--diff-filter=A", "--", "aws-facts"])
    return list(dict.fromkeys(picked))


REVISIONS = _sample()


@pytest.fixture(scope="module")
def head_manifests(tmp_path_factory):
    out = tmp_path_factory.mktemp("head")
    args = ["--env", "dev", "--build-dir", str(out), "--no-policy", "--no-checkov", "--quiet", "--json"]
    # The diff compares deployments: the head built as deployed (every output known), as `diff` builds it itself.
    os.environ[AS_DEPLOYED_VARIABLE] = "1"
    try:
        assert main(args) == 0
    finally:
        del os.environ[AS_DEPLOYED_VARIABLE]
    return out / "preview" / "dev"


@pytest.mark.skipif(not REVISIONS, reason="a shallow clone has no history to diff against")
@pytest.mark.parametrize("revision", REVISIONS)
def test_the_diff_against_a_revision_of_the_real_history_evaluates_it_by_its_own_code(revision, head_manifests, capsys):
    status = main(["diff", "--base", revision, "--env", "dev", "--head-dir", str(head_manifests), "--json"])
    captured = capsys.readouterr()
    assert status in (EXIT_OK, EXIT_BROADENS), captured.err
    report = json.loads(captured.out)
    assert report["baseCommit"] == _git("rev-parse", f"{revision}^{{commit}}").strip()
    assert {s["stack"] for s in report["stacks"]} == {"registry", "replication", "access"}


def test_the_sample_holds_the_revision_before_the_leaf_package_existed():
    if not REVISIONS:
        pytest.skip("a shallow clone has no history")
    before_leaf = _just_before(["--diff-filter=A", "--", "aws-facts"])
    assert before_leaf and before_leaf[0] in REVISIONS
    root = REPO_ROOT
    assert root / "aws-facts" in revision_sources(root)


def test_a_revisions_own_packages_come_from_its_pyproject(tmp_path):
    (tmp_path / "lib" / "pkg").mkdir(parents=True)
    (tmp_path / "member").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.uv.workspace]\nmembers = ["member"]\n[tool.uv.sources]\nleaf = { path = "lib", editable = true }\n'
        'gone = { path = "missing" }\n'
    )
    assert revision_sources(tmp_path) == [tmp_path / "member", tmp_path / "lib"]


def test_a_manifest_of_an_unknown_format_is_refused_in_one_line(tmp_path):
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"format": "offline-preview-manifest/9", "resources": []}))
    with pytest.raises(ManifestError) as error:
        read_manifest(path)
    assert str(error.value) == (
        f"{path}: format 'offline-preview-manifest/9' is not one this diff reads (offline-preview-manifest/1); "
        "run the diff of the newer revision"
    )


def test_a_manifest_without_a_format_is_read_as_the_first_one(tmp_path):
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"resources": []}))
    assert read_manifest(path) == {"resources": []}
