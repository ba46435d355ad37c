"""IAM's size rule and the quotas measured with it, from AWS's "IAM and AWS STS quotas" page.

One place for both, so that the policy pack (which refuses a document over a quota), the deployer
policies and the stacks (which refuse to build one) count alike: IAM counts a policy's characters
without the white space outside JSON strings; everything inside a string counts as IAM receives it.

IAM receives a document as the provider sends it: decoded and written again by Go's json.Marshal
(terraform-provider-aws: role.go and policy.go call structure.NormalizeJsonString, role_policy.go and its
user/group siblings verify.LegacyPolicyNormalize, which does the same and moves Version first). So `&`, `<`,
`>` (and U+2028, U+2029) count six characters each (`\\u0026`), and an escape the author wrote that Go does not
(`\\u00e9`, `\\/`) counts as the character it stands for. A text that is not JSON is measured as written (the
provider refuses it).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from ..gojson import provider_form

IAM_QUOTAS_URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"

ROLE_INLINE_POLICIES = 10_240  # all inline policies of one role together
USER_INLINE_POLICIES = 2_048
GROUP_INLINE_POLICIES = 5_120
MANAGED_POLICY = 6_144
ROLE_TRUST_POLICY = 2_048  # the default; Service Quotas can raise it to 4,096
ROLE_TRUST_POLICY_MAX = 4_096
ROLE_NAME = 64
USER_NAME = 64
GROUP_NAME = 128
POLICY_NAME = 128
PATH = 512

# A JSON string (an unterminated one runs to the end of the text, so the scan stays linear) or white space.
_JSON_WHITESPACE = re.compile(r'("(?:[^"\\]|\\[\s\S]?)*"?)|[ \t\n\r]+')


def policy_text(document: Any) -> str:
    """The document's text: a string as written, an object as compact JSON."""
    if isinstance(document, str):
        return document
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def policy_size(document: Any) -> int:
    """IAM's size of a policy (a JSON string or an object) as the provider sends it: characters, not counting
    white space outside JSON strings."""
    if isinstance(document, str):
        return _text_size(document)
    return _size(policy_text(document), provider_form(document))


# Stacks of many models repeat the same policy text: each text is measured once.
@functools.lru_cache(maxsize=4096)
def _text_size(text: str) -> int:
    return _size(text, provider_form(text))


def _size(written: str, sent: str | None) -> int:
    return len(_JSON_WHITESPACE.sub(lambda m: m.group(1) or "", written if sent is None else sent))
