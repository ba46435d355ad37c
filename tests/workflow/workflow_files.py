"""The GitHub workflows as data, and a local replay of their `run:` steps the way a runner runs them."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
# What a runner executes for `shell: bash` (GitHub's docs, "jobs.<job_id>.steps[*].shell"), and for a
# step with no shell at all on Linux: `bash -e {0}`, without pipefail.
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
GITHUB_DEFAULT_SHELL = ["bash", "-e"]
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def workflows() -> dict[str, dict]:
    # PyYAML reads the key `on` as True (YAML 1.1); nothing here needs the triggers.
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(WORKFLOWS.glob("*.yml"))}


@dataclass(frozen=True)
class Step:
    workflow: str
    job: str
    index: int
    spec: dict
    job_spec: dict
    workflow_spec: dict

    @property
    def id(self) -> str:
        return f"{self.workflow}:{self.job}:{self.spec.get('name') or self.spec.get('uses') or self.index}"

    @property
    def shell(self) -> str | None:
        defaults = (self.job_spec.get("defaults") or self.workflow_spec.get("defaults") or {}).get("run") or {}
        return self.spec.get("shell") or defaults.get("shell")

    def env(self, values: dict[str, str]) -> dict[str, str]:
        """The step's environment (workflow, job, step `env:`), each `${{ }}` replaced by a test value."""
        merged = {
            **(self.workflow_spec.get("env") or {}),
            **(self.job_spec.get("env") or {}),
            **(self.spec.get("env") or {}),
        }
        return {k: _EXPRESSION.sub(values.get(k, "x"), str(v)) for k, v in merged.items()}


def steps() -> Iterator[Step]:
    for name, workflow in workflows().items():
        for job_name, job in (workflow.get("jobs") or {}).items():
            for index, step in enumerate(job.get("steps") or []):
                yield Step(name, job_name, index, step, job, workflow)


def run_steps() -> list[Step]:
    return [s for s in steps() if "run" in s.spec]


def replay(
    step: Step, cwd: Path, path_prefix: Path, env: dict[str, str] | None = None, shell: list[str] | None = None
) -> subprocess.CompletedProcess:
    """Run one step's script as the runner would (`shell: bash`), with stand-in commands first on PATH."""
    script = cwd / f"step-{step.index}.sh"
    script.write_text(step.spec["run"])
    summary = cwd / "step-summary.md"
    environment = {
        **os.environ,
        **step.env(env or {}),
        **(env or {}),
        "PATH": f"{path_prefix}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(cwd / "step-output.txt"),
    }
    return subprocess.run(
        [*(shell or GITHUB_BASH), str(script)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
