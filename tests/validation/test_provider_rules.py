"""The provider's own schema rules (aws_facts.validation.provider_rules) beyond ranges: name prefixes, ARNs,
KMS alias prefixes; and ECR's scan frequency per scan type, and a lifecycle rule's description.

Expected values are written from terraform-provider-aws's source and AWS's references, not read from the table:
a role's name_prefix takes validResourceName(roleNamePrefixMaxLen) = 64 - 26 = 38 characters, a role policy's
128 - 26 = 102; permissions_boundary and managed_policy_arns take verify.ValidARN; a KMS alias's name_prefix takes
validNameForResource as its name does; RegistryScanningRule.scanFrequency: "When the ENHANCED scan type is
specified, the supported scan frequencies are CONTINUOUS_SCAN and SCAN_ON_PUSH. When the BASIC scan type is
specified, the SCAN_ON_PUSH scan frequency is supported."; a lifecycle rule's description is a string."""

import json

import pytest
from aws_facts.validation import validate_resource
from registry_policies.values import is_unknown

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALIAS = "aws:kms/alias:Alias"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ACCOUNT = "123456789012"


def where(resource_type, props):
    return [p.where for p in validate_resource(resource_type, props, is_unknown=is_unknown).problems]


def test_a_role_name_prefix_of_38_characters_is_accepted_and_39_refused():
    assert where(ROLE, {"namePrefix": "p" * 38}) == []
    assert where(ROLE, {"namePrefix": "ci-push.models@team_a+b=c,"}) == []
    assert where(ROLE, {"namePrefix": "p" * 39}) == ["namePrefix"]
    assert where(ROLE, {"namePrefix": "ci push-"}) == ["namePrefix"]
    assert where(ROLE, {"namePrefix": "r\u00f4le-"}) == ["namePrefix"]  # validResourceName's Go \w is ASCII only


def test_a_role_policy_name_prefix_of_102_characters_is_accepted_and_103_refused():
    assert where(ROLE_POLICY, {"namePrefix": "p" * 102}) == []
    assert where(ROLE_POLICY, {"namePrefix": "p" * 103}) == ["namePrefix"]
    assert where(ROLE_POLICY, {"namePrefix": "my policy"}) == ["namePrefix"]


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:policy/boundary",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        f"arn:aws-us-gov:iam::{ACCOUNT}:policy/a/b",
        # validate.go's accountIDRegexp also takes these accounts: ^(aws|aws-managed|third-party|\d{12}|cw.{10})$
        "arn:aws:iam::aws-managed:policy/x",
        "arn:aws:iam::third-party:policy/x",
        "arn:aws:iam::cw0123456789:policy/x",
    ],
)
def test_policy_arns_of_the_documented_forms_pass(arn):
    assert where(ROLE, {"permissionsBoundary": arn, "managedPolicyArns": [arn]}) == []


@pytest.mark.parametrize(
    "arn",
    [
        "AmazonEC2ContainerRegistryReadOnlyX",
        "policy/AdministratorAccessXXXXX",
        f"arn:aws:iam::{ACCOUNT}",  # five parts
        f"arn:amazon:iam::{ACCOUNT}:policy/x",  # no such partition form
        "arn:aws:iam::12345678901:policy/x",  # 11-digit account
        f"arn:aws:iam:useast1:{ACCOUNT}:policy/x",  # not a region
        f"arn:aws:iam:us-east-\u0661:{ACCOUNT}:policy/x",  # an Arabic-Indic digit: Go's \d is ASCII only
        "arn:aws:iam::cw012345678:policy/x",  # cw and 9 characters
        f"arn:aws:iam::{ACCOUNT}:",  # "missing resource value"
    ],
)
def test_a_value_that_is_not_an_arn_is_refused_as_boundary_and_as_managed_policy(arn):
    assert where(ROLE, {"permissionsBoundary": arn}) == ["permissionsBoundary"]
    assert where(ROLE, {"managedPolicyArns": [f"arn:aws:iam::{ACCOUNT}:policy/ok", arn]}) == ["managedPolicyArns[1]"]


@pytest.mark.parametrize(("prefix", "refused"), [("alias/models-", False), ("models-", True), ("alias/aws/x", True)])
def test_a_kms_alias_name_prefix_follows_the_name_rule(prefix, refused):
    assert bool(where(ALIAS, {"namePrefix": prefix, "targetKeyId": "k"})) is refused


def _scanning(scan_type, frequency):
    rule = {"scanFrequency": frequency, "repositoryFilters": [{"filter": "models/*", "filterType": "WILDCARD"}]}
    return {"scanType": scan_type, "rules": [rule]}


@pytest.mark.parametrize(
    ("scan_type", "frequency", "refused"),
    [
        ("ENHANCED", "CONTINUOUS_SCAN", False),
        ("ENHANCED", "SCAN_ON_PUSH", False),
        ("BASIC", "SCAN_ON_PUSH", False),
        ("BASIC", "CONTINUOUS_SCAN", True),
    ],
)
def test_a_scan_frequency_is_one_its_scan_type_takes(scan_type, frequency, refused):
    assert where(SCANNING, _scanning(scan_type, frequency)) == (["rules[0].scanFrequency"] if refused else [])


def test_a_lifecycle_rule_description_is_a_string():
    selection = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}
    rule = {
        "rulePriority": 1,
        "description": "untagged after two weeks",
        "selection": selection,
        "action": {"type": "expire"},
    }
    assert where(LIFECYCLE, {"repository": "models/x", "policy": json.dumps({"rules": [rule]})}) == []
    rule["description"] = 7
    assert where(LIFECYCLE, {"repository": "models/x", "policy": json.dumps({"rules": [rule]})}) == [
        "policy.rules[0].description"
    ]


TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
REPLICA = "aws:kms/replicaKey:ReplicaKey"


def test_a_creation_template_names_at_least_one_use_and_a_role_arn():
    # repository_creation_template.go: applied_for Required, MinItems: 1; custom_role_arn verify.ValidARN.
    assert where(TEMPLATE, {"prefix": "models", "appliedFors": ["REPLICATION"]}) == []
    assert where(TEMPLATE, {"prefix": "models", "appliedFors": []}) == ["appliedFors"]
    role = f"arn:aws:iam::{ACCOUNT}:role/ecr-templates"
    assert where(TEMPLATE, {"prefix": "models", "appliedFors": ["REPLICATION"], "customRoleArn": role}) == []
    bad = {"prefix": "models", "appliedFors": ["REPLICATION"], "customRoleArn": "role/ecr-templates"}
    assert where(TEMPLATE, bad) == ["customRoleArn"]


def test_a_creation_template_description_of_255_characters_is_accepted_and_256_refused_by_the_provider():
    # The provider's validation.StringLenBetween(0, 255), one under ECR's model (256): its Check refuses first.
    assert where(TEMPLATE, {"prefix": "models", "appliedFors": ["REPLICATION"], "description": "d" * 255}) == []
    too_long = {"prefix": "models", "appliedFors": ["REPLICATION"], "description": "d" * 256}
    assert where(TEMPLATE, too_long) == ["description"]


@pytest.mark.parametrize(
    ("primary", "refused"),
    [
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab", False),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", False),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", True),
    ],
)
def test_only_a_multi_region_primary_key_is_replicated(primary, refused):
    # API_ReplicateKey.html: "KeyId: Identifies the multi-Region primary key that is being replicated."
    assert ("primaryKeyArn" in where(REPLICA, {"primaryKeyArn": primary})) is refused
