"""What a CloudFormation resource can grant, wherever the pack meets one: in a stack's or stack set's template,
in a Cloud Control desired state (both read by cloudformation.py), or as an aws-native resource (the same
types and properties, camelCase)."""

from __future__ import annotations

import functools
from typing import Any

from .cloudformation import cloudcontrol_properties, resolve, stack_set_template, template_resources
from .deployed_code import CFN_TEMPLATE_ELSEWHERE
from .grant_like import grant_like
from .lambda_permission import s3_acl_document
from .launch_permission import distribution_documents
from .policy_properties import (
    CFN_ECR_PUBLIC_REPOSITORY,
    CFN_IDENTITY_TYPES,
    CFN_OTHER_READ,
    CFN_POLICY_PROPERTIES,
    CFN_SYNTHESISED,
    ECR_PUBLIC_REASON,
    SYNTHESISED,
)
from .ram_share import CFN_RESOURCE_SHARE, EXTERNAL_REASON, external_principals_allowed, principals_document
from .subject import Subject


@functools.cache
def _known_cloudformation_types() -> dict[str, str]:
    known = [*CFN_POLICY_PROPERTIES, *CFN_IDENTITY_TYPES, *CFN_SYNTHESISED, *CFN_OTHER_READ, *CFN_TEMPLATE_ELSEWHERE]
    return {t.lower(): t for t in known}


def native_cloudformation_type(resource_type: str) -> str | None:
    """The CloudFormation type an aws-native type stands for (`aws-native:ecr:Repository` ->
    `AWS::ECR::Repository`), when the pack reads that CloudFormation type; None otherwise. aws-native is
    generated from CloudFormation's registry schemas: same types, same properties, camelCase."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "aws-native":
        return None
    return _known_cloudformation_types().get(f"aws::{parts[1]}::{parts[2]}".lower())


def cloudformation_stack_subjects(props: dict[str, Any], where: str = "the CloudFormation stack") -> list[Subject]:
    """What every resource of a CloudFormation stack's (or stack set's) template can grant."""
    resources, problem = template_resources(props, where)
    if problem is not None:
        return [problem]
    subjects: list[Subject] = []
    for logical, cfn_type, properties in resources:
        subjects += cfn_subjects(cfn_type, properties, f"{where} resource {logical} ({cfn_type})")
    return subjects


def cloudcontrol_subjects(props: dict[str, Any]) -> list[Subject]:
    """What a Cloud Control resource's desired state can grant."""
    type_name, properties, problem = cloudcontrol_properties(props)
    if problem is not None:
        return [problem]
    if properties is None:
        return []
    return cfn_subjects(type_name, properties, f"the Cloud Control resource ({type_name}) desiredState")


def cfn_subjects(cfn_type: str, properties: dict[str, Any], label: str, deploy_time: bool = True) -> list[Subject]:
    """What a CloudFormation resource (in a template, a Cloud Control desired state, or as aws-native with
    `deploy_time=False`: its unknowns are preview placeholders, not intrinsics) can grant."""
    if cfn_type == "AWS::CloudFormation::Stack":
        return [Subject(label, unreadable="a nested stack's template is at a URL the pack does not fetch")]
    if cfn_type == "AWS::CloudFormation::StackSet":  # its template inline (TemplateBody) or at TemplateURL
        return cloudformation_stack_subjects(stack_set_template(properties), f"{label} stack set")
    if cfn_type in CFN_TEMPLATE_ELSEWHERE:
        return [Subject(label, unreadable=CFN_TEMPLATE_ELSEWHERE[cfn_type])]
    public = [Subject(label, refused=ECR_PUBLIC_REASON)] if cfn_type == CFN_ECR_PUBLIC_REPOSITORY else []
    if cfn_type in CFN_POLICY_PROPERTIES:
        return public + [
            Subject(f"{label}.{prop}", resolve(properties[prop]), deploy_time=deploy_time)
            for prop in CFN_POLICY_PROPERTIES[cfn_type]
            if properties.get(prop) is not None
        ]
    if cfn_type == "AWS::ImageBuilder::DistributionConfiguration":
        return [
            Subject(f"{label}.{where}", resolve(doc), deploy_time=deploy_time)
            for where, doc in distribution_documents(properties, pascal=True)
        ]
    if cfn_type in CFN_SYNTHESISED:
        pulumi_type = CFN_SYNTHESISED[cfn_type]
        camel = {k[:1].lower() + k[1:]: resolve(v) for k, v in properties.items()}
        if "principalOrgID" in camel:
            camel["principalOrgId"] = camel.pop("principalOrgID")
        if "functionUrlAuthType" not in camel and "FunctionUrlAuthType" in properties:
            camel["functionUrlAuthType"] = properties["FunctionUrlAuthType"]
        where, build = SYNTHESISED[pulumi_type]
        return [Subject(f"{label} ({where})", build(camel), deploy_time=deploy_time)]
    if cfn_type in CFN_IDENTITY_TYPES:
        return []
    if cfn_type == CFN_RESOURCE_SHARE:
        external = external_principals_allowed(resolve(properties.get("AllowExternalPrincipals")), default=True)
        document = principals_document(resolve(properties.get("Principals")))
        opened = [Subject(f"{label}.AllowExternalPrincipals", refused=EXTERNAL_REASON)] if external else []
        return opened + [Subject(f"{label}.Principals", document, deploy_time=deploy_time)]
    if cfn_type == "AWS::S3::Bucket":
        acl = s3_acl_document({"accessControl": resolve(properties.get("AccessControl"))})
        return [Subject(f"{label}.AccessControl", acl, deploy_time=deploy_time)] if acl else []
    path = grant_like(properties)
    if path:
        return [Subject(f"{label}.{path}", unreadable=f"the pack does not read the CloudFormation type {cfn_type}")]
    return []
