"""Deployed state, as `pulumi stack export` writes it: what a preview is compared against.

The engine previews a stack against its last deployed state: a resource in that state keeps its id and
its outputs (an ARN AWS computed is known), a resource not in it is new and its computed outputs are
unknown. A stack reference reads the upstream stack's outputs from the upstream's state: the outputs of
its root `pulumi:pulumi:Stack` resource.

    state = load_state("registry-dev.json")     # a `pulumi stack export --show-secrets` file
    state.key                                   # "registry/dev": which stack it is
    state.resources[urn]                        # {"id", "type", "inputs", "outputs"}
    state.outputs                               # the stack's exports

Secrets: an export without `--show-secrets` holds ciphertext only this stack's secrets provider can
open; such a file is refused (one line), never read as if the value were known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import sdk_internals

STACK_TYPE = "pulumi:pulumi:Stack"
# The largest export read (a stack of 10,000 models exports some 60 MB).
MAX_BYTES = 512 * 1024 * 1024


class StateError(Exception):
    """A state file that cannot be used; the message is one line naming the file and the fix."""


@dataclass(frozen=True)
class DeployedState:
    path: str
    project: str
    stack: str
    outputs: dict
    resources: dict[str, dict] = field(repr=False)

    @property
    def key(self) -> str:
        """`<project>/<stack>`, as evaluate.Evaluation.key names a stack."""
        return f"{self.project}/{self.stack}"


def load_state(path: str | Path) -> DeployedState:
    """Read a `pulumi stack export` (version 3) file; StateError (one line) when it is not one."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise StateError(f"{path}: {size:,} bytes, over the {MAX_BYTES:,} this reader takes")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StateError(f"{path}: cannot read the state file: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"{path}: not a `pulumi stack export` JSON file: {exc}") from None
    deployment = document.get("deployment") if isinstance(document, dict) else None
    if not isinstance(deployment, dict) or document.get("version") != 3:
        raise StateError(
            f"{path}: not a `pulumi stack export` file (expected an object with version 3 and a deployment)"
        )
    resources = deployment.get("resources") or []
    if not isinstance(resources, list):
        raise StateError(f"{path}: deployment.resources must be a list")
    by_urn: dict[str, dict] = {}
    root = None
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("urn"), str):
            raise StateError(f"{path}: deployment.resources[{index}] has no urn")
        if resource.get("delete") or resource.get("pendingReplacement"):
            continue  # pending deletion: not part of the stack the next preview starts from
        pointer = f"deployment.resources[{index}]"
        entry = {
            "id": resource.get("id") or "",
            "type": resource.get("type") or "",
            "inputs": _values(resource.get("inputs") or {}, path, f"{pointer}.inputs"),
            "outputs": _values(resource.get("outputs") or {}, path, f"{pointer}.outputs"),
        }
        by_urn[resource["urn"]] = entry
        if entry["type"] == STACK_TYPE and not resource.get("parent"):
            root = resource["urn"]
    if root is None:
        raise StateError(f"{path}: no {STACK_TYPE} resource: an empty or never-deployed stack has no outputs")
    # urn:pulumi:<stack>::<project>::pulumi:pulumi:Stack::<name>
    stack, project = root.split(":", 2)[2].split("::")[:2]
    return DeployedState(
        path=str(path), project=project, stack=stack, outputs=by_urn[root]["outputs"], resources=by_urn
    )


def _values(value, path: Path, pointer: str):
    """State values as the SDK holds them: secrets wrapped as rpc secrets (`{sig: secret, value}`)."""
    if isinstance(value, dict):
        if value.get(sdk_internals.SIG_KEY) == sdk_internals.SECRET_SIG:
            if "plaintext" in value:
                try:
                    plain = json.loads(value["plaintext"])
                except (TypeError, json.JSONDecodeError):
                    raise StateError(f"{path}: {pointer}: a secret whose plaintext is not JSON") from None
                return {sdk_internals.SIG_KEY: sdk_internals.SECRET_SIG, "value": _values(plain, path, pointer)}
            if "value" in value:
                return {
                    sdk_internals.SIG_KEY: sdk_internals.SECRET_SIG,
                    "value": _values(value["value"], path, pointer),
                }
            raise StateError(
                f"{path}: {pointer}: holds an encrypted secret: export the stack with "
                "`pulumi stack export --show-secrets` so that its values can be read"
            )
        return {k: _values(v, path, f"{pointer}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_values(v, path, f"{pointer}[{i}]") for i, v in enumerate(value)]
    return value
