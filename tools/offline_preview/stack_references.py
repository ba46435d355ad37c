"""Stack references, offline: what `pulumi.StackReference` reads of an upstream stack, from the outputs given as
deployed or from the upstream's evaluation in this run (the monitor's ReadResource of
`pulumi:pulumi:StackReference` answers with it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from pulumi.runtime import rpc

from .failures import EvaluationError, request_source


class Upstream(Protocol):
    """What a stack reference reads of an upstream stack: its outputs, from its evaluation (evaluate.Evaluation)
    or from its view as deployed (deployed_views.DeployedView)."""

    @property
    def outputs(self) -> dict: ...


def stack_reference_outputs(
    target: str, request, project_name: str, deployed: Mapping[str, dict] | None, upstreams: Mapping[str, Upstream]
) -> dict:
    """What a StackReference to `target` (`org/project/stack`, `project/stack` or `stack`) reads, as the engine's
    `pulumi:pulumi:StackReference` resource holds it: the deployed outputs given (`--state`, `--deployed`), else the
    evaluation of the upstream stack before this one; a stack in neither stops the program in one line."""
    parts = target.split("/")
    project, stack = (parts[-2], parts[-1]) if len(parts) >= 2 else (project_name, parts[0])
    key = f"{project}/{stack}"
    if deployed is not None:
        if key not in deployed:
            known = ", ".join(sorted(deployed)) or "none"
            raise EvaluationError(
                f"{request_source(request)}: StackReference {target!r}: stack {key!r} has no deployed outputs here "
                f"(deployed stacks given: {known}): pass its `pulumi stack export` with --state, or --deployed REF"
            )
        return _reference(target, deployed[key])
    upstream = upstreams.get(key)
    if upstream is None:
        evaluated = ", ".join(sorted(upstreams)) or "none"
        raise EvaluationError(
            f"{request_source(request)}: StackReference {target!r}: stack {key!r} was not evaluated before "
            f"this one (evaluated: {evaluated})"
        )
    return _reference(target, upstream.outputs)


def _reference(target: str, outputs: Mapping[str, object]) -> dict:
    """The StackReference resource's outputs: the upstream's outputs unwrapped, the secret ones named."""
    return {
        "name": target,
        "outputs": {name: rpc.unwrap_rpc_secret(value) for name, value in outputs.items()},
        "secretOutputNames": sorted(name for name, value in outputs.items() if rpc.is_rpc_secret(value)),
    }
