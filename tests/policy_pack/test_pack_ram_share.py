"""AWS RAM shares read as the grants they are (registry_policies.ram_share), in every form: a principal is an
account id, an organization ARN, an OU ARN, an IAM ARN or a service
(https://docs.aws.amazon.com/ram/latest/APIReference/API_CreateResourceShare.html, `principals`);
`allowExternalPrincipals` opens the share beyond the organization (CreateResourceShare and CloudFormation
default it to true, pulumi-aws to false)."""

import json

import pytest
from registry_policies.pack_checks import effective_access

ZONE = {"trustedAccounts": ["123456789012", "210987654321"], "organizationIds": ["o-a1b2c3d4e5"]}
ASSOCIATION = "aws:ram/principalAssociation:PrincipalAssociation"
SHARE = "aws:ram/resourceShare:ResourceShare"
OWN_ORG = "arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5"
OWN_OU = "arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cdef3456"
OTHER_ORG = "arn:aws:organizations::444455556666:organization/o-zzzzzzzzzz"
OTHER_OU = "arn:aws:organizations::444455556666:ou/o-zzzzzzzzzz/ou-zz99-zzzz9999"


def refusals(resource_type, props):
    return [f.message for f in effective_access(resource_type, props, ZONE)]


@pytest.mark.parametrize(
    "principal",
    ["210987654321", OWN_ORG, OWN_OU, "arn:aws:iam::123456789012:role/builders"],
)
def test_a_principal_association_inside_the_zone_passes(principal):
    share = "arn:aws:ram:us-east-1:123456789012:resource-share/s"
    assert refusals(ASSOCIATION, {"principal": principal, "resourceShareArn": share}) == []


@pytest.mark.parametrize(
    ("principal", "named"),
    [
        ("444455556666", "444455556666"),
        (OTHER_ORG, "wildcard"),
        (OTHER_OU, "wildcard"),
        ("arn:aws:iam::444455556666:user/u", "444455556666"),
        ("pca-connector-ad.amazonaws.com", "pca-connector-ad.amazonaws.com"),
    ],
)
def test_a_principal_association_outside_the_zone_is_refused(principal, named):
    (message,) = refusals(ASSOCIATION, {"principal": principal, "resourceShareArn": "arn"})
    assert message.startswith("the RAM principal association") and named in message


@pytest.mark.parametrize(("allow", "refused"), [(True, True), ("true", True), (False, False), (None, False)])
def test_a_pulumi_aws_share_open_to_external_principals_is_refused(allow, refused):
    props = {"name": "s"} if allow is None else {"name": "s", "allowExternalPrincipals": allow}
    found = refusals(SHARE, props)
    assert bool(found) is refused
    if refused:
        assert "allowExternalPrincipals" in found[0] and "set it to false" in found[0]


def cfn_share(**properties):
    body = {"Resources": {"S": {"Type": "AWS::RAM::ResourceShare", "Properties": {"Name": "s", **properties}}}}
    return {"templateBody": json.dumps(body)}


def test_a_cloudformation_share_is_open_to_external_principals_unless_it_says_false():
    (message,) = refusals("aws:cloudformation/stack:Stack", cfn_share(Principals=[OWN_ORG]))
    assert "AllowExternalPrincipals is refused" in message
    closed = cfn_share(Principals=[OWN_ORG, "210987654321"], AllowExternalPrincipals=False)
    assert refusals("aws:cloudformation/stack:Stack", closed) == []


def test_a_closed_share_to_another_account_is_refused_in_every_form():
    principals = ["210987654321", "444455556666"]
    native = refusals(
        "aws-native:ram:ResourceShare", {"name": "s", "principals": principals, "allowExternalPrincipals": False}
    )
    template = refusals(
        "aws:cloudformation/stack:Stack", cfn_share(Principals=principals, AllowExternalPrincipals=False)
    )
    state = json.dumps({"Name": "s", "Principals": principals, "AllowExternalPrincipals": False})
    control = refusals(
        "aws:cloudcontrol/resource:Resource", {"typeName": "AWS::RAM::ResourceShare", "desiredState": state}
    )
    for found in (native, template, control):
        (message,) = found
        assert "444455556666" in message and "principal1" in message


def test_an_unknown_principal_list_cannot_pass():
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    (message,) = refusals(
        "aws-native:ram:ResourceShare", {"name": "s", "principals": unknown, "allowExternalPrincipals": False}
    )
    assert "could not be evaluated during preview" in message and "not known yet" in message


def test_a_template_share_whose_external_switch_is_known_only_at_deploy_time_is_refused_and_its_own_account_passes():
    template = (
        "Parameters:\n  Ext:\n    Type: String\nResources:\n  S:\n    Type: AWS::RAM::ResourceShare\n"
        "    Properties:\n      Name: s\n      AllowExternalPrincipals: {switch}\n"
        "      Principals: [!Ref AWS::AccountId]\n"
    )
    (message,) = refusals("aws:cloudformation/stack:Stack", {"templateBody": template.format(switch="!Ref Ext")})
    assert "may be true" in message
    assert refusals("aws:cloudformation/stack:Stack", {"templateBody": template.format(switch="false")}) == []
