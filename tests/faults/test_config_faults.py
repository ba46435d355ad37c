"""Config catches what the pack or AWS would: a secret where a key is not secret by nature, and empty lists
that make malformed documents, each refused at the key (stack file, line, key) by the stack program."""

from __future__ import annotations

import sys

import pytest
from faults_helpers import REPO
from offline_preview.evaluate import EvaluationError

sys.path.insert(0, str(REPO / "tests" / "stacks"))
import harness  # noqa: E402

# A passphrase-provider ciphertext as `pulumi config set --secret` writes it.
SECURE = {"secure": "v1:3g2hMUfYMR5bdaB7:RNgS4Vr6FVZpWMbDhMLV3XZCCrYuMPXV2A=="}


@pytest.fixture(scope="module")
def registry_run():
    return harness.run_stack("registry")


def refused(stack, change, upstream=None):
    values = harness.stack_config(stack)
    values.update(change)
    with pytest.raises(EvaluationError) as error:
        harness.run_stack(stack, values, upstream=upstream)
    text = str(error.value)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.mark.parametrize(
    ("stack", "key"),
    [("registry", "registry:namespace"), ("registry", "registry:costCentre"), ("access", "access:catalog")],
)
def test_a_secret_for_a_key_that_is_not_secret_by_nature_is_refused_naming_the_key(registry_run, stack, key):
    upstream = None if stack == "registry" else harness.upstream_of(registry_run)
    text = refused(stack, {key: SECURE}, upstream)
    assert f"{key}: is a secret (`secure:`), but {key.split(':')[1]} is not secret by nature" in text
    assert "[secret]" not in text  # never judged by its placeholder


def test_an_empty_trusted_services_list_is_refused_at_its_key_and_one_service_is_accepted(registry_run):
    upstream = harness.upstream_of(registry_run)
    text = refused("access", {"access:inference": {"trustedServices": []}}, upstream)
    assert "access:inference.trustedServices: needs at least 1 item, has 0" in text
    values = harness.stack_config("access")
    values["access:inference"] = {"trustedServices": ["sagemaker.amazonaws.com"]}
    run = harness.run_stack("access", values, upstream=upstream)
    assert run is not None
