"""The typed, validated configuration of the three stacks.

Each stack reads its Pulumi config namespace (`registry:*`, `replication:*`, `access:*`) into one of
the models below with `load()`. Validation runs before any resource is registered; a bad value ends in
one `ConfigError` that names the key (with list indices) and the rule, e.g.
`registry:lifecycle.releaseTagPrefixes[0]: ...`. Keys are camelCase in YAML, as Pulumi config usually is.
The model catalog is not stack config: see `model_registry.catalog`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from . import naming
from .errors import ConfigError

# ECR service limits (see the README's "Limits" table).
MAX_REPLICATION_RULES = 10
MAX_REPLICATION_DESTINATIONS = 25
MAX_FILTERS_PER_RULE = 100
MAX_TAG_EXCLUSION_FILTERS = 5
MAX_WILDCARDS_PER_TAG_PATTERN = 4
# Where the registry and access stacks find the catalog, relative to their project directory.
DEFAULT_CATALOG = "../../catalog"


class Environment(StrEnum):
    """The environments a stack may be deployed to; the Pulumi stack name is the environment."""

    LOCAL = "local"
    DEV = "dev"
    PROD = "prod"


def environment(stack_name: str) -> Environment:
    """The environment of a stack name, or a ConfigError listing the known ones."""
    try:
        return Environment(stack_name)
    except ValueError:
        known = ", ".join(e.value for e in Environment)
        raise ConfigError(
            f"unknown environment {stack_name!r}: the stack name must be one of {known} "
            f"(add a Pulumi.{stack_name}.yaml only together with an entry in model_registry.config.Environment)"
        ) from None


def _pattern(regex, what: str):
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


AccountId = Annotated[str, _pattern(naming.ACCOUNT_ID, "a 12-digit AWS account id (quote it in YAML)")]
Region = Annotated[str, _pattern(naming.REGION, "an AWS region such as us-east-1")]
OrgId = Annotated[str, _pattern(naming.ORG_ID, "an AWS Organizations id such as o-a1b2c3d4e5")]
OrgPath = Annotated[str, _pattern(naming.ORG_PATH, "an AWS Organizations path such as o-a1b2c3d4e5/r-ab12/")]
PrincipalArn = Annotated[
    str, _pattern(naming.IAM_PRINCIPAL_ARN, "an IAM principal ARN (arn:aws:iam::<account>:root|role/..|user/..)")
]
ServicePrincipal = Annotated[
    str, _pattern(naming.SERVICE_PRINCIPAL, "an AWS service principal such as sagemaker.amazonaws.com")
]
SourceArn = Annotated[str, _pattern(naming.ANY_ARN, "an ARN with a 12-digit account id")]
GitHubRepository = Annotated[str, _pattern(naming.GITHUB_REPOSITORY, "a GitHub repository as <owner>/<name>")]


def _tag_filter(value: str) -> str:
    if not naming.TAG_FILTER.fullmatch(value):
        raise ValueError(f"{value!r} is not a tag filter (1-128 characters of [0-9A-Za-z._*-])")
    if value.count("*") > MAX_WILDCARDS_PER_TAG_PATTERN:
        raise ValueError(f"{value!r} has more than {MAX_WILDCARDS_PER_TAG_PATTERN} '*' wildcards")
    if value.strip("*") == "":
        raise ValueError(f"{value!r} matches every tag; name the tags instead")
    return value


TagFilter = Annotated[str, AfterValidator(_tag_filter)]
# A lifecycle rule's tagPrefixList entry: a literal prefix (ECR takes wildcards only in tagPatternList).
TagPrefix = Annotated[str, _pattern(naming.TAG_PREFIX, "a tag prefix (1-128 characters of [0-9A-Za-z._-], no '*')")]


def _model_name(value: str) -> str:
    if not naming.is_repository_name(value) or "/" in value:
        raise ValueError(
            f"{value!r} is not a valid model name: lowercase letters and digits separated by single "
            "'.', '_' or '-', 2-200 characters, no '/' (ECR's repository-name rule)"
        )
    return value


ModelName = Annotated[str, AfterValidator(_model_name)]


class ConfigModel(BaseModel):
    """Strict base: camelCase keys, unknown keys refused, values not coerced across types."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, strict=False
    )


# --- registry -------------------------------------------------------------------------------


class ScanType(StrEnum):
    ENHANCED = "ENHANCED"
    BASIC = "BASIC"


class ScanFrequency(StrEnum):
    SCAN_ON_PUSH = "SCAN_ON_PUSH"
    CONTINUOUS_SCAN = "CONTINUOUS_SCAN"


class Scanning(ConfigModel):
    """The registry-wide scanning configuration (one per registry and region)."""

    type: ScanType = ScanType.ENHANCED
    frequency: ScanFrequency = ScanFrequency.CONTINUOUS_SCAN

    @model_validator(mode="after")
    def _basic_scans_on_push_only(self) -> Scanning:
        if self.type is ScanType.BASIC and self.frequency is not ScanFrequency.SCAN_ON_PUSH:
            raise ValueError("BASIC scanning supports only frequency SCAN_ON_PUSH")
        return self


class Lifecycle(ConfigModel):
    """What the lifecycle policy of a repository keeps. Release tags are never expired."""

    untagged_expiry_days: int = Field(14, ge=1, le=3650)
    prerelease_keep_count: int = Field(20, ge=1, le=10000)
    prerelease_tag_prefixes: tuple[TagPrefix, ...] = Field(("dev-", "rc-", "pr-"), min_length=1, max_length=20)
    release_tag_prefixes: tuple[TagPrefix, ...] = Field(("v",), min_length=1, max_length=20)

    @model_validator(mode="after")
    def _release_tags_are_never_prerelease(self) -> Lifecycle:
        for pre in self.prerelease_tag_prefixes:
            for rel in self.release_tag_prefixes:
                if pre.startswith(rel) or rel.startswith(pre):
                    raise ValueError(
                        f"pre-release prefix {pre!r} overlaps release prefix {rel!r}: release images "
                        "would be expired; choose disjoint prefixes"
                    )
        return self


class LifecycleOverride(ConfigModel):
    untagged_expiry_days: int | None = Field(None, ge=1, le=3650)
    prerelease_keep_count: int | None = Field(None, ge=1, le=10000)


class RegistryConfig(ConfigModel):
    """`registry:*` config."""

    namespace: str = "models"
    cost_centre: str = Field(min_length=1, max_length=128)
    scanning: Scanning = Scanning()
    lifecycle: Lifecycle = Lifecycle()
    # Principals (besides the account root) allowed to administer the registry's KMS key.
    key_admins: tuple[PrincipalArn, ...] = ()
    # The catalog folder (model_registry.catalog), relative to the project directory.
    catalog: str = Field(DEFAULT_CATALOG, min_length=1)

    @model_validator(mode="after")
    def _namespace_is_a_repository_name(self) -> RegistryConfig:
        if not naming.is_repository_name(self.namespace):
            raise ValueError(f"namespace {self.namespace!r} breaks ECR's repository-name rule")
        return self


# --- replication ----------------------------------------------------------------------------


class Destination(ConfigModel):
    """A replication destination: a region of this account, or another account's registry."""

    region: Region
    registry_id: AccountId | None = None  # None: this account


class ReplicationRule(ConfigModel):
    destinations: tuple[Destination, ...] = Field(min_length=1, max_length=MAX_REPLICATION_DESTINATIONS)
    # Extra PREFIX_MATCH filters below the namespace (e.g. "models/llm"); default: the whole namespace.
    prefixes: tuple[str, ...] = Field((), max_length=MAX_FILTERS_PER_RULE)


class ReplicationConfig(ConfigModel):
    """`replication:*` config."""

    rules: tuple[ReplicationRule, ...] = Field((), max_length=MAX_REPLICATION_RULES)
    # Accounts that replicate INTO this registry (the registry policy); empty: no registry policy.
    source_accounts: tuple[AccountId, ...] = ()
    # Who may pull from replicas (the creation template's repository policy).
    replica_consumers: Consumers | None = None
    # Creation templates (with their KMS replica keys and role) in each same-account destination region.
    # Only ENV=local turns them off: the emulator implements neither their API nor ReplicateKey by ARN.
    replica_templates: bool = True

    def unique_destinations(self) -> set[tuple[str, str | None]]:
        return {(d.region, d.registry_id) for rule in self.rules for d in rule.destinations}

    @model_validator(mode="after")
    def _within_ecr_limits(self) -> ReplicationConfig:
        count = len(self.unique_destinations())
        if count > MAX_REPLICATION_DESTINATIONS:
            raise ValueError(
                f"rules: {count} unique destinations; ECR allows at most {MAX_REPLICATION_DESTINATIONS} over all rules"
            )
        return self


# --- access ---------------------------------------------------------------------------------


class ServiceConsumer(ConfigModel):
    """An AWS service that pulls on behalf of an account, e.g. SageMaker or Lambda."""

    service: ServicePrincipal
    source_account: AccountId | None = None
    source_arn: SourceArn | None = None

    @model_validator(mode="after")
    def _needs_a_source(self) -> ServiceConsumer:
        if self.source_account is None and self.source_arn is None:
            raise ValueError(
                f"service {self.service!r} needs sourceAccount or sourceArn: without one any account's "
                f"{self.service} could pull (the confused-deputy problem)"
            )
        return self


class Consumers(ConfigModel):
    """Who may pull: accounts, IAM principals, services, and a whole organization."""

    accounts: tuple[AccountId, ...] = ()
    principals: tuple[PrincipalArn, ...] = ()
    services: tuple[ServiceConsumer, ...] = ()
    org_id: OrgId | None = None
    org_paths: tuple[OrgPath, ...] = ()

    def is_empty(self) -> bool:
        return not (self.accounts or self.principals or self.services or self.org_id or self.org_paths)


class GitHubPusher(ConfigModel):
    """A GitHub repository whose workflows may push, from the listed refs or environments only."""

    repository: GitHubRepository
    refs: tuple[str, ...] = Field(("refs/heads/main",), min_length=1)

    @model_validator(mode="after")
    def _refs_are_narrow(self) -> GitHubPusher:
        for index, ref in enumerate(self.refs):
            if not ref.startswith(("refs/heads/", "refs/tags/", "environment:")) or ref.rstrip("*/") in (
                "refs/heads",
                "refs/tags",
                "environment:",
            ):
                raise ValueError(
                    f"refs[{index}]: {ref!r} must name a branch (refs/heads/<name>), a tag (refs/tags/<pattern>) "
                    "or an environment (environment:<name>)"
                )
        return self


class CiSettings(ConfigModel):
    """What CI needs per environment; who pushes (each team's `ci.pushers`) is in the catalog."""

    # An existing GitHub OIDC provider's ARN in this account; None: the access stack creates one.
    oidc_provider_arn: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _pushers_moved_to_the_catalog(cls, data: Any) -> Any:
        for old_key in ("pushers", "models"):
            if isinstance(data, dict) and old_key in data:
                raise ValueError(
                    f"{old_key}: who may push to which models moved to each team's ci.pushers in the catalog "
                    "folder (catalog/README.md); move it there and delete it here"
                )
        return data


class Inference(ConfigModel):
    """The pull role that inference workloads assume."""

    trusted_services: tuple[ServicePrincipal, ...] = ("sagemaker.amazonaws.com",)


class AccessConfig(ConfigModel):
    """`access:*` config."""

    consumers: Consumers = Consumers()
    ci: CiSettings = CiSettings()
    # The catalog folder (model_registry.catalog), relative to the project directory: per-model consumers
    # and each team's CI come from there.
    catalog: str = Field(DEFAULT_CATALOG, min_length=1)
    inference: Inference | None = Inference()
    # Owner and cost centre tags of the roles this stack creates.
    owner: str = Field("security", min_length=1, max_length=128)
    cost_centre: str = Field(min_length=1, max_length=128)


ReplicationConfig.model_rebuild()

# --- loading --------------------------------------------------------------------------------

ConfigT = TypeVar("ConfigT", bound=ConfigModel)


def _location(namespace: str, loc: tuple[Any, ...]) -> str:
    path = namespace
    for index, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif not re.fullmatch(r"[A-Za-z_][\w-]*", str(part)):
            path += f"[{str(part)!r}]"  # a key that is no name, e.g. "" or "a b"
        else:
            path += (":" if index == 0 else ".") + str(part)
    return path


# A model validator names the key it found wrong at the start of its message: "models[2].name: ...".
_KEY_PREFIX = re.compile(r"^(?P<path>[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*): (?P<rule>.+)$", re.S)


def format_validation_error(namespace: str, error: ValidationError) -> list[str]:
    """One entry per problem, each `<namespace>:<key path>: <rule>`."""
    problems = error.errors(include_url=False)
    # A list whose items failed also reports "too short after validation": the item errors say more.
    failing = {tuple(p["loc"]) for p in problems if p["type"] != "too_short"}
    lines = []
    for problem in problems:
        loc = tuple(problem["loc"])
        if problem["type"] == "too_short" and any(f[: len(loc)] == loc and f != loc for f in failing):
            continue
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "value_error" and (match := _KEY_PREFIX.match(message)):
            loc, message = loc + tuple(_split_path(match["path"])), match["rule"]
        elif problem["type"] == "string_type":
            message = f"must be a string, got {problem['input']!r} (quote account ids and numbers in YAML)"
        elif problem["type"] == "missing":
            message = "required"
        elif problem["type"] == "extra_forbidden":
            message = "unknown key (check its spelling against the README's config reference)"
        lines.append(f"{_location(namespace, loc)}: {message}")
    return lines


def _split_path(path: str) -> list[Any]:
    """ "models[2].name" -> ["models", 2, "name"]"""
    return [int(part) if part.isdigit() else part for part in re.findall(r"[A-Za-z_]\w*|\d+", path)]


def load(model: type[ConfigT], values: Mapping[str, Any], namespace: str) -> ConfigT:
    """Validate `values` (the project's config keys without the `namespace:` prefix) into `model`."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as error:
        raise ConfigError(*format_validation_error(namespace, error)) from None


def read_pulumi_config(model: type[ConfigT], namespace: str) -> ConfigT:
    """Read `namespace:*` keys from the stack's Pulumi config and validate them into `model`."""
    import pulumi

    config = pulumi.Config(namespace)
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        raw = config.get(key)
        if raw is None:
            continue
        # Structured config arrives as JSON text; plain strings (account ids too) stay strings.
        if raw[:1] in ("[", "{"):
            try:
                values[key] = json.loads(raw)
            except json.JSONDecodeError as error:
                raise ConfigError(f"{namespace}:{key}: not valid structured config ({error.msg})") from None
        else:
            values[key] = raw
    return load(model, values, namespace)


def check_replication_against_source(config: ReplicationConfig, source_region: str, source_account: str) -> None:
    """Destinations that ECR would refuse given where the registry is: replicating to itself."""
    for r, rule in enumerate(config.rules):
        for d, dest in enumerate(rule.destinations):
            if dest.region == source_region and dest.registry_id in (None, source_account):
                raise ConfigError(
                    f"replication:rules[{r}].destinations[{d}]: region {dest.region!r} "
                    f"of account {source_account} is the source registry itself; name another region or account"
                )
