"""The pulumi-aws provider's own schema, as terraform-provider-aws writes it, for the resource types the stacks and
the pack use: one table, `PROVIDER_SCHEMAS`, read by both of its readers.

- The offline preview's emulation of the provider's Check (tools/offline_preview/provider_check.py) applies the
  `Default:` values, the `validation.IntBetween` ranges, `ConflictsWith` and `MaxItems`, as the engine runs Check
  before the pack sees the inputs.
- The validation policy (aws_facts.validation) reports the same ranges, and the other validators of the schema
  (URL, ARN and name-prefix forms, the creation template's rules), where botocore's models say less, each with the
  provider's source file and the resource's Pulumi registry page (`PROVIDER_RULES`, derived from the table).

A range is written once, in the table; both readers read that entry. What the SDK states (properties, types,
required ones) is read from pulumi-aws's SDK by the Check emulation, not written here. camelCase as pulumi-aws
names the properties.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .. import models, resource_types
from ..names import ACCOUNT_ID

PROVIDER = "pulumi-aws 7.51.1 (terraform-provider-aws v6)"
REGISTRY_DOCS = "https://www.pulumi.com/registry/packages/aws/api-docs"

# The provider's description limit, one under botocore's RepositoryTemplateDescription max (256): the provider's
# Check refuses a 256-character description before ECR sees it.
TEMPLATE_DESCRIPTION_MAX = 255


class Range(NamedTuple):
    """A `validation.IntBetween(low, high)` of the schema; `unit` names what the number counts, for the message."""

    low: int
    high: int
    unit: str


@dataclass(frozen=True)
class Rule:
    """Another validator of one property (`ValidateFunc`), as a predicate; `validator` names it in the source file
    when the rule text does not."""

    prop: str  # the Pulumi input property path (`[]` steps into each element of a list)
    rule: str
    holds: Callable[[Any], bool]
    validator: str = ""


@dataclass(frozen=True)
class Schema:
    source: str  # terraform-provider-aws file the rules come from
    defaults: dict[str, object] = field(default_factory=dict)
    # {list-of-blocks property: {field: default}}: defaults inside each block given
    block_defaults: dict[str, dict[str, object]] = field(default_factory=dict)
    int_ranges: dict[str, Range] = field(default_factory=dict)
    # ConflictsWith pairs of top-level properties (the provider's `ConflictsWith:`)
    conflicts: tuple[tuple[str, str], ...] = ()
    # {list property path: MaxItems} where the SDK keeps a list ("a.b[].c": c in each element of the list b; a
    # MaxItems-1 block flattened to an object is checked from the SDK's own types, provider_schema)
    max_items: dict[str, int] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class ProviderRule:
    """One rule of the table as the validation policy reports it."""

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
    # validOpenIDURL (internal/service/iam/validate.go): Go's url.Parse, then the scheme must be https (a URL without
    # one has the scheme "" and is refused) and there is no query; later versions (validation.IsURLWithHTTPS) also
    # want a host.
    if not isinstance(value, str):
        return True
    # Go's url.Parse refuses control characters, and a leading space leaves it no scheme; Python's urlsplit strips
    # both ends first.
    if value != value.strip(" ") or any(ord(c) < 0x20 or c == "\x7f" for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and not parts.query and bool(parts.netloc)


# The provider's ARN check (internal/verify/validate.go ValidARN): aws-sdk-go's arn.Parse (six ':'-separated
# parts after "arn:"), then the partition, a region when given, an account when given (accountIDRegexp: aws,
# aws-managed, third-party, an account id, or cw and 10 characters) and a resource that is not empty. Go's `\d` and `\w` are ASCII
# only: here `[0-9]` and `[A-Za-z0-9_]`, since the `regex` module's are Unicode's.
_ARN_PARTITION = models.compiled(r"aws(-[a-z]+)*")
_ARN_REGION = models.compiled(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_ARN_ACCOUNT = models.compiled(rf"aws|aws-managed|third-party|{ACCOUNT_ID.pattern}|cw.{{10}}")


def _valid_arn(value: Any) -> bool:
    if not isinstance(value, str) or value == "":
        return True
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return False
    _, partition, _service, region, account, resource = parts
    return (
        _ARN_PARTITION(partition)
        and (region == "" or _ARN_REGION(region))
        and (account == "" or _ARN_ACCOUNT(account))
        and resource != ""
    )


# terraform-plugin-sdk's id.UniqueIDSuffixLength: the provider appends 26 characters to a name_prefix.
UNIQUE_ID_SUFFIX_LENGTH = 26


def _iam_name_prefix(name_shape: str, validator: str) -> Rule:
    """The provider's validResourceName(<name max> - 26) for a name_prefix: 1 to (IAM's maximum for the name
    less the unique suffix) characters of letters, digits and +=,.@_-."""
    high = models.maximum("iam", name_shape) - UNIQUE_ID_SUFFIX_LENGTH
    pattern = models.compiled(r"[A-Za-z0-9_+=,.@-]*")  # Go's `[\w+=,.@-]*`: its \w is ASCII only

    def holds(value: Any) -> bool:
        return not isinstance(value, str) or 1 <= len(value) <= high and pattern(value)

    text = (
        f"must be 1 to {high} characters of letters, digits and +=,.@_- (the provider adds {UNIQUE_ID_SUFFIX_LENGTH})"
    )
    return Rule("namePrefix", text, holds, validator)


def _alias_name(value: Any) -> bool:
    # validNameForResource: alias/<[a-zA-Z0-9/_-]+>, and never the AWS-managed alias/aws/ prefix.
    return not isinstance(value, str) or (
        value.startswith("alias/")
        and not value.startswith("alias/aws/")
        and models.compiled(r"alias/[a-zA-Z0-9/_-]+")(value)
    )


_NAME_CONFLICT = (("name", "namePrefix"),)
# A repository and a creation template share the encryption block and the tag-mutability default (the two Go
# files declare the same schema).
_MUTABILITY_DEFAULT: dict[str, object] = {"imageTagMutability": "MUTABLE"}
_ENCRYPTION_DEFAULTS: dict[str, dict[str, object]] = {"encryptionConfigurations": {"encryptionType": "AES256"}}
_ENCRYPTION_MAX_ITEMS = {"encryptionConfigurations": 1}
_ARN = "must be an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)"
_DELETION_WINDOW = Range(7, 30, "days")


def _arn(prop: str) -> Rule:
    return Rule(prop, _ARN, _valid_arn, "verify.ValidARN")


def _alias(prop: str) -> Rule:
    text = "must be alias/ followed by letters, digits, '/', '_' or '-', and not start with alias/aws/"
    return Rule(prop, text, _alias_name, "validNameForResource")


_APPLIED_FOR = ", ".join(models.enum("ecr", "RCTAppliedFor"))

PROVIDER_SCHEMAS: dict[str, Schema] = {
    resource_types.ECR_REPOSITORY: Schema(
        "internal/service/ecr/repository.go",
        defaults=_MUTABILITY_DEFAULT,
        block_defaults=_ENCRYPTION_DEFAULTS,
        max_items=_ENCRYPTION_MAX_ITEMS,
    ),
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: Schema(
        "internal/service/ecr/repository_creation_template.go",
        defaults=_MUTABILITY_DEFAULT,
        block_defaults=_ENCRYPTION_DEFAULTS,
        max_items=_ENCRYPTION_MAX_ITEMS,
        rules=(
            _arn("customRoleArn"),
            Rule(
                "appliedFors",
                f"must name at least one of {_APPLIED_FOR} (MinItems: 1)",
                lambda value: not isinstance(value, list) or len(value) >= 1,
            ),
            Rule(
                "description",
                f"must have at most {TEMPLATE_DESCRIPTION_MAX} characters "
                f"(validation.StringLenBetween(0, {TEMPLATE_DESCRIPTION_MAX}))",
                lambda value: not isinstance(value, str) or len(value) <= TEMPLATE_DESCRIPTION_MAX,
            ),
        ),
    ),
    resource_types.ECR_REPOSITORY_POLICY: Schema("internal/service/ecr/repository_policy.go"),
    resource_types.ECR_LIFECYCLE_POLICY: Schema("internal/service/ecr/lifecycle_policy.go"),
    resource_types.ECR_REPLICATION_CONFIGURATION: Schema(
        "internal/service/ecr/replication_configuration.go",
        max_items={
            "replicationConfiguration.rules": 10,
            "replicationConfiguration.rules[].destinations": 25,
            "replicationConfiguration.rules[].repositoryFilters": 100,
        },
    ),
    resource_types.ECR_REGISTRY_POLICY: Schema("internal/service/ecr/registry_policy.go"),
    resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION: Schema(
        "internal/service/ecr/registry_scanning_configuration.go"
    ),
    resource_types.KMS_KEY: Schema(
        "internal/service/kms/key.go",
        defaults={
            "bypassPolicyLockoutSafetyCheck": False,
            "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "enableKeyRotation": False,
            "isEnabled": True,
            "keyUsage": "ENCRYPT_DECRYPT",
        },
        int_ranges={"deletionWindowInDays": _DELETION_WINDOW, "rotationPeriodInDays": Range(90, 2560, "days")},
    ),
    resource_types.KMS_REPLICA_KEY: Schema(
        "internal/service/kms/replica_key.go",
        defaults={"bypassPolicyLockoutSafetyCheck": False, "deletionWindowInDays": 30, "enabled": True},
        int_ranges={"deletionWindowInDays": _DELETION_WINDOW},
    ),
    resource_types.KMS_ALIAS: Schema(
        "internal/service/kms/alias.go", conflicts=_NAME_CONFLICT, rules=(_alias("name"), _alias("namePrefix"))
    ),
    resource_types.IAM_ROLE: Schema(
        "internal/service/iam/role.go",
        defaults={"forceDetachPolicies": False, "maxSessionDuration": 3600, "path": "/"},
        int_ranges={"maxSessionDuration": Range(3600, 43200, "seconds")},
        conflicts=_NAME_CONFLICT,
        rules=(
            _iam_name_prefix("roleNameType", "validResourceName(roleNamePrefixMaxLen)"),
            _arn("permissionsBoundary"),
            _arn("managedPolicyArns[]"),
        ),
    ),
    resource_types.IAM_POLICY: Schema(
        "internal/service/iam/policy.go", defaults={"path": "/"}, conflicts=_NAME_CONFLICT
    ),
    resource_types.IAM_ROLE_POLICY: Schema(
        "internal/service/iam/role_policy.go",
        conflicts=_NAME_CONFLICT,
        rules=(_iam_name_prefix("policyNameType", "validResourceName(rolePolicyNamePrefixMaxLen)"),),
    ),
    resource_types.IAM_ROLE_POLICY_ATTACHMENT: Schema("internal/service/iam/role_policy_attachment.go"),
    resource_types.IAM_OPENID_CONNECT_PROVIDER: Schema(
        "internal/service/iam/openid_connect_provider.go",
        rules=(Rule("url", "must be an https:// URL without a query (validOpenIDURL)", _https_url),),
    ),
}


def registry_page(resource_type: str) -> str:
    """The resource's page in the Pulumi registry: `aws:<module>/<name>:<Type>` is at <module>/<type, lower>/."""
    module, _, name = resource_type.split(":")[1].partition("/")
    return f"{REGISTRY_DOCS}/{module}/{name.lower()}/"


def _provider_rules(resource_type: str, schema: Schema) -> list[ProviderRule]:
    page = registry_page(resource_type)
    rules = [
        ProviderRule(
            resource_type,
            prop,
            f"must be a whole number of {span.unit} from {span.low} to {span.high}",
            _whole_between(span.low, span.high),
            schema.source,
            page,
        )
        for prop, span in schema.int_ranges.items()
    ]
    for rule in schema.rules:
        source = f"{schema.source} ({rule.validator})" if rule.validator else schema.source
        rules.append(ProviderRule(resource_type, rule.prop, rule.rule, rule.holds, source, page))
    return rules


RULES_BY_TYPE: dict[str, list[ProviderRule]] = {
    resource_type: rules
    for resource_type, schema in PROVIDER_SCHEMAS.items()
    if (rules := _provider_rules(resource_type, schema))
}
PROVIDER_RULES: tuple[ProviderRule, ...] = tuple(rule for rules in RULES_BY_TYPE.values() for rule in rules)
