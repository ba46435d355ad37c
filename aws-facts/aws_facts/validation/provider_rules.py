"""The provider's own rules (terraform-provider-aws's schema validators), where botocore's models say less:
ranges, URL and ARN forms, name prefixes. Each rule names the provider's source file and the Pulumi registry
page of the resource. aws_facts.validation applies them with botocore's shapes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import models
from ..names import ACCOUNT_ID

PROVIDER = "pulumi-aws 7.51.1 (terraform-provider-aws v6)"
REGISTRY_DOCS = "https://www.pulumi.com/registry/packages/aws/api-docs"


_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
_TEMPLATE_SOURCE = "internal/service/ecr/repository_creation_template.go"
_TEMPLATE_PAGE = f"{REGISTRY_DOCS}/ecr/repositorycreationtemplate/"
# The provider's description limit, one under botocore's RepositoryTemplateDescription max (256): the provider's
# Check refuses a 256-character description before ECR sees it.
TEMPLATE_DESCRIPTION_MAX = 255


@dataclass(frozen=True)
class ProviderRule:
    resource_type: str
    prop: str
    rule: str
    holds: Callable[[Any], bool]
    source: str  # the provider's source file
    page: str  # the Pulumi registry page of the resource


def _whole_between(low: int, high: int) -> Callable[[Any], bool]:
    def holds(value: Any) -> bool:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    return holds


def _https_url(value: Any) -> bool:
    # validOpenIDURL: a URL with scheme https (a scheme-less one is read as https) and no query.
    if not isinstance(value, str):
        return True
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    return parts.scheme == "https" and not parts.query and bool(parts.netloc)


# The provider's ARN check (internal/verify/validate.go ValidARN): aws-sdk-go's arn.Parse (six ':'-separated
# parts after "arn:"), then the partition, a region when given, and an account when given.
_ARN_PARTITION = models.compiled(r"aws(-[a-z]+)*")
_ARN_REGION = models.compiled(r"[a-z]{2}(-[a-z]+)+-\d")
_ARN_ACCOUNT = models.compiled(rf"aws|aws-managed|{ACCOUNT_ID.pattern}")


def _valid_arn(value: Any) -> bool:
    if not isinstance(value, str) or value == "":
        return True
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return False
    _, partition, _service, region, account, _resource = parts
    return (
        _ARN_PARTITION(partition) and (region == "" or _ARN_REGION(region)) and (account == "" or _ARN_ACCOUNT(account))
    )


# terraform-plugin-sdk's id.UniqueIDSuffixLength: the provider appends 26 characters to a name_prefix.
UNIQUE_ID_SUFFIX_LENGTH = 26


def _iam_name_prefix(name_shape: str) -> Callable[[Any], bool]:
    """The provider's validResourceName(<name max> - 26) for a name_prefix: 1 to (IAM's maximum for the name
    less the unique suffix) characters of letters, digits and +=,.@_-."""
    high = models.maximum("iam", name_shape) - UNIQUE_ID_SUFFIX_LENGTH
    pattern = models.compiled(r"[\w+=,.@-]*")

    def holds(value: Any) -> bool:
        return not isinstance(value, str) or 1 <= len(value) <= high and pattern(value)

    return holds


def _alias_name(value: Any) -> bool:
    # validNameForResource: alias/<[a-zA-Z0-9/_-]+>, and never the AWS-managed alias/aws/ prefix.
    return not isinstance(value, str) or (
        value.startswith("alias/")
        and not value.startswith("alias/aws/")
        and models.compiled(r"alias/[a-zA-Z0-9/_-]+")(value)
    )


PROVIDER_RULES: tuple[ProviderRule, ...] = (
    ProviderRule(
        "aws:kms/key:Key",
        "deletionWindowInDays",
        "must be a whole number of days from 7 to 30",
        _whole_between(7, 30),
        "internal/service/kms/key.go",
        f"{REGISTRY_DOCS}/kms/key/",
    ),
    ProviderRule(
        "aws:kms/replicaKey:ReplicaKey",
        "deletionWindowInDays",
        "must be a whole number of days from 7 to 30",
        _whole_between(7, 30),
        "internal/service/kms/replica_key.go",
        f"{REGISTRY_DOCS}/kms/replicakey/",
    ),
    ProviderRule(
        "aws:iam/role:Role",
        "maxSessionDuration",
        "must be a whole number of seconds from 3600 to 43200",
        _whole_between(3600, 43200),
        "internal/service/iam/role.go",
        f"{REGISTRY_DOCS}/iam/role/",
    ),
    ProviderRule(
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "url",
        "must be an https:// URL without a query (validOpenIDURL)",
        _https_url,
        "internal/service/iam/openid_connect_provider.go",
        f"{REGISTRY_DOCS}/iam/openidconnectprovider/",
    ),
    *(
        ProviderRule(
            "aws:kms/alias:Alias",
            prop,
            "must be alias/ followed by letters, digits, '/', '_' or '-', and not start with alias/aws/",
            _alias_name,
            "internal/service/kms/alias.go (validNameForResource)",
            f"{REGISTRY_DOCS}/kms/alias/",
        )
        for prop in ("name", "namePrefix")
    ),
    ProviderRule(
        "aws:iam/role:Role",
        "namePrefix",
        f"must be 1 to {models.maximum('iam', 'roleNameType') - UNIQUE_ID_SUFFIX_LENGTH} characters of "
        "letters, digits and +=,.@_- (the provider adds 26)",
        _iam_name_prefix("roleNameType"),
        "internal/service/iam/role.go (validResourceName(roleNamePrefixMaxLen))",
        f"{REGISTRY_DOCS}/iam/role/",
    ),
    ProviderRule(
        "aws:iam/rolePolicy:RolePolicy",
        "namePrefix",
        f"must be 1 to {models.maximum('iam', 'policyNameType') - UNIQUE_ID_SUFFIX_LENGTH} characters of "
        "letters, digits and +=,.@_- (the provider adds 26)",
        _iam_name_prefix("policyNameType"),
        "internal/service/iam/role_policy.go (validResourceName(rolePolicyNamePrefixMaxLen))",
        f"{REGISTRY_DOCS}/iam/rolepolicy/",
    ),
    *(
        ProviderRule(
            resource_type,
            prop,
            "must be an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)",
            _valid_arn,
            f"{source} (verify.ValidARN)",
            page,
        )
        for resource_type, prop, source, page in (
            ("aws:iam/role:Role", "permissionsBoundary", "internal/service/iam/role.go", f"{REGISTRY_DOCS}/iam/role/"),
            ("aws:iam/role:Role", "managedPolicyArns[]", "internal/service/iam/role.go", f"{REGISTRY_DOCS}/iam/role/"),
            (_TEMPLATE, "customRoleArn", _TEMPLATE_SOURCE, _TEMPLATE_PAGE),
        )
    ),
    ProviderRule(
        _TEMPLATE,
        "appliedFors",
        "must name at least one of REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH (MinItems: 1)",
        lambda value: not isinstance(value, list) or len(value) >= 1,
        _TEMPLATE_SOURCE,
        _TEMPLATE_PAGE,
    ),
    ProviderRule(
        _TEMPLATE,
        "description",
        f"must have at most {TEMPLATE_DESCRIPTION_MAX} characters (validation.StringLenBetween(0, 255))",
        lambda value: not isinstance(value, str) or len(value) <= TEMPLATE_DESCRIPTION_MAX,
        _TEMPLATE_SOURCE,
        _TEMPLATE_PAGE,
    ),
)
RULES_BY_TYPE: dict[str, list[ProviderRule]] = {}
for _rule in PROVIDER_RULES:
    RULES_BY_TYPE.setdefault(_rule.resource_type, []).append(_rule)
