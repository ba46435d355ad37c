"""Permissions that are not written as policy documents, as the statements AWS stores for them.

- aws.lambda.Permission (AddPermission): Principal = `principal` (an account id or IAM ARN is {"AWS"},
  "*" is everyone, anything else a service principal); `sourceAccount` -> StringEquals aws:SourceAccount,
  `sourceArn` -> ArnLike aws:SourceArn, `principalOrgId` -> StringEquals aws:PrincipalOrgID,
  `functionUrlAuthType` -> StringEquals lambda:FunctionUrlAuthType (Lambda's own resource policy).
- aws.lambda.LayerVersionPermission (AddLayerVersionPermission): `principal` an account id or "*",
  `organizationId` -> StringEquals aws:PrincipalOrgID.
- aws.kms.Grant: the grantee gets kms:<operation> for each operation, the retiring principal
  kms:RetireGrant; constraints become kms:EncryptionContext conditions (requester-chosen).
"""

from __future__ import annotations

import re
from typing import Any

from .values import is_unknown

LAMBDA_PERMISSION_TYPE = "aws:lambda/permission:Permission"
LAYER_PERMISSION_TYPE = "aws:lambda/layerVersionPermission:LayerVersionPermission"
KMS_GRANT_TYPE = "aws:kms/grant:Grant"
_ACCOUNT = re.compile(r"^\d{12}$")


def principal_element(value: Any) -> Any:
    """A bare principal string (as Lambda and KMS take it) as a policy Principal element."""
    if is_unknown(value) or not isinstance(value, str):
        return {"AWS": value}
    if value == "*":
        return "*"
    if _ACCOUNT.match(value) or value.startswith("arn:"):
        return {"AWS": value}
    return {"Service": value}


def _statement(sid: str, principal: Any, action: Any, conditions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Principal": principal_element(principal)}
    statement["Action"] = action if action is not None else "lambda:InvokeFunction"
    condition = {op: entries for op, entries in conditions.items() if entries}
    if condition:
        statement["Condition"] = condition
    return statement


def lambda_permission_document(props: dict[str, Any]) -> dict[str, Any]:
    source_arn = props.get("sourceArn")
    conditions: dict[str, dict[str, Any]] = {
        "StringEquals": {
            k: v
            for k, v in (
                ("aws:SourceAccount", props.get("sourceAccount")),
                ("aws:PrincipalOrgID", props.get("principalOrgId")),
                ("lambda:FunctionUrlAuthType", props.get("functionUrlAuthType")),
            )
            if v is not None
        },
        "ArnLike": {"aws:SourceArn": source_arn} if source_arn is not None else {},
    }
    sid = props.get("statementId") if isinstance(props.get("statementId"), str) else "permission"
    return {"Statement": [_statement(sid, props.get("principal"), props.get("action"), conditions)]}


def layer_permission_document(props: dict[str, Any]) -> dict[str, Any]:
    org = props.get("organizationId")
    conditions = {"StringEquals": {"aws:PrincipalOrgID": org} if org is not None else {}}
    sid = props.get("statementId") if isinstance(props.get("statementId"), str) else "layer-permission"
    action = props.get("action") or "lambda:GetLayerVersion"
    return {"Statement": [_statement(sid, props.get("principal"), action, conditions)]}


def kms_grant_document(props: dict[str, Any]) -> dict[str, Any]:
    operations = props.get("operations")
    if is_unknown(operations):
        actions: Any = operations
    elif isinstance(operations, list):
        actions = [f"kms:{op}" if isinstance(op, str) and not is_unknown(op) else op for op in operations]
    else:
        actions = []
    conditions: dict[str, dict[str, Any]] = {}
    for constraint in props.get("constraints") or []:
        if not isinstance(constraint, dict):
            continue
        for field, operator in (
            ("encryptionContextEquals", "StringEquals"),
            ("encryptionContextSubset", "StringEquals"),
        ):
            context = constraint.get(field)
            if isinstance(context, dict):
                conditions.setdefault(operator, {}).update(
                    {f"kms:EncryptionContext:{k}": v for k, v in context.items()}
                )
    statements = [_statement("grantee", props.get("granteePrincipal"), actions or ["kms:Decrypt"], conditions)]
    if props.get("retiringPrincipal") is not None:
        statements.append(_statement("retiring", props.get("retiringPrincipal"), "kms:RetireGrant", {}))
    return {"Statement": statements}
