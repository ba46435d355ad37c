"""Issue 19's features: the stacks' harness, and the emulator (moto on 127.0.0.1, a free port) with boto3 clients."""

import sys
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "stacks"))

from local_emulator import Emulator  # noqa: E402


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def ecr_client(emulator):
    return boto3.client(
        "ecr",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
