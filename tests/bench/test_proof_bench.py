"""The proof benchmark cannot rot: it reads corpus documents, judges each, and sums them per category.

Not a timing test: nothing here depends on how fast the solver is.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "proof_bench.py"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def _bench_module():
    spec = importlib.util.spec_from_file_location("proof_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _document(category: str, principal: str) -> dict:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "ecr:*"}]}
    return {
        "category": category,
        "resourceType": REPOSITORY_POLICY,
        "properties": {"repository": "models/x", "policy": json.dumps(policy)},
        "zone": {"trustedAccounts": ["123456789012"]},
    }


def test_each_category_is_one_row_and_the_last_row_sums_them(tmp_path):
    bench = _bench_module()
    (tmp_path / "a-open.json").write_text(json.dumps(_document("a", "*")))
    (tmp_path / "a-own.json").write_text(json.dumps(_document("a", {"AWS": "arn:aws:iam::123456789012:root"})))
    (tmp_path / "b-open.json").write_text(json.dumps(_document("b", "*")))
    table = bench.rows(bench.documents(tmp_path))
    assert [(r["category"], r["documents"]) for r in table] == [("a", 2), ("b", 1), ("all", 3)]
    assert table[-1]["slowest document"] in {"a-open", "a-own", "b-open"}
    assert all(r["CPU s"] >= r["slowest s"] >= 0 for r in table)


def test_it_reads_the_tests_corpus_of_every_category_and_runs_as_a_command(tmp_path):
    bench = _bench_module()
    categories = {d["category"] for d in bench.documents().values()}
    assert categories == {"federated", "principals", "deputy", "types", "restricted", "readers", "proof"}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0 and "--json" in done.stdout
