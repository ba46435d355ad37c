"""Which resource types carry policy documents or permissions, and where: the tables the effective-access and
policy checks read (resources.py), for Pulumi's types (camelCase properties, as the engine sends checked
inputs) and for CloudFormation's (in a template, a Cloud Control desired state, or as aws-native:
cloudformation_subjects.py)."""

from __future__ import annotations

from aws_facts import resource_types

from .lambda_permission import (
    LAMBDA_PERMISSION_TYPE,
    LAYER_PERMISSION_TYPE,
    kms_grant_document,
    lambda_permission_document,
    layer_permission_document,
)
from .launch_permission import (
    AMI_LAUNCH_PERMISSION_TYPE,
    SNAPSHOT_VOLUME_PERMISSION_TYPE,
    ami_launch_permission_document,
    snapshot_volume_permission_document,
)
from .ram_share import CFN_RESOURCE_SHARE, PRINCIPAL_ASSOCIATION_TYPE, principals_document

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
# CloudFormation types read by other rules than a policy property (see cloudformation_subjects.cfn_subjects).
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
