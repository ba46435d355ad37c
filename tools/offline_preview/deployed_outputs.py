"""The deployed outputs of the upstream stacks, from --state files or evaluated at --deployed REV.

Stack references read these (as the engine reads an upstream stack's last deployed outputs); with neither
given, the run's own upstream evaluations serve (see pipeline and deployed_views).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .deployed_views import StackInOrder, evaluate_in_order
from .options import Options, UsageError
from .revisions import RevisionError, manifests_at_revision, resolve_revision
from .state import DeployedState, StateError, load_state


def load_states(paths: list[Path]) -> dict[str, DeployedState]:
    states: dict[str, DeployedState] = {}
    for path in paths:
        try:
            state = load_state(path)
        except StateError as exc:
            raise UsageError(str(exc)) from None
        if state.key in states:
            raise UsageError(f"--state {path}: stack {state.key!r} is already given by {states[state.key].path}")
        states[state.key] = state
    return states


def deployed_outputs(options: Options, directories, states, progress) -> dict[str, tuple[dict, str]] | None:
    """{"<project>/<stack>": (outputs, where they came from)} of the deployed upstream stacks, or None when
    none is given (the run's own upstream evaluations, as after deploying them, serve)."""
    if not states and options.deployed_revision is None:
        return None
    found = {key: (state.outputs, f"deployed state {state.path}") for key, state in states.items()}
    if options.deployed_revision is not None:
        for key, outputs in _outputs_at_revision(
            options, options.deployed_revision, directories[:-1], progress
        ).items():
            found.setdefault(key, (outputs, f"revision {options.deployed_revision}, as deployed"))
    return found


def _outputs_at_revision(options: Options, revision: str, directories, progress) -> dict[str, dict]:
    """The outputs of `directories`' stacks at `revision` (options.deployed_revision), evaluated as after `pulumi up`."""
    outputs: dict[str, dict] = {}

    def build(root: Path, _out: Path) -> None:
        at_revision = [
            StackInOrder(root / directory.relative_to(options.repo_root), options.env) for directory in directories
        ]
        # A stack that did not exist at that revision: nothing of it is deployed.
        present = [stack for stack in at_revision if stack.directory.is_dir()]

        def starting(stack: StackInOrder) -> None:
            progress(f"{stack.directory.name}: evaluating at {revision} (its deployed outputs)")

        for stack, outcome in evaluate_in_order(present, starting):
            if outcome.view is None:
                raise UsageError(f"--deployed {revision}: {stack.directory.name} fails there: {outcome.error}")
            outputs[outcome.key] = outcome.view.outputs

    try:
        commit = resolve_revision(options.repo_root, revision)
        with contextlib.ExitStack() as cleanup:
            scratch = Path(cleanup.enter_context(_temporary_directory()))
            manifests_at_revision(options.repo_root, commit, build, scratch)
    except RevisionError as exc:
        raise UsageError(f"--deployed {revision}: {exc}") from None
    return outputs


@contextlib.contextmanager
def _temporary_directory():
    import tempfile

    with tempfile.TemporaryDirectory(prefix="offline-preview-deployed-") as path:
        yield path
