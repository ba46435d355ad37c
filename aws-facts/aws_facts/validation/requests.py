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
    "aws:ecr/repository:Repository": _request(
        "ecr",
        ECR_API,
        "CreateRepository",
        "name=repositoryName",
        "imageTagMutability",
        _EXCLUSIONS,
        "encryptionConfigurations=encryptionConfiguration",
        "imageScanningConfiguration",
    ),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": _request(
        "ecr", ECR_API, "SetRepositoryPolicy", "repository=repositoryName", "policy=policyText"
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _request(
        "ecr", ECR_API, "PutLifecyclePolicy", "repository=repositoryName", "policy=lifecyclePolicyText"
    ),
    "aws:ecr/registryPolicy:RegistryPolicy": _request("ecr", ECR_API, "PutRegistryPolicy", "policy=policyText"),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": _request(
        "ecr", ECR_API, "PutReplicationConfiguration", "replicationConfiguration"
    ),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": _request(
        "ecr", ECR_API, "PutRegistryScanningConfiguration", "scanType", "rules"
    ),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": _request(
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
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": _request(
        "ecr",
        ECR_API,
        "CreatePullThroughCacheRule",
        "ecrRepositoryPrefix",
        "upstreamRegistryUrl",
        "credentialArn",
        "customRoleArn",
        "upstreamRepositoryPrefix",
    ),
    "aws:ecr/accountSetting:AccountSetting": _request("ecr", ECR_API, "PutAccountSetting", "name", "value"),
    "aws:ecrpublic/repository:Repository": _request("ecr-public", ECR_PUBLIC_API, "CreateRepository", "repositoryName"),
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": _request(
        "ecr-public", ECR_PUBLIC_API, "SetRepositoryPolicy", "repositoryName", "policy=policyText"
    ),
    "aws:iam/role:Role": _request(
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
    "aws:iam/rolePolicy:RolePolicy": _request(
        "iam", IAM_API, "PutRolePolicy", "role=RoleName", "name=PolicyName", "policy=PolicyDocument"
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _request(
        "iam", IAM_API, "AttachRolePolicy", "role=RoleName", "policyArn=PolicyArn"
    ),
    "aws:iam/policy:Policy": _request(
        "iam",
        IAM_API,
        "CreatePolicy",
        "name=PolicyName",
        "path=Path",
        "policy=PolicyDocument",
        "description=Description",
    ),
    "aws:iam/user:User": _request(
        "iam", IAM_API, "CreateUser", "name=UserName", "path=Path", "permissionsBoundary=PermissionsBoundary"
    ),
    "aws:iam/group:Group": _request("iam", IAM_API, "CreateGroup", "name=GroupName", "path=Path"),
    "aws:iam/userPolicy:UserPolicy": _request(
        "iam", IAM_API, "PutUserPolicy", "user=UserName", "name=PolicyName", "policy=PolicyDocument"
    ),
    "aws:iam/groupPolicy:GroupPolicy": _request(
        "iam", IAM_API, "PutGroupPolicy", "group=GroupName", "name=PolicyName", "policy=PolicyDocument"
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _request(
        "iam",
        IAM_API,
        "CreateOpenIDConnectProvider",
        "url=Url",
        "clientIdLists=ClientIDList",
        "thumbprintLists=ThumbprintList",
    ),
    "aws:kms/key:Key": _request(
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
    "aws:kms/replicaKey:ReplicaKey": _request(
        "kms",
        KMS_API,
        "ReplicateKey",
        "primaryKeyArn=KeyId",
        "description=Description",
        "policy=Policy",
        ("deletionWindowInDays", "ScheduleKeyDeletion", "PendingWindowInDays"),
    ),
    "aws:kms/keyPolicy:KeyPolicy": _request("kms", KMS_API, "PutKeyPolicy", "keyId=KeyId", "policy=Policy"),
    "aws:kms/alias:Alias": _request("kms", KMS_API, "CreateAlias", "name=AliasName", "targetKeyId=TargetKeyId"),
}
