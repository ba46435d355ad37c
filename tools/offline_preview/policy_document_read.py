"""The source and override documents of `aws.iam.get_policy_document`, read as the provider reads them: Go's
encoding/json into its IAMPolicyDoc structs (terraform-provider-aws, policy_model.go's UnmarshalJSON methods).
Keys match struct fields case-insensitively, a string Principal means "*", identifiers are sorted, boolean
condition values are kept as "true"/"false" and numeric ones dropped; what Go refuses is refused here, with its
reason (`PolicyDocumentError`, which the whole data source raises)."""

from __future__ import annotations

import json


class PolicyDocumentError(ValueError):
    """An argument the provider refuses; the message is the provider's reason."""


def read_document(text, where: str) -> dict:
    """A source or override document (JSON text) as the provider's IAMPolicyDoc: Version, Id, Statement."""
    if not isinstance(text, str):
        raise PolicyDocumentError(f"{where}: expected a JSON string, got {type(text).__name__}")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PolicyDocumentError(f"{where}: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyDocumentError(f"{where}: json: cannot unmarshal {go_kind(data)} into Go value of type IAMPolicyDoc")
    version = _go_string(_field(data, "Version"), where, "Version")
    policy_id = _go_string(_field(data, "Id"), where, "Id")
    raw_statements = _field(data, "Statement")
    if raw_statements is None:
        raw_statements = []
    if not isinstance(raw_statements, list):
        raise PolicyDocumentError(
            f"{where}: json: cannot unmarshal {go_kind(raw_statements)} into Go struct field "
            "IAMPolicyDoc.Statement of type []*iam.IAMPolicyStatement"
        )
    statements = []
    for raw in raw_statements:
        if not isinstance(raw, dict):
            raise PolicyDocumentError(f"{where}: a statement is {go_kind(raw)}, not an object")
        statement: dict = {}
        for field in ("Sid", "Effect"):
            value = _go_string(_field(raw, field), where, field)
            if value:
                statement[field] = value
        for field in ("Action", "NotAction", "Resource", "NotResource"):
            value = _field(raw, field)
            if value is not None:
                statement[field] = value  # `any` in the provider's struct: kept as written
        for field in ("Principal", "NotPrincipal"):
            if _has_field(raw, field):
                principals = _read_principals(_field(raw, field), where)
                if principals:
                    statement[field] = principals
        if _field(raw, "Condition") is not None:
            conditions = _read_conditions(_field(raw, "Condition"), where)
            if conditions:
                statement["Condition"] = conditions
        statements.append(statement)
    return {"Version": version, "Id": policy_id, "Statement": statements}


def _field(data: dict, name: str):
    """Go's encoding/json matches object keys to struct fields case-insensitively; the last match wins."""
    value = None
    for key, item in data.items():
        if key.lower() == name.lower():
            value = item
    return value


def _has_field(data: dict, name: str) -> bool:
    return any(key.lower() == name.lower() for key in data)


def _go_string(value, where: str, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PolicyDocumentError(
            f"{where}: json: cannot unmarshal {go_kind(value)} into Go struct field {field} of type string"
        )
    return value


def _read_principals(data, where: str) -> list[tuple[str, object]]:
    """IAMPolicyStatementPrincipalSet.UnmarshalJSON."""
    if isinstance(data, str):
        return [("*", ["*"])]
    if not isinstance(data, dict):
        raise PolicyDocumentError(f"{where}: Unsupported data type {go_kind(data)} for IAMPolicyStatementPrincipalSet")
    principals: list[tuple[str, object]] = []
    for kind, value in data.items():
        if isinstance(value, str):
            principals.append((kind, value))
        elif isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise PolicyDocumentError(
                    f"{where}: Unsupported element type for IAMPolicyStatementPrincipalSet.Identifiers "
                    f"(principal type {kind!r}): must be string"
                )
            principals.append((kind, sorted(value)))
        else:
            raise PolicyDocumentError(
                f"{where}: Unsupported data type {go_kind(value)} for IAMPolicyStatementPrincipalSet.Identifiers"
            )
    return principals


def _read_conditions(data, where: str) -> list[tuple[str, str, object]]:
    """IAMPolicyStatementConditionSet.UnmarshalJSON (numbers and nulls are dropped, as there)."""
    if not isinstance(data, dict) or not all(isinstance(v, dict) or v is None for v in data.values()):
        raise PolicyDocumentError(f"{where}: json: cannot unmarshal the Condition block into map[string]map[string]any")
    conditions: list[tuple[str, str, object]] = []
    for test, variables in data.items():
        for variable, values in (variables or {}).items():
            if isinstance(values, bool):
                conditions.append((test, variable, "true" if values else "false"))
            elif isinstance(values, str):
                conditions.append((test, variable, [values]))
            elif isinstance(values, list):
                if not all(isinstance(v, str) for v in values):
                    raise PolicyDocumentError(
                        f"{where}: condition {test} {variable}: the provider accepts only strings in a list of values"
                    )
                conditions.append((test, variable, list(values)))
    return conditions


def go_kind(value) -> str:
    """The JSON kind of a value as Go's errors name it."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {dict: "object", list: "array", str: "string", type(None): "null"}[type(value)]
