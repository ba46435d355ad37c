"""The pack never throws: malformed documents and odd properties become violations with a message.

MALFORMED_DOCUMENTS is the table reproduced in policy-pack/README.md.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy
from registry_policies import names as policy_names
from registry_policies.pack import build_policies

REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"

MALFORMED_DOCUMENTS = [  # (case, document, words the message must contain)
    ("not JSON", "{not json", "not valid JSON"),
    ("empty string", "", "is empty"),
    ("whitespace only", "   ", "is empty"),
    ("JSON array", "[]", "must be a JSON object"),
    ("JSON number", "42", "must be a JSON object"),
    ("JSON null", "null", "must be a JSON object"),
    ("no Statement", '{"Version": "2012-10-17"}', "has no Statement"),
    ("empty Statement list", '{"Statement": []}', "empty Statement list"),
    ("Statement is a string", '{"Statement": "Allow"}', "must be an object or a list"),
    ("statement is a number", '{"Statement": [1]}', "Statement[0] must be an object"),
    ("Effect is invalid", '{"Statement": [{"Effect": "Permit", "Principal": "*"}]}', 'must be "Allow" or "Deny"'),
    (
        "Principal and NotPrincipal",
        '{"Statement": [{"Effect": "Allow", "Principal": "*", "NotPrincipal": "*"}]}',
        "both Principal and NotPrincipal",
    ),
    (
        "Principal is an account string",
        '{"Statement": [{"Effect": "Allow", "Principal": "123456789012"}]}',
        'must be "*" or an object',
    ),
    ("Principal kind unknown", '{"Statement": [{"Effect": "Allow", "Principal": {"Users": "*"}}]}', "unknown kind"),
    (
        "Principal AWS is a number",
        '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": 5}}]}',
        "string or a non-empty list",
    ),
    (
        "duplicate key",
        '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "1"}, "Principal": "*"}]}',
        "repeats the key",
    ),
    (
        "element twice in two cases",
        '{"Statement": [{"Effect": "Allow", "principal": "*", "Principal": {"AWS": "1"}}]}',
        "more than once",
    ),
    ("nested 20 000 deep", "[" * 20_000 + "]" * 20_000, "nested too deeply"),
    ("nested 70 deep object", '{"Statement": [' + '{"a":' * 70 + "1" + "}" * 70 + "]}", "nested too deeply"),
    (
        "1 MB document",
        json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "1"}, "Sid": "x" * 1_048_576}]}),
        "more than the 131072",
    ),
]


def run_resource_policies(resource_type, props, name="subject"):
    """Every resource policy of the pack, in process, as the server calls them."""
    violations = []
    for policy in build_policies():
        if not isinstance(policy, ResourceValidationPolicy):
            continue
        args = ResourceValidationArgs(
            resource_type,
            unknown_checking_proxy(props),
            f"urn:pulumi:dev::p::{resource_type}::{name}",
            name,
            PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), []),
            None,
            None,
        )
        policy.validate(args, lambda message, urn=None, policy=policy: violations.append((policy.name, message)))
    return violations


@pytest.mark.parametrize(("case", "document", "expected"), MALFORMED_DOCUMENTS, ids=[c[0] for c in MALFORMED_DOCUMENTS])
def test_a_malformed_document_is_a_mandatory_violation_with_a_clear_message(case, document, expected):
    violations = run_resource_policies(REPOSITORY_POLICY, {"policy": document, "repository": "r"})
    messages = [m for name, m in violations if name == policy_names.NO_WILDCARD_PRINCIPAL]
    assert messages, case
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize(
    "props",
    [
        {"policy": 5},
        {"policy": ["a"]},
        {"policy": {"Statement": {"Effect": None}}},
        {"policy": True},
        {"imageScanningConfiguration": "yes"},
        {"imageScanningConfiguration": [[[]]]},
        {"encryptionConfigurations": 7},
        {"tags": "owner"},
    ],
)
@pytest.mark.parametrize("resource_type", [REPOSITORY_POLICY, "aws:ecr/repository:Repository", "aws:iam/role:Role"])
def test_wrongly_typed_properties_never_raise(props, resource_type):
    assert isinstance(run_resource_policies(resource_type, props), list)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.sampled_from(["*", "Allow", "Deny"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Statement",
                    "Effect",
                    "Principal",
                    "NotPrincipal",
                    "Action",
                    "NotAction",
                    "Condition",
                    "AWS",
                    "Service",
                    "StringEquals",
                    "aws:PrincipalOrgID",
                    "Sid",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(JSON, st.booleans())
def test_no_generated_document_makes_a_policy_raise(document, as_string):
    value = json.dumps(document) if as_string else document
    for resource_type in (REPOSITORY_POLICY, "aws:iam/role:Role"):
        key = "assumeRolePolicy" if resource_type == "aws:iam/role:Role" else "policy"
        violations = run_resource_policies(resource_type, {key: value})
        assert all(isinstance(m, str) and m for _, m in violations)
