"""KMS identifiers and key kinds: what an ARN of a key is made of, so that a program can name a key before it
exists, and which key usages each key spec takes.

A multi-Region replica key has its primary's key id (`mrk-...`) in its own Region
(https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html#mrk-concepts):
a replica's ARN follows from the primary's ARN and the replica's Region.
"""

from __future__ import annotations

import re

from .names import ACCOUNT_ID

CREATE_KEY_URL = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html"
ROTATION_URL = "https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html"
REPLICATE_KEY_URL = "https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html"
# CreateKey's defaults (botocore's CreateKeyRequest documentation: "The default value is SYMMETRIC_DEFAULT",
# "The default value is ENCRYPT_DECRYPT").
DEFAULT_KEY_SPEC = "SYMMETRIC_DEFAULT"
DEFAULT_KEY_USAGE = "ENCRYPT_DECRYPT"
# The key usages each family of botocore's KeySpec enum takes, from CreateKeyRequest.KeyUsage's documentation
# ("For asymmetric KMS keys with RSA key pairs, specify ENCRYPT_DECRYPT or SIGN_VERIFY", ...), keyed by the
# spec's prefix; tests/validation/test_kms_key_kinds.py fails when botocore names a spec no family covers.
# ECC_NIST_EDWARDS25519 is one of the "NIST-standard elliptic curve key pairs" the text lists.
KEY_USAGES_BY_SPEC_PREFIX: dict[str, tuple[str, ...]] = {
    "SYMMETRIC_DEFAULT": ("ENCRYPT_DECRYPT",),
    "HMAC_": ("GENERATE_VERIFY_MAC",),
    "RSA_": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "ECC_NIST_": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ECC_SECG_P256K1": ("SIGN_VERIFY",),
    "ML_DSA_": ("SIGN_VERIFY",),
    "ML_KEM_": ("ENCAPSULATE_DECAPSULATE",),
    "SM2": ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"),
}
# EnableKeyRotation: "Automatic key rotation is supported only on symmetric encryption KMS keys. You cannot
# enable automatic rotation of asymmetric KMS keys, HMAC KMS keys, KMS keys with imported key material, or KMS
# keys in a custom key store."
ROTATABLE_SPECS = ("SYMMETRIC_DEFAULT",)
# CreateKey's CustomKeyStoreId: "This parameter is valid only for symmetric encryption KMS keys in a single Region.
# You cannot create any other type of KMS key in a custom key store."
CUSTOM_KEY_STORE_SPECS = ("SYMMETRIC_DEFAULT",)


def key_usages(spec: str) -> tuple[str, ...] | None:
    """The key usages CreateKey takes with `spec`; None for a spec no family covers (not judged)."""
    for prefix, usages in KEY_USAGES_BY_SPEC_PREFIX.items():
        if spec == prefix or prefix.endswith("_") and spec.startswith(prefix):
            return usages
    return None


# arn:<partition>:kms:<region>:<account>:key/<key id>
_KEY_ARN = re.compile(
    rf"arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z0-9-]+):(?P<account>{ACCOUNT_ID.pattern}):key/(?P<key>[^/]+)"
)


def names_single_region_key(key: str) -> bool:
    """Whether a key ARN (or key id) names a single-Region key: its key id does not start with `mrk-`. ReplicateKey
    replicates multi-Region primary keys only (API_ReplicateKey.html: "KeyId: Identifies the multi-Region primary
    key that is being replicated")."""
    found = _KEY_ARN.fullmatch(key)
    key_id = found["key"] if found else key
    return "/" not in key_id and ":" not in key_id and not key_id.startswith("mrk-")


def key_arn(partition: str, region: str, account: str, key_id: str) -> str:
    return f"arn:{partition}:kms:{region}:{account}:key/{key_id}"


def replica_key_arn(primary_key_arn: str, region: str) -> str:
    """The ARN of the replica in `region` of the multi-Region key `primary_key_arn`; ValueError (one line) when
    the ARN is not a multi-Region key's."""
    found = _KEY_ARN.fullmatch(primary_key_arn)
    if found is None:
        raise ValueError(f"{primary_key_arn!r} is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)")
    if not found["key"].startswith("mrk-"):
        raise ValueError(f"{primary_key_arn!r} is not a multi-Region key (its key id does not start with 'mrk-')")
    return key_arn(found["partition"], region, found["account"], found["key"])
