"""Translate a manifest into Terraform-plan JSON that checkov's terraform_plan framework reads.

pulumi-aws is bridged from the Terraform AWS provider, so the names map back mechanically:
`aws:ecr/repository:Repository` -> `aws_ecr_repository`, `imageTagMutability` ->
`image_tag_mutability`, a nested object -> a block (a list of one dict), a list of objects -> a
block list under the singular name (Pulumi pluralises those), policy documents -> JSON strings.
Where the rule does not hold, the override tables below say so.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from aws_facts import resource_types

from .manifest import json_text, rebuild_inputs

TERRAFORM_VERSION = "1.9.0"
# A plan is split into files of at most this many resources: checkov relates every resource to its
# file with a linear scan (plan_utils.get_entity_context), quadratic in the size of one file.
RESOURCES_PER_FILE = 150
_UNKNOWN = object()

# Pulumi type tokens whose Terraform type the snake_case rule does not give.
TYPE_OVERRIDES = {
    resource_types.IAM_OPENID_CONNECT_PROVIDER: "aws_iam_openid_connect_provider",
    resource_types.IAM_SAML_PROVIDER: "aws_iam_saml_provider",
    resource_types.EC2_VPC_IPV4_CIDR_BLOCK_ASSOCIATION: "aws_vpc_ipv4_cidr_block_association",
}
# Pulumi input names whose Terraform attribute is not the snake_case (or singular block) form.
ATTRIBUTE_OVERRIDES = {
    "clientIdLists": "client_id_list",
    "thumbprintLists": "thumbprint_list",
}
# Inputs that are maps (string keys chosen by the user), never blocks: keys are kept as they are.
MAP_ATTRIBUTES = frozenset({"tags", "tagsAll", "labels", "environment", "variables", "parameters"})


def terraform_type(token: str) -> str | None:
    """`aws:ecr/repository:Repository` -> `aws_ecr_repository`; None for non-AWS or provider types."""
    if token in TYPE_OVERRIDES:
        return TYPE_OVERRIDES[token]
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return None
    module = parts[1].split("/")[0]
    prefix = "aws_" if module == "index" else f"aws_{module}_"
    return prefix + snake_case(parts[2])


@functools.lru_cache(maxsize=4096)  # input names and type tokens: a few hundred, met once per resource each
def snake_case(name: str) -> str:
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "xes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def attribute_values(inputs: dict) -> dict:
    """Pulumi (camelCase, pluralised) inputs -> Terraform attributes and blocks."""
    values = {}
    for key, value in inputs.items():
        converted = _value(key, value)
        if converted is _UNKNOWN:
            continue  # Terraform leaves unknown values out of planned_values
        values[attribute_name(key, value)] = converted
    return values


def attribute_name(key: str, value) -> str:
    """The Terraform attribute (or block) name of the Pulumi input `key` holding `value`."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and key not in ATTRIBUTE_OVERRIDES:
        return snake_case(singular(key))
    return ATTRIBUTE_OVERRIDES.get(key) or snake_case(key)


def sensitive_values(entry: dict, inputs: dict) -> dict:
    """Terraform's `sensitive_values`: each top-level attribute holding a secret (Pulumi's secret inputs) is `true`.

    checkov 3.3 does not read it; the values themselves are in the plan, as in a Terraform plan.
    """
    keys = {p.split("/")[1].replace("~1", "/").replace("~0", "~") for p in entry.get("secretInputs", []) if p}
    return {attribute_name(key, inputs[key]): True for key in sorted(keys) if key in inputs}


def _value(key: str, value):
    if isinstance(value, str) and value == _ENGINE_UNKNOWN:
        return _UNKNOWN
    if isinstance(value, dict):
        if key in MAP_ATTRIBUTES:
            return dict(value)
        return [attribute_values(value)]  # a single nested object is a block of one
    if isinstance(value, list):
        return [attribute_values(v) if isinstance(v, dict) else v for v in value]
    return value


def plan_resources(manifest: dict) -> list[tuple[dict, str]]:
    """`(planned resource, urn)` for every AWS resource the stack manages, addresses unique."""
    planned: list[tuple[dict, str]] = []
    used: set[str] = set()
    for entry in manifest["resources"]:
        address = resource_address(entry, used)
        if address is not None:
            planned.append((planned_resource(entry, address), entry["urn"]))
    return planned


def resource_address(entry: dict, used: set[str]) -> str | None:
    """The entry's plan address (`aws_ecr_repository.name`), unique among `used` (which it joins);
    None for what the plan leaves out (non-AWS types, components, reads)."""
    tf_type = terraform_type(entry["type"])
    if tf_type is None or not entry["custom"] or entry["read"]:
        return None
    name = re.sub(r"[^A-Za-z0-9_-]", "_", entry["name"])
    if not re.match(r"[A-Za-z_]", name):
        name = "r_" + name
    address, n = f"{tf_type}.{name}", 1
    while address in used:  # the same logical name under two parents
        n += 1
        address = f"{tf_type}.{name}_{n}"
    used.add(address)
    return address


def planned_resource(entry: dict, address: str) -> dict:
    """The planned_values resource of a manifest entry at `address`."""
    inputs = rebuild_inputs(entry, unknown=_ENGINE_UNKNOWN)
    return {
        "address": address,
        "mode": "managed",
        "type": address.split(".", 1)[0],
        "name": address.split(".", 1)[1],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "values": attribute_values(inputs),
        "sensitive_values": sensitive_values(entry, inputs),
    }


def plan_document(resources: list[dict]) -> dict:
    """A Terraform plan (format 1.2) holding `resources` as planned creations."""
    return {
        "format_version": "1.2",
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": [
            {
                "address": r["address"],
                "mode": "managed",
                "type": r["type"],
                "name": r["name"],
                "provider_name": r["provider_name"],
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": r["values"],
                    "after_unknown": {},
                    "before_sensitive": False,
                    "after_sensitive": r["sensitive_values"],
                },
            }
            for r in resources
        ],
    }


def write_plans(manifest: dict, directory: str | Path, per_file: int = RESOURCES_PER_FILE):
    """Write the stack's plan as numbered files; return `(paths, {address: {"urn", "values"}})`.

    A manifest built with `reveal_secrets=True` gives plans holding secret values, as Terraform's do:
    they belong in the git-ignored build directory only.

    Resource addresses are unique over the whole stack, so checkov's results map back to URNs.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("plan-*.json"):
        stale.unlink()
    planned = plan_resources(manifest)
    paths = []
    for start in range(0, max(len(planned), 1), per_file):
        chunk = [resource for resource, _ in planned[start : start + per_file]]
        path = directory / f"plan-{start // per_file:04d}.json"
        path.write_bytes(json_text(plan_document(chunk)))
        paths.append(path)
    return paths, {resource["address"]: {"urn": urn, "values": resource["values"]} for resource, urn in planned}


# A private marker for unknown values while translating (the engine's own sentinel is a string).
_ENGINE_UNKNOWN = "\x00offline-preview-unknown\x00"
