"""ECR managed signing (PutSigningConfiguration): one signing configuration per registry and region.

From botocore's ECR model, read here (tests/features/test_features_signing.py states the numbers): a configuration has at most
10 rules (SigningRuleList), each a Signer signing profile ARN (SigningProfileArn) and 1-100 repository
filters (SigningRepositoryFilterList) of type WILDCARD_MATCH (SigningRepositoryFilterType), each filter
1-256 characters of a repository name where `*` may stand for characters (SigningRepositoryFilterValue).
A rule signs every image pushed to a repository its filters match, so it covers all of that repository's
tags, release tags included; there is no tag filter.
"""

from __future__ import annotations

import re

from . import models

MAX_RULES = models.maximum("ecr", "SigningRuleList")
MAX_FILTERS = models.maximum("ecr", "SigningRepositoryFilterList")
(FILTER_TYPE,) = models.enum("ecr", "SigningRepositoryFilterType")  # WILDCARD_MATCH, the only one
FILTER_LENGTH = (
    int(models.length("ecr", "SigningRepositoryFilterValue")[0] or 0),
    models.maximum("ecr", "SigningRepositoryFilterValue"),
)
FILTER = re.compile(models.unanchored("ecr", "SigningRepositoryFilterValue"))
PROFILE_ARN = re.compile(models.unanchored("ecr", "SigningProfileArn"))
PROFILE_ARN_MAX = models.maximum("ecr", "SigningProfileArn")


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
