"""The record of one resource the program registered or read (`Resource`): what the in-process engine
(monitor.py) keeps of each request, and what the manifest, the streams to checkov and the pack, and the
progress lines read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Resource:
    """One registered (or read) resource with its options and deserialized inputs.

    Secret values inside `inputs`/`outputs` stay wrapped the way the SDK wraps them
    (see pulumi.runtime.rpc.is_rpc_secret) so that the manifest can mask them.
    """

    urn: str
    type: str
    name: str
    custom: bool
    id: str
    parent: str
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    replace_on_changes: list[str]
    aliases: list[str]
    additional_secret_outputs: list[str]
    deleted_with: str
    import_id: str
    read: bool
    source: str
    inputs: dict
    outputs: dict
