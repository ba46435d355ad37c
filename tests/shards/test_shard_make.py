"""`make deploy-all SHARDED=1` (and preview-all, destroy-all) with a recording stand-in `pulumi` on PATH: every
stack of the sharded layout, each after the stacks it reads, at most JOBS at once; a failed shard skips only
what reads it. The stand-in records (project, arguments, start/end) and does nothing else."""

import os
import re
import shutil
import subprocess

import pytest
from model_registry.catalog import load_catalog
from model_registry.shards import plan
from shard_helpers import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")

STUB = """#!/bin/sh
project=$(basename "$PWD")
echo "$project|$*|start" >> "$PULUMI_LOG"
case "$project:$*" in "$PULUMI_FAIL"*) echo "boom" >&2; exit 3;; esac
if [ -n "$PULUMI_SLEEP" ]; then sleep "$PULUMI_SLEEP"; fi
echo "$project|$*|end" >> "$PULUMI_LOG"
"""
FLAGS = f"--non-interactive --policy-pack {REPO}/policy-pack --policy-pack-config {REPO}/policy-pack/config/dev.json"
SHARDS = [s.name for s in plan(load_catalog(REPO / "catalog"))]


@pytest.fixture
def stand_in(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(STUB)
    (bin_dir / "pulumi").chmod(0o755)
    log = tmp_path / "pulumi.log"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PULUMI_LOG": str(log), "PULUMI_FAIL": "-"}
    env.pop("PULUMI_BACKEND_URL", None)

    def calls():
        return [tuple(line.split("|")) for line in log.read_text().splitlines()] if log.exists() else []

    return env, calls


def make(*args, env):
    # A make of its own: not a sub-make of the `make test` that may be running this suite (its MAKEFLAGS carry -j).
    # The outer make also exports every user variable (JOBS among them) into this suite's environment.
    inherited = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "JOBS", "SHARDED", "CHANGED", "ONLY", "ENV", "STACK"}
    env = {k: v for k, v in env.items() if k not in inherited}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, env=env, capture_output=True, text=True)


def commands(calls, verb):
    """(project, stack) of each `pulumi <verb>` that started, in order."""
    found = []
    for project, args, phase in calls:
        match = re.fullmatch(rf"{verb} .*--stack (\S+) --config-file Pulumi\.dev\.yaml", args)
        if match and phase == "start":
            found.append((project, match.group(1)))
    return found


def test_deploy_all_sharded_deploys_every_stack_after_what_it_reads(stand_in):
    env, calls = stand_in
    result = make("deploy-all", "ENV=dev", "YES=1", "SHARDED=1", "JOBS=1", env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    expected = [("registry", "dev.core"), ("replication", "dev.core"), ("access", "dev.core")]
    expected += [(project, f"dev.{shard}") for shard in SHARDS for project in ("registry", "access")]
    assert commands(calls(), "up") == expected
    ups = [args for _, args, phase in calls() if args.startswith("up") and phase == "start"]
    assert all(args.startswith(f"up --yes {FLAGS} --stack ") for args in ups)
    # Each stack is created once if missing, never selected (selection would race between concurrent stacks).
    assert not [a for _, a, _ in calls() if a.startswith("stack select")]
    assert ("registry", "stack init dev.nlp --non-interactive", "end") in calls()


def test_at_most_jobs_stacks_run_at_once_and_each_waits_for_its_upstreams(stand_in):
    env, calls = stand_in
    env["PULUMI_SLEEP"] = "0.2"
    assert make("deploy-all", "ENV=dev", "YES=1", "SHARDED=1", "JOBS=2", env=env).returncode == 0
    running, peak, ended = set(), 0, set()
    for project, args, phase in calls():
        match = re.search(r"^up .*--stack (\S+)", args)
        if not match:
            continue
        key = (project, match.group(1))
        if phase == "start":
            running.add(key)
            peak = max(peak, len(running))
            if key[1] != "dev.core":
                assert ("registry", "dev.core") in ended
            if key[0] == "access" and key[1] != "dev.core":
                assert {("registry", key[1]), ("access", "dev.core")} <= ended
        else:
            running.discard(key)
            ended.add(key)
    assert 1 <= peak <= 2 and len(ended) == 3 + 2 * len(SHARDS)


def test_a_failed_shard_skips_only_the_stacks_that_read_it(stand_in):
    env, calls = stand_in
    env["PULUMI_FAIL"] = f"registry:up --yes {FLAGS} --stack dev.nlp "  # only the nlp shard's up fails
    result = make("deploy-all", "ENV=dev", "YES=1", "SHARDED=1", "JOBS=2", env=env)
    assert result.returncode != 0
    assert re.search(r"^registry +dev\.nlp +failed \(exit status 3\)$", result.stdout, re.M)
    assert re.search(r"^access +dev\.nlp +skipped: registry/dev\.nlp did not succeed$", result.stdout, re.M)
    assert "[registry dev.nlp] boom" in result.stdout
    deployed = commands(calls(), "up")
    assert ("access", "dev.nlp") not in deployed
    assert {("registry", "dev.speech"), ("access", "dev.speech"), ("access", "dev.core")} <= set(deployed)


def test_destroy_all_sharded_goes_downstream_first_and_keeps_protected_resources(stand_in):
    env, calls = stand_in
    assert make("destroy-all", "ENV=dev", "YES=1", "SHARDED=1", "JOBS=1", env=env).returncode == 0
    order = commands(calls(), "destroy")
    assert order[-1] == ("registry", "dev.core")
    assert order.index(("access", "dev.nlp")) < order.index(("registry", "dev.nlp"))
    assert all("--exclude-protected" in a for _, a, _ in calls() if a.startswith("destroy"))


def test_preview_all_sharded_with_the_cli_previews_every_stack(stand_in):
    env, calls = stand_in
    assert make("preview-all", "ENV=dev", "SHARDED=1", env=env).returncode == 0
    assert len(commands(calls(), "preview")) == 3 + 2 * len(SHARDS)


def test_make_j_sets_jobs(stand_in):
    env, _ = stand_in
    assert re.search(r"^  JOBS +3 ", make("-j3", "help", env=env).stdout, re.M)
