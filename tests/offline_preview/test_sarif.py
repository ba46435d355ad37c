"""SARIF: catalog-born findings at their catalog line, waived findings as notes with their suppression,
rules with full descriptions, help, a tool version and a security-severity; valid SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from offline_preview.checkov import Finding
from offline_preview.report import Source
from offline_preview.results import PolicyViolation, RunResult, StackResult
from offline_preview.sarif import catalog_locations, sarif_report
from registry_policies.pack_specs import SPECS

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = json.loads((ROOT / "tools/offline_preview/schemas/vendor/sarif-2.1.0-rtm.5.json").read_text())
REPO_URN = "urn:pulumi:dev::registry::aws:ecr/repository:Repository::llama-3-8b-instruct"
POLICY_URN = "urn:pulumi:dev::access::aws:ecr/repositoryPolicy:RepositoryPolicy::llama-3-8b-instruct"
ROLE_URN = "urn:pulumi:dev::access::aws:iam/role:Role::ci-push-nlp"
MANDATORY = next(s for s in SPECS if s.level.value == "mandatory")
ADVISORY = next(s for s in SPECS if s.level.value == "advisory")


def _catalog_line(model: str) -> Source:
    """Where catalog/nlp.yaml names `model`, found by reading the file (not by the loader)."""
    lines = (ROOT / "catalog" / "nlp.yaml").read_text().splitlines()
    (number,) = [i for i, text in enumerate(lines, 1) if text.strip() == f"- name: {model}"]
    return Source("catalog/nlp.yaml", number)


def _run() -> RunResult:
    stack = StackResult("registry", "dev", str(ROOT / "stacks" / "registry"), manifest="x")
    stack.violations = [
        PolicyViolation(MANDATORY.name, "mandatory", REPO_URN, "aws:ecr/repository:Repository", "bad\nvery bad"),
        PolicyViolation(ADVISORY.name, "advisory", ROLE_URN, "aws:iam/role:Role", "hmm"),
    ]
    stack.checkov = [
        Finding("CKV_AWS_136", "Ensure ECR is KMS encrypted", "aws_ecr_repository.x", POLICY_URN, None, "a reason"),
        Finding("CKV_AWS_51", "Ensure ECR tags are immutable", "aws_ecr_repository.y", ROLE_URN, "https://x.test/g"),
    ]
    return RunResult("dev", [stack])


def _report() -> dict:
    sources = {
        REPO_URN: Source("stacks/registry/registry_stack/component.py", 40),
        POLICY_URN: Source("stacks/access/access_stack/component.py", 70),
        ROLE_URN: Source("stacks/access/access_stack/component.py", 90),
    }
    resources = [
        {"urn": REPO_URN, "type": "aws:ecr/repository:Repository", "inputs": {"name": "models/llama-3-8b-instruct"}},
        {
            "urn": POLICY_URN,
            "type": "aws:ecr/repositoryPolicy:RepositoryPolicy",
            "inputs": {"repository": "models/llama-3-8b-instruct"},
        },
        {"urn": ROLE_URN, "type": "aws:iam/role:Role", "inputs": {"name": "ci"}},
    ]
    catalog = catalog_locations(resources, ROOT / "catalog", ROOT)
    return sarif_report(_run(), sources, catalog=catalog, pack_version="0.1.0", checkov_version="3.3.30")


def _results(report: dict, run: int) -> dict[str, dict]:
    return {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in report["runs"][run]["results"]}


def test_the_log_is_valid_sarif_2_1_0():
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(_report())


def test_a_catalog_born_finding_is_at_its_catalog_line_with_the_stack_line_related():
    expected = _catalog_line("llama-3-8b-instruct")
    result = _results(_report(), 0)[REPO_URN]
    physical = result["locations"][0]["physicalLocation"]
    assert (physical["artifactLocation"]["uri"], physical["region"]["startLine"]) == (expected.file, expected.line)
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "stacks/registry/registry_stack/component.py"
    assert related["physicalLocation"]["region"] == {"startLine": 40}


def test_a_finding_on_a_resource_no_catalog_entry_declares_stays_at_its_stack_line():
    result = _results(_report(), 0)[ROLE_URN]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 90}
    assert "relatedLocations" not in result


def test_a_waived_finding_is_a_note_with_an_accepted_suppression_and_an_unwaived_one_an_error():
    results = _results(_report(), 1)
    waived, failing = results[POLICY_URN], results[ROLE_URN]
    assert waived["level"] == "note"
    assert waived["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "a reason"}]
    assert failing["level"] == "error" and "suppressions" not in failing


def test_rules_carry_descriptions_help_severity_and_each_driver_its_version():
    report = _report()
    pack, checkov = (run["tool"]["driver"] for run in report["runs"])
    assert (pack["version"], checkov["version"]) == ("0.1.0", "3.3.30")
    rules = {r["id"]: r for r in pack["rules"]}
    mandatory, advisory = rules[MANDATORY.name], rules[ADVISORY.name]
    assert mandatory["fullDescription"]["text"] == " ".join(MANDATORY.description.split())
    assert "Default enforcement: mandatory" in mandatory["help"]["text"]
    assert (mandatory["properties"]["security-severity"], advisory["properties"]["security-severity"]) == ("8.0", "5.0")
    for rule in checkov["rules"]:
        assert rule["properties"]["security-severity"] == "7.0"
        assert rule["fullDescription"]["text"].startswith(f"checkov {rule['id']}: ")
        assert "checkov-skips.yaml" in rule["help"]["text"]
    for rule in [*pack["rules"], *checkov["rules"]]:
        assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0


def test_the_installed_pack_version_is_the_default():
    report = sarif_report(_run(), {})
    assert report["runs"][0]["tool"]["driver"]["version"] == "0.1.0"


def test_a_catalog_that_does_not_load_locates_nothing(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "nlp.yaml").write_text("team: [\n")
    resource = {"urn": REPO_URN, "type": "aws:ecr/repository:Repository", "inputs": {"name": "models/x"}}
    assert catalog_locations([resource], tmp_path / "catalog", tmp_path) == {}
