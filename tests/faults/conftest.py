"""The fault tests' command server (faults_helpers.run_command) is stopped and reaped when the session ends, so
that its runs' CPU is counted with the test process's (atexit is the fallback)."""

import pytest
from faults_helpers import stop_server


@pytest.fixture(scope="session", autouse=True)
def _command_server_stopped():
    yield
    stop_server()
