"""A measured model of a first `pulumi up` on a self-managed backend: how many bytes of state it writes.

What the engine does (pulumi/pulumi pkg/backend/snapshot.go, the SnapshotManager): every step is a mutation
of one snapshot, and a self-managed backend (file, S3, GCS, Azure blob) persists the WHOLE snapshot at each
one; journaling, which writes only the change, is for Pulumi Cloud (pulumi/pulumi#22075 asks for it here).
On a first `pulumi up`:
- a create (custom resource or component) and a read (a StackReference) write twice: at BeginMutation, with
  the resource as a pending operation (its inputs), and at End, with the resource in `resources` (inputs and
  outputs);
- each RegisterResourceOutputs (every component, and the stack's outputs) writes once;
- Close writes once more.
The state file is `pulumi stack export`'s deployment inside the checkpoint envelope, written by
sdk/go/common/encoding's JSON marshaler: 4-space indentation, no HTML escaping, a final newline.

Each resource's entry (apitype.ResourceV3: urn, custom, id, type, inputs, outputs, parent, protect,
retainOnDelete, dependencies, provider, propertyDependencies, created, modified) is built from the offline
preview's manifest: inputs as the provider receives them, outputs = inputs plus the provider's computed
outputs (the mocks' AWS-shaped ids, ARNs and URLs). The manifest has no root stack resource and no default
provider: both are added (the root with the stack's outputs). Secrets count at their masked length.
The checkpoint's own size at step k is computed exactly from the entries' sizes (each entry is serialized
once, at its depth in the file); `checkpoint_bytes` serializes a whole checkpoint, and the tests check that
the two agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from .manifest import rebuild_inputs

# The depth of an entry of `checkpoint.latest.resources[]` (and of `pending_operations[]`) in the file.
ENTRY_DEPTH = 4
INDENT = 4
TIME = "2026-01-01T00:00:00.000000000Z"  # RFC 3339 with nanoseconds, as Go writes time.Time
ENGINE_VERSION = "v3.272.0"


@dataclass(frozen=True)
class DeployModel:
    stack: str
    resources: int  # state entries, the root stack and the default provider included
    writes: int  # whole-state writes during the first `pulumi up`
    bytes_written: int  # their total size
    final_bytes: int  # the state file afterwards


def dump(value) -> str:
    """JSON as the engine's marshaler writes it (encoding.JSON): 4-space indent, no HTML escaping."""
    return json.dumps(value, indent=INDENT, ensure_ascii=False)


def state_entries(manifest: dict) -> list[dict]:
    """The manifest's resources as `pulumi stack export` entries, in registration order (root and provider first)."""
    project, stack = manifest["project"], manifest["stack"]
    root_urn = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    provider_urn = f"urn:pulumi:{stack}::{project}::pulumi:providers:aws::default"
    aws_config = {k.split(":", 1)[1]: v for k, v in manifest.get("config", {}).items() if k.startswith("aws:")}
    entries = [
        {"urn": root_urn, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": manifest.get("outputs") or {}},
        {
            "urn": provider_urn,
            "custom": True,
            "id": "00000000-0000-0000-0000-000000000000",
            "type": "pulumi:providers:aws",
            "inputs": aws_config | {"version": "7.0.0"},
            "outputs": aws_config | {"version": "7.0.0"},
            "parent": root_urn,
        },
    ]
    for resource in manifest["resources"]:
        if resource["type"] in ("pulumi:pulumi:Stack",) or resource["type"].startswith("pulumi:providers:"):
            continue
        inputs = rebuild_inputs(resource)
        entry: dict = {"urn": resource["urn"], "custom": resource["custom"]}
        if resource["id"]:
            entry["id"] = resource["id"]
        entry["type"] = resource["type"]
        if inputs:
            entry["inputs"] = inputs
        outputs = inputs | resource["outputs"]
        if outputs:
            entry["outputs"] = outputs
        entry["parent"] = resource["parent"] or root_urn
        options = resource["options"]
        if options["protect"]:
            entry["protect"] = True
        if options["retainOnDelete"]:
            entry["retainOnDelete"] = True
        if resource["read"]:
            entry["external"] = True
        if resource["dependencies"]:
            entry["dependencies"] = resource["dependencies"]
        if resource["custom"]:
            entry["provider"] = resource["provider"] or f"{provider_urn}::00000000-0000-0000-0000-000000000000"
        if resource["propertyDependencies"]:
            entry["propertyDependencies"] = resource["propertyDependencies"]
        entry["created"] = entry["modified"] = TIME
        entries.append(entry)
    return entries


def _sized(value) -> int:
    """Bytes of `value` written as an array element at ENTRY_DEPTH (its lines indented), without separator."""
    text = dump(value)
    return len(text.encode()) + (text.count("\n") + 1) * ENTRY_DEPTH * INDENT


def checkpoint(stack: str, resources: list[dict], pending: list[dict]) -> dict:
    """The file backend's checkpoint (apitype.VersionedCheckpoint, version 3) holding `resources`."""
    latest: dict = {
        "manifest": {"time": TIME, "magic": "0" * 64, "version": ENGINE_VERSION},
        "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:" + "0" * 40}},
    }
    if resources:
        latest["resources"] = resources
    if pending:
        latest["pending_operations"] = pending
    return {"version": 3, "checkpoint": {"stack": stack, "latest": latest}}


def checkpoint_bytes(stack: str, resources: list[dict], pending: list[dict]) -> int:
    """The size of one whole-state write (the marshaler ends it with a newline)."""
    return len(dump(checkpoint(stack, resources, pending)).encode()) + 1


def first_up(manifest: dict, organization: str = "organization") -> DeployModel:
    """The writes of a first `pulumi up` of the manifest's stack, and their bytes (see the module's docstring)."""
    stack = f"{organization}/{manifest['project']}/{manifest['stack']}"
    entries = state_entries(manifest)
    # The envelope's bytes: a checkpoint with one resource and one pending operation, minus those two.
    one = {"urn": "u", "custom": False, "type": "t"}
    separator = len(",\n")
    empty = checkpoint_bytes(stack, [], [])
    with_resources = checkpoint_bytes(stack, [one], [])
    with_pending = checkpoint_bytes(stack, [], [{"resource": one, "type": "creating"}])
    resources_key = with_resources - empty - _sized(one)  # `"resources": [\n`, its close, the comma
    pending_key = with_pending - empty - _sized({"resource": one, "type": "creating"})
    writes, total, held = 0, 0, 0  # held: the bytes of the entries in `resources`, separators included
    for index, entry in enumerate(entries):
        pending_entry = {k: v for k, v in entry.items() if k not in ("outputs", "created", "modified")}
        begin = (
            empty
            + (resources_key + held if index else 0)
            + pending_key
            + _sized({"resource": pending_entry, "type": "reading" if entry.get("external") else "creating"})
        )
        held += _sized(entry) + (separator if index else 0)
        end = empty + resources_key + held
        writes, total = writes + 2, total + begin + end
        if not entry["custom"]:  # RegisterResourceOutputs of a component (and of the root stack)
            writes, total = writes + 1, total + end
    final = empty + resources_key + held
    return DeployModel(stack, len(entries), writes + 1, total + final, final)


def summarize(models: Iterable[DeployModel]) -> dict:
    """The bench's columns over the stacks of a layout."""
    models = list(models)
    return {
        "stacks": len(models),
        "largest stack": max((m.resources for m in models), default=0),
        "state writes": sum(m.writes for m in models),
        "state MB written": round(sum(m.bytes_written for m in models) / 1e6, 1),
        "largest state MB": round(max((m.final_bytes for m in models), default=0) / 1e6, 2),
    }
