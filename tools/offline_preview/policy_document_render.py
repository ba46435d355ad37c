"""The JSON of a merged `aws.iam.get_policy_document`, as the provider renders it (terraform-provider-aws,
policy_model.go's MarshalJSON methods): fields in the struct's order, principals merged by type (a lone
`{"*": "*"}` is "*"), conditions merged by test and variable in Go's sorted map order."""

from __future__ import annotations

from typing import Any


def render(document: dict) -> dict:
    """IAMPolicyDoc.MarshalJSON: the merged document as the JSON object the provider writes."""
    rendered: dict = {}
    if document["Version"]:
        rendered["Version"] = document["Version"]
    if document["Id"]:
        rendered["Id"] = document["Id"]
    if document["Statement"]:
        rendered["Statement"] = [_render_statement(s) for s in document["Statement"]]
    return rendered


_STATEMENT_FIELDS = (
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
)


def _render_statement(statement: dict) -> dict:
    rendered: dict = {}
    for field in _STATEMENT_FIELDS:
        if field not in statement:
            continue
        value = statement[field]
        if field in ("Principal", "NotPrincipal"):
            value = _render_principals(value)
        elif field == "Condition":
            value = _render_conditions(value)
        rendered[field] = value
    return rendered


def _render_principals(principals: list[tuple[str, object]]):
    """IAMPolicyStatementPrincipalSet.MarshalJSON: by type (sorted map keys); a lone {"*": "*"} is "*"."""
    if len(principals) == 1:
        kind, identifiers = principals[0]
        if kind == "*" and identifiers in ("*", ["*"]):
            return "*"
    merged: dict[str, Any] = {}
    for kind, identifiers in principals:
        current = merged.get(kind)
        if isinstance(identifiers, list):
            ordered = sorted(identifiers, reverse=True)
            merged[kind] = ([] if current is None else [current] if isinstance(current, str) else current) + ordered
        elif current is None:
            merged[kind] = identifiers
        elif isinstance(current, str):
            merged[kind] = [current, identifiers]
        else:
            merged[kind] = [*current, identifiers]
    return dict(sorted(merged.items()))


def _render_conditions(conditions: list[tuple[str, str, Any]]):
    """IAMPolicyStatementConditionSet.MarshalJSON: values concatenated per test and variable, one as a string."""
    merged: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        target = merged.setdefault(test, {}).setdefault(variable, [])
        target.extend(values if isinstance(values, list) else [values])
    return {
        test: {variable: (v[0] if len(v) == 1 else v) for variable, v in sorted(variables.items())}
        for test, variables in sorted(merged.items())
    }
