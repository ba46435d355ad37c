"""no-wildcard-principal judges effective access: a document is refused when an identity outside the
account, the named accounts and the organization can satisfy an Allow that no Deny removes.

Cases per category of the issue, through the pure function, then a sample through the real pack over gRPC.
"""

import json
from pathlib import Path

import pytest
from offline_preview.analyzer_client import AnalyzerClient
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE
from registry_policies import names as policy_names
from registry_policies.pack_checks import effective_access

ROOT = Path(__file__).resolve().parents[2]
OWN, PARTNER, FOREIGN, ORG = "123456789012", "210987654321", "444455556666", "o-a1b2c3d4e5"
CONFIG = {"trustedAccounts": [OWN, PARTNER], "organizationIds": [ORG]}
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
PUSH = [*PULL, "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ROLE = "aws:iam/role:Role"
KEY = "aws:kms/key:Key"
GITHUB = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"
SUB, AUD = "token.actions.githubusercontent.com:sub", "token.actions.githubusercontent.com:aud"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal, action=PULL, condition=None, sid="Grant"):
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def trust(principal, condition=None, sid="Trust"):
    action = "sts:AssumeRoleWithWebIdentity" if "Federated" in principal else "sts:AssumeRole"
    return allow(principal, action, condition, sid)


def messages(resource_type, props, config=CONFIG):
    return [f.message for f in effective_access(resource_type, props, config)]


def refused(resource_type, props, config=CONFIG):
    return bool(messages(resource_type, props, config))


# ---- federated identities --------------------------------------------------------------------------------

GITHUB_OPEN = [
    ("no sub condition", {"StringEquals": {AUD: "sts.amazonaws.com"}}),
    ("repo:*", {"StringLike": {SUB: "repo:*"}, "StringEquals": {AUD: "sts.amazonaws.com"}}),
    ("owner glob", {"StringLike": {SUB: "repo:acme*/*"}, "StringEquals": {AUD: "sts.amazonaws.com"}}),
    ("negated sub", {"StringNotEquals": {SUB: "repo:acme/models:ref:refs/heads/main"}}),
    ("sub if exists", {"StringLikeIfExists": {SUB: "repo:acme/models:*"}}),
]


@pytest.mark.parametrize(("case", "condition"), GITHUB_OPEN, ids=[c for c, _ in GITHUB_OPEN])
def test_a_github_trust_any_repository_satisfies_is_refused(case, condition):
    [message] = messages(ROLE, {"assumeRolePolicy": doc(trust({"Federated": GITHUB}, condition))})
    assert 'statement "Trust"' in message and "any user of token.actions.githubusercontent.com" in message


def test_a_github_statement_that_comes_second_is_judged_like_the_first():
    pinned = {"StringLike": {SUB: "repo:acme/models:ref:refs/heads/main"}, "StringEquals": {AUD: "sts.amazonaws.com"}}
    open_ = {"StringLike": {SUB: "repo:*"}}
    document = doc(trust({"Federated": GITHUB}, pinned, "Pinned"), trust({"Federated": GITHUB}, open_, "AnyWorkflow"))
    [message] = messages(ROLE, {"assumeRolePolicy": document})
    assert 'statement "AnyWorkflow"' in message


@pytest.mark.parametrize("sub", ["repo:acme/models:ref:refs/heads/main", "repo:acme/models:*", "repo:acme/*"])
def test_a_github_trust_pinned_to_the_owner_passes(sub):
    condition = {"StringLike": {SUB: sub}, "StringEquals": {AUD: "sts.amazonaws.com"}}
    assert messages(ROLE, {"assumeRolePolicy": doc(trust({"Federated": GITHUB}, condition))}) == []


PROVIDERS = [  # (Federated principal, identifying key, a value that pins it)
    (
        "cognito-identity.amazonaws.com",
        "cognito-identity.amazonaws.com:aud",
        "us-east-1:12345678-1234-1234-1234-123456789012",
    ),
    ("accounts.google.com", "accounts.google.com:aud", "1234.apps.googleusercontent.com"),
    ("graph.facebook.com", "graph.facebook.com:app_id", "1234567890"),
    ("www.amazon.com", "www.amazon.com:app_id", "amzn1.application-oa2-client.abc"),
    (
        f"arn:aws:iam::{OWN}:oidc-provider/gitlab.com",
        "gitlab.com:sub",
        "project_path:acme/models:ref_type:branch:ref:main",
    ),
    (
        f"arn:aws:iam::{OWN}:oidc-provider/app.terraform.io",
        "app.terraform.io:sub",
        "organization:acme:project:p:workspace:w:run_phase:apply",
    ),
    (f"arn:aws:iam::{OWN}:oidc-provider/login.example.com", "login.example.com:sub", "deployer"),
]


@pytest.mark.parametrize(("provider", "key", "value"), PROVIDERS, ids=[p[1] for p in PROVIDERS])
def test_a_provider_without_its_identifying_condition_is_refused(provider, key, value):
    assert refused(ROLE, {"assumeRolePolicy": doc(trust({"Federated": provider}))})
    assert refused(ROLE, {"assumeRolePolicy": doc(trust({"Federated": provider}, {"StringLike": {key: "*"}}))})


@pytest.mark.parametrize(("provider", "key", "value"), PROVIDERS, ids=[p[1] for p in PROVIDERS])
def test_a_provider_pinned_by_its_identifying_condition_passes(provider, key, value):
    assert (
        messages(ROLE, {"assumeRolePolicy": doc(trust({"Federated": provider}, {"StringEquals": {key: value}}))}) == []
    )


def test_a_saml_provider_of_an_account_outside_is_refused_and_of_the_own_account_passes():
    saml = "SAML:aud"
    own = trust(
        {"Federated": f"arn:aws:iam::{OWN}:saml-provider/corp"},
        {"StringEquals": {saml: "https://signin.aws.amazon.com/saml"}},
    )
    foreign = trust({"Federated": f"arn:aws:iam::{FOREIGN}:saml-provider/corp"})
    assert messages(ROLE, {"assumeRolePolicy": doc(own)}) == []
    assert refused(ROLE, {"assumeRolePolicy": doc(foreign)})


# ---- confused deputies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:*:training-job/*"}},
        {"StringEquals": {"aws:SourceAccount": FOREIGN}},
    ],
)
def test_a_service_principal_not_bound_to_a_source_inside_is_refused(condition):
    [message] = messages(
        REPOSITORY_POLICY, {"policy": doc(allow({"Service": "sagemaker.amazonaws.com"}, PULL, condition))}
    )
    assert "sagemaker.amazonaws.com" in message


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": PARTNER}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:lambda:us-east-1:{PARTNER}:function:model-server"}},
    ],
)
def test_a_service_principal_bound_to_a_source_inside_passes(condition):
    assert (
        messages(REPOSITORY_POLICY, {"policy": doc(allow({"Service": "sagemaker.amazonaws.com"}, PULL, condition))})
        == []
    )


PERMISSION = "aws:lambda/permission:Permission"


@pytest.mark.parametrize(
    "props",
    [
        {"principal": "s3.amazonaws.com", "action": "lambda:InvokeFunction", "function": "f"},
        {"principal": "sns.amazonaws.com", "action": "lambda:InvokeFunction", "function": "f"},
        {
            "principal": "sns.amazonaws.com",
            "action": "lambda:InvokeFunction",
            "sourceArn": "arn:aws:sns:us-east-1:*:models",
        },
        {"principal": "*", "action": "lambda:InvokeFunction"},
        {"principal": "*", "action": "lambda:InvokeFunction", "sourceAccount": FOREIGN},
        {"principal": FOREIGN, "action": "lambda:InvokeFunction"},
    ],
)
def test_a_lambda_permission_reachable_from_outside_is_refused(props):
    [message] = messages(PERMISSION, props)
    assert message.startswith("the Lambda permission")


@pytest.mark.parametrize(
    "props",
    [
        {
            "principal": "s3.amazonaws.com",
            "action": "lambda:InvokeFunction",
            "sourceAccount": OWN,
            "sourceArn": "arn:aws:s3:::models",
        },
        {
            "principal": "sns.amazonaws.com",
            "action": "lambda:InvokeFunction",
            "sourceArn": f"arn:aws:sns:us-east-1:{OWN}:models",
        },
        {"principal": "*", "action": "lambda:InvokeFunction", "principalOrgId": ORG},
        {"principal": PARTNER, "action": "lambda:InvokeFunction"},
    ],
)
def test_a_lambda_permission_bound_to_a_source_inside_passes(props):
    assert messages(PERMISSION, props) == []


def test_an_unknown_lambda_source_is_not_a_pass():
    [finding] = effective_access(PERMISSION, {"principal": "*", "sourceArn": UNKNOWN_STRING_VALUE}, CONFIG)
    assert finding.unknown


# ---- types that grant access without a plain resource policy ----------------------------------------------


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        ("aws:ecrpublic/repositoryPolicy:RepositoryPolicy", {"policy": doc(allow("*", ["ecr-public:PutImage"]))}),
        (
            "aws:lambda/layerVersionPermission:LayerVersionPermission",
            {"principal": "*", "action": "lambda:GetLayerVersion", "layerName": "l", "versionNumber": 1},
        ),
        (
            "aws:kms/grant:Grant",
            {"keyId": "k", "granteePrincipal": f"arn:aws:iam::{FOREIGN}:role/x", "operations": ["Decrypt"]},
        ),
        (
            "aws:kms/replicaExternalKey:ReplicaExternalKey",
            {"primaryKeyArn": "k", "policy": doc(allow({"AWS": "*"}, "kms:*"))},
        ),
        ("aws:kms/replicaKey:ReplicaKey", {"primaryKeyArn": "k", "policy": doc(allow({"AWS": "*"}, "kms:Decrypt"))}),
    ],
)
def test_every_type_that_grants_is_read_and_refused_when_it_admits_outsiders(resource_type, props):
    assert refused(resource_type, props)


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (
            "aws:lambda/layerVersionPermission:LayerVersionPermission",
            {"principal": "*", "organizationId": ORG, "action": "lambda:GetLayerVersion"},
        ),
        (
            "aws:kms/grant:Grant",
            {
                "keyId": "k",
                "granteePrincipal": f"arn:aws:iam::{OWN}:role/ecr",
                "operations": ["Decrypt"],
                "retiringPrincipal": f"arn:aws:iam::{OWN}:root",
            },
        ),
    ],
)
def test_the_same_types_pass_when_they_grant_inside(resource_type, props):
    assert messages(resource_type, props) == []


STACK = "aws:cloudformation/stack:Stack"


def test_a_cloudformation_template_is_read_resource_by_resource():
    template = {
        "Resources": {
            "Repo": {
                "Type": "AWS::ECR::Repository",
                "Properties": {"RepositoryPolicyText": json.loads(doc(allow("*")))},
            },
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        }
    }
    [message] = messages(STACK, {"templateBody": json.dumps(template)})
    assert "resource Repo (AWS::ECR::Repository)" in message and 'Principal "*"' in message


def test_a_yaml_template_with_an_intrinsic_principal_cannot_be_evaluated():
    body = (
        "Resources:\n  Perm:\n    Type: AWS::Lambda::Permission\n    Properties:\n"
        "      FunctionName: f\n      Action: lambda:InvokeFunction\n      Principal: !Ref Who\n"
    )
    [message] = messages(STACK, {"templateBody": body})
    assert "cannot be evaluated" in message and "intrinsic" in message and policy_names.EXEMPTIONS in message


@pytest.mark.parametrize(
    "props",
    [
        {"templateUrl": "https://example.com/t.json"},
        {"templateBody": json.dumps({"Transform": "AWS::Serverless-2016-10-31", "Resources": {}})},
        {
            "templateBody": json.dumps(
                {
                    "Resources": {
                        "X": {"Type": "AWS::Some::Thing", "Properties": {"Policy": json.loads(doc(allow("*")))}}
                    }
                }
            )
        },
    ],
)
def test_a_template_the_pack_cannot_read_is_refused_as_cannot_be_evaluated(props):
    [message] = messages(STACK, props)
    assert "cannot be evaluated" in message and policy_names.EXEMPTIONS in message


def test_a_cloud_control_desired_state_is_read_as_its_cloudformation_type():
    state = json.dumps({"RepositoryName": "models/x", "RepositoryPolicyText": json.loads(doc(allow({"AWS": FOREIGN})))})
    [message] = messages(
        "aws:cloudcontrol/resource:Resource", {"typeName": "AWS::ECR::Repository", "desiredState": state}
    )
    assert "444455556666" in message


def test_an_unknown_type_carrying_a_grant_is_refused_as_cannot_be_evaluated():
    props = {"resourceArn": "arn:aws:bedrock:x", "policy": doc(allow({"AWS": OWN}))}
    [message] = messages("aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy", props)
    assert "cannot be evaluated" in message and f'"policy": "{policy_names.NO_WILDCARD_PRINCIPAL}"' in message


def test_an_unknown_type_without_any_grant_passes():
    assert messages("aws:ecr/lifecyclePolicy:LifecyclePolicy", {"repository": "r", "policy": '{"rules": []}'}) == []


def test_identity_policies_grant_to_their_own_identity_and_pass():
    document = doc({"Effect": "Allow", "Action": "ecr:*", "Resource": "*"})
    assert messages("aws:iam/rolePolicy:RolePolicy", {"role": "r", "policy": document}) == []


# ---- restricted policies that must not be false alarms ------------------------------------------------------


def test_a_wildcard_allow_restricted_by_a_deny_outside_the_organization_passes():
    deny = {
        "Sid": "OutsideOrg",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    }
    assert messages(REPOSITORY_POLICY, {"policy": doc(allow("*"), deny)}) == []


def test_a_wildcard_allow_restricted_by_a_deny_on_other_caller_accounts_passes():
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"kms:CallerAccount": OWN}},
    }
    assert messages(KEY, {"policy": doc(allow("*", "kms:*") | {"Resource": "*"}, deny)}) == []


def test_the_aws_managed_ecr_key_policy_shape_passes():
    statement = allow(
        {"AWS": "*"},
        ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
        {"StringEquals": {"kms:CallerAccount": OWN, "kms:ViaService": "ecr.us-east-1.amazonaws.com"}},
    )
    assert messages(KEY, {"policy": doc(statement | {"Resource": "*"})}) == []


def test_a_numeric_condition_value_restricts_like_its_string():
    assert (
        messages(
            REPOSITORY_POLICY,
            {"policy": doc(allow("*", condition={"StringEquals": {"aws:PrincipalAccount": int(OWN)}}))},
        )
        == []
    )


def test_a_condition_the_caller_chooses_restricts_nothing_whatever_its_value_type():
    for condition in ({"Bool": {"aws:SecureTransport": True}}, {"NumericLessThan": {"s3:max-keys": 10}}):
        [message] = messages(REPOSITORY_POLICY, {"policy": doc(allow("*", condition=condition))})
        assert "e.g. a request with" in message


def test_a_foreign_account_is_refused_only_once_the_zone_is_configured():
    document = doc(allow({"AWS": f"arn:aws:iam::{FOREIGN}:root"}))
    assert refused(REPOSITORY_POLICY, {"policy": document}, CONFIG)
    assert not refused(REPOSITORY_POLICY, {"policy": document}, {})
    assert not refused(REPOSITORY_POLICY, {"policy": doc(allow({"AWS": PARTNER}))}, CONFIG)


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"trustedAcounts": [OWN]}, "'trustedAcounts' is not known"),
        ({"trustedAccounts": ["12345"]}, "malformed id '12345'"),
        ({"organizationIds": ["org-1"]}, "malformed id 'org-1'"),
        ({"trustedAccounts": OWN}, "must be a list of strings"),
    ],
)
def test_a_bad_zone_option_is_an_error_not_a_silent_default(config, words):
    with pytest.raises(ValueError, match=words):
        effective_access(REPOSITORY_POLICY, {"policy": doc(allow({"AWS": OWN}))}, config)


def test_every_environment_makes_the_check_mandatory_with_its_zone():
    for env in ("local", "dev", "prod"):
        config = json.loads((ROOT / f"policy-pack/config/{env}.json").read_text())["no-wildcard-principal"]
        assert config["enforcementLevel"] == "mandatory"
        assert config["trustedAccounts"] and config["organizationIds"] == [ORG]


# ---- through the real pack over gRPC -----------------------------------------------------------------------

PACK_CONFIG = {"no-wildcard-principal": CONFIG}


@pytest.fixture(scope="module")
def pack():
    with AnalyzerClient(ROOT / "policy-pack", project="access", stack="dev") as client:
        client.configure(PACK_CONFIG)
        yield client


def violations(pack, resource_type, props, name="subject"):
    found = pack.analyze({"type": resource_type, "name": name, "properties": props})
    return [v for v in found if v.policy_name == policy_names.NO_WILDCARD_PRINCIPAL]


def test_the_pack_refuses_an_open_github_trust_as_mandatory(pack):
    [violation] = violations(
        pack, ROLE, {"assumeRolePolicy": doc(trust({"Federated": GITHUB}, {"StringLike": {SUB: "repo:*"}}))}
    )
    assert violation.enforcement_level == "mandatory" and "token.actions.githubusercontent.com" in violation.message


def test_the_pack_refuses_a_lambda_permission_for_any_bucket(pack):
    [violation] = violations(
        pack, PERMISSION, {"principal": "s3.amazonaws.com", "action": "lambda:InvokeFunction", "function": "f"}
    )
    assert violation.enforcement_level == "mandatory"


def test_the_pack_passes_the_managed_ecr_key_shape_and_a_deny_restricted_wildcard(pack):
    key = allow(
        {"AWS": "*"},
        ["kms:Decrypt"],
        {"StringEquals": {"kms:CallerAccount": OWN, "kms:ViaService": "ecr.us-east-1.amazonaws.com"}},
    )
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    }
    assert violations(pack, KEY, {"policy": doc(key | {"Resource": "*"})}) == []
    assert violations(pack, REPOSITORY_POLICY, {"repository": "r", "policy": doc(allow("*"), deny)}) == []


def test_the_pack_refuses_an_unreadable_type_until_it_is_exempted_with_a_reason(pack):
    resource_type = "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy"
    props = {"resourceArn": "arn:aws:bedrock:x", "policy": doc(allow({"AWS": OWN}))}
    [violation] = violations(pack, resource_type, props, "agentPolicy")
    assert violation.enforcement_level == "mandatory" and "cannot be evaluated" in violation.message
    exemption = {
        "policy": policy_names.NO_WILDCARD_PRINCIPAL,
        "resource": "agentPolicy",
        "reason": "reviewed: grants to the own account only",
    }
    pack.configure(PACK_CONFIG | {"policy-exemptions": {"exemptions": [exemption]}})
    try:
        assert violations(pack, resource_type, props, "agentPolicy") == []
    finally:
        pack.configure(PACK_CONFIG)


# ---- properties: the verdict against an independent statement of the rule, and every reader alike ------------

from aws_facts.iam import Zone, external_access, parse  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis_budget import examples  # noqa: E402

EVERYONE = {"account", "service", "anonymous"}
PRINCIPALS = [  # (principal, the kinds of outsider it names: an account's principal, a service, anonymous)
    ("*", EVERYONE),
    ({"AWS": "*"}, EVERYONE),
    ({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, {"account"}),
    ({"Service": "sns.amazonaws.com"}, {"service"}),
    ({"AWS": PARTNER}, set()),
    ({"AWS": f"arn:aws:iam::{OWN}:role/ci"}, set()),
]
# (condition, the outsiders it keeps out). Only an IAM principal's request carries aws:PrincipalOrgID or
# aws:PrincipalAccount (and only in an organization, the org id), only a service's aws:SourceAccount; a
# positive operator on an absent key is false, a negated one or ...IfExists true.
CONDITIONS = [
    (None, set()),
    ({"StringEquals": {"aws:PrincipalOrgID": ORG}}, EVERYONE),
    ({"StringEquals": {"aws:SourceAccount": OWN}}, EVERYONE),
    ({"StringEquals": {"aws:PrincipalAccount": [OWN, PARTNER]}}, EVERYONE),
    ({"Bool": {"aws:SecureTransport": "true"}}, set()),
    ({"StringNotEquals": {"aws:PrincipalOrgID": ORG}}, set()),
    ({"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}}, set()),
    ({"StringLike": {"aws:PrincipalOrgID": "o-*"}}, {"service", "anonymous"}),
]
DENIES = [  # (deny statement, it removes every outsider's access to the pull actions)
    (None, False),
    (
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
        },
        True,
    ),
    (
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "ecr:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        False,
    ),
    ({"Effect": "Deny", "Principal": "*", "Action": "ecr:PutImage"}, False),
]


@settings(max_examples=examples(25, 200), deadline=None)
@given(st.sampled_from(PRINCIPALS), st.sampled_from(CONDITIONS), st.sampled_from(DENIES), st.booleans())
def test_the_verdict_matches_the_rule_for_generated_documents(principal, condition, deny, lower_case):
    (element, reachable), (when, keeps_out), (denial, blocks) = principal, condition, deny
    statements = [allow(element, PULL, when)] + ([denial] if denial else [])
    if lower_case:
        statements = [{k.lower(): v for k, v in s.items()} for s in statements]
    expected = bool(reachable - keeps_out) and not blocks
    assert refused(REPOSITORY_POLICY, {"policy": doc(*statements)}) is expected


@settings(max_examples=examples(12, 100), deadline=None)
@given(st.sampled_from(PRINCIPALS), st.sampled_from(CONDITIONS), st.sampled_from(DENIES))
def test_every_reader_of_one_document_gives_the_library_s_verdict(principal, condition, deny):
    statements = [allow(principal[0], PULL, condition[0])] + ([deny[0]] if deny[0] else [])
    document = json.loads(doc(*statements))
    parsed = parse(document).statements
    expected = external_access(parsed, Zone(frozenset(CONFIG["trustedAccounts"]), frozenset(CONFIG["organizationIds"])))
    template = {
        "Resources": {"Repo": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryPolicyText": document}}}
    }
    readers = [
        (REPOSITORY_POLICY, {"policy": json.dumps(document)}),
        (REPOSITORY_POLICY, {"policy": document}),
        (STACK, {"templateBody": json.dumps(template)}),
        (
            "aws:cloudcontrol/resource:Resource",
            {"typeName": "AWS::ECR::Repository", "desiredState": json.dumps({"RepositoryPolicyText": document})},
        ),
    ]
    for resource_type, props in readers:
        assert refused(resource_type, props) is bool(expected.accesses), resource_type


@settings(max_examples=examples(30, 100), deadline=None)
@given(
    st.sampled_from(["*", "s3.amazonaws.com", "sns.amazonaws.com", OWN, FOREIGN]),
    st.sampled_from([None, OWN, FOREIGN]),
    st.sampled_from([None, f"arn:aws:sns:us-east-1:{OWN}:t", "arn:aws:sns:us-east-1:*:t", "arn:aws:s3:::bucket"]),
    st.sampled_from([None, ORG, "o-zzzzzzzzzz"]),
)
def test_a_lambda_permission_is_judged_as_the_statement_lambda_stores(principal, account, arn, org):
    props = {"principal": principal, "action": "lambda:InvokeFunction", "function": "f"}
    props |= {k: v for k, v in (("sourceAccount", account), ("sourceArn", arn), ("principalOrgId", org)) if v}
    # Lambda's AddPermission stores this statement (AWS Lambda developer guide, resource-based policies).
    element = "*" if principal == "*" else {"AWS": principal} if principal.isdigit() else {"Service": principal}
    condition = {}
    if account:
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = account
    if org:
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = org
    if arn:
        condition["ArnLike"] = {"AWS:SourceArn": arn}
    stored = allow(element, "lambda:InvokeFunction", condition or None)
    assert refused(PERMISSION, props) is refused(REPOSITORY_POLICY, {"policy": doc(stored)})
