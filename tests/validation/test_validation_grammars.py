"""The document grammars and API rules (aws_facts.grammars), each with the case AWS accepts beside the one it
refuses: IAM policy kinds, ECR lifecycle policies, registry-policy scopes, the KMS lockout check, exclusion
filters and replication to the source registry."""

import json

import pytest
from aws_facts.grammars.api_rules import (
    kms_lockout_problems,
    mutability_problems,
    registry_scope_problems,
    replication_destination_problems,
)
from aws_facts.grammars.lifecycle import lifecycle_problems
from aws_facts.grammars.policy import policy_problems
from aws_facts.validation import validate_resource

ACCOUNT = "123456789012"


def doc(*statements, version="2012-10-17"):
    return json.dumps({"Version": version, "Statement": list(statements)})


def rules(found):
    return [(p.where, p.rule) for p in found]


# --- IAM policy documents ---------------------------------------------------------------------------------

PULL = {"Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "ecr:BatchGetImage"}
IDENTITY = {"Sid": "Push", "Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}
TRUST = {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}


@pytest.mark.parametrize(
    ("kind", "statement"),
    [("repository", PULL), ("identity", IDENTITY), ("trust", TRUST), ("key", {**PULL, "Resource": "*"})],
)
def test_a_well_formed_policy_of_each_kind_passes(kind, statement):
    assert policy_problems(doc(statement), kind) == []


@pytest.mark.parametrize("version", ["2012-10-17", "2008-10-17"])
def test_both_versions_are_accepted(version):
    assert policy_problems(doc(IDENTITY, version=version), "identity") == []


def test_another_version_is_refused():
    assert rules(policy_problems(doc(IDENTITY, version="2012-10-18"), "identity")) == [
        (".Version", "must be 2012-10-17 or 2008-10-17")
    ]


def test_an_iam_sid_takes_letters_and_digits_only():
    assert rules(policy_problems(doc({**IDENTITY, "Sid": "push-models"}), "identity")) == [
        (".Statement[0].Sid", "takes ASCII letters and digits only in an IAM policy")
    ]


def test_an_unknown_condition_operator_is_refused_and_known_forms_pass():
    known = {
        "StringEqualsIfExists": {"aws:x": "1"},
        "ForAnyValue:StringLike": {"aws:y": "a*"},
        "Null": {"aws:z": "true"},
    }
    assert policy_problems(doc({**IDENTITY, "Condition": known}), "identity") == []
    found = policy_problems(doc({**IDENTITY, "Condition": {"StringEqualz": {"aws:x": "1"}}}), "identity")
    assert rules(found) == [(".Statement[0].Condition.StringEqualz", "is not a condition operator IAM knows")]


def test_an_identity_policy_takes_no_principal_and_needs_a_resource():
    found = rules(policy_problems(doc({**PULL}), "identity"))
    assert (".Statement[0]", "an identity policy takes no Principal or NotPrincipal") in found
    assert (".Statement[0]", "an identity policy needs Resource or NotResource") in found


def test_a_trust_policy_needs_a_principal_and_takes_no_resource():
    found = rules(policy_problems(doc({**TRUST, "Resource": "*"}), "trust"))
    assert found == [(".Statement[0]", "a role trust policy takes no Resource or NotResource")]
    found = rules(policy_problems(doc({"Effect": "Allow", "Action": "sts:AssumeRole"}), "trust"))
    assert found == [(".Statement[0]", "a trust policy needs Principal or NotPrincipal")]


def test_a_repository_policy_with_a_resource_element_is_refused():
    found = rules(policy_problems(doc({**PULL, "Resource": "*"}), "repository"))
    assert found == [
        (".Statement[0]", "an ECR repository policy (the repository is the resource) takes no Resource or NotResource")
    ]


@pytest.mark.parametrize(
    "principal",
    [
        "12345",
        "12345678901",  # 11 digits
        "1234567890123",  # 13 digits
        "arn:aws:iam::12345:root",
        "arn:aws:iam::1234567890123:role/x",
        f"arn:aws:iam::{ACCOUNT}:",  # no resource
        f"arn:aws:s3::{ACCOUNT}:bucket",  # not an IAM or STS ARN
        f"arn:aws:iam:us-east-1:{ACCOUNT}:root",  # IAM ARNs name no region
        f"arn:aws-mars:iam::{ACCOUNT}:root",  # no such partition
        f"arn:aws:iam::{ACCOUNT}:root\n",
    ],
)
def test_an_aws_principal_without_a_12_digit_account_is_refused(principal):
    found = policy_problems(doc({**PULL, "Principal": {"AWS": principal}}), "repository")
    assert [p.where for p in found] == [".Statement[0].Principal.AWS"]


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        ACCOUNT,
        f"arn:aws:iam::{ACCOUNT}:root",
        f"arn:aws:iam::{ACCOUNT}:role/a/b",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/session",
        f"arn:aws-cn:iam::{ACCOUNT}:root",
        f"arn:aws-us-gov:iam::{ACCOUNT}:user/ops",
    ],
)
def test_aws_principals_of_the_documented_forms_pass(principal):
    assert policy_problems(doc({**PULL, "Principal": {"AWS": principal}}), "repository") == []


# --- ECR lifecycle policies ----------------------------------------------------------------------------------


def rule(priority, selection, action=None):
    return {"rulePriority": priority, "selection": selection, "action": action or {"type": "expire"}}


UNTAGGED = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}
PRE = {"tagStatus": "tagged", "tagPrefixList": ["dev-"], "countType": "imageCountMoreThan", "countNumber": 20}
ANY = {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 500}


def lifecycle(*rules_):
    return json.dumps({"rules": list(rules_)})


def test_the_documented_policy_shape_passes():
    assert lifecycle_problems(lifecycle(rule(1, PRE), rule(2, UNTAGGED), rule(3, ANY))) == []


def test_transition_to_archive_passes_and_needs_its_storage_class():
    archive = {
        "tagStatus": "tagged",
        "tagPatternList": ["v*"],
        "countType": "sinceImagePulled",
        "countUnit": "days",
        "countNumber": 90,
    }
    assert (
        lifecycle_problems(lifecycle(rule(1, archive, {"type": "transition", "targetStorageClass": "archive"}))) == []
    )
    found = rules(lifecycle_problems(lifecycle(rule(1, archive, {"type": "transition"}))))
    assert found == [(".rules[0].action.targetStorageClass", "must be 'archive' with a transition action")]


def test_an_any_rule_that_is_not_last_is_refused():
    found = rules(lifecycle_problems(lifecycle(rule(1, ANY), rule(2, UNTAGGED))))
    assert found == [
        (".rules[0].rulePriority", "a tagStatus 'any' rule must have the highest rulePriority (2 is higher)")
    ]


def test_repeated_priorities_are_refused():
    found = rules(lifecycle_problems(lifecycle(rule(1, PRE), rule(1, UNTAGGED))))
    assert found == [(".rules[1].rulePriority", "must be unique (rules[0] has it too)")]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({**PRE, "tagPrefixList": []}, "a tagged rule needs tagPrefixList or tagPatternList"),
        ({**PRE, "tagPatternList": ["v*"]}, "takes tagPrefixList or tagPatternList, never both"),
        ({**UNTAGGED, "tagPrefixList": ["dev-"]}, "tag lists are only for tagStatus 'tagged', not 'untagged'"),
        ({**UNTAGGED, "countUnit": "hours"}, "must be 'days' with countType sinceImagePushed"),
        ({**PRE, "countUnit": "days"}, "is not allowed with countType imageCountMoreThan"),
        ({**PRE, "countNumber": 0}, "must be a whole number of at least 1"),
        (
            {**PRE, "countType": "imageCountLessThan"},
            "must be one of imageCountMoreThan, sinceImagePushed, sinceImagePulled, sinceImageTransitioned",
        ),
        ({**PRE, "tagPrefixList": None, "tagPatternList": ["a*b*c*d*e*"]}, "has more than 4 '*'"),
    ],
)
def test_each_selection_rule_is_refused_with_its_reason(selection, expected):
    selection = {k: v for k, v in selection.items() if v is not None}
    assert expected in [p.rule for p in lifecycle_problems(lifecycle(rule(1, selection)))]


def test_four_wildcards_in_a_pattern_are_accepted():
    selection = {
        "tagStatus": "tagged",
        "tagPatternList": ["a*b*c*d*"],
        "countType": "imageCountMoreThan",
        "countNumber": 1,
    }
    assert lifecycle_problems(lifecycle(rule(1, selection))) == []


def test_an_unknown_action_and_unknown_properties_are_refused():
    found = [p.rule for p in lifecycle_problems(lifecycle({**rule(1, PRE, {"type": "delete"}), "note": "x"}))]
    assert "is not a lifecycle rule property" in found and "must be one of expire, transition" in found


# --- registry policy scope, KMS lockout, exclusion filters, replication to itself -------------------------------

REPLICATE = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Resource": "*"}


def test_under_scope_v1_only_replicate_import_and_create_are_accepted():
    allowed = doc(
        {**REPLICATE, "Action": ["ecr:ReplicateImage", "ecr:CreateRepository", "ecr:BatchImportUpstreamImage"]}
    )
    assert registry_scope_problems(allowed, "V1") == []
    found = registry_scope_problems(doc({**REPLICATE, "Action": ["ecr:ReplicateImage", "ecr:BatchGetImage"]}), "V1")
    assert [p.value for p in found] == ["'ecr:BatchGetImage'"]


def test_under_scope_v1_a_wildcard_is_accepted_and_only_the_three_actions_take_effect():
    # ECR user guide, "Private registry permissions": "While it is possible to add the ecr:* action to a
    # private registry permissions policy, ..."; V1 enforces only ReplicateImage, BatchImportUpstreamImage
    # and CreateRepository.
    from aws_facts.ecr_account_settings import read_statement

    assert registry_scope_problems(doc({**REPLICATE, "Action": "ecr:*"}), "V1") == []
    reading = read_statement("V1", ("ecr:*",), False)
    assert reading.refused == ()
    assert {"ecr:BatchGetImage", "ecr:PutImage"} <= reading.ignored
    assert not reading.ignored & {"ecr:ReplicateImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"}
    assert read_statement("V2", ("ecr:*",), False).ignored == frozenset()


def test_action_names_are_read_case_insensitively_under_either_scope():
    assert registry_scope_problems(doc({**REPLICATE, "Action": "ECR:replicateimage"}), "V1") == []


def test_a_registry_policy_takes_no_not_action_under_either_scope():
    for scope in ("V1", "V2"):
        (found,) = registry_scope_problems(doc({**REPLICATE, "NotAction": "ecr:PutImage"}), scope)
        assert found.where == ".Statement[0].NotAction"


def test_under_scope_v2_every_ecr_action_and_no_other_is_accepted():
    assert registry_scope_problems(doc({**REPLICATE, "Action": ["ecr:BatchGetImage", "ecr:*"]}), "V2") == []
    assert len(registry_scope_problems(doc({**REPLICATE, "Action": "s3:GetObject"}), "V2")) == 1


def test_the_scope_is_read_from_an_account_setting_in_the_stack():
    from registry_policies.stack import StackResource
    from registry_policies.validation import validation_findings

    policy = doc({**REPLICATE, "Action": "ecr:BatchGetImage"})
    registry = StackResource("aws:ecr/registryPolicy:RegistryPolicy", "registryPolicy", "urn:a", {"policy": policy})
    setting = StackResource(
        "aws:ecr/accountSetting:AccountSetting", "scope", "urn:b", {"name": "REGISTRY_POLICY_SCOPE", "value": "V1"}
    )
    assert validation_findings([registry]) == []
    (finding,) = validation_findings([registry, setting])
    assert "under registry policy scope V1" in finding.message and finding.urn == "urn:a"


ROOT_MANAGES = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
USE_ONLY = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
    "Action": "kms:Decrypt",
    "Resource": "*",
}


def test_a_key_policy_that_lets_the_account_manage_the_key_passes():
    assert kms_lockout_problems(doc(ROOT_MANAGES, USE_ONLY), None) == []


def test_a_key_policy_no_one_may_change_is_refused_unless_the_check_is_bypassed():
    (problem,) = kms_lockout_problems(doc(USE_ONLY), None)
    assert "lockout safety check" in problem.rule
    assert kms_lockout_problems(doc(USE_ONLY), True) == []


@pytest.mark.parametrize(
    ("mutability", "filters", "refused"),
    [
        ("IMMUTABLE_WITH_EXCLUSION", [{"filter": "dev-*", "filterType": "WILDCARD"}], False),
        ("IMMUTABLE", None, False),
        ("IMMUTABLE", [{"filter": "dev-*", "filterType": "WILDCARD"}], True),
        (None, [{"filter": "dev-*", "filterType": "WILDCARD"}], True),
        ("MUTABLE_WITH_EXCLUSION", None, True),
    ],
)
def test_exclusion_filters_go_with_a_with_exclusion_mutability_and_only_with_it(mutability, filters, refused):
    assert bool(mutability_problems(mutability, filters)) is refused


def test_replication_to_the_source_region_and_account_is_refused_and_to_another_region_accepted():
    config = {"rules": [{"destinations": [{"region": "us-west-2", "registryId": ACCOUNT}]}]}
    assert replication_destination_problems(config, "us-east-1", ACCOUNT) == []
    (problem,) = replication_destination_problems(config, "us-west-2", ACCOUNT)
    assert problem.where == "replicationConfiguration.rules[0].destinations[0]"
    # Not known which account deploys: never refused for it.
    assert replication_destination_problems(config, "us-west-2", None) == []


def test_the_replication_rule_reads_the_provider_region_and_its_one_allowed_account():
    from registry_policies.stack import StackResource
    from registry_policies.validation import validation_findings

    props = {
        "replicationConfiguration": {"rules": [{"destinations": [{"region": "us-east-1", "registryId": ACCOUNT}]}]}
    }
    provider = {"region": "us-east-1", "allowedAccountIds": json.dumps([ACCOUNT])}
    replication = StackResource(
        "aws:ecr/replicationConfiguration:ReplicationConfiguration", "r", "urn:r", props, provider=provider
    )
    (finding,) = validation_findings([replication])
    assert "replicates to the source registry itself" in finding.message
    assert (
        validation_findings([StackResource(replication.type, "r", "urn:r", props, provider={"region": "us-west-2"})])
        == []
    )


@pytest.mark.parametrize(
    "credentials",
    [
        {"assumeRoles": json.dumps([{"roleArn": f"arn:aws:iam::{ACCOUNT}:role/deployer"}])},
        {"assumeRoleWithWebIdentity": json.dumps({"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ci"})},
    ],
)
def test_the_replication_rule_knows_the_account_of_the_role_the_provider_assumes(credentials):
    # The account a provider deploys to is its assumed role's (the pack reads it one way: providers.provider_account).
    from registry_policies.stack import StackResource
    from registry_policies.validation import validation_findings

    props = {
        "replicationConfiguration": {"rules": [{"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}]}]}
    }
    same = StackResource(
        "aws:ecr/replicationConfiguration:ReplicationConfiguration",
        "r",
        "urn:r",
        props,
        provider={"region": "eu-west-1", **credentials},
    )
    (finding,) = validation_findings([same])
    assert "replicates to the source registry itself" in finding.message
    other = StackResource(same.type, "r", "urn:r", props, provider={"region": "eu-west-2", **credentials})
    assert validation_findings([other]) == []


def test_a_lifecycle_policy_grammar_problem_names_the_resource_field_rule_value_and_link_in_one_line():
    from registry_policies.stack import StackResource
    from registry_policies.validation import validation_findings

    policy = json.dumps({"rules": [rule(1, ANY), rule(2, UNTAGGED)]}, indent=2)
    resource = StackResource(
        "aws:ecr/lifecyclePolicy:LifecyclePolicy", "lc", "urn:lc", {"policy": policy, "repository": "models/x"}
    )
    (finding,) = validation_findings([resource])
    assert "\n" not in finding.message
    assert finding.message.startswith("lc (aws:ecr/lifecyclePolicy:LifecyclePolicy) policy.rules[0].rulePriority: ")
    assert "got 1 [ECR lifecycle policy grammar]" in finding.message
    assert finding.message.endswith(
        "(https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html)"
    )


def test_a_lifecycle_policy_is_measured_as_the_provider_sends_it_against_ecrs_100_character_minimum():
    # Pretty-printed, this empty policy has 17 characters; the provider sends {"rules":[]}, 12 of them.
    result = validate_resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", {"policy": '{\n  "rules": []\n}'})
    rules_found = [p.rule for p in result.problems]
    assert any(r.startswith("must have at least 100 characters (has 12)") for r in rules_found), rules_found
    assert "must hold at least one rule" in rules_found
