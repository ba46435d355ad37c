"""IAM's size rule lives once, in aws_facts.iam.quotas: the pack, the deployer policies and the stacks count alike."""

from __future__ import annotations

import json

from aws_facts.iam import quotas
from deployer_policies import policies as deployer
from hypothesis import given, settings
from hypothesis import strategies as st
from model_registry import naming
from registry_policies.quotas import QUOTA_TABLE, iam_policy_size

DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Sid": "a b", "Effect": "Allow", "Action": "ecr:*"}]}


def test_white_space_outside_strings_does_not_count_and_inside_strings_does():
    pretty = json.dumps(DOCUMENT, indent=4)
    compact = '{"Version":"2012-10-17","Statement":[{"Sid":"a b","Effect":"Allow","Action":"ecr:*"}]}'
    assert quotas.policy_size(pretty) == len(compact)  # the space inside "a b" counts


def test_the_pack_the_deployer_and_the_naming_rules_use_the_numbers_iam_documents():
    # IAM and AWS STS quotas (reference_iam-quotas.html): managed policy 6,144 characters, role name 64,
    # role trust policy 2,048 by default and 4,096 at most through Service Quotas.
    assert QUOTA_TABLE["iam-managed-policy-length"].limit == deployer.MAX_MANAGED_POLICY_CHARS == 6_144
    assert QUOTA_TABLE["iam-role-name"].limit == naming.MAX_ROLE_NAME == 64
    assert QUOTA_TABLE["iam-role-trust-policy-length"].limit == quotas.ROLE_TRUST_POLICY == 2_048


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.text(max_size=8) | st.integers(), lambda c: st.lists(c, max_size=3), max_leaves=8))
def test_the_pack_and_the_deployer_measure_every_document_alike(value):
    document = {"Statement": [{"Sid": "x", "Condition": value}]}
    assert iam_policy_size(document) == deployer.policy_size(document) == quotas.policy_size(document)
