"""Moving the whole layout's resources into the sharded layout: `pulumi state move` into each shard, `pulumi stack
rename` of the rest to the core; every protected repository and the key moved, none deleted or replaced; anything
else BLOCKED. The plan runs against a recording stand-in `pulumi` (it records and does nothing else)."""

import copy
import os
import re
import subprocess

import pytest
from offline_preview.evaluate import DEPLOYED
from offline_preview.migration import apply, manifests, plan_migration
from offline_preview.run import Options, run_preview
from offline_preview.shard_plan import sharded_options
from shard_helpers import REPO

PROTECTED = ("aws:ecr/repository:Repository", "aws:kms/key:Key")


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """Both layouts as deployed (ids and ARNs known): the migration compares deployments, not first previews."""
    build = tmp_path_factory.mktemp("migration")
    options = Options(env="local", build_dir=build, policy=False, checkov=False, mode=DEPLOYED)
    whole_run = run_preview(options)
    sharded_run = run_preview(sharded_options(options, REPO / "stacks"))
    return manifests(None, "local", whole_run)[0], manifests(None, "local", sharded_run)[1]


def test_every_protected_resource_is_moved_or_kept_by_the_core_never_deleted_or_replaced(layouts):
    whole, sharded = layouts
    migration = plan_migration("local", whole, sharded)
    assert migration.blocked == []
    moved = {urn: (project, stack) for project, urn, stack in migration.moved}
    repositories = [r for r in whole["registry"]["resources"] if r["type"] == PROTECTED[0]]
    assert len(repositories) == 4
    for repository in repositories:
        team = repository["inputs"]["tags"]["team"]
        assert moved[repository["urn"]] == ("registry", f"local.{team}")
    key = next(r for r in whole["registry"]["resources"] if r["type"] == PROTECTED[1])
    assert key["urn"] not in moved  # it stays, and the stack holding it becomes local.core
    assert migration.text().endswith("every protected resource is moved, none replaced")


def test_the_plan_is_state_operations_only_in_order(layouts):
    migration = plan_migration("local", *layouts)
    verbs = [(project, " ".join(args[:2])) for project, args in migration.commands]
    assert {verb for _, verb in verbs} == {"stack init", "state move", "stack rename"}
    for project in ("registry", "replication", "access"):  # the rename comes after that project's moves
        assert [v for p, v in verbs if p == project][-1] == "stack rename"
    rename = [args for project, args in migration.commands if args[:2] == ["stack", "rename"]]
    assert rename[0] == ["stack", "rename", "local.core", "--stack", "local", "--non-interactive"]
    moves = [args for _, args in migration.commands if args[:2] == ["state", "move"]]
    # Top-level resources only: a repository's lifecycle policy moves with it (state move takes the children).
    assert all("LifecyclePolicy" not in urn for args in moves for urn in args[7:])
    assert all(args[2:7] == ["--source", "local", "--dest", args[5], "--yes"] for args in moves)


def test_the_next_deploy_only_retags_what_moved(layouts):
    migration = plan_migration("local", *layouts)
    assert migration.updated
    for line in migration.updated:
        changes = line.split(": ", 2)[2]
        assert re.fullmatch(r'tags\.pulumi-stack: "local" -> "local\.[a-z]+"', changes), line


def test_a_repository_the_shard_does_not_register_is_blocked(layouts):
    whole, sharded = layouts
    sharded = copy.deepcopy(sharded)
    head = sharded[("registry", "local.nlp")]
    head["resources"] = [r for r in head["resources"] if "llama-3-8b-instruct" not in r["urn"]]
    migration = plan_migration("local", whole, sharded)
    # Nothing registers it elsewhere, so it would stay in local.core, whose program does not declare it either.
    prefix = "BLOCKED: protected resource would be deleted: registry local.core: urn:pulumi:local.core::registry::"
    repository = "modelregistry:registry:ModelRegistry$aws:ecr/repository:Repository"
    assert sorted(migration.blocked) == [
        f"{prefix}{repository}$aws:ecr/lifecyclePolicy:LifecyclePolicy::llama-3-8b-instruct-lifecycle",
        f"{prefix}{repository}::llama-3-8b-instruct",
    ]
    assert migration.text().endswith("BLOCKED: nothing may run")


def test_a_repository_whose_key_changes_is_blocked_as_replaced(layouts):
    whole, sharded = layouts
    sharded = copy.deepcopy(sharded)
    head = sharded[("registry", "local.speech")]
    repository = next(r for r in head["resources"] if r["type"] == PROTECTED[0])
    repository["inputs"]["encryptionConfigurations"][0]["kmsKey"] = "arn:aws:kms:us-east-1:123456789012:key/other"
    (line,) = plan_migration("local", whole, sharded).blocked
    assert line.startswith(
        "BLOCKED: protected resource would be replaced (deleted, then created again): encryptionConfigurations "
        "changed: registry local.speech: "
    )


def test_applying_the_plan_runs_exactly_its_commands_through_the_cli(layouts, tmp_path):
    migration = plan_migration("local", *layouts)
    log = tmp_path / "pulumi.log"
    stub = tmp_path / "pulumi"
    stub.write_text('#!/bin/sh\nprintf "%s|%s\\n" "$(basename "$PWD")" "$*" >> "$PULUMI_LOG"\n')
    stub.chmod(0o755)
    os.environ["PULUMI_LOG"] = str(log)
    try:
        assert apply(migration, REPO, pulumi=str(stub)) == 0
    finally:
        del os.environ["PULUMI_LOG"]
    recorded = [tuple(line.split("|")) for line in log.read_text().splitlines()]
    assert recorded == [(project, " ".join(args)) for project, args in migration.commands]


def test_applying_stops_at_the_first_failure(layouts, tmp_path):
    migration = plan_migration("local", *layouts)
    stub = tmp_path / "pulumi"
    stub.write_text('#!/bin/sh\ncase "$*" in "state move"*) exit 4;; esac\n')
    stub.chmod(0o755)
    assert apply(migration, REPO, pulumi=str(stub)) == 4


def test_make_shard_migration_prints_the_plan():
    done = subprocess.run(
        ["make", "--no-print-directory", "shard-migration", "ENV=local"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pulumi state move --source local --dest local.nlp --yes " in done.stdout
    assert done.stdout.rstrip().endswith("every protected resource is moved, none replaced")
