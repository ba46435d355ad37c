"""The one table: each pulumi-aws resource type the stacks and the pack know, the API request(s) the provider
makes for it, and which input property becomes which request member.

A property path may step into every element of a list with `[]` (`inlinePolicies[].policy`). A member path
is dotted below the operation's input shape. Nested objects are validated member by member: pulumi-aws
names nested properties as the API does (camelCase), so `replicationConfiguration.rules[0].destinations[0]
.region` is checked against ECR's `Region` shape without a row per leaf. Properties the provider keeps to
itself (`forceDelete`, `tagsAll`) or that the tag rules already judge (`tags`) have no row.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import resource_types

ECR_API = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference"
ECR_PUBLIC_API = "https://docs.aws.amazon.com/AmazonECRPublic/latest/APIReference"
IAM_API = "https://docs.aws.amazon.com/IAM/latest/APIReference"
KMS_API = "https://docs.aws.amazon.com/kms/latest/APIReference"


@dataclass(frozen=True)
class Field:
    prop: str  # the Pulumi input property path
    operation: str  # the API operation whose input takes it
    member: str  # the member path below the operation's input shape


@dataclass(frozen=True)
class Request:
    service: str  # botocore's service name
    docs: str  # the API reference's base address
    fields: tuple[Field, ...]

    def url(self, operation: str) -> str:
        return f"{self.docs}/API_{operation}.html"


def _request(service: str, docs: str, operation: str, *pairs: str | tuple[str, str, str]) -> Request:
    """A row: `"prop=member"` for the main operation, or (prop, operation, member) for another one."""
    fields = []
    for pair in pairs:
        if isinstance(pair, tuple):
            fields.append(Field(*pair))
        else:
            prop, _, member = pair.partition("=")
            fields.append(Field(prop, operation, member or prop))
    return Request(service, docs, tuple(fields))


_EXCLUSIONS = "imageTagMutabilityExclusionFilters"

REQUESTS: dict[str, Request] = {
    resource_types.ECR_REPOSITORY: _request(
        "ecr",
        ECR_API,
        "CreateRepository",
        "name=repositoryName",
        "imageTagMutability",
        _EXCLUSIONS,
        "encryptionConfigurations=encryptionConfiguration",
        "imageScanningConfiguration",
    ),
    resource_types.ECR_REPOSITORY_POLICY: _request(
        "ecr", ECR_API, "SetRepositoryPolicy", "repository=repositoryName", "policy=policyText"
    ),
    resource_types.ECR_LIFECYCLE_POLICY: _request(
        "ecr", ECR_API, "PutLifecyclePolicy", "repository=repositoryName", "policy=lifecyclePolicyText"
    ),
    resource_types.ECR_REGISTRY_POLICY: _request("ecr", ECR_API, "PutRegistryPolicy", "policy=policyText"),
    resource_types.ECR_REPLICATION_CONFIGURATION: _request(
        "ecr", ECR_API, "PutReplicationConfiguration", "replicationConfiguration"
    ),
    resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION: _request(
        "ecr", ECR_API, "PutRegistryScanningConfiguration", "scanType", "rules"
    ),
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: _request(
        "ecr",
        ECR_API,
        "CreateRepositoryCreationTemplate",
        "prefix",
        "description",
        "appliedFors=appliedFor",
        "imageTagMutability",
        _EXCLUSIONS,
        "encryptionConfigurations=encryptionConfiguration",
        "repositoryPolicy",
        "lifecyclePolicy",
        "customRoleArn",
    ),
    resource_types.ECR_PULL_THROUGH_CACHE_RULE: _request(
        "ecr",
        ECR_API,
        "CreatePullThroughCacheRule",
        "ecrRepositoryPrefix",
        "upstreamRegistryUrl",
        "credentialArn",
        "customRoleArn",
        "upstreamRepositoryPrefix",
    ),
    resource_types.ECR_ACCOUNT_SETTING: _request("ecr", ECR_API, "PutAccountSetting", "name", "value"),
    resource_types.ECRPUBLIC_REPOSITORY: _request("ecr-public", ECR_PUBLIC_API, "CreateRepository", "repositoryName"),
    resource_types.ECRPUBLIC_REPOSITORY_POLICY: _request(
        "ecr-public", ECR_PUBLIC_API, "SetRepositoryPolicy", "repositoryName", "policy=policyText"
    ),
    resource_types.IAM_ROLE: _request(
        "iam",
        IAM_API,
        "CreateRole",
        "name=RoleName",
        "path=Path",
        "assumeRolePolicy=AssumeRolePolicyDocument",
        "description=Description",
        "maxSessionDuration=MaxSessionDuration",
        "permissionsBoundary=PermissionsBoundary",
        ("inlinePolicies[].name", "PutRolePolicy", "PolicyName"),
        ("inlinePolicies[].policy", "PutRolePolicy", "PolicyDocument"),
        ("managedPolicyArns[]", "AttachRolePolicy", "PolicyArn"),
    ),
    resource_types.IAM_ROLE_POLICY: _request(
        "iam", IAM_API, "PutRolePolicy", "role=RoleName", "name=PolicyName", "policy=PolicyDocument"
    ),
    resource_types.IAM_ROLE_POLICY_ATTACHMENT: _request(
        "iam", IAM_API, "AttachRolePolicy", "role=RoleName", "policyArn=PolicyArn"
    ),
    resource_types.IAM_POLICY: _request(
        "iam",
        IAM_API,
        "CreatePolicy",
        "name=PolicyName",
        "path=Path",
        "policy=PolicyDocument",
        "description=Description",
    ),
    resource_types.IAM_USER: _request(
        "iam", IAM_API, "CreateUser", "name=UserName", "path=Path", "permissionsBoundary=PermissionsBoundary"
    ),
    resource_types.IAM_GROUP: _request("iam", IAM_API, "CreateGroup", "name=GroupName", "path=Path"),
    resource_types.IAM_USER_POLICY: _request(
        "iam", IAM_API, "PutUserPolicy", "user=UserName", "name=PolicyName", "policy=PolicyDocument"
    ),
    resource_types.IAM_GROUP_POLICY: _request(
        "iam", IAM_API, "PutGroupPolicy", "group=GroupName", "name=PolicyName", "policy=PolicyDocument"
    ),
    resource_types.IAM_OPENID_CONNECT_PROVIDER: _request(
        "iam",
        IAM_API,
        "CreateOpenIDConnectProvider",
        "url=Url",
        "clientIdLists=ClientIDList",
        "thumbprintLists=ThumbprintList",
    ),
    resource_types.KMS_KEY: _request(
        "kms",
        KMS_API,
        "CreateKey",
        "description=Description",
        "keyUsage=KeyUsage",
        "customerMasterKeySpec=KeySpec",
        "policy=Policy",
        "multiRegion=MultiRegion",
        ("deletionWindowInDays", "ScheduleKeyDeletion", "PendingWindowInDays"),
        ("rotationPeriodInDays", "EnableKeyRotation", "RotationPeriodInDays"),
    ),
    resource_types.KMS_REPLICA_KEY: _request(
        "kms",
        KMS_API,
        "ReplicateKey",
        "primaryKeyArn=KeyId",
        "description=Description",
        "policy=Policy",
        ("deletionWindowInDays", "ScheduleKeyDeletion", "PendingWindowInDays"),
    ),
    resource_types.KMS_KEY_POLICY: _request("kms", KMS_API, "PutKeyPolicy", "keyId=KeyId", "policy=Policy"),
    resource_types.KMS_ALIAS: _request("kms", KMS_API, "CreateAlias", "name=AliasName", "targetKeyId=TargetKeyId"),
}
