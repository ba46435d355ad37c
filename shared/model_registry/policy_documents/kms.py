"""The KMS key policy of the registry's key: explicit principals, no `kms:*`."""

from __future__ import annotations

from . import Document, account_root, document, statement

# Administration without use: who can manage the key cannot read images with it.
KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReplicateKey",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
)
# What ECR needs to encrypt layers with the key on the account's behalf (it works through grants).
ECR_USE_ACTIONS = (
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)


def registry_key_policy(account_id: str, regions: tuple[str, ...], admins: tuple[str, ...] = ()) -> Document:
    """The account root and named admins administer; ECR in the named regions uses it for this account."""
    return document(
        statement(
            "AdministerKey",
            KEY_ADMIN_ACTIONS,
            principal={"AWS": sorted({account_root(account_id), *admins})},
            resources="*",
        ),
        statement(
            "UseKeyThroughEcrOfThisAccount",
            ECR_USE_ACTIONS,
            principal={"AWS": account_root(account_id)},
            resources="*",
            conditions={
                "StringEquals": {
                    "kms:CallerAccount": account_id,
                    "kms:ViaService": sorted(f"ecr.{region}.amazonaws.com" for region in regions),
                }
            },
        ),
    )
