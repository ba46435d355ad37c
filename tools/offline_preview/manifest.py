"""One JSON manifest per stack: every resource with its options and inputs, readable and diffable.

Policy documents (and other JSON held in strings, such as lifecycle policies) are stored decoded, so
they are pretty-printed with the rest; `jsonStrings` records how each was encoded so that
`rebuild_inputs` gives back the exact strings the program produced. Secrets are "[secret]" and unknown
values "[unknown]", each with its JSON pointer listed. The format is described in tools/README.md.

A manifest written to disk never holds a secret value. The preview's own checks need them, as the engine
gives them to a policy pack: `build_manifest(..., reveal_secrets=True)` builds the in-memory twin whose
secrets are plaintext (pointers still in `secretInputs`), and `rebuild_inputs(..., secrets=ENVELOPE)`
wraps them in the engine's secret envelope again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import orjson
from model_registry.sources import write_atomically
from pulumi.output import Unknown
from pulumi.runtime import rpc

from . import sdk_internals
from .evaluate import Evaluation
from .project import SECRET_PLACEHOLDER
from .recorded import Resource

FORMAT = "offline-preview-manifest/1"
UNKNOWN_PLACEHOLDER = "[unknown]"
# What the engine sends for a value it does not know yet (pulumi.runtime.rpc.UNKNOWN).
ENGINE_UNKNOWN = rpc.UNKNOWN
# The engine's secret envelope (sdk/go/common/resource/properties.go): {SIG_KEY: SECRET_SIG, "value": v}.
SIG_KEY = sdk_internals.SIG_KEY
SECRET_SIG = sdk_internals.SECRET_SIG
ENVELOPE = "envelope"  # rebuild_inputs: secrets wrapped as the engine sends them to a pack
PLAIN = "plain"  # rebuild_inputs: secrets as their values (a Terraform plan holds sensitive values too)
# Input names whose string value is JSON even when it is not an IAM policy (e.g. ECR lifecycle rules).
JSON_FIELDS = frozenset(
    {
        "policy",
        "assumeRolePolicy",
        "policyDocument",
        "lifecyclePolicy",
        "repositoryPolicy",
        "resourcePolicy",
        "accessPolicy",
        "accessPolicies",
        "keyPolicy",
    }
)
# Encodings tried, in order, to find the one that reproduces a JSON string exactly.
_ENCODINGS = (
    {"indent": None, "separators": [", ", ": "]},
    {"indent": None, "separators": [",", ":"]},
    {"indent": 2, "separators": [",", ": "]},
    {"indent": 4, "separators": [",", ": "]},
    {"indent": "\t", "separators": [",", ": "]},
)


def build_manifest(
    evaluation: Evaluation, *, reveal_secrets: bool = False, entries: Mapping[str, dict] | None = None
) -> dict:
    """The manifest of one evaluated stack, as a plain dict in its final key order.

    reveal_secrets=True: secret values stay in (in-memory use only, never written). `entries` are
    entries already built (same mode) by URN, reused instead of built again.
    """
    secret_config = set(evaluation.secret_config_keys)
    entries = entries or {}
    return {
        "format": FORMAT,
        "organization": evaluation.organization,
        "project": evaluation.project,
        "stack": evaluation.stack,
        "config": manifest_config(evaluation.config, secret_config),
        "outputs": _mask(evaluation.outputs, "", [], [], reveal_secrets),
        "resources": [
            entries.get(r.urn) or resource_entry(r, reveal_secrets=reveal_secrets) for r in evaluation.resources
        ],
    }


def manifest_config(config: Mapping[str, str], secret_keys) -> dict[str, str]:
    """The stack config as the manifest (and the pack) sees it: sorted, secret values masked."""
    secret = set(secret_keys)
    return {k: (SECRET_PLACEHOLDER if k in secret else v) for k, v in sorted(config.items())}


def masked_manifest(revealed: dict, evaluation: Evaluation) -> dict:
    """The manifest to write, from its revealed twin: entries without secrets are shared, not rebuilt."""
    by_urn = {r.urn: r for r in evaluation.resources}
    resources = []
    for entry in revealed["resources"]:
        resource = by_urn[entry["urn"]]
        has_secret = entry["secretInputs"] or _has_secret(resource.outputs)
        resources.append(resource_entry(resource) if has_secret else entry)
    return {**revealed, "outputs": _mask(evaluation.outputs, "", [], []), "resources": resources}


def resource_entry(resource: Resource, *, reveal_secrets: bool = False) -> dict:
    """One resource's manifest entry (depends on that resource only, so it can be built as it registers).

    reveal_secrets=True keeps secret values (their pointers still listed in `secretInputs`).
    """
    secrets: list[str] = []
    unknowns: list[str] = []
    json_strings: dict[str, dict] = {}
    inputs = decode_json_strings(_mask(resource.inputs, "", secrets, unknowns, reveal_secrets), "", json_strings)
    computed = {k: v for k, v in resource.outputs.items() if k not in resource.inputs or resource.inputs[k] != v}
    secret_outputs: list[str] = []
    unknown_outputs: list[str] = []
    outputs = _mask(computed, "", secret_outputs, unknown_outputs, reveal_secrets)
    return {
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "id": resource.id,
        "custom": resource.custom,
        "read": resource.read,
        "parent": resource.parent,
        "provider": resource.provider,
        "dependencies": resource.dependencies,
        "propertyDependencies": resource.property_dependencies,
        "options": {
            "protect": resource.protect,
            "retainOnDelete": resource.retain_on_delete,
            "deleteBeforeReplace": resource.delete_before_replace,
            "ignoreChanges": resource.ignore_changes,
            "replaceOnChanges": resource.replace_on_changes,
            "aliases": resource.aliases,
            "additionalSecretOutputs": resource.additional_secret_outputs,
            "deletedWith": resource.deleted_with,
            "importId": resource.import_id,
        },
        "source": resource.source,
        "inputs": inputs,
        "jsonStrings": json_strings,
        "secretInputs": secrets,
        "unknownInputs": unknowns,
        # What the provider computed (or leaves unknown in a preview) beyond the inputs; pointers as for inputs.
        "outputs": outputs,
        "secretOutputs": secret_outputs,
        "unknownOutputs": unknown_outputs,
    }


def _pointer(base: str, key) -> str:
    return f"{base}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _has_secret(value) -> bool:
    if rpc.is_rpc_secret(value):
        return True
    if isinstance(value, dict):
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


def _mask(value, pointer: str, secrets: list[str], unknowns: list[str], reveal: bool = False):
    """Replace secrets (unless `reveal`) and unknowns by placeholders, noting their JSON pointers."""
    if rpc.is_rpc_secret(value):
        secrets.append(pointer)
        if reveal:
            return _mask(rpc.unwrap_rpc_secret(value), pointer, secrets, unknowns, reveal)
        return SECRET_PLACEHOLDER
    if isinstance(value, Unknown) or value == ENGINE_UNKNOWN:
        unknowns.append(pointer)
        return UNKNOWN_PLACEHOLDER
    if isinstance(value, dict):
        # Sorted: the SDK hands properties over as protobuf Structs, whose key order is not defined.
        # (JSON documents inside strings keep their own order; they are decoded after this.)
        return {k: _mask(v, _pointer(pointer, k), secrets, unknowns, reveal) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_mask(v, _pointer(pointer, i), secrets, unknowns, reveal) for i, v in enumerate(value)]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # assets, archives, resource references: their text form


def decode_json_strings(value, pointer: str, json_strings: dict[str, dict], key: str = ""):
    """Decode JSON documents held in strings; remember how each was encoded."""
    if isinstance(value, dict):
        return {k: decode_json_strings(v, _pointer(pointer, k), json_strings, k) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_json_strings(v, _pointer(pointer, i), json_strings, key) for i, v in enumerate(value)]
    if isinstance(value, str) and value[:1] in "{[" and value not in (SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER):
        try:
            document = json.loads(value)
        except ValueError:
            return value
        if isinstance(document, dict) and ("Statement" in document or key in JSON_FIELDS):
            json_strings[pointer] = _encoding_of(document, value)
            return document
    return value


def _encoding_of(document: dict, text: str) -> dict:
    for encoding in _ENCODINGS:
        if _encode(document, encoding) == text:
            return dict(encoding)
    return {"raw": text}  # an encoding json.dumps cannot reproduce: keep the original string


def _encode(document, encoding: dict) -> str:
    if "raw" in encoding:
        return encoding["raw"]
    return json.dumps(document, indent=encoding["indent"], separators=tuple(encoding["separators"]))


def rebuild_inputs(entry: dict, unknown=ENGINE_UNKNOWN, secrets: str = PLAIN) -> dict:
    """The resource's inputs as the engine would pass them to a provider or a policy pack.

    JSON documents become strings again, byte for byte as the program produced them; unknown
    values become `unknown`. Secrets: ENVELOPE wraps each in the engine's secret envelope (what
    `MarshalProperties(..., KeepSecrets)` sends a pack, and pulumi-policy unwraps); PLAIN leaves
    the bare value. An entry read from disk holds "[secret]" where the value was.
    """
    inputs = _copy(entry["inputs"])
    for pointer in entry.get("unknownInputs", []):
        inputs = _replace(inputs, pointer, lambda _: unknown)
    # Deepest first, so that a JSON string nested in another is re-encoded before its container.
    for pointer in sorted(entry.get("jsonStrings", {}), key=lambda p: -p.count("/")):
        encoding = entry["jsonStrings"][pointer]
        inputs = _replace(inputs, pointer, lambda doc, enc=encoding: _encode(doc, enc))
    if secrets == ENVELOPE:
        # After the JSON strings (a secret may hold one); deepest first, since wrapping adds a level.
        for pointer in sorted(entry.get("secretInputs", []), key=lambda p: -p.count("/")):
            inputs = _replace(inputs, pointer, lambda value: {SIG_KEY: SECRET_SIG, "value": value})
    return inputs


def rebuild_outputs(entry: dict, inputs: dict, unknown=ENGINE_UNKNOWN, secrets: str = PLAIN) -> dict:
    """The resource's outputs as the engine holds them (what AnalyzeStack is given): `inputs` (the entry's
    rebuilt inputs) with what the provider computed on top; unknowns as `unknown`, secrets as for inputs."""
    computed = _copy(entry.get("outputs") or {})
    for pointer in entry.get("unknownOutputs", []):
        computed = _replace(computed, pointer, lambda _: unknown)
    if secrets == ENVELOPE:
        for pointer in sorted(entry.get("secretOutputs", []), key=lambda p: -p.count("/")):
            computed = _replace(computed, pointer, lambda value: {SIG_KEY: SECRET_SIG, "value": value})
    return {**inputs, **computed}


def _copy(value):
    """A copy of JSON data (dicts, lists, scalars) that the rebuild may change in place without touching the
    entry: what `json.loads(json.dumps(value))` gives, in half its time (the copy of every resource's inputs and
    outputs, twice per resource in a preview)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _replace(document, pointer: str, change):
    if pointer == "":
        return change(document)
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    container = document
    for part in parts[:-1]:
        container = container[int(part)] if isinstance(container, list) else container[part]
    last = int(parts[-1]) if isinstance(container, list) else parts[-1]
    container[last] = change(container[last])
    return document


def json_text(value) -> bytes:
    """`value` as two-space indented JSON, key order as built, UTF-8 unescaped: `json.dumps(value, indent=2,
    ensure_ascii=False)` without its pure-Python encoder (which an indent selects), about a second per 1,000
    models in manifests and checkov plans. The same text, but for floats below 1e-4 (`0.00001` for `1e-05`, the
    same number) and NaN or infinities (null; JSON has none)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def manifest_bytes(manifest: dict) -> bytes:
    """The manifest's canonical text: json_text and a trailing newline."""
    return json_text(manifest) + b"\n"


def manifest_path(build_dir: str | Path, env: str, project: str) -> Path:
    return Path(build_dir) / "preview" / env / f"{project}.json"


def write_manifest(manifest: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, manifest_bytes(manifest))  # never half a manifest for the diff to read


def load_manifest(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())
