"""The red-team programs (tests/fixtures/programs/attack_*/) through the offline preview: the real Pulumi
SDK under mocks, then the real pack over gRPC with the local environment's zone. Each program's
expected.json names the resources a policy (`policy`, default no-wildcard-principal) must refuse and those it
must accept."""

import json
from pathlib import Path

import pytest
from offline_preview.cli import main

PROGRAMS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "programs").glob("attack_*"))
POLICY = "no-wildcard-principal"


def test_there_are_twenty_four_attack_programs():
    assert len(PROGRAMS) == 24


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_every_attack_program_is_refused_exactly_where_it_grants_outside(program, tmp_path, capsys):
    expected = json.loads((program / "expected.json").read_text())
    policy = expected.get("policy", POLICY)
    argv = ["--project", str(program), "--env", "local", "--build-dir", str(tmp_path), "--json", "--quiet"]
    status = main([*argv, "--no-checkov"])
    report = json.loads(capsys.readouterr().out)
    (stack,) = report["stacks"]
    assert stack["error"] is None and stack["policyError"] is None, stack
    names = {r["name"] for r in json.loads(Path(stack["manifest"]).read_text())["resources"]}
    refused = {v["urn"].split("::")[-1] for v in stack["policyViolations"] if v["policy"] == policy}
    assert all(v["level"] == "mandatory" for v in stack["policyViolations"] if v["policy"] == policy)
    assert refused == set(expected["refused"]), [
        v["message"] for v in stack["policyViolations"] if v["policy"] == policy
    ]
    assert set(expected["accepted"]) | set(expected["refused"]) <= names
    assert status == 1 and stack["ok"] is False
