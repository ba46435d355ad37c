"""A preview of some stacks of the sharded layout reads what they reference as deployed: at the base revision
with --deployed (a new team's stack, which the base does not have, from the checkout), never by previewing it
(offline_preview.shard_reads)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from evaluations_kept import alive, record_evaluations
from offline_preview.options import Options
from offline_preview.shard_reads import with_reads
from offline_preview.state import load_state
from repo_copy import committed_copy, git
from shard_helpers import REPO

OFFLINE_PREVIEW = REPO / ".venv" / "bin" / "offline-preview"
NEW_TEAM = "team: audio\nmodels:\n  - name: wav2vec\n"


@pytest.fixture
def clone(tmp_path) -> Path:
    """The repository's stacks, catalog, pack and checkov skips, committed as `main`."""
    return committed_copy(
        REPO, tmp_path / "repo", ("stacks", "catalog", "policy-pack", "checkov-skips.yaml"), "build/\n"
    )


def preview(root: Path, stacks: str, *flags: str) -> subprocess.CompletedProcess:
    report = root / "build" / "preview.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            str(OFFLINE_PREVIEW),
            "--repo-root",
            str(root),
            "--env",
            "dev",
            "--sharded",
            "--only-stacks",
            stacks,
            "--no-checkov",
            "--no-policy",  # what is read, and from where, is the point: the shards' policies are test_shard_preview's
            "--build-dir",
            str(root / "build"),
            "--json-file",
            str(report),
            *flags,
        ],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")},
        timeout=600,
        check=False,
    )


def previewed(root: Path) -> list[tuple[str, str, bool]]:
    report = json.loads((root / "build" / "preview.json").read_text())
    return [(s["project"], s["stack"], s["ok"]) for s in report["stacks"]]


def reads(completed: subprocess.CompletedProcess) -> list[str]:
    """`<key>: <where>` of each stack evaluated to answer a reference, from the progress lines."""
    lines = [line.split("] ", 1)[1] for line in completed.stderr.splitlines() if ": evaluating from " in line]
    return [line.split(" (read by ")[0].replace(": evaluating from ", ": ") for line in lines]


def test_a_new_teams_stacks_read_the_cores_at_the_base_and_their_new_registry_shard_from_the_checkout(clone):
    (clone / "catalog" / "audio.yaml").write_text(NEW_TEAM)
    completed = preview(clone, "registry/dev.audio,access/dev.audio", "--deployed", "main")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert previewed(clone) == [("registry", "dev.audio", True), ("access", "dev.audio", True)]
    assert reads(completed) == [
        "registry/dev.core: revision main, as deployed",
        "access/dev.core: revision main, as deployed",
        "registry/dev.audio: this checkout, as deployed (not deployed at main)",
    ]


def test_without_a_deployed_revision_what_they_read_comes_from_the_checkout_once(clone):
    completed = preview(clone, "access/dev.nlp")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert previewed(clone) == [("access", "dev.nlp", True)]
    assert reads(completed) == [
        "registry/dev.core: this checkout, as deployed",
        "access/dev.core: this checkout, as deployed",
        "registry/dev.nlp: this checkout, as deployed",
    ]


def test_a_base_whose_catalog_does_not_load_is_one_line_naming_the_revision_and_the_file(clone):
    (clone / "catalog" / "genai.yaml").write_text("team: genai\nmodels:\n  - name: sdxl-base\n    colour: blue\n")
    git(clone, "commit", "--quiet", "-am", "a base whose catalog does not load")
    git(clone, "tag", "broken")
    shutil.copy2(REPO / "catalog" / "genai.yaml", clone / "catalog" / "genai.yaml")
    completed = preview(clone, "access/dev.nlp", "--deployed", "broken")
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        "offline-preview: --deployed broken: the sharded layout cannot be planned there: "
        "catalog/genai.yaml:4: model 'sdxl-base': colour: unknown key; known keys: name, description, costCentre, "
        "mutableTags, scanOnPush, lifecycle, consumers"
    )
    assert not (clone / "build" / "preview.json").exists()


def test_the_read_stacks_are_evaluated_in_this_process_through_the_one_loop_and_none_is_kept(clone, monkeypatch):
    made = record_evaluations(monkeypatch)
    progress: list[str] = []
    scratch = clone / "scratch"
    options, sources = with_reads(
        Options(env="dev", repo_root=clone), clone / "stacks", {"access/dev.nlp"}, scratch, progress.append
    )
    assert progress == [
        "registry/dev.core: evaluating from this checkout, as deployed (read by access/dev.nlp)",
        "access/dev.core: evaluating from this checkout, as deployed (read by access/dev.nlp)",
        "registry/dev.nlp: evaluating from this checkout, as deployed (read by access/dev.nlp)",
    ]
    assert sources == dict.fromkeys(
        ["registry/dev.core", "access/dev.core", "registry/dev.nlp"], "this checkout, as deployed"
    )
    assert len(made) == 3 and alive(made) == []
    exports = {load_state(path).key: json.loads(path.read_text()) for path in options.state_files}
    assert sorted(exports) == ["access/dev.core", "registry/dev.core", "registry/dev.nlp"]
    (root,) = exports["registry/dev.nlp"]["deployment"]["resources"]
    assert root["urn"] == "urn:pulumi:dev.nlp::registry::pulumi:pulumi:Stack::registry-dev.nlp"
    assert root["type"] == "pulumi:pulumi:Stack" and root["outputs"]
