"""The reports: the JSON outputs validate against their published schemas, SARIF against the SARIF 2.1.0
schema with locations in the program's source, JUnit counts what failed, and the text report ends with
the verdict, names each waiver once, and is coloured only on a terminal without NO_COLOR."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from offline_preview.checkov import Finding
from offline_preview.cli import main
from offline_preview.diff import diff_manifests
from offline_preview.pr_comment import GITHUB_COMMENT_LIMIT, markdown_summary, pr_comment
from offline_preview.report import (
    DIFF_SCHEMA_ID,
    PREVIEW_SCHEMA_ID,
    SCHEMA_DIR,
    diff_report_json,
    preview_report_json,
    report_text,
    use_colour,
)
from offline_preview.results import PolicyViolation, RunResult, StackResult
from preview_helpers import REPO_ROOT, by_name, program
from registry_policies import names as policy_names

PREVIEW_SCHEMA = json.loads((SCHEMA_DIR / "preview-report.schema.json").read_text())
DIFF_SCHEMA = json.loads((SCHEMA_DIR / "diff-report.schema.json").read_text())
SARIF_SCHEMA = json.loads((SCHEMA_DIR / "vendor" / "sarif-2.1.0-rtm.5.json").read_text())
REASON = "CKV_AWS_51 predates IMMUTABLE_WITH_EXCLUSION; " + "the exclusion filters are validated elsewhere. " * 6
ALPHA = "urn:pulumi:local::fixture-basic::fixture:index:ModelRepository$aws:ecr/repository:Repository::alpha"


def _validate(schema: dict, document: dict) -> None:
    jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker()).validate(document)


@pytest.fixture(scope="module")
def insecure_run(tmp_path_factory):
    """`offline-preview --project public_registry` with every output file, run once."""
    out = tmp_path_factory.mktemp("reports")
    files = {"json": out / "preview.json", "sarif": out / "preview.sarif", "junit": out / "junit.xml"}
    argv = ["--project", str(program("public_registry")), "--env", "local", "--build-dir", str(out), "--quiet"]
    argv += ["--json-file", str(files["json"]), "--sarif", str(files["sarif"]), "--junit", str(files["junit"])]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main(argv)
    return status, stdout.getvalue(), {k: p.read_text() for k, p in files.items()}, out


def test_the_schemas_are_valid_draft_2020_12_schemas_with_a_versioned_id():
    for schema, schema_id in ((PREVIEW_SCHEMA, PREVIEW_SCHEMA_ID), (DIFF_SCHEMA, DIFF_SCHEMA_ID)):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == schema_id and schema["properties"]["schemaVersion"] == {"const": 1}


def test_the_preview_report_of_a_failing_run_validates_against_its_schema(insecure_run):
    status, _, files, _ = insecure_run
    report = json.loads(files["json"])
    _validate(PREVIEW_SCHEMA, report)
    assert status == 1 and (report["ok"], report["verdict"], report["counts"]["mandatory"]) == (False, "FAILED", 1)


def test_every_finding_in_the_json_points_at_the_line_that_declares_its_resource(insecure_run):
    _, _, files, out = insecure_run
    report = json.loads(files["json"])
    (stack,) = report["stacks"]
    manifest = json.loads(Path(stack["manifest"]).read_text())
    declared = {r["urn"]: r["source"] for r in manifest["resources"]}
    findings = stack["policyViolations"] + stack["checkovFailures"]
    assert findings
    for finding in findings:
        expected = Path(declared[finding["urn"]].rsplit(":", 1)[0]).resolve().relative_to(REPO_ROOT).as_posix()
        assert finding["source"]["file"] == expected == "tests/fixtures/programs/public_registry/__main__.py"
        assert f":{finding['source']['line']}" == ":" + declared[finding["urn"]].rsplit(":", 1)[1]


def test_the_schema_refuses_the_old_snake_case_report():
    old = {"env": "dev", "ok": True, "timings": {}, "stacks": [{"check_id": "CKV_AWS_51"}]}
    with pytest.raises(jsonschema.ValidationError):
        _validate(PREVIEW_SCHEMA, old)


def test_the_sarif_log_validates_against_the_sarif_2_1_0_schema(insecure_run):
    _, _, files, _ = insecure_run
    sarif = json.loads(files["sarif"])
    _validate(SARIF_SCHEMA, sarif)
    assert sarif["version"] == "2.1.0"
    assert [run["tool"]["driver"]["name"] for run in sarif["runs"]] == ["model-registry-policy-pack", "checkov"]


def test_sarif_results_are_located_in_the_stack_source_with_the_resource_as_logical_location(insecure_run):
    _, _, files, _ = insecure_run
    report = json.loads(files["json"])
    pack = json.loads(files["sarif"])["runs"][0]
    mandatory = [r for r in pack["results"] if r["level"] == "error"]
    (violation,) = [v for v in report["stacks"][0]["policyViolations"] if v["level"] == "mandatory"]
    assert [r["ruleId"] for r in mandatory] == [policy_names.NO_WILDCARD_PRINCIPAL]
    (location,) = mandatory[0]["locations"]
    assert location["physicalLocation"]["artifactLocation"] == {
        "uri": violation["source"]["file"],
        "uriBaseId": "%SRCROOT%",
    }
    assert location["physicalLocation"]["region"] == {"startLine": violation["source"]["line"]}
    assert location["logicalLocations"] == [{"fullyQualifiedName": violation["urn"], "kind": "resource"}]
    assert pack["tool"]["driver"]["rules"][mandatory[0]["ruleIndex"]]["id"] == policy_names.NO_WILDCARD_PRINCIPAL


def test_junit_counts_mandatory_violations_and_unwaived_checkov_failures_as_failures(insecure_run):
    _, _, files, _ = insecure_run
    report = json.loads(files["json"])
    root = ET.fromstring(files["junit"])
    counts = report["counts"]
    assert int(root.get("failures")) == counts["mandatory"] + counts["checkovFailed"]
    assert int(root.get("skipped")) == counts["checkovWaived"]
    assert (
        int(root.get("tests"))
        == len(root.findall(".//testcase"))
        == 3 + counts["mandatory"] + counts["advisory"] + counts["checkovFailed"] + counts["checkovWaived"]
    )
    failed = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
    assert "no-wildcard-principal aws:ecr/repositoryPolicy:RepositoryPolicy::modelStorePolicy" in failed


def test_the_text_report_ends_with_the_verdict(insecure_run):
    _, text, _, _ = insecure_run
    assert text.rstrip("\n").splitlines()[-1].startswith("FAILED: 1 mandatory policy violation(s), ")


def _waived_run(count: int) -> RunResult:
    findings = [
        Finding(
            "CKV_AWS_51", "Ensure ECR Image Tags are immutable", f"aws_ecr_repository.m{i}", f"urn:{i}", None, REASON
        )
        for i in range(count)
    ]
    stack = StackResult(
        "registry", "dev", "stacks/registry", resources_by_type={"aws:ecr/repository:Repository": count}
    )
    stack.checkov = findings
    stack.violations = [
        PolicyViolation(policy_names.KMS_ENCRYPTION, "advisory", "urn:0", "aws:ecr/repository:Repository", "x")
    ]
    return RunResult("dev", [stack], {"total": 1.0})


def test_a_waivers_reason_is_printed_once_with_the_number_of_resources_it_covers():
    text = report_text(_waived_run(107))
    assert text.count(REASON.split(";")[0]) == 1
    assert f"CKV_AWS_51 (107 resource(s)): {' '.join(REASON.split())}" in text
    assert text.splitlines()[-1].startswith("OK: 1 stack(s), 107 resources")
    assert len(text) < 2_000


def test_the_json_report_lists_each_waiver_once_with_its_count():
    report = preview_report_json(_waived_run(107))
    _validate(PREVIEW_SCHEMA, report)
    assert report["waivers"] == [{"checkId": "CKV_AWS_51", "reason": REASON, "count": 107}]


@pytest.mark.parametrize(
    ("tty", "no_color", "expected"), [(True, None, True), (True, "1", False), (True, "", True), (False, None, False)]
)
def test_colour_only_on_a_terminal_and_never_with_no_color(tty, no_color, expected):
    stream = io.StringIO()
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    environ = {} if no_color is None else {"NO_COLOR": no_color}
    assert use_colour(stream, environ) is expected


def test_a_coloured_report_marks_the_verdict_and_a_plain_one_has_no_escape_codes():
    run = _waived_run(2)
    assert "\033[1;32mOK\033[0m" in report_text(run, colour=True).splitlines()[-1]
    assert "\033[" not in report_text(run, colour=False)


def test_the_diff_report_validates_with_grants_and_conditions_as_objects(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    statement = by_name(head, "alpha-policy")["inputs"]["policy"]["Statement"][0]
    statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    next(r for r in head["resources"] if r["urn"] == ALPHA)["inputs"]["imageTagMutability"] = "MUTABLE"
    head["resources"].append({**by_name(head, "alpha-policy"), "urn": "urn:pulumi:local::fixture-basic::x::new"})
    report = diff_report_json({"fixture-basic": diff_manifests(basic_manifest, head)}, base="main", env="local")
    _validate(DIFF_SCHEMA, report)
    changes = {c["urn"]: c for c in report["stacks"][0]["changes"]}
    assert changes[ALPHA]["inputs"] == [{"path": "imageTagMutability", "before": "IMMUTABLE", "after": "MUTABLE"}]
    conditions = [g["condition"] for c in changes.values() for g in c["gained"] if g["condition"]]
    assert conditions and all(
        c == {"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5"]}} for c in conditions
    )  # values as lists, as IAM reads them
    assert (report["ok"], report["verdict"]) == (True, "OK")


def test_the_diff_report_of_a_deleted_protected_resource_is_blocked(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    head["resources"] = [r for r in head["resources"] if r["urn"] != ALPHA]
    report = diff_report_json({"fixture-basic": diff_manifests(basic_manifest, head)})
    _validate(DIFF_SCHEMA, report)
    (change,) = report["stacks"][0]["changes"]
    assert (report["verdict"], change["kind"], change["blocked"].split(" (")[0]) == (
        "BLOCKED",
        "removed",
        "BLOCKED: protected resource would be deleted",
    )


def _comment(details: str, limit: int) -> str:
    return pr_comment("offline-preview", "Offline preview: OK", "| a | b |", [("diff", details)], limit)


def test_a_comment_that_fits_githubs_limit_exactly_is_not_cut():
    empty = len(_comment("", GITHUB_COMMENT_LIMIT))
    body = _comment("x" * (GITHUB_COMMENT_LIMIT - empty), GITHUB_COMMENT_LIMIT)
    assert len(body) == GITHUB_COMMENT_LIMIT and "cut to fit" not in body


def test_a_comment_one_character_over_the_limit_is_cut_to_the_limit_and_says_so():
    empty = len(_comment("", GITHUB_COMMENT_LIMIT))
    body = _comment("x" * (GITHUB_COMMENT_LIMIT - empty + 1), GITHUB_COMMENT_LIMIT)
    assert len(body) <= GITHUB_COMMENT_LIMIT and "cut to fit GitHub's comment limit" in body
    assert body.startswith("<!-- offline-preview -->\n### Offline preview: OK\n\n| a | b |")


def test_two_long_details_share_the_room_and_the_summary_stays_whole():
    summary = "S" * 1_000
    body = pr_comment("m", "t", summary, [("a", "a" * 100_000), ("b", "b" * 100_000)])
    assert len(body) <= GITHUB_COMMENT_LIMIT and summary in body
    assert abs(body.count("a") - body.count("b")) < 100


def test_a_summary_too_long_for_a_comment_is_an_error_not_a_cut():
    with pytest.raises(ValueError, match="over the limit of 100"):
        pr_comment("m", "t", "S" * 200, [], limit=100)


def test_the_comment_summary_lists_what_failed_where_and_ends_with_the_verdict(insecure_run):
    _, _, files, _ = insecure_run
    report = json.loads(files["json"])
    summary = markdown_summary(report)
    failure = next(f for f in report["stacks"][0]["checkovFailures"] if f["checkId"] == "CKV_AWS_51")
    where = f"{failure['source']['file']}:{failure['source']['line']}"
    assert f"- `CKV_AWS_51` aws_ecr_repository.modelStore ({where}): " in summary
    assert "- `no-wildcard-principal` aws:ecr/repositoryPolicy:RepositoryPolicy::modelStorePolicy (" in summary
    assert summary.splitlines()[-1].startswith("**FAILED**: 1 mandatory, 4 advisory, ")
