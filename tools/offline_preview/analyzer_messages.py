"""The analyzer protocol's messages as the client's Python values: the pack's info and violations, the pack
config merged with every policy's defaults, and each resource dict built into the request the engine sends.

A resource is a dict: {"type", "name", "urn", "properties" (camelCase checked inputs; policy documents
as JSON strings), "options": {"protect", "ignoreChanges", "deleteBeforeReplace", "aliases",
"additionalSecretOutputs", "parent"}, "parent", "dependencies", "propertyDependencies": {prop: [urn]}}.
Only "type" is required; "name" defaults to "resource" and "urn" is built from project/stack/type/name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime.proto import analyzer_pb2

from .pack_config import LEVELS


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement_level: str  # the policy's default: advisory | mandatory | remediate | disabled
    policy_type: str  # resource | stack | unknown
    config_schema: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalyzerInfo:
    name: str
    version: str
    policies: list[PolicyInfo]


@dataclass(frozen=True)
class Remediation:
    policy_name: str
    policy_pack: str
    urn: str
    diagnostic: str  # set when the remediation could not run (e.g. an unknown value during a preview)
    properties: dict[str, Any] | None  # the resource's new properties, if the policy changed them


@dataclass(frozen=True)
class Violation:
    policy_name: str
    enforcement_level: str  # advisory | mandatory | ...
    message: str  # the pack's message (description, newline, detail)
    urn: str
    resource_type: str
    resource_name: str
    policy_pack: str = ""


def merge_pack_config(policies: Iterable[PolicyInfo], pack_config: Mapping[str, Any] | None) -> dict[str, dict]:
    """{policy: {"enforcementLevel": level, "properties": {...}}} for every policy of the pack.

    pack_config is the CLI's --policy-pack-config format: {"all": level | {"enforcementLevel": level},
    "<policy>": level | {"enforcementLevel": level, "<option>": value, ...}}.
    """
    pack_config = dict(pack_config or {})
    everything = pack_config.pop("all", None)
    all_level = everything.get("enforcementLevel") if isinstance(everything, Mapping) else everything
    known = {p.name for p in policies}
    unknown = sorted(set(pack_config) - known)
    if unknown:
        raise ValueError(f"pack config names policies the pack does not have: {unknown}")
    merged = {}
    for policy in policies:
        entry = pack_config.get(policy.name)
        level, properties = all_level or policy.enforcement_level, {}
        if isinstance(entry, str):
            level = entry
        elif isinstance(entry, Mapping):
            properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            level = entry.get("enforcementLevel", level)
        elif entry is not None:
            raise ValueError(f"pack config for {policy.name} must be a level or an object, not {entry!r}")
        if level not in LEVELS:
            raise ValueError(f"unknown enforcement level {level!r} for {policy.name}; expected one of {LEVELS}")
        for option, schema in policy.config_schema.get("properties", {}).items():
            if option not in properties and isinstance(schema, Mapping) and "default" in schema:
                properties[option] = schema["default"]
        merged[policy.name] = {"enforcementLevel": level, "properties": properties}
    return merged


def analyze_request(resource: Mapping[str, Any], stack: str, project: str) -> analyzer_pb2.AnalyzeRequest:
    resource_type = resource["type"]
    name = resource.get("name") or "resource"
    urn = resource.get("urn") or f"urn:pulumi:{stack}::{project}::{resource_type}::{name}"
    request = analyzer_pb2.AnalyzeRequest(type=resource_type, urn=urn, name=name)
    request.properties.update(dict(resource.get("properties") or {}))
    options = dict(resource.get("options") or {})
    request.options.CopyFrom(
        analyzer_pb2.AnalyzerResourceOptions(
            protect=bool(options.get("protect", False)),
            ignoreChanges=list(options.get("ignoreChanges") or ()),
            deleteBeforeReplace=bool(options.get("deleteBeforeReplace") or False),
            deleteBeforeReplaceDefined="deleteBeforeReplace" in options,
            additionalSecretOutputs=list(options.get("additionalSecretOutputs") or ()),
            aliases=list(options.get("aliases") or ()),
            parent=options.get("parent") or resource.get("parent") or "",
        )
    )
    provider = resource.get("providerResource")
    if provider:
        request.provider.CopyFrom(
            analyzer_pb2.AnalyzerProviderResource(type=provider["type"], urn=provider["urn"], name=provider["name"])
        )
        request.provider.properties.update(dict(provider.get("properties") or {}))
    return request


def stack_item(
    stack_request: analyzer_pb2.AnalyzeStackRequest, single: analyzer_pb2.AnalyzeRequest, resource: Mapping
) -> analyzer_pb2.AnalyzerResource:
    item = stack_request.resources.add(
        type=single.type,
        urn=single.urn,
        name=single.name,
        parent=resource.get("parent") or "",
        dependencies=list(resource.get("dependencies") or ()),
    )
    if "outputs" in resource:
        item.properties.update(dict(resource["outputs"] or {}))
    else:
        item.properties.CopyFrom(single.properties)
    item.options.CopyFrom(single.options)
    item.options.parent = ""  # the engine's AnalyzeResources sends no parent in the options
    if single.HasField("provider"):
        item.provider.CopyFrom(single.provider)
    for prop, urns in (resource.get("propertyDependencies") or {}).items():
        item.propertyDependencies[prop].urns.extend(urns)
    return item


def read_violations(reply: analyzer_pb2.AnalyzeResponse, by_urn: Mapping[str, Any]) -> list[Violation]:
    found = []
    for diagnostic in reply.diagnostics:
        single = next(iter(by_urn.values())) if len(by_urn) == 1 and not diagnostic.urn else None
        target = by_urn.get(diagnostic.urn) or single
        found.append(
            Violation(
                policy_name=diagnostic.policyName,
                enforcement_level=analyzer_pb2.EnforcementLevel.Name(diagnostic.enforcementLevel).lower(),
                message=diagnostic.message,
                urn=diagnostic.urn or (target.urn if target is not None else ""),
                resource_type=target.type if target is not None else "",
                resource_name=target.name if target is not None else "",
                policy_pack=diagnostic.policyPackName,
            )
        )
    return found


def read_remediations(reply: analyzer_pb2.RemediateResponse, urn: str) -> list[Remediation]:
    from google.protobuf import json_format

    return [
        Remediation(
            policy_name=r.policyName,
            policy_pack=r.policyPackName,
            urn=urn,
            diagnostic=r.diagnostic,
            properties=json_format.MessageToDict(r.properties) if r.HasField("properties") else None,
        )
        for r in reply.remediations
    ]


def config_schema(policy: analyzer_pb2.PolicyInfo) -> dict[str, Any]:
    from google.protobuf import json_format

    properties = json_format.MessageToDict(policy.configSchema.properties)
    return {"properties": properties, "required": list(policy.configSchema.required)}
