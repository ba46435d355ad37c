"""ENV=local's emulator remembers across restarts (moto's recorder replays the earlier requests), with the
same ids, and refuses to start empty under a Pulumi state that records resources. Real moto server on
127.0.0.1."""

import json

import boto3
import pytest
from local_emulator import Emulator, free_port, pulumi_state_resources
from local_emulator.__main__ import main


def _client(emulator, service):
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="module")
def two_sessions(tmp_path_factory):
    """Session 1 creates a repository and a KMS key; session 2 (another port) starts from the recording."""
    recording = tmp_path_factory.mktemp("moto") / "recording.jsonl"
    with Emulator(recording=recording) as first:
        _client(first, "ecr").create_repository(repositoryName="models/resnet-50")
        key_id = _client(first, "kms").create_key()["KeyMetadata"]["KeyId"]
    with Emulator(free_port(), recording=recording) as second:
        repositories = [r["repositoryName"] for r in _client(second, "ecr").describe_repositories()["repositories"]]
        keys = [k["KeyId"] for k in _client(second, "kms").list_keys()["Keys"]]
        replayed = second.replayed
    return {"key_id": key_id, "repositories": repositories, "keys": keys, "replayed": replayed}


def test_a_repository_created_before_a_restart_is_still_there_after_it(two_sessions):
    assert two_sessions["repositories"] == ["models/resnet-50"]
    assert two_sessions["replayed"] > 0


def test_a_restart_gives_a_kms_key_the_id_pulumi_recorded_for_it(two_sessions):
    assert two_sessions["keys"] == [two_sessions["key_id"]]


def test_without_a_recording_an_emulator_starts_empty(tmp_path):
    with Emulator() as first:
        _client(first, "ecr").create_repository(repositoryName="models/gone")
    with Emulator() as second:
        assert _client(second, "ecr").describe_repositories()["repositories"] == []


def _state(directory, *types):
    stacks = directory / ".pulumi" / "stacks" / "registry"
    stacks.mkdir(parents=True)
    resources = [
        {"urn": f"urn:pulumi:local::registry::{t}::r{i}", "type": t, "custom": t != "pulumi:pulumi:Stack"}
        for i, t in enumerate(types)
    ]
    (stacks / "local.json").write_text(json.dumps({"version": 3, "checkpoint": {"latest": {"resources": resources}}}))


def test_the_state_counts_provider_managed_resources_only(tmp_path):
    _state(tmp_path, "pulumi:pulumi:Stack", "pulumi:providers:aws", "aws:ecr/repository:Repository")
    assert pulumi_state_resources(tmp_path) == {"registry/local": 1}


def test_start_refuses_an_empty_emulator_under_a_state_with_resources_naming_local_reset(tmp_path, capsys):
    _state(tmp_path / ".pulumi-state", "aws:ecr/repository:Repository")
    port = free_port()
    status = main(
        [
            "start",
            "--port",
            str(port),
            "--dir",
            str(tmp_path / ".moto"),
            "--pulumi-state",
            str(tmp_path / ".pulumi-state"),
        ]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert "registry/local (1)" in err and "`make local-reset`" in err and err.count("\n") == 1
    assert not (tmp_path / ".moto" / "pid").exists()  # nothing was started
