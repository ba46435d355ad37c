"""Moves between shard stacks (docs/shards.md, "When a team grows a part"): a team that grows a part, or renames its
file, gets the `pulumi state move` commands that carry each model whose shard changed, in stacks/registry and
stacks/access, with the URNs the stacks register; nothing is deleted or replaced, anything else is BLOCKED. The
plan runs against a recording stand-in `pulumi` (it records and does nothing else).

Both cases are real: a git repository holding the repository's stacks and catalog, the base committed, the change
in the checkout; the stacks evaluated as the tool evaluates them. Expected URNs are written out from the URN format
(`urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>`) and the stacks' documented resource names.
"""

import copy
import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from offline_preview import part_moves
from offline_preview.migration import apply
from offline_preview.part_moves import moves_since, plan_part_moves
from repo_copy import committed_copy, git
from shard_helpers import REPO

REPOSITORY = "urn:pulumi:{stack}::registry::modelregistry:registry:ModelRegistry$aws:ecr/repository:Repository::{model}"
LIFECYCLE = (
    "urn:pulumi:{stack}::registry::modelregistry:registry:ModelRegistry$aws:ecr/repository:Repository"
    "$aws:ecr/lifecyclePolicy:LifecyclePolicy::{model}-lifecycle"
)
POLICY = "urn:pulumi:{stack}::access::modelregistry:access:ModelAccess$aws:ecr/repositoryPolicy:RepositoryPolicy::{model}-policy"
ADDED_AT_BASE = [f"nlp-m-{i:03d}" for i in range(20)]


def clone(root: Path) -> Path:
    return committed_copy(REPO, root, ("stacks", "catalog", "policy-pack", "checkov-skips.yaml"), "build/\n")


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """Team nlp: 21 models deployed (one part), then 751 in the checkout: past 750, two parts, nlp and nlp.2."""
    root = clone(tmp_path_factory.mktemp("grown") / "repo")
    nlp = root / "catalog" / "nlp.yaml"
    written = nlp.read_text()
    nlp.write_text(written + "".join(f"  - name: {m}\n" for m in ADDED_AT_BASE))
    git(root, "commit", "--quiet", "-am", "20 more models")
    nlp.write_text(written + "".join(f"  - name: nlp-m-{i:03d}\n" for i in range(750)))
    return root, moves_since(root, "local", "main", tmp_path_factory.mktemp("grown-scratch"))


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    """Team speech's file renamed to audio.yaml (team: audio): its one model changes shard stack."""
    root = clone(tmp_path_factory.mktemp("renamed") / "repo")
    speech = root / "catalog" / "speech.yaml"
    (root / "catalog" / "audio.yaml").write_text(speech.read_text().replace("team: speech", "team: audio"))
    speech.unlink()
    return root, moves_since(root, "local", "main", tmp_path_factory.mktemp("renamed-scratch"))


def repositories(manifest: dict) -> set[str]:
    return {r["urn"].rsplit("::", 1)[1] for r in manifest["resources"] if r["type"] == "aws:ecr/repository:Repository"}


def test_a_team_that_grows_a_part_moves_the_models_the_new_part_registers_and_no_other(grown):
    _, moves = grown
    # The models that move are the deployed ones whose repository the new part's program now registers.
    moved = sorted(repositories(moves.head[("registry", "local.nlp.2")]) & {"llama-3-8b-instruct", *ADDED_AT_BASE})
    assert moved and len(moved) < 21  # some move, some stay
    assert moves.changes == {model: ("nlp", "nlp.2") for model in moved}
    assert plan_part_moves(moves).commands == [
        ("registry", ["stack", "init", "local.nlp.2", "--non-interactive"]),
        (
            "registry",
            ["state", "move", "--source", "local.nlp", "--dest", "local.nlp.2", "--yes"]
            + sorted(REPOSITORY.format(stack="local.nlp", model=m) for m in moved),
        ),
        ("access", ["stack", "init", "local.nlp.2", "--non-interactive"]),
        (
            "access",
            ["state", "move", "--source", "local.nlp", "--dest", "local.nlp.2", "--yes"]
            + sorted(POLICY.format(stack="local.nlp", model=m) for m in moved),
        ),
    ]


def test_growing_a_part_deletes_and_replaces_nothing_and_only_retags_what_moved(grown):
    _, moves = grown
    migration = plan_part_moves(moves)
    assert migration.blocked == [] and migration.notes == []
    assert {" ".join(args[:2]) for _, args in migration.commands} == {"stack init", "state move"}
    # Each repository moves with its lifecycle policy (a child: state move takes it), each policy with it.
    moved = sorted(moves.changes)
    assert sorted(urn for _, urn, _ in migration.moved) == sorted(
        [REPOSITORY.format(stack="local.nlp", model=m) for m in moved]
        + [LIFECYCLE.format(stack="local.nlp", model=m) for m in moved]
        + [POLICY.format(stack="local.nlp", model=m) for m in moved]
    )
    assert len(migration.updated) == len(moved)
    for line in migration.updated:
        assert re.fullmatch(r'registry local\.nlp\.2: .*: tags\.pulumi-stack: "local\.nlp" -> "local\.nlp\.2"', line)
    assert migration.text().endswith("every protected resource is moved, none replaced")


def test_a_renamed_team_file_moves_every_model_into_the_new_stacks_and_says_to_remove_the_old(renamed):
    _, moves = renamed
    assert moves.changes == {"whisper-large-v3": ("speech", "audio")}
    migration = plan_part_moves(moves)
    source = {"stack": "local.speech", "model": "whisper-large-v3"}
    assert migration.commands == [
        ("registry", ["stack", "init", "local.audio", "--non-interactive"]),
        (
            "registry",
            [
                "state",
                "move",
                "--source",
                "local.speech",
                "--dest",
                "local.audio",
                "--yes",
                REPOSITORY.format(**source),
            ],
        ),
        ("access", ["stack", "init", "local.audio", "--non-interactive"]),
        (
            "access",
            ["state", "move", "--source", "local.speech", "--dest", "local.audio", "--yes", POLICY.format(**source)],
        ),
    ]
    assert migration.blocked == []
    (retagged,) = migration.updated
    assert retagged.endswith(
        'tags.owner: "speech" -> "audio"; tags.pulumi-stack: "local.speech" -> "local.audio"; tags.team: "speech" -> "audio"'
    )
    assert [note.split(" leaves the layout")[0] for note in migration.notes] == [
        "registry local.speech",
        "access local.speech",
    ]
    assert "pulumi stack rm local.speech --force --yes" in migration.notes[0]


def test_a_moved_repository_the_new_part_does_not_register_is_blocked(grown):
    _, moves = grown
    model = sorted(moves.changes)[0]
    head = copy.deepcopy(moves.head)
    program = head[("registry", "local.nlp.2")]
    program["resources"] = [
        r for r in program["resources"] if not r["urn"].endswith((f"::{model}", f"::{model}-lifecycle"))
    ]
    migration = plan_part_moves(replace(moves, head=head))
    # Registered nowhere, it would stay in local.nlp, whose program does not declare it either.
    assert sorted(migration.blocked) == [
        f"BLOCKED: protected resource would be deleted: registry local.nlp: {LIFECYCLE.format(stack='local.nlp', model=model)}",
        f"BLOCKED: protected resource would be deleted: registry local.nlp: {REPOSITORY.format(stack='local.nlp', model=model)}",
    ]
    assert migration.text().endswith("BLOCKED: nothing may run")


def test_a_moved_repository_whose_key_changes_is_blocked_as_replaced(grown):
    _, moves = grown
    model = sorted(moves.changes)[-1]
    head = copy.deepcopy(moves.head)
    urn = REPOSITORY.format(stack="local.nlp.2", model=model)
    repository = next(r for r in head[("registry", "local.nlp.2")]["resources"] if r["urn"] == urn)
    repository["inputs"]["encryptionConfigurations"][0]["kmsKey"] = "arn:aws:kms:us-east-1:123456789012:key/other"
    assert plan_part_moves(replace(moves, head=head)).blocked == [
        "BLOCKED: protected resource would be replaced (deleted, then created again): encryptionConfigurations "
        f"changed: registry local.nlp.2: {urn}"
    ]


def test_a_repository_left_in_a_stack_that_leaves_the_layout_is_blocked(renamed):
    _, moves = renamed
    head = copy.deepcopy(moves.head)
    program = head[("registry", "local.audio")]
    program["resources"] = [r for r in program["resources"] if "whisper-large-v3" not in r["urn"]]
    blocked = plan_part_moves(replace(moves, head=head)).blocked
    assert blocked == [
        "BLOCKED: resource would be left in a stack that leaves the layout (no stack of the new layout registers it "
        f"at its URN): registry local.speech: {urn.format(stack='local.speech', model='whisper-large-v3')}"
        for urn in (LIFECYCLE, REPOSITORY)
    ]


def stand_in(tmp_path: Path, script: str = "") -> dict:
    """PATH with a recording `pulumi` (`<project dir>|<arguments>` per call), and its log in PULUMI_LOG."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "pulumi"
    stub.write_text(f'#!/bin/sh\nprintf "%s|%s\\n" "$(basename "$PWD")" "$*" >> "$PULUMI_LOG"\n{script}')
    stub.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "PULUMI_LOG": str(tmp_path / "pulumi.log")}


def recorded(env: dict) -> list[tuple[str, str]]:
    log = Path(env["PULUMI_LOG"])
    return [tuple(line.split("|")) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_command_applies_exactly_the_plan_in_order_through_the_cli(renamed, tmp_path):
    root, moves = renamed
    env = stand_in(tmp_path)
    done = subprocess.run(
        [str(REPO / ".venv/bin/python"), "-m", "offline_preview.part_moves", "--env", "local", "--base", "main"]
        + ["--apply", "--repo-root", str(root)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert recorded(env) == [(project, " ".join(args)) for project, args in plan_part_moves(moves).commands]
    assert "every protected resource is moved, none replaced" in done.stdout


def test_applying_stops_at_the_first_failure(grown, tmp_path, monkeypatch):
    env = stand_in(tmp_path, 'case "$*" in "state move"*) exit 4;; esac\n')
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert apply(plan_part_moves(grown[1]), grown[0]) == 4
    assert [args.split()[:2] for _, args in recorded(env)] == [["stack", "init"], ["state", "move"]]


def test_a_blocked_plan_runs_nothing_and_exits_1(grown, tmp_path, monkeypatch, capsys):
    root, moves = grown
    head = copy.deepcopy(moves.head)
    head[("registry", "local.nlp.2")]["resources"] = []
    monkeypatch.setattr(part_moves, "moves_since", lambda *args: replace(moves, head=head))
    env = stand_in(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert part_moves.main(["--env", "local", "--base", "main", "--apply", "--repo-root", str(root)]) == 1
    assert recorded(env) == []
    assert capsys.readouterr().out.rstrip().endswith("BLOCKED: nothing may run")


def test_no_model_changing_shard_is_nothing_to_move(renamed, capsys):
    root, _ = renamed
    git(root, "stash", "--include-untracked", "--quiet")
    try:
        assert part_moves.main(["--env", "local", "--base", "main", "--repo-root", str(root)]) == 0
    finally:
        git(root, "stash", "pop", "--quiet")
    assert capsys.readouterr().out == "no model of 'local' changes shard since main: nothing to move\n"


def test_a_base_that_is_no_revision_is_one_line_and_status_2(renamed, capsys):
    root, _ = renamed
    assert part_moves.main(["--env", "local", "--base", "no-such-branch", "--repo-root", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("part_moves: --base 'no-such-branch': ")
