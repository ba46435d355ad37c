"""ECR managed signing (PutSigningConfiguration): one signing configuration per registry and region.

From botocore's ECR model (tests/features/test_features_signing.py compares): a configuration has at most
10 rules (SigningRuleList), each a Signer signing profile ARN (SigningProfileArn) and 1-100 repository
filters (SigningRepositoryFilterList) of type WILDCARD_MATCH (SigningRepositoryFilterType), each filter
1-256 characters of a repository name where `*` may stand for characters (SigningRepositoryFilterValue).
A rule signs every image pushed to a repository its filters match, so it covers all of that repository's
tags, release tags included; there is no tag filter.
"""

from __future__ import annotations

import re

MAX_RULES = 10
MAX_FILTERS = 100
FILTER_TYPE = "WILDCARD_MATCH"
FILTER_LENGTH = (1, 256)
FILTER = re.compile(r"(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*")
PROFILE_ARN = re.compile(r"arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\/signing-profiles\/[a-zA-Z0-9_]{2,}")
PROFILE_ARN_MAX = 200


def filter_matches(pattern: str, repository: str) -> bool:
    """WILDCARD_MATCH: the whole repository name, `*` standing for any characters (none included)."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), repository) is not None


def profile_problem(arn: str) -> str | None:
    if len(arn) > PROFILE_ARN_MAX or not PROFILE_ARN.fullmatch(arn):
        return (
            f"{arn!r} is not a Signer signing profile ARN "
            "(arn:aws:signer:<region>:<account>:/signing-profiles/<name>, at most 200 characters)"
        )
    return None
