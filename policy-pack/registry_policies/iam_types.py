"""pulumi-aws's IAM type tokens (`aws:iam/<module>:<Type>`), written once: the pack and the tools name IAM's resource
types (and the policy-document invoke) through this module, as they name ECR's through ecr.py and KMS's through
kms_types.py."""

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
MANAGED_POLICY = "aws:iam/policy:Policy"
USER = "aws:iam/user:User"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP = "aws:iam/group:Group"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
OPENID_CONNECT_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
SAML_PROVIDER = "aws:iam/samlProvider:SamlProvider"

# The invoke behind aws.iam.get_policy_document (a function token, not a resource type).
GET_POLICY_DOCUMENT = "aws:iam/getPolicyDocument:getPolicyDocument"
