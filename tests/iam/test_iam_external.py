"""Access from outside the account: who gets in, per category of the issue, and general properties."""

import json

import pytest
from aws_facts.iam import TooComplex, Zone, external_access, parse
from aws_facts.iam.external import MAX_REQUESTS_PER_CALLER, accounts_matching
from aws_facts.iam.wildcard import matches
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples

OWN = "123456789012"
PARTNER = "210987654321"
FOREIGN = "444455556666"
ORG = "o-a1b2c3d4e5"
ZONE = Zone(frozenset({OWN, PARTNER}), frozenset({ORG}))
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
LABEL = 'statement "S"'
GITHUB = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"


def outsiders(*statements, zone=ZONE):
    """{statement label: sorted outsiders it admits}."""
    document = parse(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    assert not document.errors, document.errors
    found = {}
    for access in external_access(document.statements, zone).accesses:
        found.setdefault(access.statement.label, set()).add(access.caller)
    return {k: sorted(v) for k, v in found.items()}


def allow(principal, action=PULL, condition=None, sid="S"):
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


def trust(federated, condition=None):
    return allow({"Federated": federated}, "sts:AssumeRoleWithWebIdentity", condition)


# ---- federated identities -----------------------------------------------------------------------------

SUB, AUD = "token.actions.githubusercontent.com:sub", "token.actions.githubusercontent.com:aud"


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"StringEquals": {AUD: "sts.amazonaws.com"}},
        {"StringLike": {SUB: "repo:*"}},
        {"StringLike": {SUB: "*"}},
        {"StringLike": {SUB: "repo:acme*/*"}},
        {"StringNotEquals": {SUB: "repo:acme/models:ref:refs/heads/main"}},
        {"StringLikeIfExists": {SUB: "repo:acme/models:*"}},
        {"ForAllValues:StringEquals": {SUB: "repo:acme/models:ref:refs/heads/main"}},
    ],
)
def test_a_github_trust_that_any_repository_can_satisfy_admits_outsiders(condition):
    assert "any user of token.actions.githubusercontent.com" in outsiders(trust(GITHUB, condition))[LABEL][0]


@pytest.mark.parametrize(
    "sub",
    ["repo:acme/models:ref:refs/heads/main", "repo:acme/models:*", "repo:acme/*", ["repo:acme/a:*", "repo:acme/b:*"]],
)
def test_a_github_trust_pinned_to_an_owner_admits_no_outsider(sub):
    condition = {"StringLike": {SUB: sub}, "StringEquals": {AUD: "sts.amazonaws.com"}}
    assert outsiders(trust(GITHUB, condition)) == {}


@pytest.mark.parametrize(
    ("provider", "claim", "pinned"),
    [
        ("cognito-identity.amazonaws.com", "aud", "us-east-1:12345678-1234-1234-1234-123456789012"),
        ("accounts.google.com", "aud", "1234.apps.googleusercontent.com"),
        ("graph.facebook.com", "app_id", "1234567890"),
        ("www.amazon.com", "app_id", "amzn1.application-oa2-client.abc"),
        (f"arn:aws:iam::{OWN}:oidc-provider/gitlab.com", "sub", "project_path:acme/models:ref_type:branch:ref:main"),
        (
            f"arn:aws:iam::{OWN}:oidc-provider/app.terraform.io",
            "sub",
            "organization:acme:project:p:workspace:w:run_phase:apply",
        ),
        (f"arn:aws:iam::{OWN}:oidc-provider/idp.example.com", "sub", "user-42"),
    ],
)
def test_a_web_identity_provider_admits_everyone_until_its_identifying_claim_is_pinned(provider, claim, pinned):
    host = provider.split("oidc-provider/")[-1]
    assert outsiders(trust(provider)), "no condition: everyone on the provider"
    assert outsiders(trust(provider, {"StringEquals": {f"{host}:amr": "authenticated"}})), "amr identifies no one"
    assert outsiders(trust(provider, {"StringLike": {f"{host}:{claim}": "*"}})), "a wildcard identifies no one"
    assert outsiders(trust(provider, {"StringEquals": {f"{host}:{claim}": pinned}})) == {}


@pytest.mark.parametrize("sub", ["project_path:acme*/*", "project_path:*"])
def test_a_gitlab_group_glob_admits_other_groups(sub):
    provider = f"arn:aws:iam::{OWN}:oidc-provider/gitlab.com"
    assert outsiders(trust(provider, {"StringLike": {"gitlab.com:sub": sub}}))


def test_hcp_terraform_pinned_to_an_organization_admits_no_outsider():
    provider = f"arn:aws:iam::{OWN}:oidc-provider/app.terraform.io"
    condition = {"StringLike": {"app.terraform.io:sub": "organization:acme:project:*:workspace:*:run_phase:*"}}
    assert outsiders(trust(provider, condition)) == {}


def test_a_saml_provider_of_the_own_account_admits_its_users_only():
    assert outsiders(trust(f"arn:aws:iam::{OWN}:saml-provider/corp")) == {}
    assert outsiders(trust(f"arn:aws:iam::{FOREIGN}:saml-provider/corp"))


# ---- confused deputies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:*:models"}},
        {"StringLike": {"aws:SourceAccount": "*"}},
        {"StringEqualsIfExists": {"aws:SourceAccount": OWN}},
        {"StringEquals": {"aws:SourceAccount": FOREIGN}},
    ],
)
def test_a_service_principal_not_bound_to_an_own_source_is_a_confused_deputy(condition):
    assert any(
        "sns.amazonaws.com" in c
        for c in outsiders(allow({"Service": "sns.amazonaws.com"}, "lambda:InvokeFunction", condition))[LABEL]
    )


def test_a_wildcard_for_one_named_service_is_that_service_acting_for_anyone():
    condition = {"StringEquals": {"aws:PrincipalServiceName": "cloudtrail.amazonaws.com"}}
    assert any("cloudtrail.amazonaws.com" in c for c in outsiders(allow("*", "s3:PutObject", condition))[LABEL])
    bound = condition | {
        "StringEquals": {"aws:PrincipalServiceName": "cloudtrail.amazonaws.com", "aws:SourceAccount": OWN}
    }
    assert outsiders(allow("*", "s3:PutObject", bound)) == {}


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": OWN}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{OWN}:models"}},
        {"ArnEquals": {"aws:SourceArn": f"arn:aws:lambda:us-east-1:{PARTNER}:function:f"}},
        {"StringEquals": {"aws:SourceOrgID": ORG}},
    ],
)
def test_a_service_principal_bound_to_a_source_inside_admits_no_outsider(condition):
    assert outsiders(allow({"Service": "sns.amazonaws.com"}, "lambda:InvokeFunction", condition)) == {}


# ---- restricted by Deny, AWS's managed key shape, values of any JSON type -------------------------------


def test_a_wildcard_allow_restricted_by_a_deny_outside_the_organization_admits_no_outsider():
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    }
    assert outsiders(allow("*"), deny) == {}


def test_a_wildcard_allow_restricted_by_a_deny_on_the_caller_account_admits_no_outsider():
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:*",
        "Condition": {"StringNotEquals": {"kms:CallerAccount": OWN}},
    }
    assert outsiders(allow("*", "kms:*"), deny, zone=Zone(frozenset({OWN}))) == {}


def test_a_deny_of_only_some_actions_leaves_the_rest_open():
    deny = {"Effect": "Deny", "Principal": "*", "Action": "ecr:BatchGetImage"}
    [(label, callers)] = outsiders(allow("*"), deny).items()
    assert label == LABEL and callers


def test_the_aws_managed_ecr_key_policy_shape_admits_no_outsider():
    statement = allow(
        {"AWS": "*"},
        ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
        {"StringEquals": {"kms:CallerAccount": OWN, "kms:ViaService": "ecr.us-east-1.amazonaws.com"}},
    )
    assert outsiders(statement, zone=Zone(frozenset({OWN}))) == {}
    assert outsiders(statement, zone=Zone()) == {}


def test_a_numeric_condition_value_is_read_as_its_digits():
    assert outsiders(allow("*", condition={"StringEquals": {"aws:PrincipalAccount": int(OWN)}})) == {}
    assert outsiders(allow("*", condition={"NumericLessThan": {"s3:max-keys": 10}}))


def test_a_boolean_condition_value_is_read_as_true_or_false():
    assert outsiders(allow("*", condition={"Bool": {"aws:PrincipalIsAWSService": True}}))


@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": "arn:aws:iam::*:root"}, {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, {"AWS": FOREIGN}],
)
def test_every_principal_form_naming_an_outsider_admits_it(principal):
    assert outsiders(allow(principal))


def test_an_allow_with_not_resource_grants_every_other_resource():
    statement = allow("*", "s3:GetObject") | {"NotResource": "arn:aws:s3:::models/private/*"}
    assert outsiders(statement)


def test_a_deny_on_one_resource_leaves_the_others_open():
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::models/private/*"}
    assert outsiders(allow("*", "s3:GetObject") | {"Resource": "arn:aws:s3:::models/*"}, deny)
    wide = deny | {"Resource": "arn:aws:s3:::models/*"}
    assert outsiders(allow("*", "s3:GetObject") | {"Resource": "arn:aws:s3:::models/*"}, wide) == {}


@pytest.mark.parametrize(
    ("condition", "open_"),
    [
        ({"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}, False),
        ({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}, False),
        ({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, True),
        ({"IpAddress": {"aws:SourceIp": "::/0"}}, True),
        ({"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}}, True),
        ({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, False),
        ({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, True),
    ],
)
def test_a_fixed_network_origin_counts_as_the_owner_s_network(condition, open_):
    assert bool(outsiders(allow("*", condition=condition))) is open_


def test_a_federated_caller_cannot_leave_out_a_key_every_request_has():
    """aws:SecureTransport is in every request's context (the global condition keys page): the search that
    judges federated callers does not try it absent."""
    any_repository = {"StringLike": {SUB: "repo:*"}}
    assert outsiders(trust(GITHUB, any_repository | {"Null": {"aws:SecureTransport": "true"}})) == {}
    assert outsiders(trust(GITHUB, any_repository | {"Null": {"aws:SecureTransport": "false"}})) != {}


@pytest.mark.parametrize(
    ("ranges", "open_"),
    [
        (["10.0.0.0/8"], False),  # at S3's limit: the owner's network
        (["10.0.0.0/7"], True),  # one over
        (["10.0.0.0/8", "11.0.0.0/8"], True),  # the same addresses as 10.0.0.0/7
        (["10.0.0.0/8", "12.0.0.0/8"], False),  # two blocks of /8 that do not join
        (["0.0.0.0/1", "128.0.0.0/1"], True),  # every IPv4 address
        ([f"{i}.0.0.0/8" for i in range(256)], True),  # every IPv4 address, in ranges each at the limit
        (["::/1", "8000::/1"], True),
    ],
)
def test_a_federated_caller_s_address_follows_s3_s_limit_on_the_addresses_not_their_spelling(ranges, open_):
    """The search that judges federated callers reads the source address as the proof does (networks.py): an
    outsider's GitHub workflow (any repository) is kept out only by ranges that are the owner's network."""
    condition = {"StringLike": {SUB: "repo:*"}, "IpAddress": {"aws:SourceIp": ranges}}
    assert bool(outsiders(trust(GITHUB, condition))) is open_


@pytest.mark.parametrize(
    ("pattern", "open_"),
    [
        ("AROAEXAMPLEID:model-server", False),
        ("AIDAEXAMPLEID", False),
        ("AROAEXAMPLEID:*", True),  # S3's definition of public: a fixed value, "outside the pattern AROLEID:*"
        ("AROAEXAMPLEID:model-*", True),  # a wildcard: not a fixed value
        ("AROA*:*", True),
        ("*", True),
    ],
)
def test_a_principal_unique_id_restricts_only_as_a_fixed_value(pattern, open_):
    assert bool(outsiders(allow("*", condition={"StringLike": {"aws:userid": pattern}}))) is open_


def test_an_allow_with_not_principal_admits_everyone_else():
    assert outsiders({"Sid": "S", "Effect": "Allow", "NotPrincipal": {"AWS": OWN}, "Action": PULL})


def test_without_a_zone_only_public_access_counts():
    assert outsiders(allow({"AWS": FOREIGN}), zone=Zone()) == {}
    assert outsiders(allow({"AWS": FOREIGN}))


# ---- properties -----------------------------------------------------------------------------------------

PRINCIPALS = [
    "*",
    {"AWS": "*"},
    {"AWS": FOREIGN},
    {"AWS": OWN},
    {"Service": "sns.amazonaws.com"},
    {"Federated": GITHUB},
]
CONDITIONS = [
    None,
    {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    {"StringEquals": {"aws:SourceAccount": OWN}},
    {"StringLike": {SUB: "repo:acme/*"}},
    {"StringEquals": {"kms:CallerAccount": FOREIGN}},
    {"Bool": {"aws:SecureTransport": "true"}},
]
ACTIONS = [PULL, "ecr:*", ["ecr:PutImage"], "*"]


@st.composite
def statements(draw, effect=None):
    statement = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        "Principal": draw(st.sampled_from(PRINCIPALS)),
        "Action": draw(st.sampled_from(ACTIONS)),
    }
    condition = draw(st.sampled_from(CONDITIONS))
    if condition:
        statement["Condition"] = condition
    return statement


def accesses(statements, zone=ZONE):
    """{statement index: every action some outsider gets through it}."""
    document = parse({"Statement": statements})
    found = {}
    for access in external_access(document.statements, zone).accesses:
        found.setdefault(access.statement.index, set()).update(access.actions)
    return found


@settings(max_examples=examples(15, 150), deadline=None)
@given(st.lists(statements(), min_size=1, max_size=3), statements(effect="Deny"))
def test_adding_a_deny_never_widens_outside_access(existing, deny):
    before, after = accesses(existing), accesses([*existing, deny])
    assert after.keys() <= before.keys()
    assert all(after[k] <= before[k] for k in after)


@settings(max_examples=examples(12, 100), deadline=None)
@given(st.lists(statements(), min_size=1, max_size=3))
def test_element_names_in_lower_case_change_nothing(existing):
    lowered = [{k.lower(): v for k, v in s.items()} for s in existing]
    assert accesses(lowered) == accesses(existing)


@settings(max_examples=examples(12, 100), deadline=None)
@given(st.lists(statements(), min_size=1, max_size=3))
def test_trusting_more_accounts_never_adds_an_outsider(existing):
    narrow = Zone(frozenset({OWN}), frozenset())
    wide = accesses(existing, ZONE)
    assert wide.keys() <= accesses(existing, narrow).keys()


# ---- the limit on requester-chosen cases ------------------------------------------------------------------


def _keys_with(counts):
    """An Allow to anyone whose conditions give each requester-chosen key `count` candidate values
    (absent, a fresh value, and count - 2 named values)."""
    condition = {f"ecr:key{i}": [f"v{j}" for j in range(count - 2)] for i, count in enumerate(counts)}
    return parse({"Statement": [allow("*", condition={"StringEquals": condition})]}).statements


def test_conditions_of_exactly_the_limit_of_cases_are_evaluated():
    assert MAX_REQUESTS_PER_CALLER == 4096
    analysis = external_access(_keys_with([4] * 6), ZONE)  # 4**6 = 4096
    assert analysis.accesses


def test_conditions_past_the_search_limit_are_decided_by_the_solver_for_principals_of_accounts():
    # 17 * 241 = 4097 cases, one more than the search tries: the proof has no such limit.
    [access, *_] = external_access(_keys_with([17, 241]), ZONE).accesses
    assert access.witness["ecr:key0"][0] in [f"v{j}" for j in range(15)]
    assert access.witness["ecr:key1"][0] in [f"v{j}" for j in range(239)]


def test_federated_conditions_of_one_case_over_the_limit_are_refused_as_too_complex():
    condition = {f"ecr:key{i}": [f"v{j}" for j in range(count - 2)] for i, count in enumerate([17, 241])}
    statements = parse({"Statement": [trust("accounts.google.com", {"StringEquals": condition})]}).statements
    with pytest.raises(TooComplex, match="cases"):
        external_access(statements, ZONE)


def test_an_unknown_deny_that_might_remove_an_outsider_makes_the_answer_unknown():
    unknown = "<unknown>"
    document = parse(
        {"Statement": [allow("*"), {"Effect": "Deny", "Principal": "*", "Action": "*", "Condition": unknown}]},
        lambda value: value == unknown,
    )
    analysis = external_access(document.statements, ZONE)
    assert analysis.accesses == [] and analysis.unevaluable == ["the Condition of Statement[1]"]


def test_an_unknown_deny_does_not_matter_when_nobody_outside_gets_in():
    unknown = "<unknown>"
    document = parse(
        {"Statement": [allow({"AWS": OWN}), {"Effect": "Deny", "Principal": unknown, "Action": "*"}]},
        lambda value: value == unknown,
    )
    analysis = external_access(document.statements, ZONE)
    assert analysis.accesses == [] and analysis.unevaluable == []


# A wildcard in an account field names every account it matches (IAM JSON policy elements: Principal;
# ARN matching: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
@pytest.mark.parametrize(
    ("statement", "open_"),
    [
        (
            allow(
                {"Service": "sagemaker.amazonaws.com"},
                PULL,
                {"ArnLike": {"aws:SourceArn": "arn:aws:s:r:1234567890*:*"}},
            ),
            True,
        ),
        (
            allow({"Service": "sagemaker.amazonaws.com"}, PULL, {"ArnLike": {"aws:SourceArn": f"arn:aws:s:r:{OWN}:*"}}),
            False,
        ),
        (allow("*", PULL, {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{FOREIGN}:role/*"}}), True),
        (allow("*", PULL, {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/*"}}), False),
        (allow("*", PULL, {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::12345678901*"}}), True),
        (allow("*", PULL, {"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}*"}}), False),
        (allow("*", PULL, {"StringLike": {"aws:PrincipalAccount": "12345678901?"}}), True),
        (allow({"AWS": "12345678901?"}), True),
    ],
)
def test_a_wildcard_account_field_names_the_outside_accounts_it_matches(statement, open_):
    assert bool(outsiders(statement)) is open_


# Date operators compare instants (condition operators: Date); the requester's time is any instant, so a
# bound restricts nobody: one second either side of it is tried, as for numbers.
@pytest.mark.parametrize(
    "condition",
    [
        {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"DateLessThanEquals": {"aws:EpochTime": 1893456000}},
        {"NumericLessThan": {"s3:max-keys": "10"}},
    ],
)
def test_a_time_or_number_bound_restricts_no_outsider(condition):
    assert outsiders(allow("*", PULL, condition))


# Organization ids are lower case (Organizations API: ^o-[a-z0-9]{10,32}$): compared ignoring case, the
# own id in capitals is the own organization, not another one.
@pytest.mark.parametrize(
    ("condition", "open_"),
    [
        ({"StringEqualsIgnoreCase": {"aws:PrincipalOrgID": ORG.upper()}}, False),
        ({"StringEqualsIgnoreCase": {"aws:PrincipalOrgID": "O-ZZ9988776655"}}, True),
        ({"StringEquals": {"aws:PrincipalOrgID": ORG}}, False),
    ],
)
def test_an_organization_id_in_capitals_names_the_same_organization(condition, open_):
    assert bool(outsiders(allow("*", PULL, condition))) is open_


# aws:VpceAccount / aws:VpceOrgID / aws:VpceOrgPaths name the owner of the VPC endpoint a request came
# through: an owner outside the zone is an outsider's network (global condition keys, aws:VpceAccount).
@pytest.mark.parametrize(
    ("condition", "open_"),
    [
        ({"StringEquals": {"aws:VpceAccount": FOREIGN}}, True),
        ({"StringEquals": {"aws:VpceAccount": OWN}}, False),
        ({"StringEquals": {"aws:VpceOrgID": "o-zz9988776655"}}, True),
        ({"StringEquals": {"aws:VpceOrgID": ORG}}, False),
        ({"ForAnyValue:StringLike": {"aws:VpceOrgPaths": "o-zz9988776655/*"}}, True),
        ({"ForAnyValue:StringLike": {"aws:VpceOrgPaths": f"{ORG}/*"}}, False),
    ],
)
def test_a_vpc_endpoint_of_an_owner_outside_the_zone_is_an_outsider_s_network(condition, open_):
    assert bool(outsiders(allow("*", PULL, condition))) is open_


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A[0-9]{12}\Z"), st.integers(0, 11), st.sampled_from(["*", "?"]))
def test_an_account_pattern_that_matches_another_account_yields_one(account, cut, wildcard):
    # The pattern keeps the first `cut` digits of the own account; one outsider that matches it exists.
    pattern = account[:cut] + ("*" if wildcard == "*" else "?" * (12 - cut))
    [found] = accounts_matching(pattern, frozenset({account}))
    assert matches(pattern, found) and found != account and len(found) == 12 and found.isdigit()


def _perimeter(allow_condition=None):
    """A data-perimeter policy: one Allow, and Denies whose requester keys combine into far more than
    MAX_REQUESTS_PER_CALLER cases (10 address ranges, 6 VPCs, 6 endpoints, 3 regions, 5 tags, TLS)."""
    deny_network = {
        "NotIpAddress": {"aws:SourceIp": [f"203.0.{i}.0/24" for i in range(10)]},
        "StringNotEqualsIfExists": {
            "aws:SourceVpc": [f"vpc-{i}" for i in range(6)],
            "aws:SourceVpce": [f"vpce-{i}" for i in range(6)],
        },
        "BoolIfExists": {"aws:ViaAWSService": "false"},
    }
    return [
        allow("*", PULL, allow_condition),
        {"Effect": "Deny", "Principal": "*", "Action": "ecr:*", "Condition": deny_network},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "ecr:*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1", "eu-central-1"]}},
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "ecr:*",
            "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b", "c", "d", "e"]}},
        },
        {"Effect": "Deny", "Principal": "*", "Action": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]


def test_denies_whose_keys_exceed_the_limit_are_evaluated_when_no_allow_admits_an_outsider():
    assert outsiders(*_perimeter({"StringEquals": {"aws:PrincipalOrgID": ORG}})) == {}


def test_denies_whose_keys_exceed_the_limit_are_evaluated_and_an_escape_found():
    # A request through an AWS service (aws:ViaAWSService true) escapes the network Deny.
    document = parse(json.dumps({"Statement": _perimeter()}))
    [access, *_] = external_access(document.statements, ZONE).accesses
    assert access.witness.get("aws:viaawsservice") == ("true",)


@pytest.mark.parametrize(
    "value",
    [
        f"{FOREIGN} ",  # IAM does not trim
        f" {FOREIGN}",
        "44445555666",  # 11 digits: one short of an account id
        "4444555566667",  # 13 digits: one over
        "AROAJQABLZS4A3QDU576Q",  # a role's unique id: IAM keeps it for a deleted role; whose account?
        f"ARN:AWS:IAM::{FOREIGN}:ROOT",  # ARNs are case-sensitive
        "arn:aws:iam::${aws:PrincipalAccount}:root",  # no policy variables in Principal
        f"arn:aws:iam::{FOREIGN}",  # no resource part
        f"arn:aws:s3:::{FOREIGN}",  # not an IAM or STS ARN
    ],
)
def test_an_allow_to_an_aws_principal_no_account_holds_cannot_be_judged(value):
    # IAM JSON policy elements, Principal: an AWS principal is an account id or an IAM/STS ARN with one. A value
    # that is neither names no identity the analysis can place: it must not count as naming nobody.
    document = parse(json.dumps({"Version": "2012-10-17", "Statement": [allow({"AWS": value})]}))
    with pytest.raises(TooComplex, match="write the account id or the role's ARN"):
        external_access(document.statements, ZONE)


@pytest.mark.parametrize("value", [OWN, f"arn:aws:iam::{PARTNER}:role/ci", f"arn:aws:sts::{OWN}:assumed-role/ci/s"])
def test_an_allow_to_a_placed_principal_of_the_zone_admits_no_outsider(value):
    assert outsiders(allow({"AWS": value})) == {}


def test_a_deny_naming_an_unplaceable_principal_is_no_reason_to_refuse():
    # Only what an Allow names can let someone in; a Deny with such a value removes nothing, and says nothing.
    assert outsiders(allow({"AWS": OWN}), {**allow({"AWS": "AROAJQABLZS4A3QDU576Q"}), "Effect": "Deny"}) == {}
