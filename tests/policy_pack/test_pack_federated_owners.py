"""`trustedFederatedOwners` (no-wildcard-principal): the owners whose federated workflows are the zone's own. A
web identity provider is shared: a trust that pins a repository (GitHub), a project (GitLab) or a workspace (HCP
Terraform) of another owner lets that owner's workflows in. With the option set, such a trust admits an outsider;
without it, any owner the trust names concretely is taken as the account's (the pack cannot know the company's)."""

import json

import pytest
from registry_policies.pack_checks import effective_access

OWN = "123456789012"
BASE = {"trustedAccounts": [OWN], "organizationIds": ["o-a1b2c3d4e5"]}
PROVIDERS = {
    "github": ("token.actions.githubusercontent.com", "sub", "repo:{owner}/model-build:ref:refs/heads/main"),
    "gitlab": ("gitlab.com", "sub", "project_path:{owner}/models:ref_type:branch:ref:main"),
    "terraform": ("app.terraform.io", "sub", "organization:{owner}:project:p:workspace:w:run_phase:apply"),
}


def refused(provider: str, owner: str, config: dict) -> bool:
    host, claim, pattern = PROVIDERS[provider]
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{OWN}:oidc-provider/{host}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:{claim}": pattern.format(owner=owner)}},
    }
    trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return bool(effective_access("aws:iam/role:Role", {"assumeRolePolicy": trust}, config))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_trust_of_another_owner_is_refused_when_the_owners_are_named(provider):
    config = {**BASE, "trustedFederatedOwners": ["acme"]}
    assert refused(provider, "evil-corp", config)
    assert not refused(provider, "acme", config)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_owners_compare_without_case(provider):
    assert not refused(provider, "Acme", {**BASE, "trustedFederatedOwners": ["ACME"]})


@pytest.mark.parametrize("provider", PROVIDERS)
def test_without_named_owners_any_owner_the_trust_pins_is_the_accounts(provider):
    assert not refused(provider, "evil-corp", BASE)


def test_an_owner_that_is_not_a_name_is_a_config_error():
    with pytest.raises(ValueError, match=r"trustedFederatedOwners\[0\] has the malformed id 'acme/\*'"):
        refused("github", "acme", {**BASE, "trustedFederatedOwners": ["acme/*"]})
