"""Principals as messages name them, and the accounts they belong to (see aws_facts.iam.principals)."""

from __future__ import annotations

from aws_facts.iam.document import PrincipalValue
from aws_facts.iam.principals import account_of as _account_of

__all__ = ["PrincipalValue", "account_of", "describe"]


def describe(principal: PrincipalValue) -> str:
    if principal.kind == "*":
        return 'Principal "*"'
    return f'Principal {{"{principal.kind}": "{principal.value}"}}'


def account_of(principal: PrincipalValue) -> str | None:
    """The AWS account an AWS principal value names (12-digit id or an ARN's account field)."""
    if principal.kind != "AWS" or "*" in principal.value:
        return None
    return _account_of(principal.value)
