"""Fixtures of the deployer-policy tests: parliament (importable), the stacks run under mocks, a target."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "stacks"))

import harness  # noqa: E402
from deployer_policies import policies as deployer  # noqa: E402
from deployer_targets import ACCOUNT, HOME, REPLICAS  # noqa: E402
from model_registry.contract import ACCESS, REGISTRY, REPLICATION  # noqa: E402


@pytest.fixture(scope="session")
def target() -> deployer.Target:
    """The local stacks' account and regions (Pulumi.local.yaml), pinned."""
    return deployer.Target(account_id=ACCOUNT, namespace="models", region=HOME, replica_regions=REPLICAS)


@pytest.fixture(scope="session")
def policies(target):
    return {stack: deployer.deployer_policy(stack, target) for stack in (REGISTRY, REPLICATION, ACCESS)}


@pytest.fixture(scope="session")
def runs():
    registry = harness.run_stack("registry")
    upstream = harness.upstream_of(registry)
    return {
        REGISTRY: registry,
        REPLICATION: harness.run_stack("replication", upstream=upstream),
        ACCESS: harness.run_stack("access", upstream=upstream),
    }
