"""KMS identifiers: what an ARN of a key is made of, so that a program can name a key before it exists.

A multi-Region replica key has its primary's key id (`mrk-...`) in its own Region
(https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html#mrk-concepts):
a replica's ARN follows from the primary's ARN and the replica's Region.
"""

from __future__ import annotations

import re

from .names import ACCOUNT_ID

# arn:<partition>:kms:<region>:<account>:key/<key id>
_KEY_ARN = re.compile(
    rf"arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z0-9-]+):(?P<account>{ACCOUNT_ID.pattern}):key/(?P<key>[^/]+)"
)


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
