"""The preview run's options: which stacks, in which environment, checked how, against which deployed state.

Also where the repository's stacks and policy pack are, and UsageError: bad arguments or inputs (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import supervise
from .monitor import PREVIEW

REPO_ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = "stacks"
PACK_DIR = "policy-pack"


class UsageError(Exception):
    """Bad arguments or inputs (exit status 2); the message is one line."""


@dataclass
class Options:
    env: str = "local"
    projects: list[Path] | None = None  # None: the repository's stacks in DEPLOY_ORDER
    only: str | None = None  # check only this one of the stacks (its upstreams are still evaluated)
    repo_root: Path = REPO_ROOT
    build_dir: Path | None = None
    policy: bool = True
    checkov: bool = True
    skip_file: Path | None = None
    # Deployed state (`pulumi stack export --show-secrets` files): each stack's own resources keep their ids and
    # outputs, and stack references to it read its outputs.
    state_files: list[Path] = field(default_factory=list)
    # The git revision that is deployed: stack references read the upstream stacks' outputs at that revision
    # (evaluated offline as after `pulumi up`). None, and no state files: the upstream stacks of this run,
    # evaluated as after deploying them (what `make deploy-all` gives each next stack).
    deployed_revision: str | None = None
    # PREVIEW: the stacks as a first `pulumi preview` sees them; DEPLOYED: as after `pulumi up` (every output known;
    # what the diff and the shard migration compare, two deployments).
    mode: str = PREVIEW
    # Time limits in seconds (None: the flag's environment variable, else supervise's default).
    evaluation_timeout: float | None = None
    checkov_timeout: float | None = None
    pack_timeout: float | None = None
    # Seconds between progress lines (None: OFFLINE_PREVIEW_PROGRESS_SECONDS, else progress.PROGRESS_EVERY_SECONDS).
    progress_seconds: float | None = None
    # The sharded layout (offline_preview.shard_plan, docs/shards.md): the stack name of each of `projects`,
    # the stacks (`project/stack`) each one reads, and a check of a stack's resource count (one line, or
    # None). A failed stack then skips only the stacks that read it. None: every stack is named `env`.
    stack_names: list[str] | None = None
    upstreams: dict[str, set[str]] | None = None
    stack_check: Callable[[str, str, int], str | None] | None = None

    def limits(self) -> tuple[float, float, float]:
        """(evaluation, checkov scan, pack call) limits; supervise.LimitError for a value that is not seconds."""
        return (
            supervise.limit_from_env(supervise.EVALUATION_LIMIT, self.evaluation_timeout),
            supervise.limit_from_env(supervise.CHECKOV_SCAN_LIMIT, self.checkov_timeout),
            supervise.limit_from_env(supervise.PACK_CALL_LIMIT, self.pack_timeout),
        )


def stack_of(options: Options, index: int) -> str:
    return options.stack_names[index] if options.stack_names else options.env
