"""The whole pipeline on one program (one checkov start, one pack start) and the CLI's exit codes."""

import pytest
from offline_preview.checkov import checkov_installed
from offline_preview.cli import main
from preview_helpers import REFERENCE, as_project, preview_one_project, program
from registry_policies import names as policy_names


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"{REFERENCE} (the origin programs) is not present")
@pytest.mark.skipif(not checkov_installed(), reason="checkov is not installed (make tools)")
def test_the_repaired_origin_program_fails_policy_and_checkov(tmp_path, capsys):
    project = as_project(REFERENCE / "seed-program-repaired.py", tmp_path / "seed")
    status, report, stack = preview_one_project(project, tmp_path, capsys)
    assert status == 1 and stack["ok"] is False
    assert stack["manifest"] == str(tmp_path / "preview" / "local" / "seed-program-repaired.json")
    failed = {(f["checkId"], f["address"]) for f in stack["checkovFailures"] if not f["waived"]}
    assert ("CKV_AWS_51", "aws_ecr_repository.aiModelRepo") in failed
    assert ("CKV_AWS_136", "aws_ecr_repository.aiModelRepo") in failed
    # The repository policy is built from the new repository's ARN inside an apply: unknown in a first preview, as in
    # `pulumi preview`, so checkov has no document to judge; the pack refuses it all the same (cannot be evaluated).
    assert ("CKV_AWS_32", "aws_ecr_repository_policy.aiModelRepoPolicy") not in failed
    mandatory = {
        (v["policy"], v["urn"].split("::")[-1]) for v in stack["policyViolations"] if v["level"] == "mandatory"
    }
    assert (policy_names.NO_WILDCARD_PRINCIPAL, "aiModelRepoPolicy") in mandatory
    assert set(report["timings"]) == {"evaluate", "policy", "checkov", "total"}


def test_a_failing_program_is_one_line_in_the_report_and_exit_1(tmp_path, capsys):
    status = main(
        [
            "--project",
            str(program("broken_attribute")),
            "--build-dir",
            str(tmp_path),
            "--no-policy",
            "--no-checkov",
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert status == 1
    assert (
        "  error: tests/fixtures/programs/broken_attribute/__main__.py:5: AttributeError: module 'pulumi' "
        "has no attribute 'json'" in out
    )


def test_a_clean_program_exits_0_and_lists_resources_by_type(tmp_path, capsys):
    status = main(
        ["--project", str(program("upstream")), "--build-dir", str(tmp_path), "--no-policy", "--no-checkov", "--quiet"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "== fixture-upstream (local): ok" in out
    assert "    1  aws:ecr/repository:Repository" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--project", "no/such/dir"], "offline-preview: --project no/such/dir: no such directory\n"),
        (
            ["--stack", "nonsense", "--no-checkov"],
            "offline-preview: --stack must be one of registry, replication, access (got 'nonsense')\n",
        ),
        (["--bogus"], "offline-preview: unrecognized arguments: --bogus\n"),
        (["diff"], "offline-preview: diff needs exactly one of --base <git revision> or --base-dir <manifest dir>\n"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(argv))
    assert exited.value.code == 2
    assert capsys.readouterr().err == message
