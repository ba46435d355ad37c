"""AWS RAM resource shares, as the statements they amount to.

RAM shares resources (Image Builder images and components, subnets, license configurations, ...) with
principals given as plain strings, not in a policy document (AssociateResourceShare / CreateResourceShare,
`principals`): an account id grants that account, an organization ARN every account of that organization, an
OU ARN the accounts of that OU and of the OUs under it, an IAM role or user ARN that identity, and a service
principal that service (bound to no account). What the principals may do is the share's RAM permissions,
read here as every action (`*`).

`allowExternalPrincipals` (CreateResourceShare; pulumi-aws defaults it to false, CloudFormation's
AWS::RAM::ResourceShare to true) lets the owner add principals outside its organization, now or later and
from outside the stack: a share open to them is refused whatever principals the stack names.

- aws.ram.PrincipalAssociation: `principal`.
- aws.ram.ResourceShare: `allowExternalPrincipals` (its principals are PrincipalAssociation resources).
- AWS::RAM::ResourceShare (aws-native:ram:ResourceShare): `Principals`, `AllowExternalPrincipals`.
- AWS::RAM::PrincipalAssociation: does not exist in CloudFormation; aws-native has no such type either.
"""

from __future__ import annotations

from typing import Any

from aws_facts import resource_types

from .lambda_permission import principal_element
from .launch_permission import organization_of, unit_condition
from .values import is_unknown

RESOURCE_SHARE_TYPE = resource_types.RAM_RESOURCE_SHARE
PRINCIPAL_ASSOCIATION_TYPE = resource_types.RAM_PRINCIPAL_ASSOCIATION
CFN_RESOURCE_SHARE = "AWS::RAM::ResourceShare"
SHARED = "*"
EXTERNAL_REASON = (
    "allowExternalPrincipals is or may be true (true is CloudFormation's default when it is left out; a value "
    "known only at deploy time may be true), so the share can be "
    "granted to accounts outside the organization, also later and from outside this stack; set it to false"
)


def external_principals_allowed(value: Any, default: bool) -> bool:
    """Whether the share admits principals outside its organization; an unknown value may be true."""
    if value is None:
        return default
    return value is not False and not (isinstance(value, str) and value.lower() == "false")


def principals_document(principals: Any) -> dict[str, Any]:
    """The statement each RAM principal amounts to."""
    if principals is None:
        listed: list[Any] = []
    else:
        listed = principals if isinstance(principals, list) and not is_unknown(principals) else [principals]
    return {"Version": "2012-10-17", "Statement": [_statement(index, p) for index, p in enumerate(listed)]}


def _statement(index: int, principal: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": f"principal{index}", "Effect": "Allow", "Action": SHARED}
    kind = _organizations_kind(principal)
    if kind == "organization":
        statement["Principal"] = "*"
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization_of(principal)}}
    elif kind == "ou":
        statement["Principal"] = "*"
        statement["Condition"] = unit_condition(principal)
    else:
        statement["Principal"] = principal_element(principal)
    return statement


def _organizations_kind(principal: Any) -> str:
    """ "organization" or "ou" for an Organizations ARN, "" otherwise (an account, an IAM ARN, a service)."""
    if is_unknown(principal) or not isinstance(principal, str):
        return ""
    parts = principal.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[2] == "organizations":
        return parts[5].split("/")[0] if parts[5].split("/")[0] in ("organization", "ou") else ""
    return ""
