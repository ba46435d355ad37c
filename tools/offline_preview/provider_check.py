"""The provider's Check, offline: schema defaults applied and required inputs and ranges checked, before Analyze.

The engine hands every resource's inputs to the provider's `Check` before a policy pack sees them
(pkg/resource/deploy/step_generator.go: `inputs = resp.Properties` ... then `analyzer.Analyze(r)` with those
inputs). pulumi-aws's Check (the Terraform bridge) fills the schema's `Default:` values into the inputs and
refuses inputs the schema refuses; a failure stops the preview ("resource ... is invalid").

Which properties exist, their types and which are required are read from pulumi-aws's Python SDK, generated from
the provider's schema (provider_schema). What the SDK does not carry (`Default:`, `validation.IntBetween`,
`ConflictsWith`, `MaxItems` of a list) is taken from the provider's upstream schema, terraform-provider-aws
(internal/service/<service>/<resource>.go), in the table below, for the resource types the stacks and the pack
use; camelCase as pulumi-aws names them. One table, one place. A type not in it is passed through unchanged (its Check is not emulated),
never refused. What AWS's own API models refuse (patterns, enums, lengths) is the validation policy's job
(aws_facts), not Check's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from registry_policies import ecr, iam_types, kms_types

from . import provider_schema


@dataclass(frozen=True)
class Schema:
    source: str  # terraform-provider-aws file the rules come from
    defaults: dict[str, object] = field(default_factory=dict)
    # {list-of-blocks property: {field: default}}: defaults inside each block given
    block_defaults: dict[str, dict[str, object]] = field(default_factory=dict)
    int_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    # ConflictsWith pairs of top-level properties (the provider's `ConflictsWith:`)
    conflicts: tuple[tuple[str, str], ...] = ()
    # {list property path: MaxItems} where the SDK keeps a list ("a.b[].c": c in each element of the list b; a
    # MaxItems-1 block flattened to an object is checked from the SDK's own types, provider_schema)
    max_items: dict[str, int] = field(default_factory=dict)


SCHEMAS: dict[str, Schema] = {
    ecr.REPOSITORY: Schema(
        "internal/service/ecr/repository.go",
        defaults={"imageTagMutability": "MUTABLE"},
        block_defaults={"encryptionConfigurations": {"encryptionType": "AES256"}},
        max_items={"encryptionConfigurations": 1},
    ),
    ecr.CREATION_TEMPLATE: Schema(
        "internal/service/ecr/repository_creation_template.go",
        defaults={"imageTagMutability": "MUTABLE"},
        block_defaults={"encryptionConfigurations": {"encryptionType": "AES256"}},
        max_items={"encryptionConfigurations": 1},
    ),
    ecr.REPOSITORY_POLICY: Schema("internal/service/ecr/repository_policy.go"),
    ecr.LIFECYCLE_POLICY: Schema("internal/service/ecr/lifecycle_policy.go"),
    ecr.REPLICATION: Schema(
        "internal/service/ecr/replication_configuration.go",
        max_items={
            "replicationConfiguration.rules": 10,
            "replicationConfiguration.rules[].destinations": 25,
            "replicationConfiguration.rules[].repositoryFilters": 100,
        },
    ),
    ecr.REGISTRY_POLICY: Schema("internal/service/ecr/registry_policy.go"),
    ecr.REGISTRY_SCANNING: Schema("internal/service/ecr/registry_scanning_configuration.go"),
    kms_types.KEY: Schema(
        "internal/service/kms/key.go",
        defaults={
            "bypassPolicyLockoutSafetyCheck": False,
            "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "enableKeyRotation": False,
            "isEnabled": True,
            "keyUsage": "ENCRYPT_DECRYPT",
        },
        int_ranges={"deletionWindowInDays": (7, 30), "rotationPeriodInDays": (90, 2560)},
    ),
    kms_types.REPLICA_KEY: Schema(
        "internal/service/kms/replica_key.go",
        defaults={"bypassPolicyLockoutSafetyCheck": False, "deletionWindowInDays": 30, "enabled": True},
        int_ranges={"deletionWindowInDays": (7, 30)},
    ),
    kms_types.ALIAS: Schema("internal/service/kms/alias.go", conflicts=(("name", "namePrefix"),)),
    iam_types.ROLE: Schema(
        "internal/service/iam/role.go",
        defaults={"forceDetachPolicies": False, "maxSessionDuration": 3600, "path": "/"},
        int_ranges={"maxSessionDuration": (3600, 43200)},
        conflicts=(("name", "namePrefix"),),
    ),
    iam_types.MANAGED_POLICY: Schema(
        "internal/service/iam/policy.go",
        defaults={"path": "/"},
        conflicts=(("name", "namePrefix"),),
    ),
    iam_types.ROLE_POLICY: Schema("internal/service/iam/role_policy.go", conflicts=(("name", "namePrefix"),)),
    iam_types.ROLE_POLICY_ATTACHMENT: Schema("internal/service/iam/role_policy_attachment.go"),
    iam_types.OPENID_CONNECT_PROVIDER: Schema("internal/service/iam/openid_connect_provider.go"),
}


@dataclass(frozen=True)
class CheckFailure:
    property: str
    reason: str


def check(type_token: str, inputs: dict) -> tuple[dict, list[CheckFailure]]:
    """(checked inputs, failures), as the provider's Check answers. `inputs` is not changed.

    Unknown values (a preview's outputs of other resources) are never refused: Check allows unknowns.
    """
    schema = SCHEMAS.get(type_token)
    sdk_args = provider_schema.args_class(type_token)
    failures = [
        CheckFailure(where, f"{reason} ({_source(schema, type_token)})")
        for where, reason in (provider_schema.shape_failures(sdk_args, inputs, "") if sdk_args else [])
    ]
    if schema is None:
        return inputs, failures
    checked = dict(inputs)
    for name, default in schema.defaults.items():
        if checked.get(name) is None:
            checked[name] = default
    for name, defaults in schema.block_defaults.items():
        blocks = checked.get(name)
        if isinstance(blocks, list):
            checked[name] = [
                {**{k: v for k, v in defaults.items() if block.get(k) is None}, **block}
                if isinstance(block, dict)
                else block
                for block in copy.deepcopy(blocks)
            ]
    plain = provider_schema.unwrapped(checked)
    for name, (low, high) in schema.int_ranges.items():
        value = _as_int(plain.get(name))
        if value is not None and not low <= value <= high:
            failures.append(
                CheckFailure(
                    name, f"expected {name} to be in the range ({low} - {high}), got {value} ({schema.source})"
                )
            )
    for first, second in schema.conflicts:
        if plain.get(first) is not None and plain.get(second) is not None:
            failures.append(CheckFailure(first, f'"{first}": conflicts with {second} ({schema.source})'))
    for name, most in schema.max_items.items():
        for where, items in _at_path(plain, name):
            if isinstance(items, list) and len(items) > most:
                failures.append(
                    CheckFailure(
                        where,
                        f"attribute supports {most} item maximum, config has {len(items)} declared ({schema.source})",
                    )
                )
    return checked, failures


def _at_path(value, path: str, where: str = "") -> list[tuple[str, object]]:
    """(concrete path, value) for each place `path` ("a.b[].c") names in `value`."""
    head, _, rest = path.partition(".")
    name, each = (head[:-2], True) if head.endswith("[]") else (head, False)
    found = value.get(name) if isinstance(value, dict) else None
    here = f"{where}.{name}" if where else name
    if found is None:
        return []
    places: list[tuple[int | None, object]] = [(None, found)] if not each else []
    if each and isinstance(found, list):
        places = list(enumerate(found))
    result: list[tuple[str, object]] = []
    for index, item in places:
        at = here if index is None else f"{here}[{index}]"
        result.extend(_at_path(item, rest, at) if rest else [(at, item)])
    return result


def _as_int(value) -> int | None:
    """The number the provider validates: the bridge truncates a number to an int (schema.go makeTerraformInput);
    a string is read as the Terraform SDK's WeakDecode reads it ("" is 0 and never out of the ranges here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value:
        return provider_schema.go_int(value)
    return None


def _source(schema: Schema | None, type_token: str) -> str:
    return f"pulumi-aws schema, {schema.source}" if schema else f"pulumi-aws schema of {type_token}"
