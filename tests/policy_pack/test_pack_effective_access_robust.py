"""Whatever shape a resource's properties take, the effective-access check answers with findings (or none)
and never raises: a traceback in the pack would be an engine error instead of a verdict."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from registry_policies.pack_checks import effective_access
from registry_policies.policy_properties import CFN_POLICY_PROPERTIES, CFN_SYNTHESISED

ZONE = {"trustedAccounts": ["123456789012"], "organizationIds": ["o-a1b2c3d4e5"]}
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(
        ["*", "123456789012", "444455556666", "arn:aws:iam::*:root", "${AWS::AccountId}", "AWS::AccountId"]
    ),
    st.text(max_size=8),
)
INTRINSICS = ["Ref", "Fn::Sub", "Fn::Join", "Fn::GetAtt", "Fn::If", "Condition"]
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from([*INTRINSICS, "Statement", "Principal", "Effect", "AWS", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=12,
)
TYPES = st.sampled_from([*CFN_POLICY_PROPERTIES, *CFN_SYNTHESISED, "AWS::S3::Bucket", "AWS::CloudFormation::Stack"])
PROPERTY_NAMES = sorted(
    {p for props in CFN_POLICY_PROPERTIES.values() for p in props} | {"Principal", "SourceArn", "AccessControl"}
)
PROPERTIES = st.dictionaries(st.sampled_from(PROPERTY_NAMES), VALUES, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["A", "B"]), st.fixed_dictionaries({"Type": TYPES, "Properties": PROPERTIES})))
def test_every_template_shape_gets_an_answer_not_an_exception(resources):
    body = json.dumps({"Resources": resources})
    assert isinstance(effective_access("aws:cloudformation/stack:Stack", {"templateBody": body}, ZONE), list)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "aws:lambda/permission:Permission",
            "aws:lambda/layerVersionPermission:LayerVersionPermission",
            "aws:kms/grant:Grant",
            "aws:s3/bucketAclV2:BucketAclV2",
            "aws:s3/bucketV2:BucketV2",
        ]
    ),
    st.dictionaries(
        st.sampled_from(
            [
                "principal",
                "sourceArn",
                "sourceAccount",
                "principalOrgId",
                "organizationId",
                "granteePrincipal",
                "retiringPrincipal",
                "operations",
                "constraints",
                "acl",
                "grants",
                "accessControlPolicy",
                "action",
            ]
        ),
        VALUES,
        max_size=5,
    ),
)
def test_every_permission_grant_or_acl_shape_gets_an_answer_not_an_exception(resource_type, props):
    assert isinstance(effective_access(resource_type, props, ZONE), list)
