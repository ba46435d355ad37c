"""Defence in depth for the self-service catalog: a model's consumers outside the trusted zone, had they passed
the catalog loader (model_registry.catalog.TrustedZone), are refused by the pack too. The repository policy is
built by the access stack's own builder (pull_statements) and sent to the real pack over gRPC with the local
environment's pack config."""

import json
from pathlib import Path

import pytest
from model_registry.config import Consumers, ServiceConsumer
from model_registry.policy_documents import document, to_json
from model_registry.policy_documents.ecr import pull_statements
from offline_preview.analyzer_client import AnalyzerClient
from registry_policies import names as policy_names

ROOT = Path(__file__).resolve().parents[2]
LOCAL = json.loads((ROOT / "policy-pack" / "config" / "local.json").read_text())
FOREIGN, FOREIGN_ORG = "444455556666", "o-zzzzzzzzzz"
TRUSTED, ORG = "210987654321", "o-a1b2c3d4e5"


@pytest.fixture(scope="module")
def pack():
    with AnalyzerClient(
        ROOT / "policy-pack", project="access", stack="local", config={"aws:region": "us-east-1"}
    ) as client:
        client.configure(LOCAL)
        yield client


def refused(pack, consumers: Consumers) -> bool:
    policy = to_json(document(*pull_statements(consumers)))
    resource = {
        "type": "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "name": "modelPolicy",
        "properties": {"repository": "models/bert", "policy": policy},
    }
    return any(v.policy_name == policy_names.NO_WILDCARD_PRINCIPAL for v in pack.analyze(resource))


OUTSIDE = {
    "account": Consumers(accounts=(FOREIGN,)),
    "principal": Consumers(principals=(f"arn:aws:iam::{FOREIGN}:role/inference",)),
    "service": Consumers(services=(ServiceConsumer(service="sagemaker.amazonaws.com", source_account=FOREIGN),)),
    "organization": Consumers(org_id=FOREIGN_ORG),
}
INSIDE = {
    "account": Consumers(accounts=(TRUSTED,)),
    "principal": Consumers(principals=(f"arn:aws:iam::{TRUSTED}:role/inference",)),
    "service": Consumers(services=(ServiceConsumer(service="sagemaker.amazonaws.com", source_account=TRUSTED),)),
    "organization": Consumers(org_id=ORG),
    "orgPath": Consumers(org_paths=(f"{ORG}/r-ab12/",)),
}


@pytest.mark.parametrize("kind", OUTSIDE)
def test_the_pack_refuses_a_catalog_consumer_outside_the_zone(pack, kind):
    assert refused(pack, OUTSIDE[kind])


def test_the_pack_refuses_a_catalog_org_path_of_another_organization(pack):
    assert refused(pack, Consumers(org_paths=(f"{FOREIGN_ORG}/r-ab12/",)))


@pytest.mark.parametrize("kind", INSIDE)
def test_the_pack_accepts_catalog_consumers_inside_the_zone(pack, kind):
    assert not refused(pack, INSIDE[kind])
