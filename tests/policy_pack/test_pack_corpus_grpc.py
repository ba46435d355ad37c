"""The red-team corpus through the real pack over its gRPC protocol, on a representative subset: the first
document (by name) of every category, resource type, verdict and zone.

Why a subset proves the protocol: the pack's no-wildcard-principal policy is `registry_policies.pack_checks.
effective_access` itself (asserted below), the pure function test_pack_corpus.py gives every one of the
corpus's documents its verdict. What the gRPC path adds is the protocol around it (the properties as the
engine sends them, the zone as pack config, the violations back), and that is the same for every document of
one resource type; every category, resource type, verdict and zone of the corpus still crosses it here. Asking the
pack for every document repeated minutes of the IAM solver the pure function had already spent.
"""

import json
from pathlib import Path

import pytest
from corpus_documents import CORPUS
from offline_preview.analyzer_client import AnalyzerClient
from registry_policies import names as policy_names
from registry_policies.pack_checks import effective_access
from registry_policies.pack_specs import SPECS

ROOT = Path(__file__).resolve().parents[2]
POLICY = policy_names.NO_WILDCARD_PRINCIPAL


def _zone(name: str) -> str:
    return json.dumps(CORPUS[name]["zone"], sort_keys=True)


def _class(name: str) -> tuple[str, str, str, str]:
    document = CORPUS[name]
    return document["category"], document["resourceType"], document["verdict"], _zone(name)


SUBSET = sorted({_class(name): name for name in sorted(CORPUS, reverse=True)}.values())  # the first of each class


def test_the_pack_s_policy_is_the_pure_function_the_whole_corpus_is_given_to():
    (spec,) = [spec for spec in SPECS if spec.name == POLICY]
    assert spec.resource_check is effective_access
    assert spec.resource_types is None and spec.reads_props  # every type, with its properties


def test_the_subset_crosses_every_class_of_the_corpus_once():
    assert sorted(_class(name) for name in SUBSET) == sorted({_class(name) for name in CORPUS})
    assert len({CORPUS[name]["category"] for name in SUBSET}) == 7
    assert {CORPUS[name]["verdict"] for name in SUBSET} == {"refuse", "accept"}
    assert len({_zone(name) for name in SUBSET}) == 2


@pytest.fixture(scope="module")
def pack_verdicts():
    """The subset through one pack process, one configure per zone: {name: [violation messages]}."""
    by_zone: dict[str, list[str]] = {}
    for name in SUBSET:
        by_zone.setdefault(_zone(name), []).append(name)
    found: dict[str, list[str]] = {}
    with AnalyzerClient(ROOT / "policy-pack", project="access", stack="dev") as client:
        for zone, names in by_zone.items():
            client.configure({POLICY: json.loads(zone)})
            resources = [
                {"type": CORPUS[n]["resourceType"], "name": n, "properties": CORPUS[n]["properties"]} for n in names
            ]
            for name, violations in zip(names, client.analyze_many(resources), strict=True):
                found[name] = [v.message for v in violations if v.policy_name == POLICY]
                assert all(v.enforcement_level == "mandatory" for v in violations if v.policy_name == POLICY)
    return found


@pytest.mark.parametrize("name", SUBSET)
def test_every_class_of_corpus_document_gets_its_verdict_from_the_pack_over_grpc(name, pack_verdicts):
    verdict = "refuse" if pack_verdicts[name] else "accept"
    assert verdict == CORPUS[name]["verdict"], pack_verdicts[name] or CORPUS[name]["why"]
