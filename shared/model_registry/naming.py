"""Names: ECR's repository-name rule, the identifier rules the config validates, and resource names."""

from __future__ import annotations

import re

from aws_facts.iam.quotas import ROLE_NAME
from aws_facts.names import (
    ACCOUNT_ID,
    ANY_ARN,
    IAM_PRINCIPAL_ARN,
    ORG_ID,
    ORG_PATH,
    REPOSITORY_NAME_LENGTH,
    SERVICE_PRINCIPAL,
    TAG_FILTER,
    TAG_PREFIX,
    is_repository_name,
)

# The AWS facts above live in the leaf package (ECR's rules read from botocore's model); re-exported here
# under the names the stacks' library has always used.
ECR_REPOSITORY_NAME_LENGTH = REPOSITORY_NAME_LENGTH
# A region name's shape, for a deployer pinned to regions that botocore may not list yet.
REGION = re.compile(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d")
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
# The role ECR assumes to create KMS-encrypted, tagged pull-through cache repositories (registry stack).
CACHE_TEMPLATE_ROLE = "model-registry-cache-template"
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


def repository_name(namespace: str, model: str) -> str:
    """The ECR repository name of a model: `<namespace>/<model>`."""
    return f"{namespace}/{model}"


def resource_name(*parts: str) -> str:
    """A Pulumi logical name from parts, e.g. ("llama-3-8b", "lifecycle") -> "llama-3-8b-lifecycle"."""
    return "-".join(part.replace("/", "-") for part in parts if part)


__all__ = [
    "ACCOUNT_ID",
    "ANY_ARN",
    "IAM_PRINCIPAL_ARN",
    "ORG_ID",
    "ORG_PATH",
    "SERVICE_PRINCIPAL",
    "TAG_FILTER",
    "TAG_PREFIX",
    "is_repository_name",
]
