"""ECR pull-through cache: the upstream registries, their URLs, which need credentials, the prefix rules.

From ECR's user guide ("Sync an upstream registry with an Amazon ECR private registry", "Creating a pull
through cache rule") and botocore's ECR model, which tests/features/test_features_pull_through_cache.py
compares with this module: `UpstreamRegistry` (the names), `PullThroughCacheRuleRepositoryPrefix` (2-30
characters, the pattern), `CredentialArn` (a Secrets Manager secret whose name starts with
`ecr-pullthroughcache/`).

- Docker Hub and GitHub Container Registry need credentials (a Secrets Manager secret); Quay, ECR Public
  and the Kubernetes registry (registry.k8s.io) do not.
- A cache rule's prefix names the repositories ECR creates for the upstream's images:
  `<prefix>/<upstream repository>`; a repository creation template applied for PULL_THROUGH_CACHE with
  that prefix gives them their settings.
- Pulling through the cache takes `ecr:BatchImportUpstreamImage` (and `ecr:CreateRepository` on the first
  pull of an upstream repository) besides the pull actions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Upstream:
    url: str
    needs_credentials: bool
    # The last part of this project's cache prefix (`<cache prefix>/<short>`): ECR allows 30 characters.
    short: str


UPSTREAMS = {
    "docker-hub": Upstream("registry-1.docker.io", True, "docker-hub"),
    "github-container-registry": Upstream("ghcr.io", True, "ghcr"),
    "quay": Upstream("quay.io", False, "quay"),
    "ecr-public": Upstream("public.ecr.aws", False, "ecr-public"),
    "k8s": Upstream("registry.k8s.io", False, "k8s"),
}
PREFIX_LENGTH = (2, 30)
PREFIX = re.compile(r"([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)")
CREDENTIAL_ARN = re.compile(
    r"arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+"
)
CREDENTIAL_ARN_LENGTH = (50, 612)
# What a principal's identity must allow on `repository/<cache prefix>/*` to pull through a cache, besides the
# pull actions: the one place these names are written (the stacks, the deployers' boundary and the account
# settings import them; tests/features/test_features_pull_through_cache.py checks them against IAM's catalogue).
PULL_THROUGH_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")


def prefix_problem(prefix: str) -> str | None:
    low, high = PREFIX_LENGTH
    if not low <= len(prefix) <= high:
        return f"the cache prefix {prefix!r} is {len(prefix)} characters; ECR allows {low}-{high}"
    if not PREFIX.fullmatch(prefix):
        return f"the cache prefix {prefix!r} is not a repository name prefix (lowercase letters, digits, . _ - /)"
    return None


def credential_problem(arn: str) -> str | None:
    low, high = CREDENTIAL_ARN_LENGTH
    if not CREDENTIAL_ARN.fullmatch(arn) or not low <= len(arn) <= high:
        return (
            f"{arn!r} is not the ARN of a Secrets Manager secret named ecr-pullthroughcache/<name> "
            f"({low}-{high} characters), which ECR requires for upstream credentials"
        )
    return None


def credential_place_problem(arn: str, account: str | None, region: str | None) -> str | None:
    """A credential ARN whose secret is not in the cache rule's account and region, which ECR refuses. `account` or
    `region` None (unknown) is not compared; an ARN that is not a secret ARN is credential_problem's."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "secretsmanager":
        return None
    wrong = [
        f"{what} {theirs!r}, not the registry's {ours!r}"
        for what, theirs, ours in (("account", parts[4], account), ("region", parts[3], region))
        if ours and theirs != ours
    ]
    if not wrong:
        return None
    return (
        f"the secret {arn!r} is in {' and '.join(wrong)}: ECR requires the credentials' secret in the account and "
        "region of the pull-through cache rule; create the secret ecr-pullthroughcache/<name> there"
    )
