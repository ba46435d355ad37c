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

from typing import Any

from aws_facts import names, resource_types

from .values import is_unknown

LAMBDA_PERMISSION_TYPE = resource_types.LAMBDA_PERMISSION
LAYER_PERMISSION_TYPE = resource_types.LAMBDA_LAYER_VERSION_PERMISSION


def principal_element(value: Any) -> Any:
    """A bare principal string (as Lambda and KMS take it) as a policy Principal element."""
    if is_unknown(value) or not isinstance(value, str):
        return {"AWS": value}
    if value == "*":
        return "*"
    if names.SERVICE_PRINCIPAL_SHAPE.fullmatch(value):
        return {"Service": value}
    return {"AWS": value}  # an account id, an ARN, or a value no account holds (then it cannot be evaluated)


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
    constraints = props.get("constraints")
    for constraint in constraints if isinstance(constraints, list) else []:  # constraints only narrow a grant
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


# S3 ACLs (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html): IAM Access Analyzer
# counts a bucket ACL as a source of access (finding source BUCKET_ACL). The AllUsers group is anyone, the
# AuthenticatedUsers group any AWS account; LogDelivery is S3's own log delivery; a canonical user other than
# the ACL's owner or an e-mail grantee is another account.
S3_ACL_TYPES = {
    resource_types.S3_BUCKET,
    resource_types.S3_BUCKET_V2,
    resource_types.S3_BUCKET_ACL,
    resource_types.S3_BUCKET_ACL_V2,
    resource_types.S3_BUCKET_OBJECT,
    resource_types.S3_BUCKET_OBJECTV2,
    resource_types.S3_OBJECT_COPY,
}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
CANNED_ACLS = {  # canned ACL -> (grantee group, permission); the others grant only the owner or S3 itself
    "public-read": (ALL_USERS, "READ"),
    "public-read-write": (ALL_USERS, "FULL_CONTROL"),
    "authenticated-read": (AUTHENTICATED_USERS, "READ"),
    # CloudFormation's AccessControl spelling
    "publicread": (ALL_USERS, "READ"),
    "publicreadwrite": (ALL_USERS, "FULL_CONTROL"),
    "authenticatedread": (AUTHENTICATED_USERS, "READ"),
}
ACL_ACTIONS = {
    "READ": ["s3:GetObject", "s3:ListBucket"],
    "WRITE": ["s3:PutObject", "s3:DeleteObject"],
    "READ_ACP": ["s3:GetBucketAcl", "s3:GetObjectAcl"],
    "WRITE_ACP": ["s3:PutBucketAcl", "s3:PutObjectAcl"],
    "FULL_CONTROL": ["s3:*"],
}


def _acl_principal(kind: Any, uri: Any, identifier: Any, email: Any, owner: Any) -> Any:
    """The Principal element an ACL grantee stands for, or None when it is the owner or S3 itself."""
    if any(is_unknown(v) for v in (kind, uri, identifier, email)):
        return {"AWS": next(v for v in (kind, uri, identifier, email) if is_unknown(v))}
    if uri == ALL_USERS:
        return "*"
    if uri == AUTHENTICATED_USERS:
        return {"AWS": "*"}
    if kind == "AmazonCustomerByEmail" or email:
        return {"CanonicalUser": f"e-mail {email}"}
    if identifier and identifier != owner:
        return {"CanonicalUser": identifier}
    return None


def _acl_statement(sid: str, principal: Any, actions: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": actions}


def s3_acl_document(props: dict[str, Any]) -> dict[str, Any] | None:
    """The grants of a bucket's or object's ACL as statements, or None when it has no ACL."""
    statements: list[dict[str, Any]] = []
    acl = props.get("acl")
    if acl is None:
        acl = props.get("accessControl")
    if is_unknown(acl):
        statements.append(_acl_statement("acl", {"AWS": acl}, ["s3:GetObject"]))
    elif isinstance(acl, str) and acl.replace("-", "").lower() in {k.replace("-", "") for k in CANNED_ACLS}:
        group, permission = CANNED_ACLS[acl.replace("-", "").lower()]
        statements.append(
            _acl_statement(f"acl {acl}", _acl_principal("Group", group, None, None, None), ACL_ACTIONS[permission])
        )
    policy = props.get("accessControlPolicy")
    owner = (
        policy.get("owner", {}).get("id")
        if isinstance(policy, dict) and isinstance(policy.get("owner"), dict)
        else None
    )
    grants = (policy.get("grants") if isinstance(policy, dict) else None) or props.get("grants") or []
    for index, grant in enumerate(grants if isinstance(grants, list) else []):
        if not isinstance(grant, dict):
            continue
        grantee = grant.get("grantee") if isinstance(grant.get("grantee"), dict) else grant
        principal = _acl_principal(
            grantee.get("type"), grantee.get("uri"), grantee.get("id"), grantee.get("emailAddress"), owner
        )
        if principal is None:
            continue
        permissions = grant.get("permissions") or [grant.get("permission")]
        actions = [a for p in permissions if isinstance(p, str) for a in ACL_ACTIONS.get(p, ["s3:*"])] or ["s3:*"]
        statements.append(_acl_statement(f"grants[{index}]", principal, actions))
    return {"Statement": statements} if statements else None
