"""The red-team corpus through the real pack over its gRPC protocol: every document gets the verdict its file
states (test_pack_corpus.py asks the pure entry point, the access matrix and the diff).

The pack answers each document with the IAM solver in its own process; being a file of its own, pytest-xdist
runs it beside test_pack_corpus.py rather than after it on the same worker.
"""

import json
from pathlib import Path

import pytest
from corpus_documents import CORPUS
from offline_preview.analyzer_client import AnalyzerClient
from registry_policies import names as policy_names

ROOT = Path(__file__).resolve().parents[2]
POLICY = policy_names.NO_WILDCARD_PRINCIPAL


@pytest.fixture(scope="module")
def pack_verdicts():
    """Every document through one pack process, one configure per zone: {name: [violation messages]}."""
    by_zone: dict[str, list[str]] = {}
    for name, document in CORPUS.items():
        by_zone.setdefault(json.dumps(document["zone"], sort_keys=True), []).append(name)
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


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_corpus_document_gets_its_verdict_from_the_pack_over_grpc(name, pack_verdicts):
    verdict = "refuse" if pack_verdicts[name] else "accept"
    assert verdict == CORPUS[name]["verdict"], pack_verdicts[name] or CORPUS[name]["why"]
