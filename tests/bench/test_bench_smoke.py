"""The benchmark cannot rot: its catalog generator gives valid stacks and a 3-model run prints its table.

Not a timing test: nothing here depends on how fast the preview is.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from offline_preview.checkov import checkov_installed

BENCH = Path(__file__).resolve().parents[2] / "bench" / "preview_bench.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("preview_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_catalog_is_the_same_in_every_stack(tmp_path):
    bench = _bench_module()
    directories = bench.write_stacks(tmp_path, 25)
    assert [d.name for d in directories] == ["registry", "replication", "access"]
    for directory in directories:
        assert {p.name for p in directory.iterdir()} == {"Pulumi.yaml", "__main__.py", "Pulumi.local.yaml"}
    registry = yaml.safe_load((tmp_path / "registry" / "Pulumi.local.yaml").read_text())["config"]
    access = yaml.safe_load((tmp_path / "access" / "Pulumi.local.yaml").read_text())["config"]
    models = [m["name"] for m in registry["registry:models"]]
    assert len(models) == len(set(models)) == 25
    assert set(access["access:modelConsumers"]) <= set(models)  # the access stack refuses any other name
    assert registry["registry:scanning"]["type"] == "ENHANCED"  # the rest of the local config is kept


@pytest.mark.skipif(not checkov_installed(), reason="checkov is not installed (make tools)")
def test_a_three_model_run_prints_the_table():
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "3"], capture_output=True, text=True, check=False, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == [
        "models",
        "resources",
        "evaluate s",
        "policy s",
        "checkov s",
        "total s",
        "peak RSS MB",
        "child MB",
    ]
    row = dict(zip(header, (cell.strip() for cell in lines[2].strip("|").split("|")), strict=True))
    # Per model: a repository and its lifecycle policy (registry), its repository policy (access);
    # fixed: 4 in the registry (component, key, alias, scanning), 12 in replication (with a scanning
    # configuration per replica region), 7 in access.
    assert row["models"] == "3" and row["resources"] == str(3 * 3 + 4 + 12 + 7)
    assert all(float(row[c]) > 0 for c in header[2:])
    assert "3 models: registry: evaluating" in completed.stderr  # progress goes to stderr
