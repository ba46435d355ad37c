"""The provider's input schema, read from pulumi-aws's own SDK, and the shape checks its Check makes with it.

pulumi-aws's Python SDK is generated from the provider's schema (the same version the engine would load): each
resource's `<Name>Args` input type lists every input property, its type and whether it is required, and nested
blocks are input types of their own. A block the provider declares with MaxItems 1 is flattened to one object.

What the bridge's Check does with an input (pulumi-terraform-bridge pkg/tfbridge/provider.go `Check`: the type
checker only warns unless PULUMI_ERROR_TYPE_CHECKER is set; then `makeTerraformInputs` and the Terraform
SDK's `ValidateResource`, whose errors are the CheckFailures):
- a property the schema does not have: "Invalid or unknown key" (helper/schema validateObject);
- a list or an object where one value is expected: "Attribute must be a single value, not a list/map";
- an int property: a whole number, or a string WeakDecode parses as one ("30" passes, "abc" does not);
  a bool is refused ("Attribute must be a whole number"); a fractional number is truncated by the bridge;
- a bool property: a bool, a number, or a string strconv.ParseBool reads ("" is false; "yes" is refused);
- a string property: the bridge turns a bool or a number into its text (schema.go makeTerraformInput);
- an object (a MaxItems-1 block) given a list: the bridge wraps it into a list of a list, which Terraform refuses;
- a required property missing, at the top or inside a block.
Unknown values (a preview's outputs of other resources) are never refused; a secret is judged by its value (Check
unmarshals the inputs without their secret envelopes).
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import keyword
import re
import types
import typing

from pulumi import output as pulumi_output
from pulumi.runtime import rpc

from .sdk_internals import SECRET_SIG, SIG_KEY, input_property_types, is_input_type, required_input_properties

_NOT_SCALAR: dict[type, str] = {list: "a list", dict: "a map"}
# strconv.ParseBool's spellings
_BOOL_WORDS = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}
# strconv.ParseInt(s, 0, 64): optional sign, 0x / 0o / 0b / leading-0 octal, underscores only with a prefix
_GO_INT = re.compile(r"[+-]?(0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|0(_?[0-7])*|[1-9][0-9]*)")


@functools.cache
def args_class(type_token: str) -> type | None:
    """The SDK's input type for `aws:<module>/<lower>:<Name>`, or None for a type the SDK does not have."""
    package, _, rest = type_token.partition(":")
    module, _, name = rest.partition(":")
    if package != "aws" or not name:
        return None
    sdk_name = module.split("/")[0]
    if keyword.iskeyword(sdk_name):  # aws:lambda/... is pulumi_aws.lambda_
        sdk_name += "_"
    try:
        sdk_module = importlib.import_module("pulumi_aws." + sdk_name)
    except ImportError:
        return None
    cls = getattr(sdk_module, name + "Args", None)
    return cls if isinstance(cls, type) and is_input_type(cls) else None


def _members(hint) -> list:
    """The value types a hint accepts: Input / Awaitable / Output / None wrappers removed."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        found = []
        for member in typing.get_args(hint):
            if member is type(None) or typing.get_origin(member) is collections.abc.Awaitable:
                continue
            if member is pulumi_output.Output or typing.get_origin(member) is pulumi_output.Output:
                continue
            found.extend(_members(member))
        return found
    return [hint]


def shape_failures(cls: type, value: dict, path: str) -> list[tuple[str, str]]:
    """(property path, reason) for each input the provider's Check refuses in `value`, an object of `cls`."""
    return _object_failures(cls, unwrapped(value), path)


def _object_failures(cls: type, value: dict, path: str) -> list[tuple[str, str]]:
    """shape_failures of a value already without secret envelopes: a nested block is not copied again."""
    names = input_property_types(cls)
    failures = []
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if item is None:
            continue  # Check unmarshals the inputs with SkipNulls
        if key not in names:
            failures.append((where, f"Invalid or unknown key: the provider's schema has no property {key!r}"))
        elif not _is_unknown(item):
            reason = _value_failure(_members(names[key]), item, where, failures)
            if reason:
                failures.append((where, reason))
    failures.extend(
        (f"{path}.{name}" if path else name, f"required field is not set: {name!r}")
        for name in sorted(required_input_properties(cls))
        if value.get(name) is None
    )
    return failures


def _value_failure(members: list, item, where: str, failures: list) -> str | None:
    """None if one of the accepted types takes `item` (nested failures go to `failures`), else the reason."""
    reasons = []
    for hint in members:
        reason = _one_type_failure(hint, item, where, failures)
        if reason is None:
            return None
        reasons.append(reason)
    return reasons[0] if reasons else None


def _one_type_failure(hint, item, where: str, failures: list) -> str | None:
    origin = typing.get_origin(hint)
    if isinstance(hint, type) and is_input_type(hint):
        if isinstance(item, dict):
            failures.extend(_object_failures(hint, item, where))
            return None
        if isinstance(item, list):
            return "a single block is expected, not a list (the provider declares it MaxItems 1)"
        return f"an object is expected, got {type(item).__name__}"
    if origin in (collections.abc.Sequence, list):
        if not isinstance(item, list):
            return f"a list is expected, got {type(item).__name__}"
        for index, element in enumerate(item):
            if not _is_unknown(element) and element is not None:
                reason = _value_failure(_members(typing.get_args(hint)[0]), element, f"{where}[{index}]", failures)
                if reason:
                    failures.append((f"{where}[{index}]", reason))
        return None
    if origin in (collections.abc.Mapping, dict):
        return None if isinstance(item, dict) else f"a map is expected, got {type(item).__name__}"
    if hint in (str, int, float, bool):
        return _scalar_failure(hint, item)
    return None  # Any or a type this reading does not know: never refused on a guess


def _scalar_failure(hint: type, item) -> str | None:
    if type(item) in _NOT_SCALAR:
        return f"Attribute must be a single value, not {_NOT_SCALAR[type(item)]}"
    if hint is int:
        if isinstance(item, bool):
            return f"Attribute must be a whole number, got {str(item).lower()}"
        if isinstance(item, str) and item != "" and go_int(item) is None:
            return f"cannot parse {item!r} as int"
    if hint is float and isinstance(item, str) and item != "":
        try:
            float(item)
        except ValueError:
            return f"cannot parse {item!r} as float"
    if hint is bool and isinstance(item, str) and item != "" and item not in _BOOL_WORDS:
        return f"cannot parse {item!r} as bool"
    return None


def go_int(text: str) -> int | None:
    """`text` read as strconv.ParseInt(text, 0, 64) reads it (what WeakDecode does for an int), or None."""
    if not _GO_INT.fullmatch(text):
        return None
    sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
    digits = digits.replace("_", "")
    if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
        digits = "0o" + digits[1:]  # a leading 0 is octal in Go
    value = sign * int(digits, 0)
    return value if -(2**63) <= value < 2**63 else None


def unwrapped(value):
    """`value` without the engine's secret envelopes ({SIG_KEY: SECRET_SIG, "value": v}), at any depth."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return unwrapped(value.get("value"))
        return {k: unwrapped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrapped(v) for v in value]
    return value


def _is_unknown(value) -> bool:
    return value == rpc.UNKNOWN if isinstance(value, str) else False
