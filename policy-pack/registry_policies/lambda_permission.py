"""Pure check: an aws.lambda.Permission whose principal is a wildcard must be restricted."""

from __future__ import annotations

from typing import Any

from .findings import Finding, cannot_evaluate
from .principals import is_wildcard_value
from .values import is_unknown

POLICY = "no-wildcard-principal"
LAMBDA_PERMISSION_TYPE = "aws:lambda/permission:Permission"


def lambda_permission_findings(props: dict[str, Any]) -> list[Finding]:
    """A "*" principal needs a concrete sourceAccount, sourceArn (account field) or principalOrgId."""
    principal = props.get("principal")
    if is_unknown(principal):
        return [cannot_evaluate(POLICY, "the permission's principal")]
    if not isinstance(principal, str) or not is_wildcard_value(principal):
        return []
    restrictions = {key: props.get(key) for key in ("sourceAccount", "sourceArn", "principalOrgId")}
    account = restrictions["sourceAccount"]
    arn = restrictions["sourceArn"]
    org = restrictions["principalOrgId"]
    if isinstance(account, str) and account and "*" not in account:
        return []
    if isinstance(org, str) and org and "*" not in org:
        return []
    if isinstance(arn, str):
        parts = arn.split(":", 5)
        if len(parts) == 6 and parts[4] and "*" not in parts[4]:
            return []
    if any(is_unknown(v) for v in restrictions.values()):
        return [cannot_evaluate(POLICY, "the permission's sourceAccount/sourceArn/principalOrgId")]
    return [
        Finding(
            f'the Lambda permission grants to the wildcard principal "{principal}" without a '
            "concrete sourceAccount, sourceArn or principalOrgId"
        )
    ]
