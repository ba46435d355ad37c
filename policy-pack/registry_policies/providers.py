"""What an AWS provider's inputs (as the engine sends them with each resource) say of where it deploys: the
account its credentials act in. Read by the scanning coverage (where a resource lives) and by the request
validation (a replication rule to the source registry itself)."""

from __future__ import annotations

import hashlib
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
            # A dict literal (`assume_roles=[{"role_arn": ...}]`) reaches the provider with the Python key: the
            # provider's bridge takes the Terraform name as well as the Pulumi one.
            arn = chain[-1].get("roleArn", chain[-1].get("role_arn"))
            if isinstance(arn, str) and arn.count(":") >= 5 and arn.split(":")[4]:
                return arn.split(":")[4]
    allowed = _decoded(provider.get("allowedAccountIds"))
    if isinstance(allowed, list) and len(allowed) == 1:
        return str(allowed[0])
    return None


# The pulumi-aws provider inputs by which a provider gets credentials of its own (the provider's schema,
# pulumi-aws `Provider`: a named profile, static keys, shared files, roles to assume). An explicit provider does
# not read the stack's `aws:*` config: without these it acts with the same ambient credentials as the stack's
# default provider (whose own, from that config, are compared).
CREDENTIAL_INPUTS = (
    "profile",
    "accessKey",
    "secretKey",
    "token",
    "sharedCredentialsFiles",
    "sharedConfigFiles",
    "assumeRole",
    "assumeRoles",
    "assumeRoleWithWebIdentity",
)


def credentials(provider: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """The credential inputs a provider (or the stack config's `aws:*`, keys without the prefix) sets, as
    comparable text."""
    if not provider:
        return ()
    found = []
    for key in CREDENTIAL_INPUTS:
        value = _decoded(provider.get(key))
        if value not in (None, "", [], {}):
            found.append((key, json.dumps(value, sort_keys=True, default=str)))
    return tuple(found)


def account_of(provider: Mapping[str, Any] | None, default_credentials: tuple[tuple[str, str], ...]) -> str | None:
    """The account a resource's provider acts in: the one its inputs name (`provider_account`); None for the
    stack's default account when its credentials are the default provider's (`default_credentials`, from
    `credentials`); otherwise an unknown account of its own, one per set of credentials, named so that a
    message says why (a profile, keys or a role whose account the inputs do not say)."""
    if provider is None:  # no provider sent: the default one
        return None
    account = provider_account(provider)
    if account is not None:
        return account
    own = credentials(provider)
    if own == default_credentials:
        return None
    profile = dict(own).get("profile")
    if profile:
        shown = f"profile {json.loads(profile)!r}"
    elif own:
        shown = "credentials " + ", ".join(key for key, _ in own)
    else:
        shown = "ambient credentials (none of the default provider's)"
    digest = hashlib.sha256(repr(own).encode()).hexdigest()[:8]
    return f"{UNKNOWN_ACCOUNT}a provider with its own {shown} [{digest}] and no allowedAccountIds or role naming its account)"


UNKNOWN_ACCOUNT = "(unknown: "


def is_unknown_account(account: str) -> bool:
    """True for an account `account_of` could not name: any account id may be it."""
    return account.startswith(UNKNOWN_ACCOUNT)
