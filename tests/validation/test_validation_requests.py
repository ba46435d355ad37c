"""aws_facts.validation: the one table, botocore's shapes at their limits and one over, the provider's rules.

Expected values are written from the AWS API reference and the provider's documentation, not read back from
the code under test: a 256-character repository name is accepted and 257 refused, a deletion window of 7 and
30 days accepted and 6 and 31 refused, and so on.
"""

import pytest
from aws_facts import models, resource_types
from aws_facts.validation import DOCUMENTS, PROVIDER_RULES, REQUESTS, validate_resource
from aws_facts.validation.shapes import member_shape
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE
from registry_policies import quotas, tags
from registry_policies.values import is_unknown

REPOSITORY = "aws:ecr/repository:Repository"
ROLE = "aws:iam/role:Role"
KEY = "aws:kms/key:Key"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"


def problems(resource_type, props, **context):
    result = validate_resource(resource_type, props, is_unknown=is_unknown, **context)
    assert result.mapped
    return result.problems


def rules_at(resource_type, props, where):
    return [p.rule for p in problems(resource_type, props) if p.where == where]


# --- the table --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("resource_type", "row"), sorted(REQUESTS.items()))
def test_every_row_names_a_real_operation_and_member_of_botocores_model(resource_type, row):
    operations = models.service_model(row.service)["operations"]
    for field in row.fields:
        assert field.operation in operations, (resource_type, field)
        assert member_shape(row.service, operations[field.operation]["input"]["shape"], field.member)


def test_every_type_the_pack_measures_or_tags_is_in_the_table():
    known = {
        resource_types.IAM_ROLE,
        resource_types.IAM_USER,
        resource_types.IAM_GROUP,
        resource_types.IAM_POLICY,
        resource_types.IAM_ROLE_POLICY,
    }
    known |= {
        resource_types.IAM_USER_POLICY,
        resource_types.IAM_GROUP_POLICY,
        resource_types.ECR_REPOSITORY,
        resource_types.ECR_REPOSITORY_POLICY,
    }
    known |= {
        resource_types.ECR_REGISTRY_POLICY,
        resource_types.ECR_LIFECYCLE_POLICY,
        resource_types.ECR_REPOSITORY_CREATION_TEMPLATE,
        resource_types.ECR_REPLICATION_CONFIGURATION,
    }
    known |= {resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION, *quotas.KMS_KEYS}
    known |= {t for t in tags.TAGGABLE_TYPES if t.startswith(("aws:ecr/", "aws:iam/", "aws:kms/"))}
    assert known - set(REQUESTS) == set()


def test_every_document_property_and_provider_rule_names_a_mapped_type():
    assert {t for t, _ in DOCUMENTS} <= set(REQUESTS)
    assert {rule.resource_type for rule in PROVIDER_RULES} <= set(REQUESTS)


def test_an_unmapped_type_is_reported_as_unmapped_and_never_refused():
    result = validate_resource("aws:ec2/vpc:Vpc", {"cidrBlock": "not a cidr at all"})
    assert result.mapped is False and result.problems == []


# --- botocore's shapes: lengths, patterns, enums, list sizes, ranges, required members -------------------


def test_a_repository_name_of_2_to_256_characters_is_accepted_and_1_or_257_refused():
    assert problems(REPOSITORY, {"name": "m" * 256}) == []
    assert problems(REPOSITORY, {"name": "mm"}) == []
    assert rules_at(REPOSITORY, {"name": "m" * 257}, "name") == ["must have at most 256 characters (has 257)"]
    assert rules_at(REPOSITORY, {"name": "m"}, "name") == ["must have at least 2 characters (has 1)"]


@pytest.mark.parametrize("name", ["models/llama-3", "models/a__b", "models/a--b", "a.b_c/d-e"])
def test_repository_names_ecrs_model_admits_are_accepted(name):
    assert problems(REPOSITORY, {"name": name}) == []


@pytest.mark.parametrize("name", ["Models/x", "models//x", "models/x/", "-models", "models/a___b", "models/x y"])
def test_repository_names_ecrs_model_refuses_are_refused_naming_the_pattern(name):
    (problem,) = problems(REPOSITORY, {"name": name})
    assert problem.where == "name" and problem.rule.startswith("must match the pattern ")
    assert problem.url.endswith("API_CreateRepository.html") and "RepositoryName" in problem.source


def test_a_tag_mutability_outside_ecrs_enum_is_refused_with_the_values():
    (problem,) = problems(REPOSITORY, {"imageTagMutability": "FROZEN"})
    assert problem.rule == "must be one of MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION"


def _filters(count):
    return [{"filter": f"dev-{i}*", "filterType": "WILDCARD"} for i in range(count)]


def test_five_exclusion_filters_are_accepted_and_six_refused():
    mutable = {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}
    assert problems(REPOSITORY, {**mutable, "imageTagMutabilityExclusionFilters": _filters(5)}) == []
    rules = rules_at(
        REPOSITORY, {**mutable, "imageTagMutabilityExclusionFilters": _filters(6)}, "imageTagMutabilityExclusionFilters"
    )
    assert rules == ["must have at most 5 items (has 6)"]


def test_an_exclusion_filter_of_a_character_ecr_refuses_is_refused():
    props = {
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filter": "dev/*", "filterType": "WILDCARD"}],
    }
    (problem,) = problems(REPOSITORY, props)
    assert problem.where == "imageTagMutabilityExclusionFilters[0].filter"


def test_a_role_session_of_3600_to_43200_seconds_is_accepted_and_one_either_side_refused():
    assert problems(ROLE, {"maxSessionDuration": 3600}) == []
    assert problems(ROLE, {"maxSessionDuration": 43200.0}) == []  # numbers reach the pack as floats
    for value in (3599, 43201):
        assert "must be in 3600..43200" in rules_at(ROLE, {"maxSessionDuration": value}, "maxSessionDuration")


def test_a_role_name_of_64_characters_is_accepted_and_a_character_iam_refuses_is_not():
    assert problems(ROLE, {"name": "r" * 64}) == []
    assert rules_at(ROLE, {"name": "ci push"}, "name") == [r"must match the pattern [\w+=,.@-]+"]


def test_a_role_path_must_start_and_end_with_a_slash():
    assert problems(ROLE, {"path": "/teams/ml/"}) == []
    assert len(rules_at(ROLE, {"path": "teams/ml"}, "path")) == 1


def test_an_iam_document_with_a_character_outside_u0009_u000a_u000d_u0020_u00ff_is_refused():
    document = '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"ecr:*","Resource":"*"}]}'
    assert problems("aws:iam/policy:Policy", {"policy": document}) == []
    bad = document.replace('"Resource":"*"', '"Resource":"arn:aws:ecr:*:*:repository/\u2603"')
    (problem,) = problems("aws:iam/policy:Policy", {"policy": bad})
    assert problem.where == "policy" and "\\u0020-\\u00FF" in problem.rule


def test_a_replication_destination_without_its_registry_id_is_refused_as_required():
    props = {"replicationConfiguration": {"rules": [{"destinations": [{"region": "us-west-2"}]}]}}
    (problem,) = problems(REPLICATION, props)
    assert problem.where == "replicationConfiguration.rules[0].destinations[0].registryId"
    assert problem.rule == "is required"


def test_a_nested_block_given_as_a_one_element_list_is_read_as_the_object():
    props = {"encryptionConfigurations": [{"encryptionType": "AES128"}]}
    (problem,) = problems(REPOSITORY, props)
    assert problem.where == "encryptionConfigurations.encryptionType" and "AES256, KMS, KMS_DSSE" in problem.rule


def test_a_value_not_known_at_preview_is_not_judged():
    assert problems(REPOSITORY, {"name": UNKNOWN_STRING_VALUE, "imageTagMutability": "IMMUTABLE"}) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.text("abc019", min_size=1, max_size=4), min_size=1, max_size=3).map(lambda runs: "-".join(runs)),
        min_size=1,
        max_size=3,
    ).map("/".join)
)
def test_any_name_of_lowercase_runs_joined_by_dashes_and_slashes_is_accepted(name):
    if len(name) >= 2:
        assert problems(REPOSITORY, {"name": name}) == []


@settings(max_examples=200, deadline=None)
@given(st.text("abcXYZ/-", min_size=2, max_size=20).filter(lambda n: any(c.isupper() for c in n)))
def test_any_name_with_an_upper_case_letter_is_refused(name):
    assert [p.where for p in problems(REPOSITORY, {"name": name})] == ["name"]


# --- the provider's own rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", [KEY, "aws:kms/replicaKey:ReplicaKey"])
def test_a_key_deletion_window_of_7_to_30_days_is_accepted_and_6_or_31_refused(resource_type):
    for days in (7, 30):
        assert problems(resource_type, {"deletionWindowInDays": days}) == []
    for days in (6, 31):
        (problem,) = problems(resource_type, {"deletionWindowInDays": days})
        assert problem.rule == "must be a whole number of days from 7 to 30"
        assert "terraform-provider-aws" in problem.source and problem.url.startswith("https://www.pulumi.com/")


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://token.actions.githubusercontent.com", False),
        # validOpenIDURL: url.Parse gives a scheme-less URL the scheme "", and "has to use HTTPS scheme"
        ("token.actions.githubusercontent.com", True),
        (" https://token.actions.githubusercontent.com", True),  # url.Parse does not trim
        ("http://token.actions.githubusercontent.com", True),
        ("https://token.actions.githubusercontent.com?x=1", True),
    ],
)
def test_an_oidc_provider_url_must_be_https_without_a_query(url, refused):
    found = problems("aws:iam/openIdConnectProvider:OpenIdConnectProvider", {"url": url, "clientIdLists": ["sts"]})
    assert bool(found) is refused


@pytest.mark.parametrize(("name", "refused"), [("alias/models", False), ("models", True), ("alias/aws/ecr", True)])
def test_a_kms_alias_name_starts_with_alias_and_not_alias_aws(name, refused):
    assert bool(problems("aws:kms/alias:Alias", {"name": name, "targetKeyId": "k"})) is refused
