"""The repository's stacks previewed once per session in each layout (pack on, checkov off: tests/offline_preview
covers checkov), for the shard tests to read."""

import pytest
from offline_preview.run import Options, run_preview
from offline_preview.shard_plan import sharded_options
from shard_helpers import REPO


@pytest.fixture(scope="session")
def whole_run(tmp_path_factory):
    build = tmp_path_factory.mktemp("whole")
    return run_preview(Options(env="local", build_dir=build, checkov=False))


@pytest.fixture(scope="session")
def sharded_run(tmp_path_factory):
    build = tmp_path_factory.mktemp("sharded")
    return run_preview(sharded_options(Options(env="local", build_dir=build, checkov=False), REPO / "stacks"))
