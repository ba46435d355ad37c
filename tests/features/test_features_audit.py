"""Drift and policy audit of deployed state: the stacks deployed to the emulator, their state exported as
`pulumi stack export` writes it, then audited: clean, then after console edits (drift), then a state
whose recorded values break a mandatory policy (violation)."""

import copy
import json
import re
import sys
from pathlib import Path

import boto3
import harness
import pytest
from audit.__main__ import main

sys.path.insert(0, str(Path(__file__).parents[1] / "contract"))
import aws_requests as api  # noqa: E402

REGION = "us-east-1"
MOCK_KEY_ARN = r"arn:aws:kms:us-east-1:\d{12}:key/"
SUBMIT = {
    "aws:kms/alias:Alias": lambda c, r, i: api.submit_alias(c, i),
    "aws:ecr/repository:Repository": lambda c, r, i: api.submit_repository(c, i),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": lambda c, r, i: api.submit_lifecycle(c, i),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": lambda c, r, i: api.submit_scanning(c, i),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda c, r, i: api.submit_oidc(c, i),
    "aws:iam/role:Role": lambda c, r, i: api.submit_role(c, i),
    "aws:iam/rolePolicy:RolePolicy": lambda c, r, i: api.submit_role_policy(c, r.name, i),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": lambda c, r, i: api.submit_repository_policy(c, i),
}
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def export(project, run, ids) -> dict:
    """What `pulumi stack export` writes for a deployed stack (version 3): urn, type, custom, inputs, outputs."""
    resources = [
        {
            "urn": f"urn:pulumi:local::{project}::pulumi:pulumi:Stack::{project}-local",
            "custom": False,
            "type": "pulumi:pulumi:Stack",
        }
    ]
    for resource in run.resources:
        resources.append(
            {
                "urn": resource.urn,
                "custom": True,
                "type": resource.type,
                "inputs": ids.resolve(resource.inputs),
                "outputs": ids.resolve(resource.inputs),
                "parent": resource.parent or "",
                "dependencies": list(resource.dependencies),
            }
        )
    return {"version": 3, "deployment": {"manifest": {"time": "2026-12-04T00:00:00Z"}, "resources": resources}}


@pytest.fixture(scope="module")
def deployed(emulator):
    """The registry and access stacks (local config) applied to the emulator; their exported state."""
    emulator.reset()
    clients = {}

    def client(service, region=REGION):
        if (service, region) not in clients:
            clients[service, region] = boto3.client(
                service,
                endpoint_url=emulator.url,
                region_name=region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return clients[service, region]

    registry = harness.run_stack("registry")
    runs = {"registry": registry, "access": harness.run_stack("access", upstream=harness.upstream_of(registry))}
    ids = api.Ids()
    [key] = registry.of_type("aws:kms/key:Key")
    # the id the mocks gave the key, from its ARN in a repository's inputs
    mock_id = re.search(
        r"key/([0-9a-zA-Z-]+)", json.dumps(registry.of_type("aws:ecr/repository:Repository")[0].inputs)
    )[1]
    api.submit_key(client, key.name, key.inputs, ids, mock_id)
    for run in runs.values():
        for resource in sorted(run.resources, key=lambda r: api.ORDER.index(r.type)):
            if resource.type in SUBMIT:
                SUBMIT[resource.type](client, resource, ids.resolve(resource.inputs))
    return client, {project: export(project, run, ids) for project, run in runs.items()}


def audit(emulator, states, tmp_path, capsys):
    arguments = []
    for project, state in states.items():
        file = tmp_path / f"{project}.json"
        file.write_text(json.dumps(state))
        arguments += ["--state", str(file)]
    report = tmp_path / "report.json"
    status = main(
        [*arguments, "--env", "local", "--endpoint-url", emulator.url, "--region", REGION, "--report", str(report)]
    )
    captured = capsys.readouterr()
    return status, captured.out + captured.err, json.loads(report.read_text()) if report.exists() else None


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_the_deployed_state_as_reviewed_passes_with_its_access_matrix(emulator, deployed, tmp_path, capsys):
    _client, state = deployed
    status, output, report = audit(emulator, state, tmp_path, capsys)
    assert status == 0, output
    assert output.startswith(f"audit of {tmp_path / 'registry.json'}, {tmp_path / 'access.json'}: OK")
    assert report["drift"] == [] and [v for v in report["violations"] if v["level"] == "mandatory"] == []
    assert report["driftChecked"] == 4 + 4 + 1 + 4  # repositories, lifecycle policies, scanning, repository policies
    assert report["driftNotChecked"] == {
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
        "aws:iam/role:Role": 5,
        "aws:iam/rolePolicy:RolePolicy": 5,
        "aws:kms/alias:Alias": 1,
        "aws:kms/key:Key": 1,
    }
    assert "models/whisper-large-v3" in report["accessMatrix"]


def test_a_console_edit_of_a_repository_policy_and_scanning_switched_off_are_drift(
    emulator, deployed, tmp_path, capsys
):
    client, state = deployed
    ecr = client("ecr")
    policy = ecr.get_repository_policy(repositoryName="models/llama-3-8b-instruct")["policyText"]
    edited = json.loads(policy)
    edited["Statement"].append(
        {
            "Sid": "ConsoleEdit",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": "ecr:BatchGetImage",
        }
    )
    ecr.set_repository_policy(repositoryName="models/llama-3-8b-instruct", policyText=json.dumps(edited))
    ecr.put_image_scanning_configuration(
        repositoryName="models/sdxl-base", imageScanningConfiguration={"scanOnPush": False}
    )
    try:
        status, output, report = audit(emulator, state, tmp_path, capsys)
    finally:
        ecr.set_repository_policy(repositoryName="models/llama-3-8b-instruct", policyText=policy)
        ecr.put_image_scanning_configuration(
            repositoryName="models/sdxl-base", imageScanningConfiguration={"scanOnPush": True}
        )
    assert status == 1
    assert sorted((d["urn"].rsplit("::", 1)[-1], d["field"]) for d in report["drift"]) == [
        ("llama-3-8b-instruct-policy", "policy"),
        ("sdxl-base", "imageScanningConfiguration.scanOnPush"),
    ]
    assert "FAILED" in output.splitlines()[0] and "DRIFT" in output


def test_a_deleted_lifecycle_policy_is_drift(emulator, deployed, tmp_path, capsys):
    client, state = deployed
    ecr = client("ecr")
    text = ecr.get_lifecycle_policy(repositoryName="models/llama-3-8b-instruct")["lifecyclePolicyText"]
    ecr.delete_lifecycle_policy(repositoryName="models/llama-3-8b-instruct")
    try:
        status, _output, report = audit(emulator, state, tmp_path, capsys)
    finally:
        ecr.put_lifecycle_policy(repositoryName="models/llama-3-8b-instruct", lifecyclePolicyText=text)
    assert status == 1
    assert [(d["field"], d["live"]) for d in report["drift"]] == [
        ("(the resource)", "gone (LifecyclePolicyNotFoundException)")
    ]


def test_a_state_that_breaks_a_mandatory_policy_fails_naming_it(emulator, deployed, tmp_path, capsys):
    _client, state = deployed
    state = copy.deepcopy(state)
    for resource in state["access"]["deployment"]["resources"]:
        if resource["type"] == REPOSITORY_POLICY and resource["inputs"]["repository"] == "models/llama-3-8b-instruct":
            document = json.loads(resource["inputs"]["policy"])
            document["Statement"].append(
                {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}
            )
            resource["inputs"]["policy"] = json.dumps(document)
    status, output, report = audit(emulator, state, tmp_path, capsys)
    assert status == 1
    mandatory = [v for v in report["violations"] if v["level"] == "mandatory"]
    assert [(v["policy"], v["urn"].rsplit("::", 1)[-1]) for v in mandatory] == [
        ("no-wildcard-principal", "llama-3-8b-instruct-policy")
    ]
    assert "MANDATORY no-wildcard-principal" in output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{}", "not a `pulumi stack export` file (no deployment.resources)"),
        (
            '{"version": 2, "deployment": {"resources": []}}',
            "version 2; this audit reads `pulumi stack export` version 3",
        ),
        ("not json", "state.json"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_in_one_line(emulator, tmp_path, capsys, content, message):
    file = tmp_path / "state.json"
    file.write_text(content)
    status = main(["--state", str(file), "--env", "local", "--endpoint-url", emulator.url, "--region", REGION])
    err = capsys.readouterr().err
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1 and err.startswith("audit: ")


def test_an_encrypted_secret_in_the_export_is_refused_naming_show_secrets(emulator, tmp_path, capsys):
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}
    state = {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": "urn:x::y::aws:iam/role:Role::r",
                    "custom": True,
                    "type": "aws:iam/role:Role",
                    "inputs": {"description": secret},
                }
            ]
        },
    }
    status, _output, _report = audit(emulator, {"access": state}, tmp_path, capsys)
    assert status == 2
