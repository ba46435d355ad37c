"""One JSON manifest per stack: every resource with its options and inputs, readable and diffable.

Policy documents (and other JSON held in strings, such as lifecycle policies) are stored decoded, so
they are pretty-printed with the rest; `jsonStrings` records how each was encoded so that
`rebuild_inputs` gives back the exact strings the program produced. Secrets are "[secret]" and unknown
values "[unknown]", each with its JSON pointer listed. The format is described in tools/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

from pulumi.output import Unknown
from pulumi.runtime import rpc

from .evaluate import Evaluation, Resource
from .project import SECRET_PLACEHOLDER

FORMAT = "offline-preview-manifest/1"
UNKNOWN_PLACEHOLDER = "[unknown]"
# What the engine sends for a value it does not know yet (pulumi.runtime.rpc.UNKNOWN).
ENGINE_UNKNOWN = rpc.UNKNOWN
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


def build_manifest(evaluation: Evaluation) -> dict:
    """The manifest of one evaluated stack, as a plain dict in its final key order."""
    secret_config = set(evaluation.secret_config_keys)
    return {
        "format": FORMAT,
        "organization": evaluation.organization,
        "project": evaluation.project,
        "stack": evaluation.stack,
        "config": {k: (SECRET_PLACEHOLDER if k in secret_config else v) for k, v in sorted(evaluation.config.items())},
        "outputs": _mask(evaluation.outputs, "", [], []),
        "resources": [resource_entry(r) for r in evaluation.resources],
    }


def resource_entry(resource: Resource) -> dict:
    """One resource's manifest entry (depends on that resource only, so it can be built as it registers)."""
    secrets: list[str] = []
    unknowns: list[str] = []
    json_strings: dict[str, dict] = {}
    inputs = _decode(_mask(resource.inputs, "", secrets, unknowns), "", json_strings)
    computed = {k: v for k, v in resource.outputs.items() if k not in resource.inputs or resource.inputs[k] != v}
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
        "outputs": _mask(computed, "", [], []),
    }


def _pointer(base: str, key) -> str:
    return f"{base}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _mask(value, pointer: str, secrets: list[str], unknowns: list[str]):
    """Replace secrets and unknowns by placeholders, noting their JSON pointers."""
    if rpc.is_rpc_secret(value):
        secrets.append(pointer)
        return SECRET_PLACEHOLDER
    if isinstance(value, Unknown) or value == ENGINE_UNKNOWN:
        unknowns.append(pointer)
        return UNKNOWN_PLACEHOLDER
    if isinstance(value, dict):
        # Sorted: the SDK hands properties over as protobuf Structs, whose key order is not defined.
        # (JSON documents inside strings keep their own order; they are decoded after this.)
        return {k: _mask(v, _pointer(pointer, k), secrets, unknowns) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_mask(v, _pointer(pointer, i), secrets, unknowns) for i, v in enumerate(value)]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # assets, archives, resource references: their text form


def _decode(value, pointer: str, json_strings: dict[str, dict], key: str = ""):
    """Decode JSON documents held in strings; remember how each was encoded."""
    if isinstance(value, dict):
        return {k: _decode(v, _pointer(pointer, k), json_strings, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, _pointer(pointer, i), json_strings, key) for i, v in enumerate(value)]
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


def rebuild_inputs(entry: dict, unknown=ENGINE_UNKNOWN) -> dict:
    """The resource's inputs as the engine would pass them to a provider or a policy pack.

    JSON documents become strings again, byte for byte as the program produced them; unknown
    values become `unknown`. Secrets stay "[secret]": their values never reach a manifest.
    """
    inputs = json.loads(json.dumps(entry["inputs"]))
    for pointer in entry.get("unknownInputs", []):
        inputs = _replace(inputs, pointer, lambda _: unknown)
    # Deepest first, so that a JSON string nested in another is re-encoded before its container.
    for pointer in sorted(entry.get("jsonStrings", {}), key=lambda p: -p.count("/")):
        encoding = entry["jsonStrings"][pointer]
        inputs = _replace(inputs, pointer, lambda doc, enc=encoding: _encode(doc, enc))
    return inputs


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


def manifest_bytes(manifest: dict) -> bytes:
    """The manifest's canonical text: two-space indented, key order as built, trailing newline."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()


def manifest_path(build_dir: str | Path, env: str, project: str) -> Path:
    return Path(build_dir) / "preview" / env / f"{project}.json"


def write_manifest(manifest: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(manifest_bytes(manifest))
    return path


def load_manifest(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())
