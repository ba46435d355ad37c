"""Which resource types carry policy documents or permissions, and where.

`access_subjects` lists what the effective-access check reads on a resource: resource and trust policies,
permissions and grants written as the statements AWS stores for them, the documents inside a
CloudFormation template or a Cloud Control desired state, and, for a type this module does not know,
anything that looks like a grant (a document with Principal, a `principal` property): that is refused as
"cannot be evaluated" rather than passed. Templates and desired states are read by cloudformation.py.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

from aws_facts import resource_types
from aws_facts.iam import Zone

from .cloudformation import (
    CLOUDCONTROL_RESOURCE,
    CLOUDFORMATION_STACK,
    CLOUDFORMATION_STACK_SET,
    STACK_ACCOUNT,
    cloudcontrol_properties,
    resolve,
    stack_set_template,
    template_resources,
)
from .deployed_code import CFN_TEMPLATE_ELSEWHERE, DYNAMIC_REASON, TEMPLATE_ELSEWHERE, is_dynamic
from .lambda_permission import (
    LAMBDA_PERMISSION_TYPE,
    LAYER_PERMISSION_TYPE,
    S3_ACL_TYPES,
    kms_grant_document,
    lambda_permission_document,
    layer_permission_document,
    s3_acl_document,
)
from .launch_permission import (
    AMI_LAUNCH_PERMISSION_TYPE,
    IMAGEBUILDER_DISTRIBUTION_TYPE,
    SNAPSHOT_VOLUME_PERMISSION_TYPE,
    ami_launch_permission_document,
    distribution_documents,
    snapshot_volume_permission_document,
)
from .ram_share import (
    CFN_RESOURCE_SHARE,
    EXTERNAL_REASON,
    PRINCIPAL_ASSOCIATION_TYPE,
    RESOURCE_SHARE_TYPE,
    external_principals_allowed,
    principals_document,
)
from .subject import Subject
from .values import MAX_DEPTH, get_path, is_unknown

# Resource type -> properties (camelCase, as the engine sends checked inputs) holding a policy document.
# Resource and trust policies, where Principal decides who is granted:
RESOURCE_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    resource_types.ECR_REPOSITORY_POLICY: ("policy",),
    resource_types.ECR_REGISTRY_POLICY: ("policy",),
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: ("repositoryPolicy",),
    resource_types.ECRPUBLIC_REPOSITORY_POLICY: ("policy",),
    resource_types.IAM_ROLE: ("assumeRolePolicy",),
    resource_types.KMS_KEY: ("policy",),
    resource_types.KMS_KEY_POLICY: ("policy",),
    resource_types.KMS_REPLICA_KEY: ("policy",),
    resource_types.KMS_EXTERNAL_KEY: ("policy",),
    resource_types.KMS_REPLICA_EXTERNAL_KEY: ("policy",),
    resource_types.S3_BUCKET: ("policy",),
    resource_types.S3_BUCKET_V2: ("policy",),
    resource_types.S3_BUCKET_POLICY: ("policy",),
    resource_types.SQS_QUEUE: ("policy",),
    resource_types.SQS_QUEUE_POLICY: ("policy",),
    resource_types.SNS_TOPIC: ("policy",),
    resource_types.SNS_TOPIC_POLICY: ("policy",),
    resource_types.SECRETSMANAGER_SECRET_POLICY: ("policy",),
    resource_types.SECRETSMANAGER_SECRET: ("policy",),
    resource_types.CLOUDWATCH_EVENT_BUS_POLICY: ("policy",),
    resource_types.CLOUDWATCH_LOG_RESOURCE_POLICY: ("policyDocument",),
    resource_types.OPENSEARCH_DOMAIN_POLICY: ("accessPolicies",),
    resource_types.ELASTICSEARCH_DOMAIN_POLICY: ("accessPolicies",),
    resource_types.GLACIER_VAULT_LOCK: ("policy",),
    resource_types.EFS_FILE_SYSTEM_POLICY: ("policy",),
    resource_types.BACKUP_VAULT_POLICY: ("policy",),
    resource_types.APIGATEWAY_REST_API_POLICY: ("policy",),
    resource_types.CODEARTIFACT_REPOSITORY_PERMISSIONS_POLICY: ("policyDocument",),
    resource_types.DYNAMODB_RESOURCE_POLICY: ("policy",),
    resource_types.GLUE_RESOURCE_POLICY: ("policy",),
    resource_types.EC2_VPC_ENDPOINT_POLICY: ("policy",),
    resource_types.GLACIER_VAULT: ("accessPolicy",),
    resource_types.OPENSEARCH_DOMAIN: ("accessPolicies",),
    resource_types.ELASTICSEARCH_DOMAIN: ("accessPolicies",),
    resource_types.S3_ACCESS_POINT: ("policy",),
    resource_types.S3CONTROL_ACCESS_POINT_POLICY: ("policy",),
    resource_types.S3CONTROL_BUCKET_POLICY: ("policy",),
    resource_types.CODEBUILD_RESOURCE_POLICY: ("policy",),
    resource_types.VPCLATTICE_AUTH_POLICY: ("policy",),
    resource_types.VPCLATTICE_RESOURCE_POLICY: ("policy",),
    resource_types.KINESIS_RESOURCE_POLICY: ("policy",),
    resource_types.CLOUDWATCH_LOG_DESTINATION_POLICY: ("accessPolicy",),
    resource_types.SCHEMAS_REGISTRY_POLICY: ("policy",),
    resource_types.NETWORKFIREWALL_RESOURCE_POLICY: ("policy",),
    resource_types.MEDIASTORE_CONTAINER_POLICY: ("policy",),
}

# Identity policies: no Principal; they grant to the identity they are attached to (inside the account),
# so they matter for no-wildcard-actions only. Outside access to a role goes through its trust policy.
IDENTITY_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    resource_types.IAM_POLICY: ("policy",),
    resource_types.IAM_ROLE_POLICY: ("policy",),
    resource_types.IAM_USER_POLICY: ("policy",),
    resource_types.IAM_GROUP_POLICY: ("policy",),
}

# Permissions written as properties: the statement AWS stores for them (lambda_permission.py).
SYNTHESISED = {
    LAMBDA_PERMISSION_TYPE: ("the Lambda permission", lambda_permission_document),
    LAYER_PERMISSION_TYPE: ("the Lambda layer permission", layer_permission_document),
    resource_types.KMS_GRANT: ("the KMS grant", kms_grant_document),
    AMI_LAUNCH_PERMISSION_TYPE: ("the AMI launch permission", ami_launch_permission_document),
    SNAPSHOT_VOLUME_PERMISSION_TYPE: ("the snapshot create-volume permission", snapshot_volume_permission_document),
    PRINCIPAL_ASSOCIATION_TYPE: (
        "the RAM principal association",
        lambda props: principals_document(props.get("principal")),
    ),
}

# ECR Public repositories: public by nature (anyone can pull from the public gallery), whatever their policy.
ECR_PUBLIC_REPOSITORY = resource_types.ECRPUBLIC_REPOSITORY
CFN_ECR_PUBLIC_REPOSITORY = "AWS::ECR::PublicRepository"
ECR_PUBLIC_REASON = (
    "an ECR Public repository is public by nature: anyone, signed in or not, can pull every image it holds "
    "(its policy only decides who may push), so a model there is published to the world"
)
# CloudFormation resource type -> properties holding a resource or trust policy.
CFN_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::ECR::Repository": ("RepositoryPolicyText",),
    "AWS::ECR::RegistryPolicy": ("PolicyText",),
    "AWS::ECR::PublicRepository": ("RepositoryPolicyText",),
    "AWS::ECR::RepositoryCreationTemplate": ("RepositoryPolicy",),
    "AWS::IAM::Role": ("AssumeRolePolicyDocument",),
    "AWS::KMS::Key": ("KeyPolicy",),
    "AWS::KMS::ReplicaKey": ("KeyPolicy",),
    "AWS::S3::BucketPolicy": ("PolicyDocument",),
    "AWS::SNS::TopicPolicy": ("PolicyDocument",),
    "AWS::SQS::QueuePolicy": ("PolicyDocument",),
    "AWS::SecretsManager::ResourcePolicy": ("ResourcePolicy",),
    "AWS::Logs::ResourcePolicy": ("PolicyDocument",),
    "AWS::OpenSearchService::Domain": ("AccessPolicies",),
    "AWS::Elasticsearch::Domain": ("AccessPolicies",),
    "AWS::S3::AccessPoint": ("Policy",),
    "AWS::Glacier::Vault": ("AccessPolicy",),
    "AWS::Kinesis::ResourcePolicy": ("ResourcePolicy",),
    "AWS::CodeBuild::ResourcePolicy": ("Policy",),
    "AWS::VpcLattice::AuthPolicy": ("Policy",),
    "AWS::VpcLattice::ResourcePolicy": ("Policy",),
    "AWS::EFS::FileSystem": ("FileSystemPolicy",),
    "AWS::Backup::BackupVault": ("AccessPolicy",),
    "AWS::ApiGateway::RestApi": ("Policy",),
}
# CloudFormation types whose documents only grant to the identity they attach to.
CFN_IDENTITY_TYPES = {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group"}
# CloudFormation permissions -> the Pulumi type whose statement they are (same fields, PascalCase).
CFN_SYNTHESISED = {
    "AWS::Lambda::Permission": LAMBDA_PERMISSION_TYPE,
    "AWS::Lambda::LayerVersionPermission": LAYER_PERMISSION_TYPE,
}
# CloudFormation types read by other rules than a policy property (see _cfn_subjects).
CFN_OTHER_READ = {
    "AWS::S3::Bucket",
    "AWS::ImageBuilder::DistributionConfiguration",
    "AWS::CloudFormation::Stack",
    "AWS::CloudFormation::StackSet",
    CFN_RESOURCE_SHARE,
}

FRIENDLY = {
    resource_types.ECR_REPOSITORY_POLICY: "repository policy",
    resource_types.ECR_REGISTRY_POLICY: "registry policy",
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: "creation template repository policy",
    resource_types.IAM_ROLE: "trust policy",
    resource_types.KMS_KEY: "key policy",
    resource_types.KMS_KEY_POLICY: "key policy",
    resource_types.KMS_REPLICA_KEY: "key policy",
    resource_types.KMS_REPLICA_EXTERNAL_KEY: "key policy",
}


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
        return _cfn_subjects(native, pascal, f"the {resource_type} resource", deploy_time=False)
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
        return _cloudformation_stack(props)
    if resource_type == CLOUDFORMATION_STACK_SET:
        return _cloudformation_stack(props, "the CloudFormation stack set")
    if resource_type in TEMPLATE_ELSEWHERE:
        return [Subject(f"the {resource_type} resource", unreadable=TEMPLATE_ELSEWHERE[resource_type])]
    if resource_type == CLOUDCONTROL_RESOURCE:
        return _cloudcontrol(props)
    path = _grant_like(props)
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


# ---- documents that can grant, found by shape ------------------------------------------------------


def _grant_like(value: Any, path: str = "", depth: int = 0) -> str:
    """The path of the first value that can grant to a principal: a policy document with a Principal or
    NotPrincipal, or a property named like `principal`. "" when there is none.

    A string holding JSON is parsed (never searched as text: `\\u0050rincipal` is `Principal`)."""
    if depth > MAX_DEPTH:
        return path or "(nested too deeply)"
    if isinstance(value, str) and value.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        try:
            value = json.loads(value.lstrip("\ufeff \t\r\n"))
        except ValueError:
            return ""
        if isinstance(value, str):
            return ""
    if isinstance(value, dict):
        lowered = {str(k).lower(): v for k, v in value.items()}
        if "statement" in lowered and _names_a_principal(lowered["statement"]):
            return path or "(document)"
        for key, item in value.items():
            name = str(key).lower()
            grantee = name.endswith("principal") or name.endswith("principals") or name == "principalorgid"
            if grantee and item not in (None, "", [], {}) and item is not False:  # allowExternalPrincipals: false
                return f"{path}.{key}" if path else str(key)
            found = _grant_like(item, f"{path}.{key}" if path else str(key), depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _grant_like(item, f"{path}[{index}]", depth + 1)
            if found:
                return found
    return ""


def _names_a_principal(statements: Any) -> bool:
    """A Statement (one or a list) any of whose statements has a Principal or NotPrincipal key, any case."""
    listed = statements if isinstance(statements, list) else [statements]
    return any(isinstance(s, dict) and any(str(k).lower() in ("principal", "notprincipal") for k in s) for s in listed)


# ---- aws-native: CloudFormation's types and properties, camelCase -----------------------------------


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


# ---- CloudFormation templates and Cloud Control desired states (read by cloudformation.py) ---------


def _cloudformation_stack(props: dict[str, Any], where: str = "the CloudFormation stack") -> list[Subject]:
    resources, problem = template_resources(props, where)
    if problem is not None:
        return [problem]
    subjects: list[Subject] = []
    for logical, cfn_type, properties in resources:
        subjects += _cfn_subjects(cfn_type, properties, f"{where} resource {logical} ({cfn_type})")
    return subjects


def _cloudcontrol(props: dict[str, Any]) -> list[Subject]:
    type_name, properties, problem = cloudcontrol_properties(props)
    if problem is not None:
        return [problem]
    if properties is None:
        return []
    return _cfn_subjects(type_name, properties, f"the Cloud Control resource ({type_name}) desiredState")


def _cfn_subjects(cfn_type: str, properties: dict[str, Any], label: str, deploy_time: bool = True) -> list[Subject]:
    """What a CloudFormation resource (in a template, a Cloud Control desired state, or as aws-native with
    `deploy_time=False`: its unknowns are preview placeholders, not intrinsics) can grant."""
    if cfn_type == "AWS::CloudFormation::Stack":
        return [Subject(label, unreadable="a nested stack's template is at a URL the pack does not fetch")]
    if cfn_type == "AWS::CloudFormation::StackSet":  # its template inline (TemplateBody) or at TemplateURL
        return _cloudformation_stack(stack_set_template(properties), f"{label} stack set")
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
    path = _grant_like(properties)
    if path:
        return [Subject(f"{label}.{path}", unreadable=f"the pack does not read the CloudFormation type {cfn_type}")]
    return []
