"""The deployer tests' evaluator: aws_facts.iam's, the one the pack, the access matrix and the diff use.

`decide(policy, action, resource, context)` answers as IAM does for an identity policy: an explicit Deny
wins, then any Allow, else implicit deny (aws_facts.iam.evaluate documents the rules it follows). An
operator IAM does not have raises ValueError rather than being ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_facts.iam import decide as _decide
from aws_facts.iam import matches

Context = Mapping[str, str | list[str]]


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return matches(pattern, value, ignore_case=ignore_case)


def decide(policy: dict[str, Any], action: str, resource: str, context: Context | None = None) -> str:
    """ "Allow", "Deny" (explicit) or "ImplicitDeny" for one request."""
    return _decide(policy, action, resource, context)


def allows(policy: dict[str, Any], action: str, resource: str, context: Context | None = None) -> bool:
    """True when `policy` allows `action` on `resource` in `context`."""
    return decide(policy, action, resource, context) == "Allow"
