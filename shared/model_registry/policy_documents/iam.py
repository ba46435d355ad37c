"""IAM documents: trust policies and the least-privilege push and pull policies.

The push and pull policies name the namespace (`repository/<namespace>/*`), never a list of
repositories, so that they are the same size at 4 and at 10,000 models: IAM allows 10,240 characters
of inline policy per role. A team's push role is limited to its team's repositories by their `team`
tag (`aws:ResourceTag/team`), which all seven push actions support through their `repository`
resource type; `ecr:GetAuthorizationToken` takes no resource (`*`) and no tag condition.
"""

from __future__ import annotations

from aws_facts.ecr_pull_through import PULL_THROUGH_ACTIONS

from ..config import GitHubPusher
from ..tagging import TEAM_TAG
from . import Document, document, statement
from .ecr import PULL_ACTIONS, PUSH_ACTIONS

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"


def github_subjects(pushers: tuple[GitHubPusher, ...]) -> list[str]:
    """The `sub` claims a workflow must present: `repo:<owner>/<name>:ref:<ref>` or `:environment:<name>`."""
    subjects = set()
    for pusher in pushers:
        for ref in pusher.refs:
            kind = "" if ref.startswith("environment:") else "ref:"
            subjects.add(f"repo:{pusher.repository}:{kind}{ref}")
    return sorted(subjects)


def github_oidc_trust_policy(provider_arn: str, pushers: tuple[GitHubPusher, ...]) -> Document:
    """Only the named repositories' workflows, on the named refs, may assume the role."""
    return document(
        statement(
            "GitHubActionsFromNamedRepositories",
            ["sts:AssumeRoleWithWebIdentity"],
            principal={"Federated": provider_arn},
            conditions={
                "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE},
                "StringLike": {f"{GITHUB_OIDC_HOST}:sub": github_subjects(pushers)},
            },
        )
    )


def service_trust_policy(services: tuple[str, ...], account_id: str) -> Document:
    """Services may assume the role only on behalf of this account (no confused deputy)."""
    return document(
        statement(
            "AssumeByServicesOfThisAccount",
            ["sts:AssumeRole"],
            principal={"Service": sorted(services)},
            conditions={"StringEquals": {"aws:SourceAccount": account_id}},
        )
    )


def namespace_repositories(region: str, account_id: str, namespace: str, partition: str = "aws") -> str:
    """The ARN pattern of every repository of the namespace: `arn:aws:ecr:<region>:<account>:repository/<ns>/*`."""
    return f"arn:{partition}:ecr:{region}:{account_id}:repository/{namespace}/*"


# GetAuthorizationToken is account-wide: IAM allows no narrower resource for it.
_TOKEN = statement("GetRegistryToken", ["ecr:GetAuthorizationToken"], resources="*")


def team_push_policy(repositories: str, team: str, cache_repositories: tuple[str, ...] = ()) -> Document:
    """Push (and the pulls a push makes) to the namespace's repositories tagged `team: <team>`, and nothing else.

    No `ecr:TagResource`/`ecr:UntagResource`: a role that could tag could move any repository into its team.

    With `cache_repositories` (the ARN patterns `repository/<cache prefix>/*` of the registry's pull-through
    cache rules), the role may also pull through those caches: ECR requires the puller's identity to allow
    `ecr:BatchImportUpstreamImage`, and `ecr:CreateRepository` for the first pull of an upstream repository
    (the repository does not exist yet, so its creation template's policy cannot grant it). No tag condition:
    ECR creates the cache repositories with the template's tags, which name no team. Pulling an existing cache
    repository is granted by that template's repository policy (build roles by ARN, same account).
    """
    statements = [
        _TOKEN,
        statement(
            "PushToTeamRepositories",
            PUSH_ACTIONS,
            resources=[repositories],
            conditions={"StringEquals": {f"aws:ResourceTag/{TEAM_TAG}": team}},
        ),
    ]
    if cache_repositories:
        statements.append(statement("PullThroughTheCaches", PULL_THROUGH_ACTIONS, resources=sorted(cache_repositories)))
    return document(*statements)


def pull_policy(repositories: str) -> Document:
    """Pull from every repository of the namespace (the repository policies name this role as a consumer)."""
    return document(_TOKEN, statement("PullFromModelRepositories", PULL_ACTIONS, resources=[repositories]))
