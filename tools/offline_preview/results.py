"""What a preview run found: each stack's result (manifest, pack verdicts, checkov findings, errors) and the run's.

The pipeline (pipeline.py) fills them; the reports (report.py, sarif.py, junit.py) read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import checkov as checkov_runner
from .coverage import CoverageReport


@dataclass
class PolicyViolation:
    policy: str
    level: str  # mandatory | advisory | ...
    urn: str
    resource_type: str
    message: str


@dataclass
class StackResult:
    project: str
    stack: str
    directory: str
    manifest: str = ""
    resources_by_type: dict[str, int] = field(default_factory=dict)
    error: str = ""
    violations: list[PolicyViolation] = field(default_factory=list)
    checkov: list[checkov_runner.Finding] = field(default_factory=list)
    policy_error: str = ""
    checkov_error: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    # The manifest's entries with secret values revealed (in memory only, never written): what the pack,
    # checkov and the access matrix see, as the engine hands secrets to a pack in plaintext.
    resources: list[dict] = field(default_factory=list, repr=False)

    @property
    def mandatory(self) -> list[PolicyViolation]:
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def unwaived(self) -> list[checkov_runner.Finding]:
        return [f for f in self.checkov if f.waived is None]

    @property
    def ok(self) -> bool:
        return not (self.error or self.policy_error or self.checkov_error or self.mandatory or self.unwaived)


@dataclass
class RunResult:
    env: str
    stacks: list[StackResult]
    # Phase timings in seconds: evaluate and policy are summed over stacks; checkov runs from the
    # worker's start (import included) to its last scan; total is wall-clock.
    timings: dict[str, float] = field(default_factory=dict)
    # The cross-stack scanning coverage step (coverage.py); None when no registry stack was evaluated.
    coverage: CoverageReport | None = None
    # Where each stack reference's outputs came from: {"<project>/<stack>": description}.
    upstream: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.stacks) and (self.coverage is None or self.coverage.ok)
