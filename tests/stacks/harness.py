"""Run one stack under the offline preview's evaluator (the SDK's own mocks) with a given config.

This is the same evaluation that writes the preview's manifests, so the stack tests, the contract
tests against the emulator and the deployer-policy tests check exactly what the manifests carry.
A StackReference resolves to the upstream run's real exports. The registry and access stacks read the
catalog folder that `<project>:catalog` names: the repository's `catalog/` unless a test gives its own
(`catalog=`: team files as data or as YAML text, written to a fresh folder).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from model_registry.naming import LOCAL_ACCOUNT_ID
from offline_preview.evaluate import DEPLOYED, Evaluation, evaluate

REPO = Path(__file__).resolve().parents[2]
STACKS = REPO / "stacks"
CATALOG = REPO / "catalog"
# The stacks that read the catalog folder, through the config key `<project>:catalog`.
READS_CATALOG = ("registry", "access")
ACCOUNT = LOCAL_ACCOUNT_ID  # what the evaluator answers for a config without aws:allowedAccountIds
REGION = "us-east-1"

# The local config turns off what the emulator cannot create; the tests check what dev and prod deploy.
TESTED_AS_DEPLOYED = {
    "replication": {"replication:replicaTemplates": True, "replication:accountSettings": {"pinned": True}}
}

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_scratch = Path(tempfile.mkdtemp(prefix="stack-tests-"))
atexit.register(shutil.rmtree, _scratch, ignore_errors=True)


@dataclass
class Run:
    evaluation: Evaluation

    @property
    def resources(self):
        """The cloud resources the program registered (not components, not stack references, not the engine's
        default provider)."""
        return [
            r
            for r in self.evaluation.resources
            if r.custom and not r.read and not r.type.startswith("pulumi:providers:")
        ]

    @property
    def outputs(self) -> dict[str, Any]:
        return self.evaluation.outputs

    def of_type(self, token: str):
        return [r for r in self.resources if r.type == token]


def stack_config(project: str, env: str = "local") -> dict[str, Any]:
    return yaml.safe_load((STACKS / project / f"Pulumi.{env}.yaml").read_text())["config"]


def catalog_files() -> dict[str, dict[str, Any]]:
    """The repository's catalog as data: {team file name: its content}."""
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(CATALOG.glob("*.yaml"))}


def write_catalog(files: dict[str, dict[str, Any] | str]) -> Path:
    """A fresh catalog folder with these files ({name: data, or YAML text written as it is})."""
    folder = Path(tempfile.mkdtemp(prefix="catalog-", dir=_scratch)) / "catalog"
    folder.mkdir()
    for name, content in files.items():
        text = content if isinstance(content, str) else yaml.dump(content, Dumper=_DUMPER, sort_keys=False)
        (folder / name).write_text(text)
    return folder


def run_stack(
    project: str,
    config: dict[str, Any] | None = None,
    upstream: dict[str, Evaluation] | None = None,
    stack: str = "local",
    catalog: dict[str, dict[str, Any] | str] | None = None,
    mode: str = DEPLOYED,
) -> Run:
    """Evaluate stacks/<project> as stack `stack` with `config` (default: its Pulumi.local.yaml) and `catalog`
    (default: the repository's catalog folder). `mode`: DEPLOYED (default: the program as `pulumi up` runs it,
    every output known, what a downstream stack reads) or PREVIEW (a first `pulumi preview`)."""
    directory = STACKS / project
    if config is None and project in TESTED_AS_DEPLOYED:
        config = stack_config(project) | TESTED_AS_DEPLOYED[project]
    if catalog is not None:
        config = (stack_config(project) if config is None else config) | {
            f"{project}:catalog": str(write_catalog(catalog))
        }
    if config is not None or not (directory / f"Pulumi.{stack}.yaml").exists():
        directory = Path(tempfile.mkdtemp(prefix=f"{project}-", dir=_scratch))
        for name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(STACKS / project / name, directory / name)
        values = dict(stack_config(project) if config is None else config)
        if project in READS_CATALOG:
            # The copy is not two levels below the repository: name the catalog folder absolutely.
            values.setdefault(f"{project}:catalog", str(CATALOG))
        (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": values}))
    return Run(evaluate(directory, stack, upstream=upstream, mode=mode))


def upstream_of(*runs: Run) -> dict[str, Evaluation]:
    return {run.evaluation.key: run.evaluation for run in runs}
