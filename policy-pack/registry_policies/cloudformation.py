"""CloudFormation, read as the pack reads it: the resources of an `aws:cloudformation/stack` template (JSON or YAML,
with the short forms `!Ref`, `!Sub` ...), the desired state of an `aws:cloudcontrol/resource`, and intrinsic
functions resolved where they only use the stack's pseudo parameters (else unknown until deploy).

What the resources found can grant is resources.py's; what they create, scanning_forms.py's.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from aws_facts import resource_types
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from .subject import Subject
from .values import MAX_DEPTH, is_unknown

CLOUDFORMATION_STACK = resource_types.CLOUDFORMATION_STACK
# A stack set's template (templateBody or templateUrl, as a stack's) is deployed by its instances, in this or
# other accounts (AWS CloudFormation StackSets): what it grants is read as a stack's.
CLOUDFORMATION_STACK_SET = resource_types.CLOUDFORMATION_STACK_SET
CLOUDCONTROL_RESOURCE = resource_types.CLOUDCONTROL_RESOURCE


class _RepeatedKey(ValueError):
    """A template or desired state that repeats a key: which of the two values counts is not evident."""


def _unique_keys(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(f"it repeats the key {key!r}, so its meaning is ambiguous")
        result[key] = value
    return result


class _TemplateLoader(yaml.SafeLoader):
    """YAML templates with CloudFormation's short forms (!Ref, !Sub ...) read as intrinsic functions; a
    repeated key is an error (PyYAML would keep the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        repeated = next((k for i, k in enumerate(keys) if isinstance(k, str) and k in keys[:i]), None)
        if repeated is not None:
            raise _RepeatedKey(f"it repeats the key {repeated!r}, so its meaning is ambiguous")
        return super().construct_mapping(node, deep=deep)


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation intrinsic function ({"Ref": ...}, {"Fn::Sub": ...}): resolved only at deploy time."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and str(next(iter(value))) in ("Ref", "Condition")
        or (isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith("Fn::"))
    )


# The stack's own account (`AWS::AccountId`): the account the template deploys to, which the zone trusts by
# definition ("the account and the named accounts"). It stands in for the unknown id in documents and is added
# to the zone for them (the pack only knows the zone, not which of its accounts deploys).
STACK_ACCOUNT = "000000000000"
# CloudFormation pseudo parameters whose value cannot change who a policy admits.
PSEUDO_PARAMETERS = {
    "AWS::AccountId": STACK_ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::Region": "stack-region",
    "AWS::URLSuffix": "amazonaws.com",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def _resolved_string(value: Any) -> str | None:
    """The string an intrinsic stands for when it only uses pseudo parameters (Ref, Fn::Sub, Fn::Join)."""
    if isinstance(value, str):
        return value
    if not is_intrinsic(value):
        return None
    ((name, argument),) = value.items()
    if name == "Ref":
        return PSEUDO_PARAMETERS.get(argument) if isinstance(argument, str) else None
    if name == "Fn::Sub":
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2:
            text, variables = argument
        else:
            return None
        if not isinstance(text, str) or not isinstance(variables, dict):
            return None
        known = {k: _resolved_string(v) for k, v in variables.items()}
        names = set(_SUB_VARIABLE.findall(text))
        values = {n: known[n] if n in known else PSEUDO_PARAMETERS.get(n) for n in names}
        if any(v is None for v in values.values()):
            return None
        text = _SUB_VARIABLE.sub(lambda m: str(values[m.group(1)]), text)
        return text.replace("${!", "${")
    if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list):
        separator, parts = argument
        strings = [_resolved_string(p) for p in parts]
        if isinstance(separator, str) and all(s is not None for s in strings):
            return separator.join(s for s in strings if s is not None)
    return None


def resolve(value: Any) -> Any:
    """Intrinsics anywhere in a document become the pack's 'unknown' marker (not known before deploy), except
    those that only use the stack's pseudo parameters (`!Sub arn:aws:iam::${AWS::AccountId}:root`)."""
    if is_intrinsic(value):
        resolved = _resolved_string(value)
        return resolved if resolved is not None else UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


def _with_mappings(value: Any, mappings: dict[Any, Any], depth: int = 0) -> Any:
    """`Fn::FindInMap` with three written-out keys, replaced by the value the template's Mappings hold for them
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-findinmap.html:
    the value of a two-level map declared in the Mappings section). Keys that are themselves intrinsics (such as
    `!Ref AWS::Region`) or not in the map stay as written: resolved only at deploy time."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, dict) and list(value) == ["Fn::FindInMap"]:
        keys = value["Fn::FindInMap"]
        if isinstance(keys, list) and len(keys) == 3 and all(isinstance(k, str) for k in keys):
            top = mappings.get(keys[0])
            second = top.get(keys[1]) if isinstance(top, dict) else None
            if isinstance(second, dict) and keys[2] in second:
                return second[keys[2]]
        return value
    if isinstance(value, dict):
        return {k: _with_mappings(v, mappings, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_mappings(v, mappings, depth + 1) for v in value]
    return value


def stack_set_template(properties: dict[str, Any]) -> dict[str, Any]:
    """An AWS::CloudFormation::StackSet's template as a stack's inputs (templateBody / templateUrl). Its property
    names are read whatever their case: aws-native spells TemplateURL `templateUrl`, which comes back here as
    `TemplateUrl`."""
    found: dict[str, Any] = {}
    for key, value in properties.items():
        name = str(key).lower()
        if value is not None and name in ("templatebody", "templateurl"):
            found["templateBody" if name == "templatebody" else "templateUrl"] = value
    return found


def template_resources(
    props: dict[str, Any], where: str = "the CloudFormation stack"
) -> tuple[list[tuple[str, str, dict[str, Any]]], Subject | None]:
    """The (logical id, type, properties) of every resource of an aws:cloudformation/stack's (or stack set's)
    template, or why they cannot be read (a Subject: an unknown templateBody as its document, else the reason
    unreadable)."""
    body, url = props.get("templateBody"), props.get("templateUrl")
    if body is None:
        if url is not None:
            return [], Subject(f"{where} (templateUrl)", unreadable="the template is at a URL the pack does not fetch")
        return [], None
    if is_unknown(body):
        return [], Subject(f"{where} (templateBody)", body)
    if not isinstance(body, str):
        return [], Subject(f"{where} (templateBody)", unreadable="templateBody is not a string")
    try:
        template = json.loads(body, object_pairs_hook=_unique_keys)
    except _RepeatedKey as error:
        return [], Subject(f"{where} (templateBody)", unreadable=f"the template cannot be read: {error}")
    except ValueError:
        try:
            template = yaml.load(body, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
        except _RepeatedKey as error:
            return [], Subject(f"{where} (templateBody)", unreadable=f"the template cannot be read: {error}")
        except yaml.YAMLError as error:
            return [], Subject(f"{where} (templateBody)", unreadable=f"the template is neither JSON nor YAML ({error})")
    if not isinstance(template, dict):
        return [], Subject(f"{where} (templateBody)", unreadable="the template is not an object")
    if template.get("Transform") is not None:
        reason = "a Transform (macro, SAM) generates resources the template does not show"
        return [], Subject(f"{where} (templateBody.Transform)", unreadable=reason)
    resources = template.get("Resources")
    mappings = template.get("Mappings") if isinstance(template.get("Mappings"), dict) else {}
    found = []
    for logical, resource in (resources if isinstance(resources, dict) else {}).items():
        if not isinstance(resource, dict):
            continue
        properties = _with_mappings(resource.get("Properties") or {}, mappings)
        found.append((str(logical), str(resource.get("Type")), properties if isinstance(properties, dict) else {}))
    return found, None


def cloudcontrol_properties(props: dict[str, Any]) -> tuple[str, dict[str, Any] | None, Subject | None]:
    """An aws:cloudcontrol/resource's CloudFormation type and desired state, or why they cannot be read."""
    type_name, state = props.get("typeName"), props.get("desiredState")
    where = f"the Cloud Control resource ({type_name})"
    if is_unknown(state) or is_unknown(type_name):
        return str(type_name), None, Subject(f"{where} desiredState", state if is_unknown(state) else type_name)
    if not isinstance(state, str):
        return str(type_name), None, None
    try:
        properties = json.loads(state, object_pairs_hook=_unique_keys)
    except _RepeatedKey as error:
        return (
            str(type_name),
            None,
            Subject(f"{where} desiredState", unreadable=f"desiredState cannot be read: {error}"),
        )
    except ValueError:
        return str(type_name), None, Subject(f"{where} desiredState", unreadable="desiredState is not valid JSON")
    if not isinstance(properties, dict):
        return str(type_name), None, Subject(f"{where} desiredState", unreadable="desiredState is not an object")
    return str(type_name), properties, None
