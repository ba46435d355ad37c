"""The AWS emulator (moto's server on 127.0.0.1, one per session) and boto3 clients pointed at it."""

import sys
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "stacks"))

import harness  # noqa: E402
from local_emulator import Emulator  # noqa: E402

HOME = harness.REGION


@pytest.fixture(scope="session")
def emulator():
    """Started once; the context manager stops it after the session, also when tests fail."""
    with Emulator() as running:
        yield running


@pytest.fixture(scope="session")
def client(emulator):
    """`client("ecr")`, `client("kms", "us-west-2")`: boto3 clients of the emulator, fake credentials."""
    cache = {}

    def make(service: str, region: str = HOME):
        if (service, region) not in cache:
            cache[service, region] = boto3.client(
                service,
                endpoint_url=emulator.url,
                region_name=region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return cache[service, region]

    return make


@pytest.fixture(scope="session")
def runs():
    """The three stacks' recorded resources, run under mocks with their local config."""
    registry = harness.run_stack("registry")
    upstream = harness.upstream_of(registry)
    return {
        "registry": registry,
        "replication": harness.run_stack("replication", upstream=upstream),
        "access": harness.run_stack("access", upstream=upstream),
    }
