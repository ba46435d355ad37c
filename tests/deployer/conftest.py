"""Fixtures of the deployer-policy tests: parliament (importable), the stacks run under mocks, a target."""

import importlib.resources
import sys
import types
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "stacks"))

# parliament 1.6.4 imports pkg_resources (setuptools) only to find its own data files, and the
# workspace does not install setuptools. Stand in with the same lookup through importlib.resources.
try:
    import pkg_resources  # noqa: F401
except ModuleNotFoundError:
    _shim = types.ModuleType("pkg_resources")
    _shim.resource_filename = lambda package, name: str(importlib.resources.files(package) / name)
    sys.modules["pkg_resources"] = _shim

import harness  # noqa: E402
from model_registry import deployer  # noqa: E402
from model_registry.contract import ACCESS, REGISTRY, REPLICATION  # noqa: E402

ACCOUNT = harness.ACCOUNT
HOME = harness.REGION
REPLICAS = ("eu-central-1", "us-west-2")


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
