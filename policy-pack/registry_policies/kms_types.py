"""pulumi-aws's KMS type tokens under the short names the pack and the tools read (`kms_types.KEY`); the tokens
themselves are written once, in aws_facts.resource_types, as ECR's (ecr.py) and IAM's (iam_types.py) are."""

from aws_facts import resource_types

KEY = resource_types.KMS_KEY
REPLICA_KEY = resource_types.KMS_REPLICA_KEY
EXTERNAL_KEY = resource_types.KMS_EXTERNAL_KEY
REPLICA_EXTERNAL_KEY = resource_types.KMS_REPLICA_EXTERNAL_KEY
KEY_POLICY = resource_types.KMS_KEY_POLICY
ALIAS = resource_types.KMS_ALIAS
GRANT = resource_types.KMS_GRANT
