"""IAM documents: trust policies and the least-privilege push and pull policies."""

from __future__ import annotations

from ..config import GitHubPusher
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


def _with_token(sid: str, actions: tuple[str, ...], repository_arns: list[str]) -> Document:
    # GetAuthorizationToken is account-wide: IAM allows no narrower resource for it.
    return document(
        statement("GetRegistryToken", ["ecr:GetAuthorizationToken"], resources="*"),
        statement(sid, actions, resources=sorted(repository_arns)),
    )


def push_policy(repository_arns: list[str]) -> Document:
    return _with_token("PushToModelRepositories", PUSH_ACTIONS, repository_arns)


def pull_policy(repository_arns: list[str]) -> Document:
    return _with_token("PullFromModelRepositories", PULL_ACTIONS, repository_arns)
