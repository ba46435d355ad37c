"""How the pack measures a document or a name against an AWS quota, and the one-line message of a broken one.

How a size is measured:
- IAM: "IAM does not count white space when calculating the size of a policy". Whitespace outside
  JSON strings (space, tab, line feed, carriage return) is not counted; every character inside a
  string is, as the provider sends it (`iam_policy_size`: Go's json.Marshal, `&` `<` `>` as six-character
  escapes; aws_facts.iam.quotas). Counting a space inside a string value is the safe side.
- ECR: characters of the document as the provider sends it (`sent_characters`: compacted by Go's
  json.Marshal, `&` `<` `>` written as six-character escapes), so a pretty-printed policy AWS accepts passes;
  KMS: UTF-8 bytes (the quota is 32,768 bytes).
- Tag keys and values: Unicode characters.
A value still unknown at preview cannot be measured: it is reported as `cannot_evaluate` (mandatory
policies must not pass on an unknown), unless the known part already breaks the limit.
"""

from __future__ import annotations

from typing import Any

from aws_facts.gojson import provider_form
from aws_facts.iam.quotas import policy_size, policy_text
from aws_facts.quotas import Quota

from .findings import Finding

# IAM's size rule lives in the IAM library, which the stacks and the deployer policies count with too;
# the pack's name for it stays, since its README and tests use it.
iam_policy_size = policy_size


def sent_characters(document: Any) -> int:
    """Characters of an ECR policy as the provider sends it: decoded and written again by Go's json.Marshal
    (compact, `<` `>` `&` as six-character escapes; aws_facts.gojson.provider_form). Text that is not JSON
    is counted as written (the provider refuses it anyway)."""
    sent = provider_form(document)
    return len(policy_text(document)) if sent is None else len(sent)


def utf8_bytes(document: Any) -> int:
    return len(policy_text(document).encode("utf-8"))


def over(quota: Quota, measured: int, where: str, fix: str = "") -> Finding:
    """The one-line message of a broken quota."""
    message = f"{where}: {quota.what} is {measured:,} {quota.unit}, above AWS's limit of {quota.limit:,} ({quota.url})"
    return Finding(f"{message}; {fix}" if fix else message)
