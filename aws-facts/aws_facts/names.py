"""Identifiers, regions and the name and filter rules of the services the project uses.

Each rule is read from AWS's own service models through botocore (`aws_facts.models`) where a model states
it; the few that no model states (organization paths, service principals, principal ARNs) are written here,
once, with their source.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from importlib import resources

from . import models

# --- identifiers (AWS Organizations' model) --------------------------------------------------------------

# re.ASCII: the model's \d is the ASCII digits (Python's would take any Unicode digit).
ACCOUNT_ID = re.compile(models.pattern("organizations", "AccountId").strip("^$"), re.ASCII)
ORG_ID = re.compile(models.pattern("organizations", "OrganizationId").strip("^$"), re.ASCII)
_ROOT_ID = models.pattern("organizations", "RootId").strip("^$")
_OU_ID = models.pattern("organizations", "OrganizationalUnitId").strip("^$")
# aws:PrincipalOrgPaths values: <org id>/<root id>/<ou id>/... (IAM's global condition keys page), no model.
ORG_PATH = re.compile(f"{ORG_ID.pattern}/{_ROOT_ID}(?:/{_OU_ID})*/?")
# A whole path as AWS gives it in aws:PrincipalOrgPaths: each id followed by '/' (`o-x/r-y/ou-z/`). A trusted
# path is matched as a prefix, so its closing '/' matters: `.../ou-ab12-11111111` would also be a prefix of the
# sibling OU `.../ou-ab12-111111112/` (OU ids vary in length).
ORG_PATH_AS_GIVEN = re.compile(f"{ORG_ID.pattern}/{_ROOT_ID}/(?:{_OU_ID}/)*")


def organizations_whole_under(org_paths: Iterable[str]) -> frozenset[str]:
    """The organizations a set of paths covers whole: an organization has one root (AWS Organizations' concepts:
    "you can have only one root"), so the path of its root (`o-x/r-y/`) is every path of the organization."""
    return frozenset(p.split("/")[0] for p in org_paths if len(p.rstrip("/").split("/")) == 2)


# --- partitions and regions (botocore's partitions.json) --------------------------------------------------


@functools.cache
def _partitions() -> dict[str, list[str]]:
    """{partition id: [region, ...]}; pseudo regions (`aws-global`) left out."""
    data = json.loads((resources.files("botocore") / "data" / "partitions.json").read_text())
    return {
        p["id"]: sorted(r for r in p["regions"] if not r.endswith("-global") and not r.startswith("aws-"))
        for p in data["partitions"]
    }


def partitions() -> tuple[str, ...]:
    return tuple(sorted(_partitions()))


@functools.cache
def regions() -> frozenset[str]:
    return frozenset(r for listed in _partitions().values() for r in listed)


def partition_of(region: str) -> str | None:
    return next((p for p, listed in _partitions().items() if region in listed), None)


def arn_partition(value: str) -> str | None:
    """The partition field of an ARN (`arn:<partition>:...`, six fields at least), or None for no ARN."""
    parts = value.split(":")
    return parts[1] if len(parts) >= 6 and parts[0] == "arn" else None


def arn_partition_known(value: str) -> bool:
    return arn_partition(value) in _partitions()


# Any partition's id, as an ARN's second field (botocore's partitions.json: aws, aws-cn, aws-us-gov, aws-iso, ...).
_PARTITION = "(?:" + "|".join(re.escape(p) for p in partitions()) + ")"


# Written by hand (no model states them): the forms of a service principal, an IAM principal ARN and an ARN.
SERVICE_PRINCIPAL = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?")
# Any service principal's shape, a DNS name (Lambda also takes Alexa's `alexa-appkit.amazon.com`): where a bare
# principal string (Lambda, KMS grants, RAM) is read, one of this shape is a service, and anything else that is
# not "*", an account id or an ARN names no identity the analysis can place.
SERVICE_PRINCIPAL_SHAPE = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.IGNORECASE)  # as services are matched
# Their account field is ACCOUNT_ID's pattern. re.ASCII: IAM's names are ASCII (the IAM model's roleNameType and
# userNameType `[\w+=,.@-]+`, "upper and lowercase alphanumeric characters", Java's ASCII \w): Python's \w would
# take any Unicode letter, so a look-alike name (a Cyrillic 'а') would pass here and be refused by IAM.
IAM_PRINCIPAL_ARN = re.compile(
    rf"arn:{_PARTITION}:iam::{ACCOUNT_ID.pattern}:(?:root|(?:role|user)/[\w+=,.@/-]{{1,512}})", re.ASCII
)
# What a resource-based policy's "AWS" principal may also name (IAM user guide, "AWS JSON policy elements:
# Principal": role sessions `arn:aws:sts::<account>:assumed-role/<role name>/<session name>` and federated user
# sessions `arn:aws:sts::<account>:federated-user/<name>`). Names from the STS model: RoleSessionName and
# GetFederationToken's Name `[\w+=,.@-]*`, 2-64 and 2-32 characters; a role name (no path in a session ARN) 1-64.
SESSION_PRINCIPAL_ARN = re.compile(
    rf"arn:{_PARTITION}:sts::{ACCOUNT_ID.pattern}:"
    r"(?:assumed-role/[\w+=,.@-]{1,64}/[\w+=,.@-]{2,64}|federated-user/[\w+=,.@-]{2,32})",
    re.ASCII,
)
ANY_ARN = re.compile(rf"arn:{_PARTITION}:[a-z0-9-]+:[a-z0-9-]*:{ACCOUNT_ID.pattern}:[\w+=,.@/:*-]+", re.ASCII)


def is_account_id(value: object) -> bool:
    return isinstance(value, str) and ACCOUNT_ID.fullmatch(value) is not None


def is_org_id(value: object) -> bool:
    return isinstance(value, str) and ORG_ID.fullmatch(value) is not None


# --- ECR names and filters (ECR's model) -----------------------------------------------------------------

REPOSITORY_NAME_LENGTH: tuple[int, int] = (
    int(models.length("ecr", "RepositoryName")[0] or 0),
    int(models.length("ecr", "RepositoryName")[1] or 0),
)
MAX_REPOSITORY_NAME = REPOSITORY_NAME_LENGTH[1]
# Tag-mutability exclusion filters, and the lifecycle policy's tag patterns (the same characters and length).
TAG_FILTER = re.compile(models.pattern("ecr", "ImageTagMutabilityExclusionFilterValue").strip("^$"))
# A lifecycle tagPrefixList entry: a tag filter without the wildcard.
TAG_PREFIX = re.compile(TAG_FILTER.pattern.replace("*", ""))


def is_repository_name(name: str) -> bool:
    """ECR's RepositoryName: its length and pattern (lowercase runs joined by '.', '_', '__' or dashes,
    path components by '/')."""
    return models.matches("ecr", "RepositoryName", name)


def is_replication_prefix(value: str) -> bool:
    """ECR's RepositoryFilterValue (a PREFIX_MATCH replication filter)."""
    return models.matches("ecr", "RepositoryFilterValue", value)


def is_tag_filter(value: str) -> bool:
    return models.matches("ecr", "ImageTagMutabilityExclusionFilterValue", value)
