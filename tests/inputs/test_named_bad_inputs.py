"""Named mistakes in the stacks' config, each refused by the stack program before any resource, in one
line naming the stack file, the line, the key and the rule (the model by name where there is one).

Each case is a change to the stack's own Pulumi.local.yaml; `None` as a value removes the key.
"""

from __future__ import annotations

import sys

import pytest
from inputs_helpers import REPO
from offline_preview.evaluate import EvaluationError

sys.path.insert(0, str(REPO / "tests" / "stacks"))
import harness  # noqa: E402

CI = {"pushers": [{"repository": "acme/model-build", "refs": ["refs/heads/main"]}]}
DEST = [{"region": "us-west-2"}]

CASES = [
    # misspelt keys, at the top and below it
    ("access", {"access:ci": None, "access:CI": CI}, "access:CI: unknown key; did you mean 'access:ci'?"),
    ("access", {"access:consumers": None, "access:consumer": {}}, "did you mean 'access:consumers'?"),
    ("registry", {"registry:scaning": {"type": "BASIC"}}, "did you mean 'registry:scanning'?"),
    ("registry", {"registry:lifecyle": {}}, "did you mean 'registry:lifecycle'?"),
    ("replication", {"replication:sourceAcounts": []}, "did you mean 'replication:sourceAccounts'?"),
    ("registry", {"regsitry:namespace": "ml"}, "unknown namespace 'regsitry'; did you mean 'registry:namespace'?"),
    ("registry", {"registry:lifecycle": {"untaggedExpiryDay": 3}}, "did you mean 'untaggedExpiryDays'?"),
    ("access", {"access:ci": {**CI, "model": []}}, "access:ci.model: unknown key; did you mean 'models'?"),
    # types: no bool for a number, no number for a string
    ("registry", {"registry:lifecycle": {"untaggedExpiryDays": True}}, "must be a whole number, not true"),
    ("registry", {"registry:lifecycle": {"untaggedExpiryDays": 1.5}}, "must be a whole number, not 1.5"),
    ("registry", {"registry:lifecycle": {"untaggedExpiryDays": "7"}}, "must be a whole number, not '7'"),
    ("replication", {"replication:sourceAccounts": [210987654321]}, "must be a string, not 210987654321"),
    ("replication", {"replication:replicaTemplates": "yes"}, "must be true or false, not 'yes'"),
    ("registry", {"registry:namespace": 7}, "registry:namespace: must be a string, not 7"),
    ("registry", {"registry:models": {"name": "bert"}}, "registry:models: must be a list, not a mapping"),
    ("registry", {"registry:scanning": {"type": "enhanced"}}, "must be one of 'ENHANCED' or 'BASIC', not 'enhanced'"),
    # values AWS refuses or that change meaning
    ("registry", {"registry:models": [{"name": "bert", "team": "nlp", "mutableTags": ["v*"]}]}, "matches release tags"),
    ("registry", {"registry:models": [{"name": "bert", "team": "nlp", "mutableTags": ["*"]}]}, "matches every tag"),
    ("registry", {"registry:models": [{"name": "a" * 250, "team": "nlp"}]}, "at most 249 for the name"),
    ("registry", {"registry:lifecycle": {"prereleaseTagPrefixes": ["v1-"]}}, "overlaps release prefix 'v'"),
    ("registry", {"registry:lifecycle": {"releaseTagPrefixes": ["v*"]}}, "is not a tag prefix"),
    ("registry", {"registry:costCentre": "ml#platform"}, "AWS refuses in a tag value"),
    ("registry", {"registry:models": [{"name": "bert", "team": ""}]}, "must not be empty"),
    ("registry", {"registry:namespace": "Models"}, "is not a namespace"),
    ("replication", {"replication:rules": [{"destinations": DEST, "prefixes": ["*"]}]}, "is not a replication prefix"),
    ("replication", {"replication:rules": [{"destinations": DEST, "prefixes": [""]}]}, "is not a replication prefix"),
    (
        "replication",
        {"replication:rules": [{"destinations": DEST, "prefixes": ["other"]}]},
        "outside the registry namespace",
    ),
    ("replication", {"replication:rules": [{"destinations": [{"region": "us-east1"}]}]}, "did you mean 'us-east-1'?"),
    ("replication", {"aws:region": "us-east1"}, "aws:region: 'us-east1' is not an AWS region"),
    ("registry", {"aws:allowedAccountIds": 111111111111}, "aws:allowedAccountIds: must be a list"),
    ("registry", {"aws:allowedAccountIds": "111111111111"}, "aws:allowedAccountIds: must be a list"),
    ("access", {"access:ci": {**CI, "oidcProviderArn": "not-an-arn"}}, "is not an OIDC provider ARN"),
    ("access", {"access:ci": {"pushers": [{"repository": "a/b", "refs": ["refs/heads/?*"]}]}}, "matches any branch"),
    ("access", {"access:ci": {"pushers": [{"repository": "a/b", "refs": ["refs/heads/*"]}]}}, "matches any branch"),
    ("access", {"access:ci": {"pushers": [{"repository": "a/b", "refs": ["refs/tags/*"]}]}}, "matches any tag"),
    (
        "access",
        {"access:ci": {"pushers": [{"repository": "a/b", "refs": ["environment:?*"]}]}},
        "matches any environment",
    ),
    (
        "access",
        {"access:ci": {"pushers": [{"repository": "a/b", "refs": ["refs/pull/1/merge"]}]}},
        "must name a branch",
    ),
    (
        "access",
        {"access:consumers": {"principals": ["arn:aws:iam::210987654321:role/*"]}},
        "is not an IAM principal ARN",
    ),
    ("access", {"access:consumers": {"orgId": "o-1"}}, "is not an AWS Organizations id"),
]


@pytest.fixture(scope="module")
def registry_run():
    return harness.run_stack("registry")


@pytest.mark.parametrize(("stack", "change", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_named_mistake_is_refused_naming_file_line_and_key(registry_run, stack, change, expected):
    values = harness.stack_config(stack)
    for key, value in change.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    upstream = None if stack == "registry" else harness.upstream_of(registry_run)
    with pytest.raises(EvaluationError) as error:
        harness.run_stack(stack, values, upstream=upstream)
    text = str(error.value)
    assert "\n" not in text and "Traceback" not in text
    assert "ConfigError: invalid configuration: " in text
    assert expected in text, text


def test_a_model_is_named_by_its_name_not_only_its_index():
    values = harness.stack_config("registry")
    values["registry:models"] = [
        *values["registry:models"],
        {"name": "bert", "team": "nlp", "lifecycle": {"untaggedExpiryDays": 0}},
    ]
    with pytest.raises(EvaluationError) as error:
        harness.run_stack("registry", values)
    index = len(values["registry:models"]) - 1
    assert f"registry:models[{index}].lifecycle.untaggedExpiryDays: must be at least 1, not 0 (model 'bert')" in str(
        error.value
    )


def test_the_stack_file_and_line_are_named():
    values = harness.stack_config("access")
    ci = values.pop("access:ci")
    values["access:CI"] = ci
    with pytest.raises(EvaluationError) as error:
        harness.run_stack("access", values)
    # yaml.safe_dump sorts the keys: access:CI is the first key of the stack file's config.
    assert "/Pulumi.local.yaml:2: access:CI: unknown key; did you mean 'access:ci'?" in str(error.value)
