"""What an AWS provider's inputs (as the engine sends them with each resource) say of where it deploys: the
account its credentials act in. Read by the scanning coverage (where a resource lives) and by the request
validation (a replication rule to the source registry itself)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def _decoded(value: Any) -> Any:
    # Provider inputs reach the engine JSON-encoded when they are lists or objects.
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def provider_account(provider: Mapping[str, Any] | None) -> str | None:
    """The account an AWS provider's credentials act in, when its inputs say so: the account of the
    (first) assumed role (`assumeRoles`, or `assumeRoleWithWebIdentity`'s role: the provider assumes it
    first, then the `assumeRoles` chain from there, so a chain decides), else the one account of
    allowedAccountIds; None when they do not say."""
    if not provider:
        return None
    roles = _decoded(provider.get("assumeRoles")) or _decoded(provider.get("assumeRole"))
    if isinstance(roles, Mapping):
        roles = [roles]
    web_identity = _decoded(provider.get("assumeRoleWithWebIdentity"))
    for chain in (roles, [web_identity]):
        if isinstance(chain, list) and chain and isinstance(chain[0], Mapping):
            arn = chain[-1].get("roleArn")
            if isinstance(arn, str) and arn.count(":") >= 5 and arn.split(":")[4]:
                return arn.split(":")[4]
    allowed = _decoded(provider.get("allowedAccountIds"))
    if isinstance(allowed, list) and len(allowed) == 1:
        return str(allowed[0])
    return None
