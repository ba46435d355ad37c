"""pulumi-aws's IAM type tokens under the short names the pack and the tools read (`iam_types.ROLE`); the tokens
themselves are written once, in aws_facts.resource_types, as ECR's (ecr.py) and KMS's (kms_types.py) are."""

from aws_facts import resource_types

ROLE = resource_types.IAM_ROLE
ROLE_POLICY = resource_types.IAM_ROLE_POLICY
ROLE_POLICY_ATTACHMENT = resource_types.IAM_ROLE_POLICY_ATTACHMENT
MANAGED_POLICY = resource_types.IAM_POLICY
USER = resource_types.IAM_USER
USER_POLICY = resource_types.IAM_USER_POLICY
GROUP = resource_types.IAM_GROUP
GROUP_POLICY = resource_types.IAM_GROUP_POLICY
OPENID_CONNECT_PROVIDER = resource_types.IAM_OPEN_ID_CONNECT_PROVIDER
SAML_PROVIDER = resource_types.IAM_SAML_PROVIDER

# The invoke behind aws.iam.get_policy_document (a function token, not a resource type).
GET_POLICY_DOCUMENT = resource_types.IAM_GET_POLICY_DOCUMENT
