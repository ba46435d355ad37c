"""The pack is publishable: its bundle alone installs into an empty virtualenv and runs there.

`pulumi policy publish` uploads one folder and nothing else, so the pack must not reach into the workspace
(no `../.venv`, no workspace-only sources). In the repository it depends on the leaf package by the path
`../aws-facts`; `make pack-bundle` (pack_bundle.bundle) writes the folder to publish, with the leaf inside.
The test bundles the pack outside the repository, installs it with uv (from uv's cache when it can),
starts the pack from the copy with that virtualenv's interpreter over the engine's protocol, and asks it
for its policies.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from offline_preview.analyzer_client import AnalyzerClient
from pack_bundle import bundle

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policy-pack"
UV = ROOT / ".bootstrap" / "bin" / "uv"


def _inside(base: Path, relative: str) -> bool:
    return (base / relative).resolve().is_relative_to(base.resolve())


def test_the_pack_runtime_names_no_path_outside_its_folder():
    spec = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    options = spec["runtime"]["options"]
    assert options["toolchain"] == "uv"
    assert all(_inside(PACK_DIR, str(v)) for k, v in options.items() if k == "virtualenv")


def test_the_published_version_is_the_packages_version():
    spec = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    project = tomllib.loads((PACK_DIR / "pyproject.toml").read_text())["project"]
    assert str(spec["version"]) == project["version"]


def test_the_pack_depends_on_nothing_that_resolves_only_in_this_workspace():
    project = tomllib.loads((PACK_DIR / "pyproject.toml").read_text())
    sources = project.get("tool", {}).get("uv", {}).get("sources", {})
    assert not [name for name, source in sources.items() if source.get("workspace")]
    # The one path outside the folder is the leaf package, which the bundle copies inside.
    assert {name: source["path"] for name, source in sources.items() if "path" in source} == {
        "aws-facts": "../aws-facts"
    }


def test_the_bundle_names_no_path_outside_its_folder(tmp_path):
    bundled = bundle(tmp_path / "policy-pack")
    project = tomllib.loads((bundled / "pyproject.toml").read_text())
    sources = project["tool"]["uv"]["sources"]
    assert sources == {"aws-facts": {"path": "aws-facts"}}
    assert (bundled / "aws-facts" / "aws_facts" / "iam" / "__init__.py").is_file()


def _install(venv: Path, pack: Path) -> None:
    uv = str(UV) if UV.exists() else shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed (make install puts it in .bootstrap/)")
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    # uv's cache first (no network); the registry only if something is missing from it.
    offline = subprocess.run(
        [uv, "pip", "install", "--quiet", "--offline", "--python", python, str(pack)], capture_output=True, text=True
    )
    if offline.returncode != 0:
        subprocess.run([uv, "pip", "install", "--quiet", "--python", python, str(pack)], check=True)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the pack folder outside the repository, and a virtualenv holding only what it declares."""
    base = tmp_path_factory.mktemp("standalone")
    pack = bundle(base / "policy-pack")
    venv = base / "venv"
    _install(venv, pack)
    return pack, venv / "bin" / "python"


def test_the_clean_environment_holds_the_pack_and_not_the_workspace(standalone):
    _, python = standalone
    probe = "import importlib.util as u; print([m for m in ('registry_policies', 'pulumi_policy', 'offline_preview', 'model_registry') if u.find_spec(m)])"
    found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "['registry_policies', 'pulumi_policy']"


def test_the_pack_loads_from_its_own_folder_and_environment_with_every_policy(standalone):
    pack, python = standalone
    with AnalyzerClient(PACK_DIR, project="registry", stack="dev") as workspace_pack:
        expected = workspace_pack.info()
    with AnalyzerClient(pack, project="registry", stack="dev", python=str(python)) as copy:
        info = copy.info()
    assert (info.name, info.version) == (expected.name, expected.version)
    assert [(p.name, p.enforcement_level) for p in info.policies] == [
        (p.name, p.enforcement_level) for p in expected.policies
    ]
    assert len(info.policies) >= 10
