"""Identity providers that federate into AWS, and the claims that identify whose users a trust admits.

A web identity provider is shared: anyone can get a token from GitHub, GitLab.com, HCP Terraform,
Google, Facebook, Login with Amazon or any Cognito identity pool. A trust policy admits only its own
users when a condition pins an identifying claim (IAM's web identity condition keys, `<provider>:<claim>`):
- token.actions.githubusercontent.com:sub  `repo:<owner>/<repo>:...`  (the owner must be concrete)
- gitlab.com:sub                          `project_path:<group>/<project>:...`
- app.terraform.io:sub                    `organization:<org>:project:...:workspace:...:run_phase:...`
- cognito-identity.amazonaws.com:aud      the identity pool id (or :sub, one identity)
- accounts.google.com:aud / :oaud / :sub  the OAuth client id (or one user)
- graph.facebook.com:app_id / :id, www.amazon.com:app_id / :user_id
- any other OIDC provider: <provider>:sub
`aud` of GitHub, GitLab and HCP Terraform is chosen by whoever requests the token, so it identifies no one.
SAML providers live in an account: users of an account's own SAML provider are that account's users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .wildcard import split_arn


def _after(prefix: str, stop: str) -> Callable[[str], str | None]:
    def owner(value: str) -> str | None:
        if not value.startswith(prefix):
            return None
        rest = value[len(prefix) :]
        head = rest.split(stop, 1)[0]
        return head if stop in rest or rest else None

    return owner


@dataclass(frozen=True)
class Provider:
    host: str
    identifying: tuple[str, ...]  # claims that pin whose users are admitted
    owner: Callable[[str], str | None] | None  # the owner part of the first identifying claim, when structured
    fresh: str  # a claim value only an outsider would present

    def key(self, claim: str) -> str:
        return f"{self.host}:{claim}".lower()


KNOWN = {
    p.host: p
    for p in (
        Provider(
            "token.actions.githubusercontent.com",
            ("sub",),
            _after("repo:", "/"),
            "repo:x-outsider-org/x-outsider-repo:ref:refs/heads/main",
        ),
        Provider(
            "gitlab.com",
            ("sub",),
            _after("project_path:", "/"),
            "project_path:x-outsider-group/x-outsider-project:ref_type:branch:ref:main",
        ),
        Provider(
            "app.terraform.io",
            ("sub",),
            _after("organization:", ":"),
            "organization:x-outsider-org:project:p:workspace:w:run_phase:apply",
        ),
        Provider(
            "cognito-identity.amazonaws.com",
            ("aud", "sub"),
            None,
            "us-east-1:00000000-0000-0000-0000-00000000000f",
        ),
        Provider("accounts.google.com", ("aud", "oaud", "sub"), None, "x-outsider.apps.googleusercontent.com"),
        Provider("graph.facebook.com", ("app_id", "id"), None, "1000000000000001"),
        Provider("www.amazon.com", ("app_id", "user_id"), None, "amzn1.application-oa2-client.x-outsider"),
    )
}


def provider_of(federated: str) -> tuple[str, str | None]:
    """(provider host or SAML name, the account of a provider ARN) for a Federated principal value."""
    parts = split_arn(federated)
    if parts is not None and parts[2] == "iam":
        kind, _, name = parts[5].partition("/")
        if kind == "saml-provider":
            return f"saml:{name}", parts[4]
        return name, parts[4]
    return federated, None


def provider(host: str) -> Provider:
    return KNOWN.get(host) or Provider(host, ("sub",), None, "x-outsider-subject")
