"""Builders of the IAM, ECR and KMS JSON documents the stacks attach. Pure functions over config.

Every document is a plain dict; `to_json` gives the string a resource takes. Statements are built
from explicit principals only; the one `*` principal is the organization-wide pull, always bound to
a positive `aws:PrincipalOrgID`/`aws:PrincipalOrgPaths` condition.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

VERSION = "2012-10-17"

Document = dict[str, Any]
Statement = dict[str, Any]


def statement(
    sid: str,
    actions: list[str] | tuple[str, ...],
    *,
    effect: str = "Allow",
    principal: dict[str, Any] | str | None = None,
    resources: list[str] | tuple[str, ...] | str | None = None,
    conditions: Mapping[str, Mapping[str, Any]] | None = None,
) -> Statement:
    """One statement; actions are sorted so documents diff cleanly."""
    result: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        result["Principal"] = principal
    result["Action"] = sorted(set(actions))
    if resources is not None:
        result["Resource"] = sorted(set(resources)) if isinstance(resources, list | tuple) else resources
    if conditions:
        result["Condition"] = {operator: dict(values) for operator, values in conditions.items()}
    return result


def document(*statements: Statement) -> Document:
    return {"Version": VERSION, "Statement": list(statements)}


def to_json(doc: Document) -> str:
    """Compact, key-order-stable JSON, as a resource input takes it."""
    return json.dumps(doc, separators=(",", ":"))


def account_root(account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:root"
