"""analyze_all (what the preview sends the pack) gives exactly what analyze_many and analyze_stack give."""

import json
from pathlib import Path

import pytest
from offline_preview.analyzer_client import AnalyzerClient

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policy-pack"
SEED = json.loads((ROOT / "tests/fixtures/policy_pack_seed_program.json").read_text())["resources"]
OPEN_POLICY = {
    "type": "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "name": "openPolicy",
    "properties": {
        "repository": "models/open",
        "policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ecr:BatchGetImage"}],
            }
        ),
    },
}
# A repository without its lifecycle policy: a stack policy finds it, as well as the resource policies.
LONE_REPOSITORY = {
    "type": "aws:ecr/repository:Repository",
    "name": "lone",
    "urn": "urn:pulumi:dev::registry::aws:ecr/repository:Repository::lone",
    "properties": {"name": "models/lone", "imageTagMutability": "MUTABLE"},
}


@pytest.fixture(scope="module")
def pack():
    with AnalyzerClient(PACK_DIR, project="registry", stack="dev", config={"aws:region": "us-east-1"}) as client:
        client.configure({})
        yield client


def test_analyze_all_gives_the_violations_of_analyze_many_and_analyze_stack(pack):
    resources = [*SEED, *(dict(OPEN_POLICY, name=f"open{i}") for i in range(20)), LONE_REPOSITORY]
    per_resource, of_stack = pack.analyze_all(iter(resources), max_in_flight=4)
    assert per_resource == pack.analyze_many(resources)
    assert of_stack == pack.analyze_stack(resources)
    assert sum(map(len, per_resource)) > 20 and of_stack  # the check compares real findings


def test_analyze_all_on_no_resources_finds_nothing(pack):
    assert pack.analyze_all(iter([])) == ([], [])


def test_analyze_all_can_send_the_stack_in_urn_order_whatever_order_the_resources_came_in(pack):
    resources = [dict(OPEN_POLICY, name=f"open{i}") for i in range(5)] + [LONE_REPOSITORY, *SEED]
    per_resource, of_stack = pack.analyze_all(iter(resources[::-1]), stack_in_urn_order=True)
    in_urn_order = sorted(
        resources, key=lambda r: r.get("urn") or f"urn:pulumi:dev::registry::{r['type']}::{r['name']}"
    )
    assert of_stack == pack.analyze_stack(in_urn_order) and of_stack
    assert per_resource == pack.analyze_many(resources[::-1])
