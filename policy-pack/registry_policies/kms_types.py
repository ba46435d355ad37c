"""pulumi-aws's KMS type tokens (`aws:kms/<module>:<Type>`), written once: the pack and the tools name KMS's resource
types through this module, as they name ECR's through ecr.py and IAM's through iam_types.py."""

KEY = "aws:kms/key:Key"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ALIAS = "aws:kms/alias:Alias"
GRANT = "aws:kms/grant:Grant"
