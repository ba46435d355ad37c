"""Secret values reach the checks as the engine hands them over: the pack gets them in the engine's secret
envelope (pulumi-policy unwraps it), checkov's plan and the access matrix get the value; manifests on disk
keep "[secret]"."""

import contextlib
import io
import json
from pathlib import Path

import pytest
from offline_preview.analyzer_client import AnalyzerClient
from offline_preview.checkov import checkov_installed
from offline_preview.cli import main
from offline_preview.evaluate import evaluate
from offline_preview.manifest import SECRET_SIG, SIG_KEY, build_manifest, masked_manifest, rebuild_inputs
from offline_preview.streams import analyzer_resources
from preview_helpers import REPO_ROOT, by_name, program
from registry_policies import names as policy_names

needs_checkov = pytest.mark.skipif(not checkov_installed(), reason="checkov is not installed (make tools)")


def _policy_findings(stack: dict, resource: str) -> tuple[set, set]:
    violations = {(v["policy"], v["level"]) for v in stack["policyViolations"] if v["urn"].split("::")[-1] == resource}
    failed = {f["checkId"] for f in stack["checkovFailures"] if f["address"].endswith("." + resource)}
    return violations, failed


@pytest.fixture(scope="module")
def plain_and_secret(tmp_path_factory):
    results = {}
    for name in ("public_registry", "secret_public_policy"):
        results[name] = _run(program(name), tmp_path_factory.mktemp(name))
    return results


def _run(path, build_dir):
    """`offline-preview --project <path> --json` (stdout captured here: capsys is per test, the runs are per module)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["--project", str(path), "--env", "local", "--build-dir", str(build_dir), "--json", "--quiet"])
    report = json.loads(out.getvalue())
    (stack,) = report["stacks"]
    return status, report, stack


@needs_checkov
def test_a_public_policy_wrapped_in_a_secret_is_refused_by_the_pack_and_checkov_like_the_plain_one(plain_and_secret):
    _, _, plain = plain_and_secret["public_registry"]
    status, _, secret = plain_and_secret["secret_public_policy"]
    assert status == 1
    assert (policy_names.NO_WILDCARD_PRINCIPAL, "mandatory") in _policy_findings(secret, "modelStorePolicy")[0]
    assert "CKV_AWS_32" in _policy_findings(secret, "modelStorePolicy")[1]
    assert _policy_findings(secret, "modelStorePolicy") == _policy_findings(plain, "modelStorePolicy")


@needs_checkov
def test_a_public_policy_wrapped_in_a_secret_shows_in_the_access_matrix_like_the_plain_one(plain_and_secret):
    _, plain_report, _ = plain_and_secret["public_registry"]
    _, secret_report, _ = plain_and_secret["secret_public_policy"]
    (plain_rows,) = plain_report["accessMatrix"].values()
    (secret_rows,) = secret_report["accessMatrix"].values()
    assert (
        secret_rows
        == plain_rows
        == {
            "*": {
                "pull": ["repository policy AnyonePushesAndPulls"],
                "push": ["repository policy AnyonePushesAndPulls"],
            }
        }
    )


@needs_checkov
def test_the_manifest_written_to_disk_masks_the_secret_policy(plain_and_secret):
    _, _, secret = plain_and_secret["secret_public_policy"]
    text = Path(secret["manifest"]).read_text()
    policy = by_name(json.loads(text), "modelStorePolicy")
    assert policy["inputs"]["policy"] == "[secret]" and policy["secretInputs"] == ["/policy"]
    assert "AnyonePushesAndPulls" not in text


@needs_checkov
def test_a_legitimate_policy_wrapped_in_a_secret_passes_the_pack_and_checkov(tmp_path):
    _, report, stack = _run(program("secret_private_policy"), tmp_path)
    assert _policy_findings(stack, "modelStorePolicy") == (set(), set())
    (rows,) = report["accessMatrix"].values()
    assert rows == {"arn:aws:iam::210987654321:root": {"pull": ["repository policy InferenceAccountPulls"]}}


def test_the_pack_is_sent_the_secret_inside_the_engines_envelope():
    evaluation = evaluate(program("secret_public_policy"), "local")
    revealed = build_manifest(evaluation, reveal_secrets=True)
    (policy,) = [r for r in analyzer_resources(revealed) if r["name"] == "modelStorePolicy"]
    envelope = policy["properties"]["policy"]
    assert set(envelope) == {SIG_KEY, "value"} and envelope[SIG_KEY] == SECRET_SIG
    assert json.loads(envelope["value"])["Statement"][0]["Principal"] == "*"
    written = masked_manifest(revealed, evaluation)
    assert by_name(written, "modelStorePolicy")["inputs"]["policy"] == "[secret]"
    assert by_name(written, "modelStore") is by_name(revealed, "modelStore")  # no secret: shared, not rebuilt


def test_envelopes_wrap_the_re_encoded_json_and_nest_deepest_first():
    entry = {
        "inputs": {"outer": {"inner": {"Statement": []}, "plain": 1}},
        "jsonStrings": {"/outer/inner": {"indent": None, "separators": [",", ":"]}},
        "secretInputs": ["/outer", "/outer/inner"],
        "unknownInputs": [],
    }
    inner = {SIG_KEY: SECRET_SIG, "value": '{"Statement":[]}'}
    assert rebuild_inputs(entry, secrets="envelope") == {
        "outer": {SIG_KEY: SECRET_SIG, "value": {"inner": inner, "plain": 1}}
    }
    assert rebuild_inputs(entry) == {"outer": {"inner": '{"Statement":[]}', "plain": 1}}


def test_the_pack_reads_a_secret_in_the_engines_envelope_as_plaintext_over_grpc():
    public = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]}
    )
    resource = {"type": "aws:ecr/repositoryPolicy:RepositoryPolicy", "name": "p"}
    pack_config = json.loads((REPO_ROOT / "policy-pack" / "config" / "local.json").read_text())
    with AnalyzerClient(REPO_ROOT / "policy-pack", project="p", stack="local") as pack:
        pack.configure(pack_config)
        plain, enveloped = pack.analyze_many(
            [
                {**resource, "properties": {"repository": "r", "policy": public}},
                {**resource, "properties": {"repository": "r", "policy": {SIG_KEY: SECRET_SIG, "value": public}}},
            ]
        )
    assert {v.policy_name for v in enveloped} == {v.policy_name for v in plain}
    assert policy_names.NO_WILDCARD_PRINCIPAL in {
        v.policy_name for v in enveloped if v.enforcement_level == "mandatory"
    }
