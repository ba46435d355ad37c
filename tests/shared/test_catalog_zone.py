"""A team's catalog file grants only inside the trusted zone of the pack's config for the environment
(policy-pack/config/<env>.json, no-wildcard-principal: trustedAccounts, organizationIds, trustedOrgPaths).
Each refusal names the file, the line, the model, the field and the rule."""

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from model_registry.catalog import TrustedZone, load_catalog, pack_config_path, trusted_zone
from model_registry.errors import ConfigError
from registry_policies import names as policy_names

REPO = Path(__file__).resolve().parents[2]
TRUSTED, PARTNER, FOREIGN = "123456789012", "210987654321", "444455556666"
ORG, FOREIGN_ORG = "o-a1b2c3d4e5", "o-zzzzzzzzzz"
ZONE = TrustedZone(frozenset({TRUSTED, PARTNER}), frozenset({ORG}), "policy-pack/config/local.json")


def folder_with(tmp_path, consumers: dict) -> Path:
    folder = tmp_path / "catalog"
    folder.mkdir()
    team = {"team": "nlp", "models": [{"name": "bert"}, {"name": "t5", "consumers": consumers}]}
    (folder / "nlp.yaml").write_text(yaml.safe_dump(team, sort_keys=False))
    return folder


def refusals(tmp_path, consumers: dict) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_catalog(folder_with(tmp_path, consumers), zone=ZONE)
    return list(error.value.problems)


@pytest.mark.parametrize(
    "consumers",
    [
        {"accounts": [PARTNER]},
        {"principals": [f"arn:aws:iam::{PARTNER}:role/inference"]},
        {"services": [{"service": "sagemaker.amazonaws.com", "sourceAccount": TRUSTED}]},
        {
            "services": [
                {"service": "lambda.amazonaws.com", "sourceArn": f"arn:aws:lambda:us-east-1:{PARTNER}:function:f"}
            ]
        },
        {"orgId": ORG},
        {"orgPaths": [f"{ORG}/r-ab12/ou-ab12-abcdefgh/"]},
    ],
)
def test_a_consumer_inside_the_trusted_zone_is_accepted(tmp_path, consumers):
    catalog = load_catalog(folder_with(tmp_path, consumers), zone=ZONE)
    assert [m.name for m in catalog.models] == ["bert", "t5"]


# The team file written by folder_with: line 5 is `consumers:`, its first entry on the lines after it.
@pytest.mark.parametrize(
    ("consumers", "expected"),
    [
        (
            {"accounts": [PARTNER, FOREIGN]},
            f"catalog/nlp.yaml:8: model 't5': consumers.accounts[1]: the account '{FOREIGN}' is outside the trusted "
            f"zone: policy-pack/config/local.json trusts the accounts {TRUSTED}, {PARTNER} "
            "(rule no-wildcard-principal.trustedAccounts); ask the security team to trust it there",
        ),
        (
            {"principals": [f"arn:aws:iam::{FOREIGN}:role/x"]},
            f"catalog/nlp.yaml:7: model 't5': consumers.principals[0]: 'arn:aws:iam::{FOREIGN}:role/x': its account "
            f"'{FOREIGN}' is outside the trusted zone",
        ),
        (
            {"services": [{"service": "sagemaker.amazonaws.com", "sourceAccount": FOREIGN}]},
            f"catalog/nlp.yaml:8: model 't5': consumers.services[0].sourceAccount: the source account '{FOREIGN}' is "
            "outside the trusted zone",
        ),
        (
            {
                "services": [
                    {"service": "lambda.amazonaws.com", "sourceArn": f"arn:aws:lambda:us-east-1:{FOREIGN}:function:f"}
                ]
            },
            f"catalog/nlp.yaml:8: model 't5': consumers.services[0].sourceArn: the source ARN's account '{FOREIGN}' is "
            "outside the trusted zone",
        ),
        (
            {"orgId": FOREIGN_ORG},
            f"catalog/nlp.yaml:6: model 't5': consumers.orgId: the organization is in the organization '{FOREIGN_ORG}', "
            f"outside the trusted zone: policy-pack/config/local.json trusts the organizations {ORG} "
            "(rule no-wildcard-principal.organizationIds)",
        ),
        (
            {"orgPaths": [f"{ORG}/r-ab12/", f"{FOREIGN_ORG}/r-ab12/ou-ab12-abcdefgh/"]},
            f"catalog/nlp.yaml:8: model 't5': consumers.orgPaths[1]: the path '{FOREIGN_ORG}/r-ab12/ou-ab12-abcdefgh/' "
            f"is in the organization '{FOREIGN_ORG}', outside the trusted zone",
        ),
    ],
)
def test_a_consumer_outside_the_zone_is_refused_naming_file_line_model_field_and_rule(tmp_path, consumers, expected):
    (problem,) = refusals(tmp_path, consumers)
    assert problem.startswith(expected), problem


def test_every_consumer_outside_the_zone_is_reported_at_once(tmp_path):
    found = refusals(tmp_path, {"accounts": [FOREIGN, "555566667777"], "orgId": FOREIGN_ORG})
    assert [p.split(": ")[2] for p in found] == ["consumers.accounts[0]", "consumers.accounts[1]", "consumers.orgId"]


def test_the_pack_config_beside_the_catalog_folder_is_the_one_read(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "policy-pack" / "config").mkdir(parents=True)
    (tmp_path / "policy-pack" / "config" / "dev.json").write_text("{}")
    assert pack_config_path(tmp_path / "catalog", "dev") == tmp_path / "policy-pack" / "config" / "dev.json"


def test_a_catalog_folder_without_a_pack_config_beside_it_uses_the_repositorys(tmp_path):
    (tmp_path / "catalog").mkdir()
    assert pack_config_path(tmp_path / "catalog", "dev") == REPO / "policy-pack" / "config" / "dev.json"


def test_without_a_zone_the_loader_checks_only_the_file_itself(tmp_path):
    catalog = load_catalog(folder_with(tmp_path, {"accounts": [FOREIGN]}))
    assert catalog.models[1].consumers.accounts == (FOREIGN,)


@pytest.mark.parametrize("environment", ["local", "dev", "prod"])
def test_the_repository_catalog_is_inside_every_environments_zone(environment):
    zone = trusted_zone(REPO / "policy-pack" / "config" / f"{environment}.json")
    assert {m.name for m in load_catalog(REPO / "catalog", zone=zone).models}


def test_the_zone_is_read_from_the_pack_config():
    config = json.loads((REPO / "policy-pack" / "config" / "prod.json").read_text())[policy_names.NO_WILDCARD_PRINCIPAL]
    zone = trusted_zone(REPO / "policy-pack" / "config" / "prod.json", "policy-pack/config/prod.json")
    assert zone.accounts == frozenset(config["trustedAccounts"])
    assert zone.organizations == frozenset(config["organizationIds"])


def test_a_missing_pack_config_is_refused_in_one_line(tmp_path):
    with pytest.raises(ConfigError) as error:
        trusted_zone(tmp_path / "staging.json", "policy-pack/config/staging.json")
    (problem,) = error.value.problems
    assert problem.startswith("policy-pack/config/staging.json: not found (")
    assert "\n" not in problem


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{}", "has no 'no-wildcard-principal' object"),
        ('{"no-wildcard-principal": {"trustedAccounts": "123456789012"}}', "trustedAccounts must be a list of strings"),
        ("{", "policy-pack/config/x.json:"),
    ],
)
def test_an_unusable_pack_config_is_refused_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as error:
        trusted_zone(path, "policy-pack/config/x.json")
    (problem,) = error.value.problems
    assert expected in problem and problem.startswith("policy-pack/config/x.json:")


# ---- trusted organization paths (no-wildcard-principal.trustedOrgPaths) ----------------------------------------
# A zone that trusts one OU of another organization, not that organization as a whole.
PATH_ORG = "o-p9q8r7s6t5"
TRUSTED_OU = f"{PATH_ORG}/r-cd34/ou-cd34-11111111/"
PATH_ZONE = TrustedZone(
    frozenset({TRUSTED}), frozenset({ORG}), "policy-pack/config/local.json", frozenset({TRUSTED_OU})
)


def path_refusals(tmp_path, org_paths: list[str]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_catalog(folder_with(tmp_path, {"orgPaths": org_paths}), zone=PATH_ZONE)
    return list(error.value.problems)


@pytest.mark.parametrize(
    "org_path",
    [
        f"{PATH_ORG}/r-cd34/ou-cd34-11111111/",  # the trusted OU itself
        f"{PATH_ORG}/r-cd34/ou-cd34-11111111",  # written without its closing '/'
        f"{PATH_ORG}/r-cd34/ou-cd34-11111111/ou-cd34-22222222/",  # an OU under it
        f"{ORG}/r-ab12/ou-ab12-abcdefgh/",  # a path of the trusted organization
    ],
)
def test_a_path_under_a_trusted_path_is_accepted(tmp_path, org_path):
    catalog = load_catalog(folder_with(tmp_path, {"orgPaths": [org_path]}), zone=PATH_ZONE)
    assert catalog.models[1].consumers.org_paths == (org_path,)


def test_a_trusted_root_path_is_its_whole_organization(tmp_path):
    """An organization has one root (AWS Organizations): the path of its root covers every account of it, so the
    team may name the organization itself; a path under another organization's root stays outside."""
    for name in ("own", "other", "ou"):
        (tmp_path / name).mkdir()
    root_zone = TrustedZone(
        frozenset({TRUSTED}), frozenset(), "policy-pack/config/local.json", frozenset({f"{PATH_ORG}/r-cd34/"})
    )
    catalog = load_catalog(folder_with(tmp_path / "own", {"orgId": PATH_ORG}), zone=root_zone)
    assert catalog.models[1].consumers.org_id == PATH_ORG
    with pytest.raises(ConfigError):
        load_catalog(folder_with(tmp_path / "other", {"orgId": ORG}), zone=root_zone)
    ou_zone = TrustedZone(frozenset({TRUSTED}), frozenset(), "policy-pack/config/local.json", frozenset({TRUSTED_OU}))
    with pytest.raises(ConfigError):  # one OU is not the organization
        load_catalog(folder_with(tmp_path / "ou", {"orgId": PATH_ORG}), zone=ou_zone)


@pytest.mark.parametrize(
    "org_path",
    [
        f"{PATH_ORG}/r-cd34/ou-cd34-22222222/",  # a sibling OU
        f"{PATH_ORG}/r-cd34/ou-cd34-111111112/",  # a sibling whose id starts with the trusted OU's id
        f"{PATH_ORG}/r-cd34/",  # the root above the trusted OU: every OU of the organization
        f"{PATH_ORG}/r-cd35/ou-cd34-11111111/",  # another root
        "o-zzzzzzzzzz/r-cd34/ou-cd34-11111111/",  # the same OU and root ids in another organization
    ],
)
def test_a_path_outside_every_trusted_path_and_organization_is_refused_naming_file_line_and_rules(tmp_path, org_path):
    (problem,) = path_refusals(tmp_path, [TRUSTED_OU, org_path])
    organization = org_path.split("/")[0]
    assert problem == (
        f"catalog/nlp.yaml:8: model 't5': consumers.orgPaths[1]: the path '{org_path}' is in the organization "
        f"'{organization}', outside the trusted zone: policy-pack/config/local.json "
        f"trusts the organizations {ORG} (rule no-wildcard-principal.organizationIds) and the paths {TRUSTED_OU} "
        "(rule no-wildcard-principal.trustedOrgPaths); ask the security team to trust it there"
    )


def test_the_trusted_paths_are_read_from_the_pack_config(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"no-wildcard-principal": {"organizationIds": [ORG], "trustedOrgPaths": [TRUSTED_OU]}}))
    zone = trusted_zone(path, "policy-pack/config/x.json")
    assert zone.org_paths == frozenset({f"{PATH_ORG}/r-cd34/ou-cd34-11111111/"})
    assert zone.path_problem(f"{PATH_ORG}/r-cd34/ou-cd34-11111111/ou-cd34-33333333/") is None
    assert zone.path_problem(f"{PATH_ORG}/r-cd34/ou-cd34-33333333/") is not None


@pytest.mark.parametrize(
    "bad",
    [
        f"{PATH_ORG}/r-cd34/ou-cd34-11111111",  # no closing '/': a prefix of the sibling ou-cd34-111111112
        f"{PATH_ORG}/r-cd34",
        f"{PATH_ORG}/",  # no root
        f"{PATH_ORG}/r-cd34/ou-cd34-1111111/",  # the OU's second part is 8 to 32 characters: one under
        f"{PATH_ORG}/r-cd34/ou-cd34-" + "1" * 33 + "/",  # one over
        "o-" + "a" * 9 + "/r-cd34/",  # an organization id is 10 to 32 characters after 'o-': one under
        "o-" + "a" * 33 + "/r-cd34/",  # one over
        f"{PATH_ORG}/r-" + "c" * 33 + "/",  # a root id is 4 to 32 characters after 'r-': one over
        f"{PATH_ORG}/r-cd3/",  # one under
        f"{PATH_ORG.upper()}/r-cd34/",
        f"{PATH_ORG}/r-cd34/*",
    ],
)
def test_a_malformed_trusted_path_is_refused_naming_the_file_key_and_index(tmp_path, bad):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"no-wildcard-principal": {"trustedOrgPaths": [TRUSTED_OU, bad]}}))
    with pytest.raises(ConfigError) as error:
        trusted_zone(path, "policy-pack/config/x.json")
    (problem,) = error.value.problems
    assert problem == (
        f"policy-pack/config/x.json: no-wildcard-principal.trustedOrgPaths[1]: {bad!r} is not an organization path "
        "as AWS gives it, such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (each id followed by '/')"
    )


@pytest.mark.parametrize(
    "good",
    [
        "o-" + "a" * 10 + "/r-cd34/",  # the organization id at its limits
        "o-" + "a" * 32 + "/r-cd34/",
        f"{PATH_ORG}/r-" + "c" * 32 + "/",  # the root id at its upper limit
        f"{PATH_ORG}/r-cd34/ou-" + "c" * 32 + "-" + "1" * 32 + "/",  # the OU id at its upper limits
        f"{PATH_ORG}/r-cd34/ou-cd34-11111111/ou-cd34-22222222/",
    ],
)
def test_a_trusted_path_at_the_limits_of_its_ids_is_read(tmp_path, good):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"no-wildcard-principal": {"trustedOrgPaths": [good]}}))
    assert trusted_zone(path).org_paths == frozenset({good})


# Paths built id by id from a few organizations, roots and OUs, the trusted ones among them and ids that start
# with a trusted id. The rule, stated on ids rather than text: the path's ids begin with a trusted path's ids,
# or its organization is trusted.
def _ids(text: str) -> list[str]:
    return [part for part in text.split("/") if part]


paths = st.builds(
    lambda org, root, ous, slash: "/".join([org, root, *ous]) + ("/" if slash else ""),
    st.sampled_from([ORG, PATH_ORG, "o-p9q8r7s6t5x", "o-zzzzzzzzzz"]),
    st.sampled_from(["r-cd34", "r-cd345", "r-ef56"]),
    st.lists(st.sampled_from(["ou-cd34-11111111", "ou-cd34-111111112", "ou-cd34-22222222"]), max_size=3),
    st.booleans(),
)


@given(paths)
def test_a_path_is_inside_exactly_when_its_ids_begin_with_a_trusted_paths_or_its_organization_is_trusted(org_path):
    ids = _ids(org_path)
    inside = ids[0] in PATH_ZONE.organizations or any(ids[: len(_ids(t))] == _ids(t) for t in PATH_ZONE.org_paths)
    assert (PATH_ZONE.path_problem(org_path) is None) == inside


def test_the_same_file_is_held_to_each_zone_it_is_read_with(tmp_path):
    folder = folder_with(tmp_path, {"accounts": [PARTNER]})
    assert [m.name for m in load_catalog(folder, zone=ZONE).models] == ["bert", "t5"]
    narrower = TrustedZone(frozenset({TRUSTED}), frozenset({ORG}), "policy-pack/config/prod.json")
    with pytest.raises(ConfigError) as error:
        load_catalog(folder, zone=narrower)
    assert error.value.problems[0].startswith(
        f"catalog/nlp.yaml:7: model 't5': consumers.accounts[0]: the account '{PARTNER}' is outside the trusted zone"
    )
    assert [m.name for m in load_catalog(folder).models] == ["bert", "t5"]


# IAM role and user names are ASCII (CreateRole's RoleName: "upper and lowercase alphanumeric characters with no
# spaces" and + = , . @ -): a look-alike letter names no role IAM can have, and IAM refuses the policy.
@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:iam::{PARTNER}:role/ch\u0430t-inference",  # Cyrillic a
        f"arn:aws:iam::{PARTNER}:user/\u00e9quipe",  # Latin-1 letter
        f"arn:aws:iam::{PARTNER}:role/inference\u0661",  # Arabic-Indic digit one
    ],
    ids=["cyrillic", "latin-1", "arabic-digit"],
)
def test_a_principal_whose_name_is_not_ascii_is_refused(tmp_path, principal):
    (problem,) = refusals(tmp_path, {"principals": [principal]})
    assert "consumers.principals[0]" in problem and "is not an IAM principal ARN" in problem


def test_a_source_arn_with_a_non_ascii_letter_is_refused(tmp_path):
    source = f"arn:aws:lambda:us-east-1:{PARTNER}:function:inf\u0435rence"  # Cyrillic e
    (problem,) = refusals(tmp_path, {"services": [{"service": "lambda.amazonaws.com", "sourceArn": source}]})
    assert "consumers.services[0].sourceArn" in problem and "is not an ARN" in problem


# IAM roles and resource-based policies delegate access across accounts within one partition (each account is
# scoped to one): a consumer ARN of another partition than the registry's names no identity that can reach it.
AWS_ZONE = TrustedZone(
    frozenset({TRUSTED, PARTNER}), frozenset({ORG}), "policy-pack/config/local.json", partition="aws"
)


@pytest.mark.parametrize(
    ("consumers", "field", "partition"),
    [
        ({"principals": [f"arn:aws-cn:iam::{PARTNER}:role/inference"]}, "consumers.principals[0]", "aws-cn"),
        ({"principals": [f"arn:aws-us-gov:iam::{TRUSTED}:root"]}, "consumers.principals[0]", "aws-us-gov"),
        (
            {
                "services": [
                    {
                        "service": "lambda.amazonaws.com",
                        "sourceArn": f"arn:aws-cn:lambda:cn-north-1:{PARTNER}:function:f",
                    }
                ]
            },
            "consumers.services[0].sourceArn",
            "aws-cn",
        ),
    ],
)
def test_a_consumer_arn_of_another_partition_than_the_registrys_is_refused(tmp_path, consumers, field, partition):
    with pytest.raises(ConfigError) as error:
        load_catalog(folder_with(tmp_path, consumers), zone=AWS_ZONE)
    (problem,) = error.value.problems
    assert field in problem and f"in the partition {partition!r}, and the registry in 'aws'" in problem


def test_a_consumer_arn_of_the_registrys_partition_is_accepted(tmp_path):
    consumers = {"principals": [f"arn:aws:iam::{PARTNER}:role/inference"]}
    catalog = load_catalog(folder_with(tmp_path, consumers), zone=AWS_ZONE)
    assert [m.name for m in catalog.models] == ["bert", "t5"]


# trustedFederatedOwners: a team's CI pushers are GitHub repositories of the owners the security team trusts; a
# workflow of another owner could assume the team's push role and push to its models.
OWNERS_ZONE = TrustedZone(
    frozenset({TRUSTED, PARTNER}),
    frozenset({ORG}),
    "policy-pack/config/local.json",
    federated_owners=frozenset({"acme"}),
)


def folder_with_pusher(tmp_path, repository: str) -> Path:
    folder = tmp_path / "catalog"
    folder.mkdir()
    team = {"team": "nlp", "ci": {"pushers": [{"repository": repository}]}, "models": [{"name": "bert"}]}
    (folder / "nlp.yaml").write_text(yaml.safe_dump(team, sort_keys=False))
    return folder


def test_a_pusher_of_another_github_owner_is_refused_naming_the_line(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_catalog(folder_with_pusher(tmp_path, "evil-corp/model-build"), zone=OWNERS_ZONE)
    (problem,) = error.value.problems
    # Line 4: team, ci, pushers, the pusher's `- repository:`.
    assert problem.startswith(
        "catalog/nlp.yaml:4: ci.pushers[0].repository: the GitHub repository 'evil-corp/model-build'"
    )
    assert "rule no-wildcard-principal.trustedFederatedOwners" in problem


@pytest.mark.parametrize("repository", ["acme/model-build", "Acme/model-build"])
def test_a_pusher_of_a_trusted_owner_is_accepted(tmp_path, repository):
    catalog = load_catalog(folder_with_pusher(tmp_path, repository), zone=OWNERS_ZONE)
    assert [m.name for m in catalog.models] == ["bert"]


def test_without_trusted_owners_any_pusher_is_accepted(tmp_path):
    catalog = load_catalog(folder_with_pusher(tmp_path, "evil-corp/model-build"), zone=ZONE)
    assert [m.name for m in catalog.models] == ["bert"]


# IAM user guide, "AWS JSON policy elements: Principal": a resource-based policy may name a role session
# (arn:aws:sts::<account>:assumed-role/<role>/<session>) or a federated user session (federated-user/<name>);
# STS's RoleSessionName is 2-64 and GetFederationToken's Name 2-32 characters of [\w+=,.@-].
@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:sts::{PARTNER}:assumed-role/chat-inference/batch-2024",
        f"arn:aws:sts::{PARTNER}:federated-user/bob",
        f"arn:aws:sts::{PARTNER}:federated-user/{'b' * 32}",
        f"arn:aws:sts::{PARTNER}:assumed-role/r/{'s' * 64}",
    ],
)
def test_a_session_of_a_trusted_account_is_a_principal(tmp_path, principal):
    catalog = load_catalog(folder_with(tmp_path, {"principals": [principal]}), zone=ZONE)
    assert catalog.models[1].consumers.principals == (principal,)


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:sts::{PARTNER}:federated-user/{'b' * 33}",
        f"arn:aws:sts::{PARTNER}:federated-user/b",
        f"arn:aws:sts::{PARTNER}:assumed-role/r/{'s' * 65}",
        f"arn:aws:sts::{PARTNER}:assumed-role/path/r/session",
        f"arn:aws:sts::{PARTNER}:assumed-role/r/*",
        f"arn:aws:sts::{PARTNER}:assumed-role/ch\u0430t/s1",
    ],
    ids=["name-33", "name-1", "session-65", "role-path", "wildcard", "cyrillic"],
)
def test_a_session_arn_sts_would_not_issue_is_refused(tmp_path, principal):
    (problem,) = refusals(tmp_path, {"principals": [principal]})
    assert "consumers.principals[0]" in problem and "is not an IAM principal ARN" in problem


def test_a_session_of_another_account_is_outside_the_zone(tmp_path):
    (problem,) = refusals(tmp_path, {"principals": [f"arn:aws:sts::{FOREIGN}:assumed-role/r/s1"]})
    assert problem.startswith(
        f"catalog/nlp.yaml:7: model 't5': consumers.principals[0]: 'arn:aws:sts::{FOREIGN}:assumed-role/r/s1': "
        f"its account '{FOREIGN}' is outside the trusted zone"
    )
