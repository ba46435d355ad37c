"""Which resource types carry policy documents or permissions, and where.

`access_subjects` lists what the effective-access check reads on a resource: resource and trust policies,
permissions and grants written as the statements AWS stores for them, the documents inside a
CloudFormation template or a Cloud Control desired state, and, for a type this module does not know,
anything that looks like a grant (a document with Principal, a `principal` property): that is refused as
"cannot be evaluated" rather than passed.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml
from aws_facts.iam import Zone
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from .lambda_permission import (
    KMS_GRANT_TYPE,
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
from .values import MAX_DEPTH, get_path, is_unknown

# Resource type -> properties (camelCase, as the engine sends checked inputs) holding a policy document.
# Resource and trust policies, where Principal decides who is granted:
RESOURCE_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("policy",),
    "aws:ecr/registryPolicy:RegistryPolicy": ("policy",),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": ("repositoryPolicy",),
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": ("policy",),
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:kms/key:Key": ("policy",),
    "aws:kms/keyPolicy:KeyPolicy": ("policy",),
    "aws:kms/replicaKey:ReplicaKey": ("policy",),
    "aws:kms/externalKey:ExternalKey": ("policy",),
    "aws:kms/replicaExternalKey:ReplicaExternalKey": ("policy",),
    "aws:s3/bucket:Bucket": ("policy",),
    "aws:s3/bucketV2:BucketV2": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:sqs/queue:Queue": ("policy",),
    "aws:sqs/queuePolicy:QueuePolicy": ("policy",),
    "aws:sns/topic:Topic": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "aws:secretsmanager/secretPolicy:SecretPolicy": ("policy",),
    "aws:secretsmanager/secret:Secret": ("policy",),
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": ("policy",),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("policyDocument",),
    "aws:opensearch/domainPolicy:DomainPolicy": ("accessPolicies",),
    "aws:elasticsearch/domainPolicy:DomainPolicy": ("accessPolicies",),
    "aws:glacier/vaultLock:VaultLock": ("policy",),
    "aws:efs/fileSystemPolicy:FileSystemPolicy": ("policy",),
    "aws:backup/vaultPolicy:VaultPolicy": ("policy",),
    "aws:apigateway/restApiPolicy:RestApiPolicy": ("policy",),
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy": ("policyDocument",),
    "aws:dynamodb/resourcePolicy:ResourcePolicy": ("policy",),
    "aws:glue/resourcePolicy:ResourcePolicy": ("policy",),
    "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy": ("policy",),
    "aws:glacier/vault:Vault": ("accessPolicy",),
    "aws:opensearch/domain:Domain": ("accessPolicies",),
    "aws:elasticsearch/domain:Domain": ("accessPolicies",),
    "aws:s3/accessPoint:AccessPoint": ("policy",),
    "aws:s3control/accessPointPolicy:AccessPointPolicy": ("policy",),
    "aws:s3control/bucketPolicy:BucketPolicy": ("policy",),
    "aws:codebuild/resourcePolicy:ResourcePolicy": ("policy",),
    "aws:vpclattice/authPolicy:AuthPolicy": ("policy",),
    "aws:vpclattice/resourcePolicy:ResourcePolicy": ("policy",),
    "aws:kinesis/resourcePolicy:ResourcePolicy": ("policy",),
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy": ("accessPolicy",),
    "aws:schemas/registryPolicy:RegistryPolicy": ("policy",),
    "aws:networkfirewall/resourcePolicy:ResourcePolicy": ("policy",),
    "aws:mediastore/containerPolicy:ContainerPolicy": ("policy",),
}

# Identity policies: no Principal; they grant to the identity they are attached to (inside the account),
# so they matter for no-wildcard-actions only. Outside access to a role goes through its trust policy.
IDENTITY_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "aws:iam/policy:Policy": ("policy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "aws:iam/groupPolicy:GroupPolicy": ("policy",),
}

# Permissions written as properties: the statement AWS stores for them (lambda_permission.py).
SYNTHESISED = {
    LAMBDA_PERMISSION_TYPE: ("the Lambda permission", lambda_permission_document),
    LAYER_PERMISSION_TYPE: ("the Lambda layer permission", layer_permission_document),
    KMS_GRANT_TYPE: ("the KMS grant", kms_grant_document),
    AMI_LAUNCH_PERMISSION_TYPE: ("the AMI launch permission", ami_launch_permission_document),
    SNAPSHOT_VOLUME_PERMISSION_TYPE: ("the snapshot create-volume permission", snapshot_volume_permission_document),
}

# ECR Public repositories: public by nature (anyone can pull from the public gallery), whatever their policy.
ECR_PUBLIC_REPOSITORY = "aws:ecrpublic/repository:Repository"
CFN_ECR_PUBLIC_REPOSITORY = "AWS::ECR::PublicRepository"
ECR_PUBLIC_REASON = (
    "an ECR Public repository is public by nature: anyone, signed in or not, can pull every image it holds "
    "(its policy only decides who may push), so a model there is published to the world"
)
# Dynamic providers (pulumi.dynamic.Resource): their create/update run arbitrary program code at deploy time.
DYNAMIC_PROVIDER_TYPES = ("pulumi-python:dynamic:Resource", "pulumi-nodejs:dynamic:Resource")
DYNAMIC_REASON = (
    "a dynamic provider runs the program's own create/update code at deploy time (here a pickled Python "
    "provider), so what it creates or grants is not in its inputs"
)

CLOUDFORMATION_STACK = "aws:cloudformation/stack:Stack"
CLOUDCONTROL_RESOURCE = "aws:cloudcontrol/resource:Resource"

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
CFN_OTHER_READ = {"AWS::S3::Bucket", "AWS::ImageBuilder::DistributionConfiguration", "AWS::CloudFormation::Stack"}

FRIENDLY = {
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "repository policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "registry policy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "creation template repository policy",
    "aws:iam/role:Role": "trust policy",
    "aws:kms/key:Key": "key policy",
    "aws:kms/keyPolicy:KeyPolicy": "key policy",
    "aws:kms/replicaKey:ReplicaKey": "key policy",
    "aws:kms/replicaExternalKey:ReplicaExternalKey": "key policy",
}


@dataclass(frozen=True)
class Subject:
    """One thing the effective-access check reads: a document, or why it cannot be read."""

    where: str
    document: Any = None
    unreadable: str = ""  # set when the pack cannot read it: the reason
    refused: str = ""  # set when the resource exposes by its nature, whatever its documents: the reason
    deploy_time: bool = False  # its unknowns are CloudFormation intrinsics, not preview placeholders


def subject_zone(subject: Subject, zone: Zone) -> Zone:
    """The zone a subject is judged in: a CloudFormation document's `AWS::AccountId` is the own account."""
    if subject.deploy_time and zone.accounts is not None:
        return Zone(zone.accounts | {STACK_ACCOUNT}, zone.organizations)
    return zone


def resource_documents(resource_type: str, props: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, document) for every resource or trust policy the resource carries."""
    return _documents(resource_type, props, RESOURCE_POLICY_PROPERTIES)


def all_documents(resource_type: str, props: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, document) for every policy document, resource, trust, inline or identity."""
    found = _documents(resource_type, props, RESOURCE_POLICY_PROPERTIES)
    found += _documents(resource_type, props, IDENTITY_POLICY_PROPERTIES)
    if resource_type == "aws:iam/role:Role":
        found += _inline_policies(props)
    return found


def access_subjects(resource_type: str, props: dict[str, Any]) -> list[Subject]:
    """Everything on the resource that can grant access to someone, as documents (or unreadable)."""
    if resource_type in DYNAMIC_PROVIDER_TYPES:
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
    if resource_type in SYNTHESISED:
        where, build = SYNTHESISED[resource_type]
        return [Subject(where, build(props))]
    if resource_type in IDENTITY_POLICY_PROPERTIES:
        return []
    if resource_type == CLOUDFORMATION_STACK:
        return _cloudformation_stack(props)
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
    known = [*CFN_POLICY_PROPERTIES, *CFN_IDENTITY_TYPES, *CFN_SYNTHESISED, *CFN_OTHER_READ]
    return {t.lower(): t for t in known}


def native_cloudformation_type(resource_type: str) -> str | None:
    """The CloudFormation type an aws-native type stands for (`aws-native:ecr:Repository` ->
    `AWS::ECR::Repository`), when the pack reads that CloudFormation type; None otherwise. aws-native is
    generated from CloudFormation's registry schemas: same types, same properties, camelCase."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "aws-native":
        return None
    return _known_cloudformation_types().get(f"aws::{parts[1]}::{parts[2]}".lower())


# ---- CloudFormation and Cloud Control --------------------------------------------------------------


class _RepeatedKey(ValueError):
    """A template or desired state that repeats a key: which of the two values counts is not evident."""


def _unique_keys(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(f"it repeats the key {key!r}, so its meaning is ambiguous")
        result[key] = value
    return result


class _TemplateLoader(yaml.SafeLoader):
    """YAML templates with CloudFormation's short forms (!Ref, !Sub ...) read as intrinsic functions; a
    repeated key is an error (PyYAML would keep the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        repeated = next((k for i, k in enumerate(keys) if isinstance(k, str) and k in keys[:i]), None)
        if repeated is not None:
            raise _RepeatedKey(f"it repeats the key {repeated!r}, so its meaning is ambiguous")
        return super().construct_mapping(node, deep=deep)


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation intrinsic function ({"Ref": ...}, {"Fn::Sub": ...}): resolved only at deploy time."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and str(next(iter(value))) in ("Ref", "Condition")
        or (isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith("Fn::"))
    )


# The stack's own account (`AWS::AccountId`): the account the template deploys to, which the zone trusts by
# definition ("the account and the named accounts"). It stands in for the unknown id in documents and is added
# to the zone for them (the pack only knows the zone, not which of its accounts deploys).
STACK_ACCOUNT = "000000000000"
# CloudFormation pseudo parameters whose value cannot change who a policy admits.
PSEUDO_PARAMETERS = {
    "AWS::AccountId": STACK_ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::Region": "stack-region",
    "AWS::URLSuffix": "amazonaws.com",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def _resolved_string(value: Any) -> str | None:
    """The string an intrinsic stands for when it only uses pseudo parameters (Ref, Fn::Sub, Fn::Join)."""
    if isinstance(value, str):
        return value
    if not is_intrinsic(value):
        return None
    ((name, argument),) = value.items()
    if name == "Ref":
        return PSEUDO_PARAMETERS.get(argument) if isinstance(argument, str) else None
    if name == "Fn::Sub":
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2:
            text, variables = argument
        else:
            return None
        if not isinstance(text, str) or not isinstance(variables, dict):
            return None
        known = {k: _resolved_string(v) for k, v in variables.items()}
        names = set(_SUB_VARIABLE.findall(text))
        values = {n: known[n] if n in known else PSEUDO_PARAMETERS.get(n) for n in names}
        if any(v is None for v in values.values()):
            return None
        text = _SUB_VARIABLE.sub(lambda m: str(values[m.group(1)]), text)
        return text.replace("${!", "${")
    if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list):
        separator, parts = argument
        strings = [_resolved_string(p) for p in parts]
        if isinstance(separator, str) and all(s is not None for s in strings):
            return separator.join(s for s in strings if s is not None)
    return None


def resolve(value: Any) -> Any:
    """Intrinsics anywhere in a document become the pack's 'unknown' marker (not known before deploy), except
    those that only use the stack's pseudo parameters (`!Sub arn:aws:iam::${AWS::AccountId}:root`)."""
    if is_intrinsic(value):
        resolved = _resolved_string(value)
        return resolved if resolved is not None else UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


def template_resources(props: dict[str, Any]) -> tuple[list[tuple[str, str, dict[str, Any]]], Subject | None]:
    """The (logical id, type, properties) of every resource of an aws:cloudformation/stack's template, or why
    they cannot be read (a Subject: an unknown templateBody as its document, else the reason unreadable)."""
    where = "the CloudFormation stack"
    body, url = props.get("templateBody"), props.get("templateUrl")
    if body is None:
        if url is not None:
            return [], Subject(f"{where} (templateUrl)", unreadable="the template is at a URL the pack does not fetch")
        return [], None
    if is_unknown(body):
        return [], Subject(f"{where} (templateBody)", body)
    if not isinstance(body, str):
        return [], Subject(f"{where} (templateBody)", unreadable="templateBody is not a string")
    try:
        template = json.loads(body, object_pairs_hook=_unique_keys)
    except _RepeatedKey as error:
        return [], Subject(f"{where} (templateBody)", unreadable=f"the template cannot be read: {error}")
    except ValueError:
        try:
            template = yaml.load(body, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
        except _RepeatedKey as error:
            return [], Subject(f"{where} (templateBody)", unreadable=f"the template cannot be read: {error}")
        except yaml.YAMLError as error:
            return [], Subject(f"{where} (templateBody)", unreadable=f"the template is neither JSON nor YAML ({error})")
    if not isinstance(template, dict):
        return [], Subject(f"{where} (templateBody)", unreadable="the template is not an object")
    if template.get("Transform") is not None:
        reason = "a Transform (macro, SAM) generates resources the template does not show"
        return [], Subject(f"{where} (templateBody.Transform)", unreadable=reason)
    resources = template.get("Resources")
    found = []
    for logical, resource in (resources if isinstance(resources, dict) else {}).items():
        if not isinstance(resource, dict):
            continue
        properties = resource.get("Properties") or {}
        found.append((str(logical), str(resource.get("Type")), properties if isinstance(properties, dict) else {}))
    return found, None


def cloudcontrol_properties(props: dict[str, Any]) -> tuple[str, dict[str, Any] | None, Subject | None]:
    """An aws:cloudcontrol/resource's CloudFormation type and desired state, or why they cannot be read."""
    type_name, state = props.get("typeName"), props.get("desiredState")
    where = f"the Cloud Control resource ({type_name})"
    if is_unknown(state) or is_unknown(type_name):
        return str(type_name), None, Subject(f"{where} desiredState", state if is_unknown(state) else type_name)
    if not isinstance(state, str):
        return str(type_name), None, None
    try:
        properties = json.loads(state, object_pairs_hook=_unique_keys)
    except _RepeatedKey as error:
        return (
            str(type_name),
            None,
            Subject(f"{where} desiredState", unreadable=f"desiredState cannot be read: {error}"),
        )
    except ValueError:
        return str(type_name), None, Subject(f"{where} desiredState", unreadable="desiredState is not valid JSON")
    if not isinstance(properties, dict):
        return str(type_name), None, Subject(f"{where} desiredState", unreadable="desiredState is not an object")
    return str(type_name), properties, None


def _cloudformation_stack(props: dict[str, Any]) -> list[Subject]:
    resources, problem = template_resources(props)
    if problem is not None:
        return [problem]
    subjects: list[Subject] = []
    for logical, cfn_type, properties in resources:
        subjects += _cfn_subjects(cfn_type, properties, f"the CloudFormation stack resource {logical} ({cfn_type})")
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
    if cfn_type == "AWS::S3::Bucket":
        acl = s3_acl_document({"accessControl": resolve(properties.get("AccessControl"))})
        return [Subject(f"{label}.AccessControl", acl, deploy_time=deploy_time)] if acl else []
    path = _grant_like(properties)
    if path:
        return [Subject(f"{label}.{path}", unreadable=f"the pack does not read the CloudFormation type {cfn_type}")]
    return []
