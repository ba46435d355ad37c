"""AWS's documented quotas as data: one table, every number once, each with the page that states it.

Where a service model states the same limit (a member's maximum length), the number is read from the
model (`aws_facts.models`); counts and sizes that only the quota pages state are written here. The policy
pack checks them (registry_policies/quotas.py); the stacks' config and the deployer policies count with
the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import models, names, tags
from .iam import quotas as iam
from .iam.quotas import IAM_QUOTAS_URL

IAM_TAGS_URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html"
ECR_QUOTAS_URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html"
ECR_REPLICATION_URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html"
ECR_API_URL = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference"
ECR_TAGS_URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-using-tags.html"
KMS_QUOTAS_URL = "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html"
KMS_TAGS_URL = "https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html"
AWS_TAGS_URL = tags.TAGS_URL

IAM_SIZE = "characters (whitespace not counted)"


@dataclass(frozen=True)
class Quota:
    """One documented limit: what it bounds, the number, its unit and where AWS says so."""

    what: str
    limit: int
    unit: str
    url: str

    def at(self, limit: int) -> Quota:
        """The same quota with another limit (an adjustable quota raised for the account)."""
        return Quota(self.what, limit, self.unit, self.url)


# Every quota the pack enforces. Keys are stable: tests and the README refer to them.
QUOTA_TABLE: dict[str, Quota] = {
    "iam-role-inline-policies": Quota(
        "the total size of the role's inline policies", iam.ROLE_INLINE_POLICIES, IAM_SIZE, IAM_QUOTAS_URL
    ),
    "iam-user-inline-policies": Quota(
        "the total size of the user's inline policies", iam.USER_INLINE_POLICIES, IAM_SIZE, IAM_QUOTAS_URL
    ),
    "iam-group-inline-policies": Quota(
        "the total size of the group's inline policies", iam.GROUP_INLINE_POLICIES, IAM_SIZE, IAM_QUOTAS_URL
    ),
    "iam-managed-policy-length": Quota("the managed policy document", iam.MANAGED_POLICY, IAM_SIZE, IAM_QUOTAS_URL),
    # Adjustable (Service Quotas "Role trust policy length"): the pack option roleTrustPolicyLength.
    "iam-role-trust-policy-length": Quota("the role trust policy", iam.ROLE_TRUST_POLICY, IAM_SIZE, IAM_QUOTAS_URL),
    "iam-role-name": Quota("the role name", iam.ROLE_NAME, "characters", IAM_QUOTAS_URL),
    "iam-user-name": Quota("the user name", iam.USER_NAME, "characters", IAM_QUOTAS_URL),
    "iam-group-name": Quota("the group name", iam.GROUP_NAME, "characters", IAM_QUOTAS_URL),
    "iam-policy-name": Quota("the policy name", iam.POLICY_NAME, "characters", IAM_QUOTAS_URL),
    "iam-path": Quota("the path", iam.PATH, "characters", IAM_QUOTAS_URL),
    "ecr-repository-policy-length": Quota(
        "the repository policy",
        models.maximum("ecr", "RepositoryPolicyText"),
        "characters",
        f"{ECR_API_URL}/API_SetRepositoryPolicy.html",
    ),
    "ecr-registry-policy-length": Quota(
        "the registry policy",
        models.maximum("ecr", "RegistryPolicyText"),
        "characters",
        f"{ECR_API_URL}/API_PutRegistryPolicy.html",
    ),
    "ecr-lifecycle-policy-length": Quota(
        "the lifecycle policy", models.maximum("ecr", "LifecyclePolicyText"), "characters", ECR_QUOTAS_URL
    ),
    "ecr-lifecycle-rules": Quota("the number of lifecycle policy rules", 50, "rules", ECR_QUOTAS_URL),
    "ecr-repository-name": Quota(
        "the repository name", names.MAX_REPOSITORY_NAME, "characters", f"{ECR_API_URL}/API_CreateRepository.html"
    ),
    "ecr-template-prefix": Quota(
        "the creation template prefix",
        models.maximum("ecr", "Prefix"),
        "characters",
        f"{ECR_API_URL}/API_CreateRepositoryCreationTemplate.html",
    ),
    "ecr-template-description": Quota(
        "the creation template description",
        models.maximum("ecr", "RepositoryTemplateDescription"),
        "characters",
        f"{ECR_API_URL}/API_CreateRepositoryCreationTemplate.html",
    ),
    # The quota page's 10 rules, fewer than the 25 the model's list allows.
    "ecr-replication-rules": Quota("the number of replication rules", 10, "rules", ECR_REPLICATION_URL),
    "ecr-replication-destinations": Quota(
        "the number of unique destinations over all replication rules", 25, "destinations", ECR_REPLICATION_URL
    ),
    "ecr-replication-filters": Quota(
        "the number of filters of one replication rule",
        models.maximum("ecr", "RepositoryFilterList"),
        "filters",
        ECR_QUOTAS_URL,
    ),
    "ecr-scanning-rules": Quota(
        "the number of registry scanning rules",
        models.maximum("ecr", "RegistryScanningRuleList"),
        "rules",
        f"{ECR_API_URL}/API_RegistryScanningConfiguration.html",
    ),
    "ecr-scanning-filters": Quota(
        "the number of filters of one registry scanning rule",
        models.maximum("ecr", "ScanningRepositoryFilterList"),
        "filters",
        f"{ECR_API_URL}/API_RegistryScanningRule.html",
    ),
    "kms-key-policy-length": Quota("the key policy", 32_768, "bytes (UTF-8)", KMS_QUOTAS_URL),
    "tags-per-resource": Quota("the number of tags", tags.MAX_TAGS, "tags", AWS_TAGS_URL),
    "tag-key": Quota("the tag key", tags.MAX_TAG_KEY, "characters", AWS_TAGS_URL),
    "tag-value": Quota("the tag value", tags.MAX_TAG_VALUE, "characters", AWS_TAGS_URL),
}
