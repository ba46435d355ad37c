"""The vulnerability gate: `make gate IMAGE=<repository>@<digest>` refuses promotion while a CRITICAL or HIGH
finding has a fix available, naming them. Against the emulator (moto answers DescribeImageScanFindings:
its default basic finding, and an enhanced answer set through its API) and against a recorded answer
that botocore's Stubber validates against the output shape."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from gate import UsageError, pages, parse_image, verdict
from gate.__main__ import main

REPO = Path(__file__).resolve().parents[2]
RECORDED = json.loads((Path(__file__).parent / "recorded" / "describe_image_scan_findings_enhanced.json").read_text())
DIGEST = "sha256:" + "1" * 64
MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 7023,
        "digest": "sha256:" + "a" * 64,
    },
    "layers": [],
}


def stubbed_client(answers):
    client = boto3.client("ecr", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    stubber = Stubber(client)
    token = None
    for answer in answers:
        expected = {"repositoryName": "models/bert", "imageId": {"imageDigest": DIGEST}, "maxResults": 1000}
        if token:
            expected["nextToken"] = token
        stubber.add_response("describe_image_scan_findings", answer, expected)  # validated against the output shape
        token = answer.get("nextToken")
    stubber.activate()
    return client, stubber


def test_a_recorded_enhanced_answer_refuses_naming_each_fixable_critical_and_high_finding_over_every_page():
    client, stubber = stubbed_client(RECORDED["pages"])
    result = verdict(f"models/bert@{DIGEST}", list(pages(client, "models/bert", DIGEST)))
    stubber.assert_no_pending_responses()
    assert not result.promotable
    assert result.lines == (
        f"refused: models/bert@{DIGEST} has 2 CRITICAL/HIGH finding(s) with a fix available:",
        "CRITICAL CVE-2024-6387: openssh-server 8.9p1 (fixed in 1:8.9p1-3ubuntu0.10) (fix available: YES)",
        "HIGH CVE-2025-32434: torch 2.5.1 (fixed in 2.6.0) (fix available: PARTIAL)",
    )


def test_high_findings_without_a_fix_suppressed_ones_and_medium_ones_do_not_block():
    answer = json.loads(json.dumps(RECORDED["pages"][0]))
    answer.pop("nextToken")
    answer["imageScanFindings"]["enhancedFindings"] = answer["imageScanFindings"]["enhancedFindings"][1:]
    client, _ = stubbed_client([answer])
    result = verdict(f"models/bert@{DIGEST}", list(pages(client, "models/bert", DIGEST)))
    assert result.promotable
    assert result.lines == (
        f"ok: models/bert@{DIGEST}: no CRITICAL or HIGH finding with a fix available (scan ACTIVE)",
    )


@pytest.mark.parametrize("status", ["IN_PROGRESS", "FAILED", "UNSUPPORTED_IMAGE", "SCAN_ELIGIBILITY_EXPIRED"])
def test_an_incomplete_or_failed_scan_is_refused(status):
    answer = {"imageScanStatus": {"status": status}, "imageScanFindings": {"enhancedFindings": []}}
    result = verdict("models/bert@" + DIGEST, [answer])
    assert not result.promotable and f"the scan status is {status}" in result.lines[0]


@pytest.mark.parametrize(
    "image",
    ["models/bert:v1", "models/bert@sha256:" + "1" * 63, "models/bert@sha256:" + "1" * 65, "Models/bert@" + DIGEST, ""],
)
def test_an_image_that_is_not_repository_at_digest_is_a_usage_error(image):
    with pytest.raises(UsageError, match="is not <repository>@sha256:<64 hex digits>"):
        parse_image(image)


def test_a_repository_name_of_256_characters_is_accepted_and_257_refused():
    name = "m/" + "a" * 254
    assert parse_image(f"{name}@{DIGEST}") == (name, DIGEST)
    with pytest.raises(UsageError, match="257 characters; ECR allows 256"):
        parse_image(f"{name}a@{DIGEST}")


# --- the emulator --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scanned_image(emulator, ecr_client):
    ecr_client.create_repository(repositoryName="models/gated")
    digest = ecr_client.put_image(repositoryName="models/gated", imageManifest=json.dumps(MANIFEST), imageTag="v1")[
        "image"
    ]["imageId"]["imageDigest"]
    ecr_client.start_image_scan(repositoryName="models/gated", imageId={"imageDigest": digest})
    return digest


def run_gate(emulator, image, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    status = main([image, "--endpoint-url", emulator.url, "--region", "us-east-1"])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_on_the_emulator_a_basic_high_finding_blocks_since_basic_scanning_cannot_tell_a_fix(
    emulator, scanned_image, monkeypatch, capsys
):
    status, output = run_gate(emulator, f"models/gated@{scanned_image}", monkeypatch, capsys)
    assert status == 1
    assert "HIGH CVE-9999-9999: moto_fake 9.9.9 (basic scanning does not say whether a fix exists" in output


def test_on_the_emulator_an_enhanced_answer_without_fixable_findings_promotes(
    emulator, scanned_image, monkeypatch, capsys
):
    answer = json.loads(json.dumps(RECORDED["pages"][1]))
    answer["repositoryName"] = "models/gated"
    answer["imageId"] = {"imageDigest": scanned_image}
    answer["imageScanFindings"]["enhancedFindings"] = [
        f for f in answer["imageScanFindings"]["enhancedFindings"] if f["severity"] != "HIGH" or f["status"] != "ACTIVE"
    ]
    request = urllib.request.Request(
        f"{emulator.url}/moto-api/static/ecr/scan-finding-results",
        data=json.dumps({"results": [answer], "region": "us-east-1"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()
    status, output = run_gate(emulator, f"models/gated@{scanned_image}", monkeypatch, capsys)
    assert (status, output.strip()) == (
        0,
        f"ok: models/gated@{scanned_image}: no CRITICAL or HIGH finding with a fix available (scan ACTIVE)",
    )


def test_an_image_never_scanned_is_refused_and_a_missing_repository_is_an_error(
    emulator, ecr_client, monkeypatch, capsys
):
    ecr_client.create_repository(repositoryName="models/unscanned")
    digest = ecr_client.put_image(repositoryName="models/unscanned", imageManifest=json.dumps(MANIFEST), imageTag="v1")[
        "image"
    ]["imageId"]["imageDigest"]
    status, output = run_gate(emulator, f"models/unscanned@{digest}", monkeypatch, capsys)
    assert status == 1 and "the image has no scan" in output
    status, output = run_gate(emulator, f"models/absent@{DIGEST}", monkeypatch, capsys)
    assert status == 2 and output.startswith("gate: ") and "RepositoryNotFoundException" in output
    assert len(output.strip().splitlines()) == 1


def test_make_gate_refuses_a_tag_in_one_line_with_status_2():
    result = subprocess.run(
        ["make", "-s", "gate", "IMAGE=models/bert:latest"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2  # make's own status for a failed recipe
    assert result.stderr.splitlines()[0].startswith("gate: IMAGE='models/bert:latest' is not <repository>@sha256:")
    assert "Error 2" in result.stderr
    assert sys.executable  # the test runs in the workspace's interpreter, as make does
