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

CI = {"oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}
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
    ("access", {"access:ci": {"oidcProviderArns": "x"}}, "access:ci.oidcProviderArns: unknown key; did you mean"),
    ("registry", {"registry:models": [{"name": "bert"}]}, "registry:models: the models and their consumers moved"),
    # types: no bool for a number, no number for a string
    ("registry", {"registry:lifecycle": {"untaggedExpiryDays": True}}, "must be a whole number, not true"),
    ("registry", {"registry:lifecycle": {"untaggedExpiryDays": 1.5}}, "must be a whole number, not 1.5"),
    ("registry", {"registry:lifecycle": {"untaggedExpiryDays": "7"}}, "must be a whole number, not '7'"),
    ("replication", {"replication:sourceAccounts": [210987654321]}, "must be a string, not 210987654321"),
    ("replication", {"replication:replicaTemplates": "yes"}, "must be true or false, not 'yes'"),
    ("registry", {"registry:namespace": 7}, "registry:namespace: must be a string, not 7"),
    ("registry", {"registry:keyAdmins": {"a": "b"}}, "registry:keyAdmins: must be a list, not a mapping"),
    ("registry", {"registry:scanning": {"type": "enhanced"}}, "must be one of 'ENHANCED' or 'BASIC', not 'enhanced'"),
    # values AWS refuses or that change meaning
    ("registry", {"registry:lifecycle": {"prereleaseTagPrefixes": ["v1-"]}}, "overlaps release prefix 'v'"),
    ("registry", {"registry:lifecycle": {"releaseTagPrefixes": ["v*"]}}, "is not a tag prefix"),
    ("registry", {"registry:costCentre": "ml#platform"}, "AWS refuses in a tag value"),
    ("registry", {"registry:costCentre": " "}, "must not be empty"),
    ("registry", {"registry:namespace": "Models"}, "is not a namespace"),
    ("replication", {"replication:rules": [{"destinations": DEST, "prefixes": ["*"]}]}, "is not a replication prefix"),
    ("replication", {"replication:rules": [{"destinations": DEST, "prefixes": [""]}]}, "is not a replication prefix"),
    ("replication", {"replication:rules": [{"destinations": DEST, "prefixes": ["other"]}]}, "outside the registry"),
    ("replication", {"replication:rules": [{"destinations": [{"region": "us-east1"}]}]}, "did you mean 'us-east-1'?"),
    ("replication", {"aws:region": "us-east1"}, "aws:region: 'us-east1' is not an AWS region"),
    ("registry", {"aws:allowedAccountIds": 111111111111}, "aws:allowedAccountIds: must be a list"),
    ("registry", {"aws:allowedAccountIds": "111111111111"}, "aws:allowedAccountIds: must be a list"),
    ("access", {"access:ci": {"oidcProviderArn": "not-an-arn"}}, "is not an OIDC provider ARN"),
    ("access", {"access:consumers": {"principals": ["arn:aws:iam::210987654321:role/*"]}}, "is not an IAM principal"),
    ("access", {"access:consumers": {"orgId": "o-1"}}, "is not an AWS Organizations id"),
]


def _team(models=None, refs=None):
    data = {"team": "nlp", "models": models or [{"name": "bert"}]}
    if refs is not None:
        data["ci"] = {"pushers": [{"repository": "acme/x", "refs": refs}]}
    return {"nlp.yaml": data}


# The catalog (catalog/<team>.yaml) through the registry stack: its models against the stack's lifecycle.
CATALOG_CASES = [
    (_team([{"name": "bert", "mutableTags": ["v*"]}]), "mutableTags[0]: 'v*' matches release tags"),
    (_team([{"name": "bert", "mutableTags": ["*-rc"]}]), "mutableTags[0]: '*-rc' matches release tags"),
    (_team([{"name": "bert", "mutableTags": ["*"]}]), "matches every tag"),
    (_team([{"name": "a" * 250}]), "ECR allows 256"),
    (_team(refs=["refs/heads/?*"]), "'refs/heads/?*' matches any branch"),
    (_team(refs=["refs/heads/*"]), "'refs/heads/*' matches any branch"),
    (_team(refs=["refs/tags/*"]), "'refs/tags/*' matches any tag"),
    (_team(refs=["environment:?*"]), "'environment:?*' matches any environment"),
    (_team(refs=["refs/heads/*-release"]), "starts with a wildcard"),
    (_team(refs=["refs/pull/1/merge"]), "must name a branch"),
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


@pytest.mark.parametrize(("files", "expected"), CATALOG_CASES, ids=[f"catalog-{i}" for i in range(len(CATALOG_CASES))])
def test_a_named_catalog_mistake_is_refused_naming_file_line_and_model(files, expected):
    with pytest.raises(EvaluationError) as error:
        harness.run_stack("registry", catalog=files)
    text = str(error.value)
    assert "\n" not in text and "ConfigError: invalid configuration: " in text
    assert "catalog/nlp.yaml:" in text and expected in text, text


def test_the_stack_file_and_line_are_named():
    values = harness.stack_config("access")
    values["access:CI"] = values.pop("access:ci", CI)
    with pytest.raises(EvaluationError) as error:
        harness.run_stack("access", values)
    # yaml.safe_dump sorts the keys: access:CI is the first key of the stack file's config.
    assert "/Pulumi.local.yaml:2: access:CI: unknown key; did you mean 'access:ci'?" in str(error.value)
