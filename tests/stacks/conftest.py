"""Each stack runs once per test module against its local config (and its upstream's real exports)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import harness  # noqa: E402


@pytest.fixture(scope="session")
def registry_run():
    return harness.run_stack("registry")


@pytest.fixture(scope="session")
def replication_run(registry_run):
    return harness.run_stack("replication", upstream=harness.upstream_of(registry_run))


@pytest.fixture(scope="session")
def access_run(registry_run):
    return harness.run_stack("access", upstream=harness.upstream_of(registry_run))
