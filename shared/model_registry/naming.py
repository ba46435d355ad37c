"""Names: ECR's repository-name rule, the identifier rules the config validates, and resource names."""

from __future__ import annotations

import re

from aws_facts.iam.quotas import ROLE_NAME

# ECR's own rule for repository names (CreateRepository API reference), 2 to 256 characters.
ECR_REPOSITORY_NAME = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
ECR_REPOSITORY_NAME_LENGTH = (2, 256)

ACCOUNT_ID = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d")
ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
ORG_PATH = re.compile(r"o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}(?:/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})*/?")
SERVICE_PRINCIPAL = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?")
# An IAM principal ARN: account root, a role or a user (with an optional path).
IAM_PRINCIPAL_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::\d{12}:(?:root|(?:role|user)/[\w+=,.@/-]{1,512})")
# An ARN of any service, as taken by aws:SourceArn (wildcards allowed only in the resource part).
ANY_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[\w+=,.@/:*-]+")
# ECR tag-mutability exclusion filters and lifecycle tag patterns.
TAG_FILTER = re.compile(r"[0-9A-Za-z._*-]{1,128}")
TAG_PREFIX = re.compile(r"[0-9A-Za-z._-]{1,128}")
GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


# The account the local emulator (moto) answers as, so the account ENV=local deploys to; also what the
# offline preview assumes for a config that names no aws:allowedAccountIds.
LOCAL_ACCOUNT_ID = "123456789012"

# The IAM roles the stacks create; each owner's deployer policy is scoped to exactly these names.
# One CI push role per model team: `model-registry-ci-push-<team>`.
CI_PUSH_ROLE_PREFIX = "model-registry-ci-push-"
CI_PUSH_ROLES = CI_PUSH_ROLE_PREFIX + "*"
INFERENCE_PULL_ROLE = "model-registry-inference-pull"
REPLICA_TEMPLATE_ROLE = "model-registry-replica-template"
# IAM's limit on a role name.
MAX_ROLE_NAME = ROLE_NAME
# The permissions boundary every role a deployer creates must carry (tools/deployer_policies writes it).
ROLE_BOUNDARY_POLICY = "model-registry-role-boundary"


def ci_push_role(team: str) -> str:
    """The CI push role of a model team."""
    return CI_PUSH_ROLE_PREFIX + team


def role_boundary_arn(account_id: str) -> str:
    """The ARN of the managed policy ROLE_BOUNDARY_POLICY in `account_id`."""
    return f"arn:aws:iam::{account_id}:policy/{ROLE_BOUNDARY_POLICY}"


def is_repository_name(name: str) -> bool:
    """True when `name` is a valid ECR repository name (rule and length)."""
    low, high = ECR_REPOSITORY_NAME_LENGTH
    return low <= len(name) <= high and ECR_REPOSITORY_NAME.fullmatch(name) is not None


def repository_name(namespace: str, model: str) -> str:
    """The ECR repository name of a model: `<namespace>/<model>`."""
    return f"{namespace}/{model}"


def resource_name(*parts: str) -> str:
    """A Pulumi logical name from parts, e.g. ("llama-3-8b", "lifecycle") -> "llama-3-8b-lifecycle"."""
    return "-".join(part.replace("/", "-") for part in parts if part)
