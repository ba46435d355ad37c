"""The provider's Check, offline: schema defaults applied and required inputs and ranges checked, before Analyze.

The engine hands every resource's inputs to the provider's `Check` before a policy pack sees them
(pkg/resource/deploy/step_generator.go: `inputs = resp.Properties` ... then `analyzer.Analyze(r)` with those
inputs). pulumi-aws's Check (the Terraform bridge) fills the schema's `Default:` values into the inputs and
refuses inputs the schema refuses; a failure stops the preview ("resource ... is invalid").

Which properties exist, their types and which are required are read from pulumi-aws's Python SDK, generated from
the provider's schema (provider_schema). What the SDK does not carry (`Default:`, `validation.IntBetween`,
`ConflictsWith`, `MaxItems` of a list) is the provider's upstream schema, terraform-provider-aws
(internal/service/<service>/<resource>.go), written once in the leaf's table
(aws_facts.validation.provider_rules.PROVIDER_SCHEMAS), which the validation policy reads too: this module is the
mechanism that applies it as Check does. A type not in the table is passed through unchanged (its Check is not
emulated), never refused. What AWS's own API models refuse (patterns, enums, lengths) is the validation policy's
job (aws_facts), not Check's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from aws_facts.validation import values_at
from aws_facts.validation.provider_rules import PROVIDER_SCHEMAS, Schema

from . import provider_schema


@dataclass(frozen=True)
class CheckFailure:
    property: str
    reason: str


def check(type_token: str, inputs: dict) -> tuple[dict, list[CheckFailure]]:
    """(checked inputs, failures), as the provider's Check answers. `inputs` is not changed.

    Unknown values (a preview's outputs of other resources) are never refused: Check allows unknowns.
    """
    schema = PROVIDER_SCHEMAS.get(type_token)
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
    for name, span in schema.int_ranges.items():
        value = _as_int(plain.get(name))
        if value is not None and not span.low <= value <= span.high:
            failures.append(
                CheckFailure(
                    name,
                    f"expected {name} to be in the range ({span.low} - {span.high}), got {value} ({schema.source})",
                )
            )
    for first, second in schema.conflicts:
        if plain.get(first) is not None and plain.get(second) is not None:
            failures.append(CheckFailure(first, f'"{first}": conflicts with {second} ({schema.source})'))
    for name, most in schema.max_items.items():
        for where, items in values_at(plain, name):
            if isinstance(items, list) and len(items) > most:
                failures.append(
                    CheckFailure(
                        where,
                        f"attribute supports {most} item maximum, config has {len(items)} declared ({schema.source})",
                    )
                )
    return checked, failures


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
