"""A team's catalog file grants only inside the trusted zone of the pack's config for the environment
(policy-pack/config/<env>.json, no-wildcard-principal: trustedAccounts, organizationIds). Each refusal names the
file, the line, the model, the field and the rule."""

import json
from pathlib import Path

import pytest
import yaml
from model_registry.catalog import TrustedZone, load_catalog, pack_config_path, trusted_zone
from model_registry.errors import ConfigError

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
    config = json.loads((REPO / "policy-pack" / "config" / "prod.json").read_text())["no-wildcard-principal"]
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
