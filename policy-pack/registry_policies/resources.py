"""Which resource types carry policy documents or permissions, and where.

`access_subjects` lists what the effective-access check reads on a resource: resource and trust policies,
permissions and grants written as the statements AWS stores for them, the documents inside a
CloudFormation template or a Cloud Control desired state, and, for a type this module does not know,
anything that looks like a grant (a document with Principal, a `principal` property): that is refused as
"cannot be evaluated" rather than passed. The tables are policy_properties.py's; templates and desired states
are read by cloudformation.py, their resources judged by cloudformation_subjects.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_facts import resource_types
from aws_facts.iam import Zone

from .cloudformation import CLOUDCONTROL_RESOURCE, CLOUDFORMATION_STACK, CLOUDFORMATION_STACK_SET, STACK_ACCOUNT
from .cloudformation_subjects import (
    cfn_subjects,
    cloudcontrol_subjects,
    cloudformation_stack_subjects,
    native_cloudformation_type,
)
from .deployed_code import DYNAMIC_REASON, TEMPLATE_ELSEWHERE, is_dynamic
from .grant_like import grant_like
from .lambda_permission import S3_ACL_TYPES, s3_acl_document
from .launch_permission import IMAGEBUILDER_DISTRIBUTION_TYPE, distribution_documents
from .policy_properties import (
    ECR_PUBLIC_REASON,
    ECR_PUBLIC_REPOSITORY,
    FRIENDLY,
    IDENTITY_POLICY_PROPERTIES,
    RESOURCE_POLICY_PROPERTIES,
    SYNTHESISED,
)
from .ram_share import EXTERNAL_REASON, RESOURCE_SHARE_TYPE, external_principals_allowed
from .subject import Subject
from .values import get_path, is_unknown


def subject_zone(subject: Subject, zone: Zone) -> Zone:
    """The zone a subject is judged in: a CloudFormation document's `AWS::AccountId` is the own account."""
    if subject.deploy_time and zone.accounts is not None:
        return replace(zone, accounts=zone.accounts | {STACK_ACCOUNT})
    return zone


def resource_documents(resource_type: str, props: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, document) for every resource or trust policy the resource carries."""
    return _documents(resource_type, props, RESOURCE_POLICY_PROPERTIES)


def all_documents(resource_type: str, props: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, document) for every policy document, resource, trust, inline or identity."""
    found = _documents(resource_type, props, RESOURCE_POLICY_PROPERTIES)
    found += _documents(resource_type, props, IDENTITY_POLICY_PROPERTIES)
    if resource_type == resource_types.IAM_ROLE:
        found += _inline_policies(props)
    return found


def access_subjects(resource_type: str, props: dict[str, Any]) -> list[Subject]:
    """Everything on the resource that can grant access to someone, as documents (or unreadable)."""
    if is_dynamic(resource_type):
        return [Subject(f"the dynamic resource ({resource_type})", unreadable=DYNAMIC_REASON)]
    if resource_type == ECR_PUBLIC_REPOSITORY:
        return [Subject("the ECR Public repository", refused=ECR_PUBLIC_REASON)]
    if resource_type == IMAGEBUILDER_DISTRIBUTION_TYPE:
        return [Subject(f"the AMI launch permission ({where})", doc) for where, doc in distribution_documents(props)]
    native = native_cloudformation_type(resource_type)
    if native is not None:
        pascal = {k[:1].upper() + k[1:]: v for k, v in props.items()}
        return cfn_subjects(native, pascal, f"the {resource_type} resource", deploy_time=False)
    acl = s3_acl_document(props) if resource_type in S3_ACL_TYPES else None
    acl_subjects = [Subject("the S3 ACL (acl/grants/accessControlPolicy)", acl)] if acl else []
    if resource_type in RESOURCE_POLICY_PROPERTIES:
        return [Subject(where, doc) for where, doc in resource_documents(resource_type, props)] + acl_subjects
    if acl_subjects:
        return acl_subjects
    if resource_type == RESOURCE_SHARE_TYPE:  # its principals are PrincipalAssociation resources
        external = external_principals_allowed(props.get("allowExternalPrincipals"), default=False)
        return (
            [Subject("the RAM resource share (allowExternalPrincipals)", refused=EXTERNAL_REASON)] if external else []
        )
    if resource_type in SYNTHESISED:
        where, build = SYNTHESISED[resource_type]
        return [Subject(where, build(props))]
    if resource_type in IDENTITY_POLICY_PROPERTIES:
        return []
    if resource_type == CLOUDFORMATION_STACK:
        return cloudformation_stack_subjects(props)
    if resource_type == CLOUDFORMATION_STACK_SET:
        return cloudformation_stack_subjects(props, "the CloudFormation stack set")
    if resource_type in TEMPLATE_ELSEWHERE:
        return [Subject(f"the {resource_type} resource", unreadable=TEMPLATE_ELSEWHERE[resource_type])]
    if resource_type == CLOUDCONTROL_RESOURCE:
        return cloudcontrol_subjects(props)
    path = grant_like(props)
    if path:
        return [Subject(f"{resource_type} ({path})", unreadable=f"the pack does not read the type {resource_type}")]
    return []


def _documents(resource_type: str, props: dict[str, Any], table: dict[str, tuple[str, ...]]):
    found = []
    for prop in table.get(resource_type, ()):
        value = props.get(prop)
        if value is None:
            continue
        found.append((f"{FRIENDLY.get(resource_type, 'policy')} ({prop})", value))
    return found


def _inline_policies(props: dict[str, Any]) -> list[tuple[str, Any]]:
    inline = props.get("inlinePolicies")
    if inline is None:
        return []
    if is_unknown(inline):
        return [("inline policies (inlinePolicies)", inline)]
    if not isinstance(inline, list):
        return [("inline policies (inlinePolicies)", "not a list")]
    found = []
    for index, entry in enumerate(inline):
        policy = get_path(entry, "policy")
        if policy is None:
            continue
        name = get_path(entry, "name")
        label = name if isinstance(name, str) and not is_unknown(name) else str(index)
        found.append((f"inline policy {label} (inlinePolicies[{index}].policy)", policy))
    return found
