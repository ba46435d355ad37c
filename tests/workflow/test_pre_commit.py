"""`.pre-commit-config.yaml`: valid for pre-commit, and its hooks are the checks `make lint` runs."""

from __future__ import annotations

import subprocess

import yaml
from workflow_files import REPO_ROOT

CONFIG = REPO_ROOT / ".pre-commit-config.yaml"
VENV_BIN = REPO_ROOT / ".venv" / "bin"


def test_pre_commit_accepts_the_config():
    completed = subprocess.run(
        [str(VENV_BIN / "pre-commit"), "validate-config", str(CONFIG)], capture_output=True, text=True
    )
    assert (completed.returncode, completed.stdout + completed.stderr) == (0, "")


def test_the_hooks_are_ruff_actionlint_zizmor_and_the_catalog_schema_run_from_the_locked_environment():
    hooks = [h for repo in yaml.safe_load(CONFIG.read_text())["repos"] for h in repo["hooks"]]
    assert [h["id"] for h in hooks] == ["ruff", "ruff-format", "actionlint", "zizmor", "catalog-schema"]
    assert all(h["language"] == "system" and h["entry"].startswith(".venv/bin/") for h in hooks)
    makefile = (REPO_ROOT / "Makefile").read_text()
    for hook in hooks:  # each hook's tool and options are in make lint too
        tool = hook["entry"].split()[0].removeprefix(".venv/bin/")
        assert f"$(VENV)/bin/{tool}" in makefile, hook["id"]
    assert "zizmor --offline --quiet --no-progress .github/workflows" in makefile
    assert "model_registry.catalog_schema --check catalog" in makefile


def test_the_catalog_hook_passes_on_the_repository():
    (hook,) = [
        h for repo in yaml.safe_load(CONFIG.read_text())["repos"] for h in repo["hooks"] if h["id"] == "catalog-schema"
    ]
    completed = subprocess.run(hook["entry"].split(), cwd=REPO_ROOT, capture_output=True, text=True)
    assert (completed.returncode, completed.stderr) == (0, "")
