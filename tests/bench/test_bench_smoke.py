"""The benchmark cannot rot: its catalog generator gives valid stacks and a 3-model run prints its table.

Not a timing test: nothing here depends on how fast the preview is.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from model_registry.catalog import load_catalog
from offline_preview.checkov import checkov_installed

BENCH = Path(__file__).resolve().parents[2] / "bench" / "preview_bench.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("preview_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_catalog_is_one_folder_both_stacks_read(tmp_path):
    bench = _bench_module()
    directories = bench.write_stacks(tmp_path, 25)
    assert [d.name for d in directories] == ["registry", "replication", "access"]
    for directory in directories:
        assert {p.name for p in directory.iterdir()} == {"Pulumi.yaml", "__main__.py", "Pulumi.local.yaml"}
    registry = yaml.safe_load((tmp_path / "registry" / "Pulumi.local.yaml").read_text())["config"]
    access = yaml.safe_load((tmp_path / "access" / "Pulumi.local.yaml").read_text())["config"]
    assert (tmp_path / "registry" / registry["registry:catalog"]).resolve() == tmp_path / "catalog"
    assert (tmp_path / "access" / access["access:catalog"]).resolve() == tmp_path / "catalog"
    assert registry["registry:scanning"]["type"] == "ENHANCED"  # the rest of the local config is kept


def test_the_generated_catalog_spreads_the_models_over_six_valid_team_files(tmp_path):
    bench = _bench_module()
    catalog = load_catalog(bench.write_catalog(tmp_path / "catalog", 25), namespace="models")
    assert [t.name for t in catalog.teams] == sorted(bench.TEAMS)
    assert len({m.name for m in catalog.models}) == 25
    assert sorted(len(t.models) for t in catalog.teams) == [4, 4, 4, 4, 4, 5]
    assert all(t.pushers for t in catalog.teams)  # every team has a CI push role
    assert sum(m.consumers is not None for m in catalog.models) == 3  # models 0, 10, 20


def test_the_stack_config_the_engine_passes_in_one_variable_does_not_grow_with_the_catalog(tmp_path):
    # The language host passes all stack config in PULUMI_CONFIG, one environment string that Linux caps at
    # 131,072 bytes (MAX_ARG_STRLEN): the catalog must stay out of it.
    bench = _bench_module()

    def config_bytes(size: int) -> dict[str, int]:
        root = tmp_path / str(size)
        bench.write_stacks(root, size)
        return {
            name: len(json.dumps(yaml.safe_load((root / name / "Pulumi.local.yaml").read_text())["config"]))
            for name in ("registry", "replication", "access")
        }

    small, large = config_bytes(4), config_bytes(10_000)
    assert small == large
    assert max(large.values()) < 131_072 // 10


@pytest.mark.skipif(not checkov_installed(), reason="checkov is not installed (make tools)")
def test_a_three_model_run_prints_the_table():
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "3", "--layouts", "whole,sharded"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == [
        "models",
        "layout",
        "stacks",
        "resources",
        "largest stack",
        "state writes",
        "state MB written",
        "evaluate s",
        "policy s",
        "checkov s",
        "total s",
        "CPU s",
        "child CPU s",
        "peak RSS MB",
        "child MB",
    ]
    whole, sharded = (
        dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True)) for line in lines[2:4]
    )
    # Per model: a repository and its lifecycle policy (registry), its repository policy (access); per team
    # (3 models: 3 teams): a push role and its policy; fixed: 4 in the registry (component, key, alias,
    # scanning), 12 in replication (with a scanning configuration per replica region), 5 in access
    # (component, the registry's stack reference, OIDC provider, pull role and its policy); and in each of the
    # three stacks the engine's default provider (pulumi:providers:aws).
    assert (whole["models"], whole["layout"], whole["stacks"]) == ("3", "whole", "3")
    assert whole["resources"] == str(3 * 3 + 3 * 2 + 4 + 12 + 5 + 3)
    # Sharded: the three core stacks, and a registry and an access stack per team (3 teams).
    assert (sharded["layout"], sharded["stacks"]) == ("sharded", str(3 + 2 * 3))
    assert int(sharded["largest stack"]) < int(whole["largest stack"])
    assert all(float(whole[c]) > 0 for c in header[4:])
    assert "3 models: registry: evaluating" in completed.stderr  # progress goes to stderr


@pytest.mark.skipif(not checkov_installed(), reason="checkov is not installed (make tools)")
def test_the_changed_row_previews_only_the_shard_that_gained_a_model():
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "12", "--layouts", "changed", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    (row,) = json.loads(completed.stdout)["rows"]
    # One model added to the nlp team's file: its registry and access shard stacks, nothing else; the stacks they
    # read evaluated at the base (the committed catalog), not previewed.
    assert (row["layout"], row["stacks"]) == ("changed", 2)
    assert set(row["resources_by_stack"]) == {"registry", "access"}
    assert "local.nlp: evaluating from revision HEAD, as deployed" in completed.stderr
