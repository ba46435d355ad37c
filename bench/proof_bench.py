"""Benchmark of the effective-access proof: the red-team corpus's documents (tests/policy_pack/corpus/*.json),
each judged once by the pack's pure entry point, timed per document, summed per category.

    .venv/bin/python bench/proof_bench.py            # every category (30-50 s on the project's 2-core machine)
    .venv/bin/python bench/proof_bench.py --json     # the rows as JSON

Most of a document's time is the SMT solver's (z3, aws_facts.iam.proof); the table says which z3 it is, since
the solver's speed on regular expressions differs between its releases by an order of magnitude (docs/performance.md).
Columns: documents; CPU s (time.process_time of this process, summed); slowest s and the slowest document.
Progress lines go to stderr. This is a measurement, not a test: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import z3
from registry_policies.pack_checks import effective_access

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "policy_pack" / "corpus"
# A document of no category, judged first: what every judgement loads once is not in the first one's time.
WARM_UP = {
    "resourceType": "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "properties": {
        "repository": "models/warm-up",
        "policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}],
            }
        ),
    },
    "zone": {"trustedAccounts": ["123456789012"]},
}
COLUMNS = ("category", "documents", "CPU s", "slowest s", "slowest document")


def documents(folder: Path = CORPUS) -> dict[str, dict]:
    """The corpus's documents by name (the file name without .json)."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}


def judge(document: dict) -> float:
    """The CPU seconds the pack's pure check takes to give this document its verdict."""
    start = time.process_time()
    effective_access(document["resourceType"], document["properties"], document["zone"])
    return time.process_time() - start


def rows(corpus: dict[str, dict]) -> list[dict]:
    """One row per category (in name order), then the total."""
    by_category: dict[str, dict[str, float]] = {}
    for name, document in corpus.items():
        print(f"proof bench: {name}", file=sys.stderr, flush=True)
        by_category.setdefault(document["category"], {})[name] = judge(document)
    table = []
    every: dict[str, float] = {}
    for category, times in sorted(by_category.items()):
        every.update(times)
        table.append(_row(category, times))
    table.append(_row("all", every))
    return table


def _row(category: str, times: dict[str, float]) -> dict:
    slowest = max(times, key=times.__getitem__)
    return {
        "category": category,
        "documents": len(times),
        "CPU s": round(sum(times.values()), 2),
        "slowest s": round(times[slowest], 2),
        "slowest document": slowest,
    }


def table_text(table: list[dict]) -> str:
    widths = [max(len(c), *(len(str(r[c])) for r in table)) for c in COLUMNS]
    lines = [" | ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(str(r[c]).ljust(w) for c, w in zip(COLUMNS, widths, strict=True)) for r in table]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    corpus = documents()
    if not corpus:
        print(
            f"proof bench: no corpus documents in {CORPUS}; run tests/policy_pack/corpus/generate.py", file=sys.stderr
        )
        return 2
    judge(WARM_UP)  # the action catalogue and the solver loaded outside the timings
    table = rows(corpus)
    if args.json:
        print(json.dumps({"z3": z3.get_version_string(), "rows": table}, indent=2))
    else:
        print(f"effective-access proof over the corpus (z3 {z3.get_version_string()})")
        print(table_text(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
