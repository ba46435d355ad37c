"""Every form a grant can take is read or refused (registry_policies.resources, cloudformation, launch_permission):
aws-native as its CloudFormation type, JSON text parsed whatever its escapes, ECR Public refused in every form, EC2
launch and create-volume permissions as statements, dynamic providers refused as unreadable."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from offline_preview.analyzer_client import AnalyzerClient
from registry_policies import names as policy_names
from registry_policies.cloudformation_subjects import native_cloudformation_type
from registry_policies.pack_checks import effective_access
from registry_policies.resources import access_subjects

ZONE = {"trustedAccounts": ["123456789012", "210987654321"], "organizationIds": ["o-a1b2c3d4e5"]}
FOREIGN = "444455556666"


def refusals(resource_type, props):
    return [f.message for f in effective_access(resource_type, props, ZONE)]


@pytest.mark.parametrize(
    ("native", "cloudformation"),
    [
        ("aws-native:ecr:Repository", "AWS::ECR::Repository"),
        ("aws-native:ecr:PublicRepository", "AWS::ECR::PublicRepository"),
        ("aws-native:iam:Role", "AWS::IAM::Role"),
        ("aws-native:kms:Key", "AWS::KMS::Key"),
        ("aws-native:opensearchservice:Domain", "AWS::OpenSearchService::Domain"),
        ("aws-native:lambda:Permission", "AWS::Lambda::Permission"),
        ("aws-native:ecr:LifecyclePolicy", None),
        ("aws:ecr/repository:Repository", None),
    ],
)
def test_an_aws_native_type_is_the_cloudformation_type_it_is_generated_from(native, cloudformation):
    assert native_cloudformation_type(native) == cloudformation


def test_an_aws_native_lambda_permission_to_everyone_is_refused_and_one_bound_to_an_account_is_not():
    assert refusals(
        "aws-native:lambda:Permission", {"functionName": "f", "action": "lambda:InvokeFunction", "principal": "*"}
    )
    bound = {
        "functionName": "f",
        "action": "lambda:InvokeFunction",
        "principal": "s3.amazonaws.com",
        "sourceAccount": "123456789012",
    }
    assert refusals("aws-native:lambda:Permission", bound) == []


def test_an_aws_native_policy_given_as_json_text_is_read_too():
    policy = json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": "ecr:BatchGetImage"}]}
    )
    (message,) = refusals("aws-native:ecr:Repository", {"repositoryPolicyText": policy})
    assert FOREIGN in message


@pytest.mark.parametrize(
    ("resource_type", "props", "where"),
    [
        ("aws:ecrpublic/repository:Repository", {"repositoryName": "m"}, "the ECR Public repository"),
        ("aws-native:ecr:PublicRepository", {"repositoryName": "m"}, "the aws-native:ecr:PublicRepository resource"),
        (
            "aws:cloudcontrol/resource:Resource",
            {"typeName": "AWS::ECR::PublicRepository", "desiredState": json.dumps({"RepositoryName": "m"})},
            "the Cloud Control resource (AWS::ECR::PublicRepository) desiredState",
        ),
        (
            "aws:cloudformation/stack:Stack",
            {"templateBody": "Resources:\n  Gallery:\n    Type: AWS::ECR::PublicRepository\n"},
            "the CloudFormation stack resource Gallery (AWS::ECR::PublicRepository)",
        ),
    ],
)
def test_an_ecr_public_repository_is_refused_in_every_form_with_the_exemption_to_write(resource_type, props, where):
    (message,) = refusals(resource_type, props)
    assert message.startswith(f"{where} is refused: an ECR Public repository is public by nature")
    assert f'"policy": "{policy_names.NO_WILDCARD_PRINCIPAL}"' in message and "reason" in message


@pytest.mark.parametrize(
    ("props", "refused"),
    [
        ({"imageId": "ami-1", "group": "all"}, True),
        ({"imageId": "ami-1", "accountId": FOREIGN}, True),
        ({"imageId": "ami-1", "organizationArn": f"arn:aws:organizations::{FOREIGN}:organization/o-zzzzzzzzzz"}, True),
        (
            {
                "imageId": "ami-1",
                "organizationalUnitArn": f"arn:aws:organizations::{FOREIGN}:ou/o-zzzzzzzzzz/ou-ab12-abcdefgh",
            },
            True,
        ),
        ({"imageId": "ami-1", "accountId": "210987654321"}, False),
        (
            {"imageId": "ami-1", "organizationArn": "arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5"},
            False,
        ),
        (
            {
                "imageId": "ami-1",
                "organizationalUnitArn": "arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-abcdefgh",
            },
            False,
        ),
    ],
)
def test_an_ami_launch_permission_grants_as_ec2_shares_the_image(props, refused):
    assert bool(refusals("aws:ec2/amiLaunchPermission:AmiLaunchPermission", props)) is refused


TRUSTED_OU_PATH = "o-a1b2c3d4e5/r-ab12/ou-ab12-abcdefgh/"


@pytest.mark.parametrize(
    ("unit", "refused"),
    [
        ("o-a1b2c3d4e5/ou-ab12-abcdefgh", False),  # the trusted OU (and the OUs under it)
        ("o-a1b2c3d4e5/ou-ab12-zzzzzzzz", True),  # another OU of the same organization
        ("o-zzzzzzzzzz/ou-ab12-abcdefgh", True),  # the same OU id in another organization
    ],
)
def test_an_ami_launch_permission_to_an_ou_is_the_paths_through_that_ou(unit, refused):
    """EC2 shares with the accounts of the OU; an OU has one parent (AWS Organizations), so in a zone that trusts
    that OU's path (and not its organization) the permission is inside, and a sibling OU is outside."""
    zone = {"trustedAccounts": ["123456789012"], "trustedOrgPaths": [TRUSTED_OU_PATH]}
    props = {"imageId": "ami-1", "organizationalUnitArn": f"arn:aws:organizations::123456789012:ou/{unit}"}
    findings = effective_access("aws:ec2/amiLaunchPermission:AmiLaunchPermission", props, zone)
    assert bool(findings) is refused, [f.message for f in findings]


def test_a_snapshot_create_volume_permission_to_another_account_is_refused():
    type_ = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"
    assert refusals(type_, {"snapshotId": "snap-1", "accountId": FOREIGN})
    assert refusals(type_, {"snapshotId": "snap-1", "accountId": "210987654321"}) == []


def test_an_image_builder_distribution_launch_permission_for_all_is_refused_in_pulumi_aws_and_cloudformation():
    pulumi_props = {
        "distributions": [
            {"region": "us-east-1", "amiDistributionConfiguration": {"launchPermission": {"userGroups": ["all"]}}}
        ]
    }
    assert refusals("aws:imagebuilder/distributionConfiguration:DistributionConfiguration", pulumi_props)
    template = {
        "Resources": {
            "Distribution": {
                "Type": "AWS::ImageBuilder::DistributionConfiguration",
                "Properties": {
                    "Distributions": [
                        {
                            "Region": "us-east-1",
                            "AmiDistributionConfiguration": {"LaunchPermissionConfiguration": {"UserGroups": ["all"]}},
                        }
                    ]
                },
            }
        }
    }
    assert refusals("aws:cloudformation/stack:Stack", {"templateBody": json.dumps(template)})


DISTRIBUTION = "aws:imagebuilder/distributionConfiguration:DistributionConfiguration"


def _ami_distribution(ami, key="amiDistributionConfiguration"):
    return {"name": "d", "distributions": [{"region": "us-east-1", key: ami}]}


@pytest.mark.parametrize(("account", "refused"), [(FOREIGN, True), ("210987654321", False)])
def test_image_builder_copies_to_target_accounts_grant_those_accounts(account, refused):
    # AmiDistributionConfiguration.targetAccountIds: Image Builder copies the AMI into those accounts, which own it.
    found = refusals(DISTRIBUTION, _ami_distribution({"targetAccountIds": [account]}))
    assert bool(found) is refused
    if refused:
        assert "targetAccountIds" in found[0] and account in found[0]
    native = _ami_distribution({"targetAccountIds": [account]})
    assert bool(refusals("aws-native:imagebuilder:DistributionConfiguration", native)) is refused
    template = {
        "Resources": {
            "D": {
                "Type": "AWS::ImageBuilder::DistributionConfiguration",
                "Properties": {
                    "Name": "d",
                    "Distributions": [
                        {"Region": "us-east-1", "AmiDistributionConfiguration": {"TargetAccountIds": [account]}}
                    ],
                },
            }
        }
    }
    assert bool(refusals("aws:cloudformation/stack:Stack", {"templateBody": json.dumps(template)})) is refused


def test_an_aws_native_distribution_launch_permission_is_read_in_camel_case():
    # aws-native sends CloudFormation's LaunchPermissionConfiguration as launchPermissionConfiguration, nested.
    public = _ami_distribution({"launchPermissionConfiguration": {"userGroups": ["all"]}})
    (message,) = refusals("aws-native:imagebuilder:DistributionConfiguration", public)
    assert "wildcard" in message
    own_org = {"organizationArns": ["arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5"]}
    closed = _ami_distribution({"launchPermissionConfiguration": own_org})
    assert refusals("aws-native:imagebuilder:DistributionConfiguration", closed) == []


def test_an_unknown_ami_distribution_cannot_pass():
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    (message,) = refusals(DISTRIBUTION, _ami_distribution(unknown))
    assert "not known yet" in message


# The types the SDKs give dynamic resources: the base class's, and a Python subclass's
# (`class Opener(Resource, module="registry", name="Opener")`, pulumi/dynamic/dynamic.py).
DYNAMIC_TYPES = [
    "pulumi-python:dynamic:Resource",
    "pulumi-nodejs:dynamic:Resource",
    "pulumi-python:dynamic/registry:Opener",
    "pulumi-python:dynamic:Opener",
]


@pytest.mark.parametrize("resource_type", DYNAMIC_TYPES)
def test_a_dynamic_resource_is_refused_as_unreadable(resource_type):
    (message,) = refusals(resource_type, {"__provider": "gASV...", "repository": "models/x"})
    assert message.startswith(f"the dynamic resource ({resource_type}) cannot be evaluated")
    assert "create/update" in message


def test_a_type_merely_named_dynamic_in_another_package_is_not_a_dynamic_resource():
    assert refusals("acme:dynamic:Resource", {"repository": "models/x"}) == []


def _escaped(text: str, mask: list[bool]) -> str:
    return "".join(f"\\u{ord(c):04x}" if escape else c for c, escape in zip(text, mask, strict=True))


@settings(deadline=None, max_examples=200)
@given(
    principal_mask=st.lists(st.booleans(), min_size=9, max_size=9),
    statement_mask=st.lists(st.booleans(), min_size=9, max_size=9),
)
def test_a_principal_written_with_any_json_escapes_in_a_type_not_read_is_refused(principal_mask, statement_mask):
    principal = _escaped("Principal", principal_mask)
    statement = _escaped("Statement", statement_mask)
    escaped = f'{{"{statement}": [{{"Effect": "Allow", "{principal}": "*", "Action": "s3:GetObject"}}]}}'
    assert json.loads(escaped)["Statement"][0]["Principal"] == "*"
    (subject,) = access_subjects("aws:ssm/parameter:Parameter", {"value": escaped})
    assert subject.unreadable and subject.where == "aws:ssm/parameter:Parameter (value)"


def test_a_byte_order_mark_before_the_json_does_not_hide_it():
    (subject,) = access_subjects("aws:ssm/parameter:Parameter", {"value": '\ufeff{"Statement": [{"Principal": "*"}]}'})
    assert subject.unreadable


def test_text_that_merely_mentions_a_principal_is_no_grant():
    assert access_subjects("aws:ssm/parameter:Parameter", {"value": "the Principal and the Statement"}) == []


# ---- through the real pack over gRPC: refused unless exempted with a reason ------------------------


ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {"type": "aws:ecrpublic/repository:Repository", "name": "gallery", "properties": {"repositoryName": "models"}}
DYNAMIC = {"type": "pulumi-python:dynamic:Resource", "name": "opener", "properties": {"__provider": "gASV"}}


def _policies(pack, resource) -> set[str]:
    return {v.policy_name for v in pack.analyze(resource) if v.enforcement_level == "mandatory"}


@pytest.fixture(scope="module")
def pack():
    with AnalyzerClient(
        ROOT / "policy-pack", project="forms", stack="local", config={"aws:region": "us-east-1"}
    ) as client:
        yield client


@pytest.mark.parametrize("resource", [PUBLIC, DYNAMIC], ids=["ecr-public", "dynamic-provider"])
def test_refused_over_grpc_and_accepted_once_exempted_with_a_reason(pack, resource):
    zone = {"trustedAccounts": ZONE["trustedAccounts"], "organizationIds": ZONE["organizationIds"]}
    pack.configure({"no-wildcard-principal": zone})
    assert policy_names.NO_WILDCARD_PRINCIPAL in _policies(pack, resource)
    exemption = {
        "policy": policy_names.NO_WILDCARD_PRINCIPAL,
        "resource": resource["name"],
        "reason": "the public gallery of our demo models",
    }
    pack.configure({"no-wildcard-principal": zone, policy_names.EXEMPTIONS: {"exemptions": [exemption]}})
    assert _policies(pack, resource) == set()
    short = {**exemption, "reason": "because"}
    pack.configure({"no-wildcard-principal": zone, policy_names.EXEMPTIONS: {"exemptions": [short]}})
    assert _policies(pack, resource) == {"no-wildcard-principal", policy_names.EXEMPTIONS}


# ---- templates deployed by other types: stack sets read as stacks; templates fetched elsewhere unreadable ----

OPEN_PULL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}],
}
OWN_PULL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "ecr:BatchGetImage"}],
}


def _repository_template(policy) -> str:
    properties = {"RepositoryName": "models/x", "RepositoryPolicyText": policy}
    return json.dumps({"Resources": {"Repo": {"Type": "AWS::ECR::Repository", "Properties": properties}}})


def test_a_stack_sets_template_is_read_as_a_stacks():
    stack_set = "aws:cloudformation/stackSet:StackSet"
    (message,) = refusals(stack_set, {"name": "s", "templateBody": _repository_template(OPEN_PULL)})
    assert "the CloudFormation stack set resource Repo (AWS::ECR::Repository).RepositoryPolicyText" in message
    assert refusals(stack_set, {"name": "s", "templateBody": _repository_template(OWN_PULL)}) == []
    (message,) = refusals(stack_set, {"name": "s", "templateUrl": "https://s3.amazonaws.com/b/t.json"})
    assert "the CloudFormation stack set (templateUrl) cannot be evaluated" in message


def test_a_stack_set_inside_a_template_is_read_with_its_own_template():
    inner = {"StackSetName": "s", "PermissionModel": "SELF_MANAGED", "TemplateBody": _repository_template(OPEN_PULL)}
    template = json.dumps({"Resources": {"Set": {"Type": "AWS::CloudFormation::StackSet", "Properties": inner}}})
    (message,) = refusals("aws:cloudformation/stack:Stack", {"templateBody": template})
    assert "stack set resource Repo (AWS::ECR::Repository).RepositoryPolicyText" in message


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (
            "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
            {"applicationId": "arn:aws:serverlessrepo:us-east-1:444455556666:applications/x"},
        ),
        ("aws:servicecatalog/provisionedProduct:ProvisionedProduct", {"productId": "prod-abc"}),
    ],
    ids=["serverless-application", "service-catalog-product"],
)
def test_a_template_deployed_from_elsewhere_is_refused_as_unreadable(resource_type, props):
    (message,) = refusals(resource_type, props)
    assert message.startswith(f"the {resource_type} resource cannot be evaluated")
    assert "whose template the pack does not fetch" in message


def test_a_service_catalog_product_inside_a_template_is_refused_as_unreadable():
    product = {"Type": "AWS::ServiceCatalog::CloudFormationProvisionedProduct", "Properties": {"ProductId": "prod-abc"}}
    (message,) = refusals("aws:cloudformation/stack:Stack", {"templateBody": json.dumps({"Resources": {"P": product}})})
    assert "(AWS::ServiceCatalog::CloudFormationProvisionedProduct) cannot be evaluated" in message


def test_aws_native_stack_sets_and_provisioned_products_are_read_as_their_cloudformation_types():
    (message,) = refusals(
        "aws-native:cloudformation:StackSet",
        {"stackSetName": "s", "permissionModel": "SELF_MANAGED", "templateBody": _repository_template(OPEN_PULL)},
    )
    assert "stack set resource Repo (AWS::ECR::Repository).RepositoryPolicyText" in message
    (message,) = refusals("aws-native:servicecatalog:CloudFormationProvisionedProduct", {"productId": "prod-abc"})
    assert "cannot be evaluated" in message and "whose template the pack does not fetch" in message


def test_an_aws_native_stack_set_template_at_a_url_cannot_be_evaluated():
    # aws-native spells CloudFormation's TemplateURL `templateUrl`: it must not be lost on the way back.
    (message,) = refusals(
        "aws-native:cloudformation:StackSet", {"stackSetName": "s", "templateUrl": "https://s3.amazonaws.com/b/t.json"}
    )
    assert "cannot be evaluated" in message and "URL" in message


@pytest.mark.parametrize(
    ("principal", "verdict"),
    [
        (f"{FOREIGN} ", "cannot be evaluated"),  # Lambda's Principal pattern is [^\s]+ (botocore lambda-2015-03-31)
        ("4444555566667", "cannot be evaluated"),
        ("partner-team", "cannot be evaluated"),
        ("alexa-appkit.amazon.com", None),  # a service principal outside amazonaws.com, bound by sourceAccount
        ("123456789012", None),
    ],
)
def test_a_bare_lambda_principal_no_account_holds_cannot_pass(principal, verdict):
    props = {
        "function": "f",
        "action": "lambda:InvokeFunction",
        "principal": principal,
        "sourceAccount": "123456789012",
    }
    found = refusals("aws:lambda/permission:Permission", props)
    if verdict is None:
        assert found == []
    else:
        (message,) = found
        assert verdict in message and repr(principal) in message
