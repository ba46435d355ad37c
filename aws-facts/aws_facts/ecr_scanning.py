"""Registry scanning (PutRegistryScanningConfiguration) as ECR applies it: its values, its limits, how a filter
matches a repository name and which frequency a repository ends up with.

The values are botocore's ECR enums (ScanType, ScanFrequency, ScanningRepositoryFilterType), the limits its
lengths; tests/validation/test_ecr_scanning.py fails when the installed botocore says otherwise. The rules, from
the model's documentation and ECR's user guide ("Filters to choose which repositories are scanned"):

- A registry has ONE scanning configuration per account and region; a put replaces it whole. A registry that
  never put one is BASIC ("When a registry scanning configuration is not defined, by default the BASIC scan
  type is used").
- ENHANCED takes the frequencies CONTINUOUS_SCAN and SCAN_ON_PUSH, BASIC only SCAN_ON_PUSH
  (RegistryScanningRule.scanFrequency); MANUAL scans nothing by itself.
- A filter (WILDCARD, the only type) without `*` matches every repository name that CONTAINS it; a filter
  with `*` matches names where each `*` stands for zero or more characters (the whole name must match).
- ENHANCED: a repository matched by no rule has scanning disabled; matched by a CONTINUOUS_SCAN and a
  SCAN_ON_PUSH rule, continuous wins. The repository's own scanOnPush is ignored.
- BASIC with rules: a repository matched by a SCAN_ON_PUSH rule scans on push; any other is set to MANUAL.
  The repository's own scanOnPush is ignored.
- BASIC without rules is the registry's default state: the repository's own (deprecated) scanOnPush decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from . import models
from .quotas import QUOTA_TABLE


class ScanType(StrEnum):
    """botocore's ScanType (ENHANCED first: the stacks' default, listed first in their config messages)."""

    ENHANCED = "ENHANCED"
    BASIC = "BASIC"


class ScanFrequency(StrEnum):
    """botocore's ScanFrequency."""

    SCAN_ON_PUSH = "SCAN_ON_PUSH"
    CONTINUOUS_SCAN = "CONTINUOUS_SCAN"
    MANUAL = "MANUAL"


class FilterType(StrEnum):
    """botocore's ScanningRepositoryFilterType: WILDCARD, the only one."""

    WILDCARD = "WILDCARD"


# The scan type of a registry that has never put a scanning configuration (or a request that names none).
DEFAULT_SCAN_TYPE = ScanType.BASIC
# The rule frequencies each scan type takes: the ones that scan.
SCANNING_FREQUENCIES: dict[str, tuple[ScanFrequency, ...]] = {
    ScanType.BASIC: (ScanFrequency.SCAN_ON_PUSH,),
    ScanType.ENHANCED: (ScanFrequency.SCAN_ON_PUSH, ScanFrequency.CONTINUOUS_SCAN),
}
# Not an API value: what ENHANCED scanning leaves a repository that no rule matches (no scanning at all).
DISABLED = "DISABLED"

# PutRegistryScanningConfiguration's rules, filters per rule and filter (botocore's ECR model).
MAX_RULES = QUOTA_TABLE["ecr-scanning-rules"].limit
MAX_FILTERS_PER_RULE = QUOTA_TABLE["ecr-scanning-filters"].limit
FILTER_LENGTH = (
    int(models.length("ecr", "ScanningRepositoryFilterValue")[0] or 0),
    models.maximum("ecr", "ScanningRepositoryFilterValue"),
)
FILTER_PATTERN = re.compile(models.unanchored("ecr", "ScanningRepositoryFilterValue"))


def filter_problem(pattern: Any) -> str | None:
    """Why ECR refuses a scanning filter, or None when it is valid."""
    if not isinstance(pattern, str):
        return f"filter {pattern!r} is not a string"
    low, high = FILTER_LENGTH
    if not low <= len(pattern) <= high:
        return f"filter {pattern!r} is not {low}-{high} characters long"
    if FILTER_PATTERN.fullmatch(pattern) is None:
        return f"filter {pattern!r} breaks ECR's filter pattern {FILTER_PATTERN.pattern}"
    return None


def filter_matches(pattern: str, repository_name: str) -> bool:
    """ECR's WILDCARD filter: without `*` a substring match, with `*` a whole-name wildcard match."""
    if "*" not in pattern:
        return pattern in repository_name
    regex = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, repository_name, re.DOTALL) is not None


def filter_covers_prefix(pattern: str, prefix: str) -> bool:
    """True when the filter matches EVERY repository name that starts with `prefix` (what a replication
    PREFIX_MATCH filter selects): a plain filter contained in the prefix, or a wildcard filter ending in
    `*` whose rest matches some beginning of the prefix."""
    if "*" not in pattern:
        return pattern in prefix
    if not pattern.endswith("*"):
        return False
    head = "".join(".*" if c == "*" else re.escape(c) for c in pattern[:-1])
    return any(re.fullmatch(head, prefix[:end], re.DOTALL) for end in range(len(prefix) + 1))


def applied_frequency(scan_type: str, matching: Iterable[str]) -> str:
    """The frequency a configuration WITH RULES gives a repository, from the frequencies of the rules whose
    filters match it: continuous over on-push, among those the scan type takes; with none of them, DISABLED
    under ENHANCED and MANUAL otherwise."""
    scanning = set(matching) & set(SCANNING_FREQUENCIES.get(scan_type, ()))
    for frequency in (ScanFrequency.CONTINUOUS_SCAN, ScanFrequency.SCAN_ON_PUSH):
        if frequency in scanning:
            return frequency
    return DISABLED if scan_type == ScanType.ENHANCED else ScanFrequency.MANUAL
