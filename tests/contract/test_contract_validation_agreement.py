"""Where moto implements one of AWS's request rules, moto's server and the offline validation (aws_facts.validation,
what the aws-request-validation policy applies) agree on the same inputs: the repository-name pattern, tag
mutability with exclusion filters, and the lifecycle-policy grammar (the part moto implements: expire actions,
imageCountMoreThan and sinceImagePushed) and the IAM policy-document rules moto's validator implements (unique Sids,
vendor-prefixed actions, ARN resources, STS-only trust actions, no Resource in a trust policy)."""

import json

import pytest
from aws_facts.validation import validate_resource
from botocore.exceptions import ClientError

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"


def moto_refuses(call, code: str = "InvalidParameterException") -> bool:
    """Whether the emulator refuses the call; a refusal must carry `code` (ECR's InvalidParameterException, or
    IAM's MalformedPolicyDocument for a policy document)."""
    try:
        call()
    except ClientError as error:
        assert error.response["Error"]["Code"] == code, error.response["Error"]
        return True
    return False


NAMES = [
    "agree/models-ok",
    "agree/a.b_c",
    "Agree/upper",
    "agree//double",
    "agree/trailing-",
    "agree/a b",
    # The separator rule at its edge (tests/validation/test_repository_name_edges.py): one separator between parts.
    "agree/a_-b",
    "agree/a..b",
    "agree/a___b",
    "agree/_a",
    "agree/a.b-c_d",
]
# ECR's model (botocore 1.44) admits `__` and runs of dashes between name parts; moto 5.2.5 still applies the
# older pattern of the API reference's prose. The preview follows AWS's model; moto is behind.
MOTO_BEHIND = ["agree/a__b", "agree/a--b"]


@pytest.mark.parametrize("name", NAMES)
def test_moto_and_the_preview_agree_on_repository_names(client, name):
    preview = bool(validate_resource(REPOSITORY, {"name": name}).problems)
    moto = moto_refuses(lambda: client("ecr").create_repository(repositoryName=name))
    assert preview == moto


@pytest.mark.parametrize("name", MOTO_BEHIND)
def test_names_ecrs_model_admits_and_moto_still_refuses_are_accepted_by_the_preview(client, name):
    assert validate_resource(REPOSITORY, {"name": name}).problems == []
    assert moto_refuses(lambda: client("ecr").create_repository(repositoryName=name))


FILTERS = [{"filter": "dev-*", "filterType": "WILDCARD"}]
MUTABILITY = [
    ("IMMUTABLE", None),
    ("IMMUTABLE_WITH_EXCLUSION", FILTERS),
    ("MUTABLE_WITH_EXCLUSION", FILTERS),
    ("IMMUTABLE", FILTERS),
    ("MUTABLE", FILTERS),
    ("IMMUTABLE_WITH_EXCLUSION", None),
]


@pytest.mark.parametrize(("index", "case"), list(enumerate(MUTABILITY)))
def test_moto_and_the_preview_agree_on_tag_mutability_with_exclusion_filters(client, index, case):
    mutability, filters = case
    props = {"name": f"agree/mutability-{index}", "imageTagMutability": mutability}
    request = {"repositoryName": props["name"], "imageTagMutability": mutability}
    if filters is not None:
        props["imageTagMutabilityExclusionFilters"] = filters
        request["imageTagMutabilityExclusionFilters"] = filters
    preview = bool(validate_resource(REPOSITORY, props).problems)
    assert preview == moto_refuses(lambda: client("ecr").create_repository(**request))


DESCRIPTION = "kept by the agreement test; long enough for ECR's 100-character minimum"
EXPIRE = {"type": "expire"}
COUNT = {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30}
PUSHED = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}


def policy(*rules):
    return json.dumps({"rules": [{"description": DESCRIPTION, **rule} for rule in rules]})


LIFECYCLE_CASES = {
    "valid": policy(
        {"rulePriority": 1, "selection": PUSHED, "action": EXPIRE},
        {"rulePriority": 2, "selection": COUNT, "action": EXPIRE},
    ),
    "missing-priority": policy({"selection": COUNT, "action": EXPIRE}),
    "missing-action": policy({"rulePriority": 1, "selection": COUNT}),
    "unknown-rule-property": policy({"rulePriority": 1, "selection": COUNT, "action": EXPIRE, "note": "x"}),
    "unknown-action": policy({"rulePriority": 1, "selection": COUNT, "action": {"type": "delete"}}),
    "unknown-tag-status": policy({"rulePriority": 1, "selection": {**COUNT, "tagStatus": "some"}, "action": EXPIRE}),
    "unknown-count-type": policy(
        {"rulePriority": 1, "selection": {**COUNT, "countType": "imageCountLessThan"}, "action": EXPIRE}
    ),
    "unknown-count-unit": policy({"rulePriority": 1, "selection": {**PUSHED, "countUnit": "weeks"}, "action": EXPIRE}),
    "missing-count-number": policy(
        {"rulePriority": 1, "selection": {k: v for k, v in COUNT.items() if k != "countNumber"}, "action": EXPIRE}
    ),
    "no-rules": json.dumps({"description": DESCRIPTION * 2}),
}


@pytest.mark.parametrize("case", sorted(LIFECYCLE_CASES))
def test_moto_and_the_preview_agree_on_lifecycle_policies(client, case):
    ecr = client("ecr")
    name = "agree/lifecycle"
    if not ecr.describe_repositories()["repositories"] or name not in {
        r["repositoryName"] for r in ecr.describe_repositories()["repositories"]
    }:
        ecr.create_repository(repositoryName=name)
    text = LIFECYCLE_CASES[case]
    preview = bool(validate_resource(LIFECYCLE, {"repository": name, "policy": text}).problems)
    moto = moto_refuses(lambda: ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=text))
    assert preview == moto, case
    assert preview == (case != "valid")


# --- IAM policy documents: the rules moto's policy validator implements (moto/iam/policy_validation.py) --------

POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
READ = {"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "*"}
ASSUME = {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}


def iam_document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


IDENTITY_CASES = {
    "valid": (iam_document({**READ, "Sid": "A"}, {**READ, "Sid": "B"}), False),
    "duplicate-sid": (iam_document({**READ, "Sid": "Pull"}, {**READ, "Sid": "Pull"}), True),
    "action-without-vendor": (iam_document({**READ, "Action": "BatchGetImage"}), True),
    "action-with-two-colons": (iam_document({**READ, "Action": "ecr:Batch:GetImage"}), True),
    "resource-not-an-arn": (iam_document({**READ, "Resource": "models/llama"}), True),
    "resource-an-arn": (
        iam_document({**READ, "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/models/*"}),
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(IDENTITY_CASES))
def test_moto_and_the_preview_agree_on_identity_policy_documents(client, case):
    text, refused = IDENTITY_CASES[case]
    preview = bool(validate_resource(POLICY, {"name": f"agree-{case}", "policy": text}).problems)
    moto = moto_refuses(
        lambda: client("iam").create_policy(PolicyName=f"agree-{case}", PolicyDocument=text), "MalformedPolicyDocument"
    )
    assert preview == moto == refused


TRUST_CASES = {
    "sts-action": (iam_document(ASSUME), False),
    "web-identity": (iam_document({**ASSUME, "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]}), False),
    "ecr-action": (iam_document({**ASSUME, "Action": "ecr:BatchGetImage"}), True),
    "with-resource": (iam_document({**ASSUME, "Resource": "*"}), True),
}


@pytest.mark.parametrize("case", sorted(TRUST_CASES))
def test_moto_and_the_preview_agree_on_role_trust_policies(client, case):
    # moto validates a trust policy on UpdateAssumeRolePolicy (CreateRole takes any): one role, each case an update.
    iam = client("iam")
    if "agree-trust" not in {role["RoleName"] for role in iam.list_roles()["Roles"]}:
        iam.create_role(RoleName="agree-trust", AssumeRolePolicyDocument=iam_document(ASSUME))
    text, refused = TRUST_CASES[case]
    preview = bool(validate_resource(ROLE, {"name": "agree-trust", "assumeRolePolicy": text}).problems)
    moto = moto_refuses(
        lambda: iam.update_assume_role_policy(RoleName="agree-trust", PolicyDocument=text), "MalformedPolicyDocument"
    )
    assert preview == moto == refused
