"""The API actions the Pulumi AWS provider calls, per resource type and phase, and the service-linked roles
those calls create.

Read from the provider's source (the Terraform-bridged pulumi-aws, aws-native through Cloud Control) and each
service's authorization reference; the comments say why an action that is not the type's own API is there. A
role that manages resources of a type through the provider needs its actions (no delete for a retained one).
"""

from __future__ import annotations

from typing import NamedTuple

from . import resource_types


class Crud(NamedTuple):
    """The API actions the (Terraform-bridged) Pulumi AWS provider calls in each phase of a resource."""

    create: tuple[str, ...]
    read: tuple[str, ...]
    update: tuple[str, ...]
    delete: tuple[str, ...]


_KEY_READ = ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags")
_KEY_UPDATE = (
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:PutKeyPolicy",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
)

# ECR managed signing: pulumi-aws has no resource for it, aws-native has (through Cloud Control).
SIGNING_TYPE = resource_types.NATIVE_ECR_SIGNING_CONFIGURATION
# Cloud Control's create, update and delete are asynchronous: the provider polls the request until it ends.
CLOUD_CONTROL_POLLING = ("cloudformation:GetResourceRequestStatus",)

REQUIRED_ACTIONS: dict[str, Crud] = {
    resource_types.ECR_REPOSITORY: Crud(
        # Tags in CreateRepository need ecr:TagResource; a KMS-encrypted repository makes ECR call
        # DescribeKey and CreateGrant on the key with the caller's permissions.
        create=("ecr:CreateRepository", "ecr:TagResource", "kms:CreateGrant", "kms:DescribeKey"),
        read=("ecr:DescribeRepositories", "ecr:ListTagsForResource"),
        update=(
            "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability",
            "ecr:TagResource",
            "ecr:UntagResource",
        ),
        delete=("ecr:DeleteRepository", "kms:RetireGrant"),
    ),
    resource_types.ECR_LIFECYCLE_POLICY: Crud(
        create=("ecr:PutLifecyclePolicy",),
        read=("ecr:GetLifecyclePolicy",),
        update=("ecr:PutLifecyclePolicy",),
        delete=("ecr:DeleteLifecyclePolicy",),
    ),
    resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION: Crud(
        # ENHANCED scanning is Amazon Inspector: ECR enables it with the caller's permissions, and
        # Inspector's service-linked role is created on first use. Delete puts BASIC back.
        create=(
            "ecr:PutRegistryScanningConfiguration",
            "iam:CreateServiceLinkedRole",
            "inspector2:Enable",
            "inspector2:ListAccountPermissions",
        ),
        read=("ecr:GetRegistryScanningConfiguration",),
        update=("ecr:PutRegistryScanningConfiguration", "inspector2:Enable", "inspector2:ListAccountPermissions"),
        delete=("ecr:PutRegistryScanningConfiguration", "inspector2:Disable"),
    ),
    resource_types.KMS_KEY: Crud(
        # Tags in CreateKey need kms:TagResource.
        create=("kms:CreateKey", "kms:EnableKeyRotation", "kms:TagResource"),
        read=(*_KEY_READ, "kms:GetKeyRotationStatus"),
        update=(*_KEY_UPDATE, "kms:DisableKeyRotation", "kms:EnableKeyRotation"),
        delete=("kms:ScheduleKeyDeletion",),
    ),
    resource_types.KMS_ALIAS: Crud(
        create=("kms:CreateAlias",),
        read=("kms:ListAliases",),
        update=("kms:UpdateAlias",),
        delete=("kms:DeleteAlias",),
    ),
    resource_types.ECR_REPLICATION_CONFIGURATION: Crud(
        # ECR creates its replication service-linked role on the first configuration. Delete puts no rules.
        create=("ecr:PutReplicationConfiguration", "iam:CreateServiceLinkedRole"),
        read=("ecr:DescribeRegistry",),
        update=("ecr:PutReplicationConfiguration",),
        delete=("ecr:PutReplicationConfiguration",),
    ),
    resource_types.ECR_REGISTRY_POLICY: Crud(
        create=("ecr:PutRegistryPolicy",),
        read=("ecr:GetRegistryPolicy",),
        update=("ecr:PutRegistryPolicy",),
        delete=("ecr:DeleteRegistryPolicy",),
    ),
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: Crud(
        # ECR checks that the caller could itself create what the template describes (repository,
        # lifecycle and repository policy) and pass the custom role; ECR's template service-linked
        # role is created on first use.
        create=(
            "ecr:CreateRepository",
            "ecr:CreateRepositoryCreationTemplate",
            "ecr:PutLifecyclePolicy",
            "ecr:SetRepositoryPolicy",
            "iam:CreateServiceLinkedRole",
            "iam:PassRole",
        ),
        read=("ecr:DescribeRepositoryCreationTemplates",),
        update=(
            "ecr:CreateRepository",
            "ecr:PutLifecyclePolicy",
            "ecr:SetRepositoryPolicy",
            "ecr:UpdateRepositoryCreationTemplate",
            "iam:PassRole",
        ),
        delete=("ecr:DeleteRepositoryCreationTemplate",),
    ),
    resource_types.KMS_REPLICA_KEY: Crud(
        # ReplicateKey is authorized on the primary key; the replica is created (CreateKey, and
        # TagResource for its tags) in the replica's region.
        create=("kms:CreateKey", "kms:DescribeKey", "kms:ReplicateKey", "kms:TagResource"),
        read=_KEY_READ,
        update=_KEY_UPDATE,
        delete=("kms:ScheduleKeyDeletion",),
    ),
    resource_types.IAM_ROLE: Crud(
        # Tags in CreateRole need iam:TagRole as well.
        create=("iam:CreateRole", "iam:TagRole"),
        read=("iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"),
        # PutRolePermissionsBoundary: a role created before it carried the boundary gets it on update.
        update=(
            "iam:PutRolePermissionsBoundary",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
        ),
        delete=("iam:DeleteRole", "iam:DeleteRolePolicy", "iam:ListInstanceProfilesForRole"),
    ),
    resource_types.IAM_ROLE_POLICY: Crud(
        create=("iam:PutRolePolicy",),
        read=("iam:GetRolePolicy",),
        update=("iam:PutRolePolicy",),
        delete=("iam:DeleteRolePolicy",),
    ),
    resource_types.IAM_OPENID_CONNECT_PROVIDER: Crud(
        create=("iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"),
        read=("iam:GetOpenIDConnectProvider",),
        update=(
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
            "iam:UpdateOpenIDConnectProviderThumbprint",
        ),
        delete=("iam:DeleteOpenIDConnectProvider",),
    ),
    resource_types.ECR_PULL_THROUGH_CACHE_RULE: Crud(
        create=("ecr:CreatePullThroughCacheRule",),
        read=("ecr:DescribePullThroughCacheRules",),
        update=("ecr:UpdatePullThroughCacheRule",),
        delete=("ecr:DeletePullThroughCacheRule",),
    ),
    # The provider's delete is a no-op (framework.WithNoOpDelete): the setting keeps its value.
    resource_types.ECR_ACCOUNT_SETTING: Crud(
        create=("ecr:PutAccountSetting",),
        read=("ecr:GetAccountSetting",),
        update=("ecr:PutAccountSetting",),
        delete=(),
    ),
    resource_types.ECR_REPOSITORY_POLICY: Crud(
        create=("ecr:SetRepositoryPolicy",),
        read=("ecr:GetRepositoryPolicy",),
        update=("ecr:SetRepositoryPolicy",),
        delete=("ecr:DeleteRepositoryPolicy",),
    ),
    # aws-native goes through Cloud Control (CloudFormation's resource API): the provider calls Cloud Control,
    # which polls the request's status, and the resource type's handler calls ECR with the caller's credentials.
    SIGNING_TYPE: Crud(
        create=(*CLOUD_CONTROL_POLLING, "cloudformation:CreateResource", "ecr:PutSigningConfiguration"),
        read=("cloudformation:GetResource", "ecr:GetSigningConfiguration"),
        update=(*CLOUD_CONTROL_POLLING, "cloudformation:UpdateResource", "ecr:PutSigningConfiguration"),
        delete=(*CLOUD_CONTROL_POLLING, "cloudformation:DeleteResource", "ecr:DeleteSigningConfiguration"),
    ),
}

# Service-linked roles the provider's calls create: type -> (service name, role path and name).
SERVICE_LINKED_ROLES = {
    resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION: (
        "inspector2.amazonaws.com",
        "aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2",
    ),
    resource_types.ECR_REPLICATION_CONFIGURATION: (
        "replication.ecr.amazonaws.com",
        "aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication",
    ),
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: (
        "ecr.amazonaws.com",
        "aws-service-role/ecr.amazonaws.com/AWSServiceRoleForECRTemplate",
    ),
}


def required_actions(resource_type: str, *, retained: bool = False) -> tuple[str, ...]:
    """Every action the provider may call for a resource of this type (no delete if it is retained)."""
    crud = REQUIRED_ACTIONS[resource_type]
    phases = (crud.create, crud.read, crud.update) if retained else crud
    return tuple(sorted({action for phase in phases for action in phase}))
