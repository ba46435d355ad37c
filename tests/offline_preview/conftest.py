"""Shared fixtures: each fixture program is evaluated once per test session, as after `pulumi up` (every output
known); tests of what a first preview leaves unknown evaluate their own (test_engine_protocol.py)."""

import pytest
from offline_preview.evaluate import DEPLOYED, evaluate
from offline_preview.manifest import build_manifest
from preview_helpers import program


@pytest.fixture(scope="session")
def upstream_evaluation():
    return evaluate(program("upstream"), "local", mode=DEPLOYED)


@pytest.fixture(scope="session")
def upstreams(upstream_evaluation):
    return {upstream_evaluation.key: upstream_evaluation}


@pytest.fixture(scope="session")
def basic_evaluation():
    return evaluate(program("basic"), "local", mode=DEPLOYED)


@pytest.fixture(scope="session")
def basic_manifest(basic_evaluation):
    return build_manifest(basic_evaluation)
