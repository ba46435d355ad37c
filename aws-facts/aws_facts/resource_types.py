"""pulumi-aws's type tokens (`aws:<module>/<name>:<Type>`), and aws-native's (`aws-native:<service>:<Type>`), written
once for the whole repository.

A token is how the engine names a resource's type to the pack and to the offline preview, and how every table of
the leaf (the provider's API actions, the requests it makes, the provider's schema) is keyed: a token typed again
somewhere else could drift from this one without any test noticing, so every reader (the leaf, the pack, the tools)
names it from here. A name is the service and the module of the token in upper case (`aws:iam/policy:Policy` is
IAM_POLICY, `aws:ecr/registryScanningConfiguration:...` ECR_REGISTRY_SCANNING_CONFIGURATION; OpenID is one word);
an invoke of the provider's index module is its function's (GET_REGION). tests/validation/test_one_copy.py fails
when another module of the code spells a token.
"""

# -- ECR, IAM and KMS: the services the stacks use, in the leaf's own tables ----------------------------------

ECRPUBLIC_REPOSITORY = "aws:ecrpublic/repository:Repository"
ECRPUBLIC_REPOSITORY_POLICY = "aws:ecrpublic/repositoryPolicy:RepositoryPolicy"

ECR_ACCOUNT_SETTING = "aws:ecr/accountSetting:AccountSetting"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ECR_PULL_THROUGH_CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
ECR_REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
ECR_REGISTRY_SCANNING_CONFIGURATION = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
ECR_REPLICATION_CONFIGURATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_REPOSITORY_CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ECR_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"

IAM_GROUP = "aws:iam/group:Group"
IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
IAM_OPENID_CONNECT_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
IAM_SAML_PROVIDER = "aws:iam/samlProvider:SamlProvider"
IAM_USER = "aws:iam/user:User"
IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy"

KMS_ALIAS = "aws:kms/alias:Alias"
KMS_EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
KMS_GRANT = "aws:kms/grant:Grant"
KMS_KEY = "aws:kms/key:Key"
KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
KMS_REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"
KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"

# -- other services' resources the pack judges (resource policies, sharing, deployed code, tags) -------------
APIGATEWAY_REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"

BACKUP_VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"

CLOUDCONTROL_RESOURCE = "aws:cloudcontrol/resource:Resource"

CLOUDFORMATION_STACK = "aws:cloudformation/stack:Stack"
CLOUDFORMATION_STACK_SET = "aws:cloudformation/stackSet:StackSet"

CLOUDWATCH_EVENT_BUS_POLICY = "aws:cloudwatch/eventBusPolicy:EventBusPolicy"
CLOUDWATCH_LOG_DESTINATION_POLICY = "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy"
CLOUDWATCH_LOG_RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"

CODEARTIFACT_REPOSITORY_PERMISSIONS_POLICY = "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy"

CODEBUILD_RESOURCE_POLICY = "aws:codebuild/resourcePolicy:ResourcePolicy"

DYNAMODB_RESOURCE_POLICY = "aws:dynamodb/resourcePolicy:ResourcePolicy"

EC2_AMI_LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
EC2_SNAPSHOT_CREATE_VOLUME_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"
EC2_VPC_ENDPOINT_POLICY = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"
EC2_VPC_IPV4_CIDR_BLOCK_ASSOCIATION = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation"

EFS_FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"

ELASTICSEARCH_DOMAIN = "aws:elasticsearch/domain:Domain"
ELASTICSEARCH_DOMAIN_POLICY = "aws:elasticsearch/domainPolicy:DomainPolicy"

GLACIER_VAULT = "aws:glacier/vault:Vault"
GLACIER_VAULT_LOCK = "aws:glacier/vaultLock:VaultLock"

GLUE_RESOURCE_POLICY = "aws:glue/resourcePolicy:ResourcePolicy"

IMAGEBUILDER_DISTRIBUTION_CONFIGURATION = "aws:imagebuilder/distributionConfiguration:DistributionConfiguration"

KINESIS_RESOURCE_POLICY = "aws:kinesis/resourcePolicy:ResourcePolicy"

LAMBDA_FUNCTION = "aws:lambda/function:Function"
LAMBDA_LAYER_VERSION_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"

MEDIASTORE_CONTAINER_POLICY = "aws:mediastore/containerPolicy:ContainerPolicy"

NETWORKFIREWALL_RESOURCE_POLICY = "aws:networkfirewall/resourcePolicy:ResourcePolicy"

OPENSEARCH_DOMAIN = "aws:opensearch/domain:Domain"
OPENSEARCH_DOMAIN_POLICY = "aws:opensearch/domainPolicy:DomainPolicy"

RAM_PRINCIPAL_ASSOCIATION = "aws:ram/principalAssociation:PrincipalAssociation"
RAM_RESOURCE_SHARE = "aws:ram/resourceShare:ResourceShare"

S3CONTROL_ACCESS_POINT_POLICY = "aws:s3control/accessPointPolicy:AccessPointPolicy"
S3CONTROL_BUCKET_POLICY = "aws:s3control/bucketPolicy:BucketPolicy"

S3_ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
S3_BUCKET_ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
S3_BUCKET_OBJECT = "aws:s3/bucketObject:BucketObject"
S3_BUCKET_OBJECTV2 = "aws:s3/bucketObjectv2:BucketObjectv2"
S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
S3_OBJECT_COPY = "aws:s3/objectCopy:ObjectCopy"

SCHEMAS_REGISTRY_POLICY = "aws:schemas/registryPolicy:RegistryPolicy"

SECRETSMANAGER_SECRET = "aws:secretsmanager/secret:Secret"
SECRETSMANAGER_SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"

SERVERLESSREPOSITORY_CLOUD_FORMATION_STACK = "aws:serverlessrepository/cloudFormationStack:CloudFormationStack"

SERVICECATALOG_PROVISIONED_PRODUCT = "aws:servicecatalog/provisionedProduct:ProvisionedProduct"

SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"

SQS_QUEUE = "aws:sqs/queue:Queue"
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"

VPCLATTICE_AUTH_POLICY = "aws:vpclattice/authPolicy:AuthPolicy"
VPCLATTICE_RESOURCE_POLICY = "aws:vpclattice/resourcePolicy:ResourcePolicy"

# -- aws-native (Cloud Control) resources ---------------------------------------------------------------------
NATIVE_CLOUDFORMATION_STACK_SET = "aws-native:cloudformation:StackSet"
NATIVE_ECR_SIGNING_CONFIGURATION = "aws-native:ecr:SigningConfiguration"

# -- invokes (function tokens, not resource types) --------------------------------------------------------------
GET_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
GET_PARTITION = "aws:index/getPartition:getPartition"
GET_REGION = "aws:index/getRegion:getRegion"

IAM_GET_POLICY_DOCUMENT = "aws:iam/getPolicyDocument:getPolicyDocument"
