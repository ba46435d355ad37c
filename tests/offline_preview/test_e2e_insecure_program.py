"""An insecure program of our own through the whole preview: the same case as the origin program
(`../shared/reference/seed-program-repaired.py`, tested where present), with no dependency on it."""

from preview_helpers import preview_one_project, program
from registry_policies import names as policy_names


def test_an_open_registry_fails_on_its_wildcard_principal_and_checkovs_repository_checks(tmp_path, capsys):
    status, report, stack = preview_one_project(program("public_registry"), tmp_path, capsys)
    assert status == 1 and stack["ok"] is False
    mandatory = {
        (v["policy"], v["urn"].split("::")[-1]) for v in stack["policyViolations"] if v["level"] == "mandatory"
    }
    assert mandatory == {(policy_names.NO_WILDCARD_PRINCIPAL, "modelStorePolicy")}
    advisory = {(v["policy"], v["urn"].split("::")[-1]) for v in stack["policyViolations"] if v["level"] == "advisory"}
    assert advisory == {
        (policy_names.KMS_ENCRYPTION, "modelStore"),
        (policy_names.LIFECYCLE, "modelStore"),
        (policy_names.TAGS_IMMUTABLE, "modelStore"),
        (policy_names.REQUIRED_TAGS, "modelStore"),
    }
    (wildcard,) = [v["message"] for v in stack["policyViolations"] if v["policy"] == policy_names.NO_WILDCARD_PRINCIPAL]
    assert 'statement "AnyonePushesAndPulls" grants to the wildcard Principal "*"' in wildcard
    failed = {(f["checkId"], f["address"]) for f in stack["checkovFailures"] if not f["waived"]}
    assert {
        ("CKV_AWS_51", "aws_ecr_repository.modelStore"),
        ("CKV_AWS_136", "aws_ecr_repository.modelStore"),
        ("CKV_AWS_32", "aws_ecr_repository_policy.modelStorePolicy"),
    } <= failed
