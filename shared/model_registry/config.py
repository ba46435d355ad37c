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
import types
import typing
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from aws_facts import models
from aws_facts.ecr_pull_through import UPSTREAMS, prefix_problem
from aws_facts.ecr_signing import profile_problem
from aws_facts.grammars.lifecycle import ARCHIVE_MINIMUM_DAYS, MAX_WILDCARDS
from aws_facts.quotas import QUOTA_TABLE
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from . import naming, rules
from .errors import ConfigError
from .rules import (
    GITHUB_OIDC_HOST,
    MAX_REPOSITORY_NAME,
    AccountId,
    GitHubRef,
    PrincipalArn,
    Region,
    ReplicationPrefix,
    RequiredTagValue,
    SourceArn,
    StrictBool,
    StrictInt,
    StrictStr,
    oidc_provider_arn,
    pattern_matches_prefix,
    rule,
)
from .sources import Document, SourceError, closest, load_yaml

# ECR service limits (see docs/config.md's "Limits" table): the leaf package's quota table, ECR's model (read
# through botocore) and its lifecycle grammar, one copy each.
MAX_REPLICATION_RULES = QUOTA_TABLE["ecr-replication-rules"].limit
MAX_REPLICATION_DESTINATIONS = QUOTA_TABLE["ecr-replication-destinations"].limit
MAX_FILTERS_PER_RULE = QUOTA_TABLE["ecr-replication-filters"].limit
MAX_TAG_EXCLUSION_FILTERS = int(models.length("ecr", "ImageTagMutabilityExclusionFilters")[1] or 0)
MAX_WILDCARDS_PER_TAG_PATTERN = MAX_WILDCARDS
# Where the registry and access stacks find the catalog, relative to their project directory.
DEFAULT_CATALOG = "../../catalog"

STACKS_DIR, PACK_CONFIG_DIR = "stacks", "policy-pack/config"
# Where this library sits in the repository (an editable install): <repo>/shared/model_registry.
_REPO_OF_LIBRARY = Path(__file__).resolve().parents[2]


def environments(repo_root: Path) -> list[str]:
    """The environments the repository defines: those with a Pulumi.<env>.yaml in every stack and a
    policy-pack/config/<env>.json. Environments are data: adding those files adds an environment."""
    stacks = [d for d in sorted((repo_root / STACKS_DIR).glob("*")) if (d / "Pulumi.yaml").is_file()]
    packs = {p.stem for p in (repo_root / PACK_CONFIG_DIR).glob("*.json")}
    if not stacks or not packs:
        return []
    found = set.intersection(
        *({p.name[len("Pulumi.") : -len(".yaml")] for p in d.glob("Pulumi.*.yaml")} for d in stacks)
    )
    return sorted(found & packs)


def _is_repository(path: Path) -> bool:
    return (path / STACKS_DIR).is_dir() and (path / PACK_CONFIG_DIR).is_dir()


def _repository_of(directory: Path) -> Path | None:
    """The repository a stack program runs in (its working directory is the project directory)."""
    return next((p for p in (directory, *directory.parents) if _is_repository(p)), None)


def environment(stack_name: str, repo_root: Path | None = None) -> str:
    """The environment of a stack name (the stack name is the environment), or a ConfigError naming the
    known ones. Checked against the repository this library belongs to when it sits in one."""
    root = repo_root or _repository_of(Path.cwd()) or _REPO_OF_LIBRARY
    if _is_repository(root):
        known = environments(root)
        if stack_name not in known:
            raise ConfigError(
                f"unknown environment {stack_name!r}: the stack name must be one of {', '.join(known)} "
                f"(an environment exists when every stacks/*/Pulumi.<env>.yaml and {PACK_CONFIG_DIR}/<env>.json exist)"
            )
    elif not Path(f"Pulumi.{stack_name}.yaml").is_file():
        raise ConfigError(f"unknown environment {stack_name!r}: no Pulumi.{stack_name}.yaml in {Path.cwd()}")
    return stack_name


def _tag_filter(value: str) -> str:
    if not naming.TAG_FILTER.fullmatch(value):
        raise ValueError(f"{value!r} is not a tag filter (1-128 characters of [0-9A-Za-z._*-])")
    if value.count("*") > MAX_WILDCARDS_PER_TAG_PATTERN:
        raise ValueError(f"{value!r} has more than {MAX_WILDCARDS_PER_TAG_PATTERN} '*' wildcards")
    if value.strip("*") == "":
        raise ValueError(f"{value!r} matches every tag; name the tags instead")
    return value


TagFilter = Annotated[StrictStr, AfterValidator(_tag_filter)]
# A lifecycle rule's tagPrefixList entry: a literal prefix (ECR takes wildcards only in tagPatternList).
TagPrefix = Annotated[
    StrictStr,
    rule(naming.TAG_PREFIX.fullmatch, "{value!r} is not a tag prefix (1-128 characters of [0-9A-Za-z._-], no '*')"),
]
OrgId = Annotated[
    StrictStr, rule(naming.ORG_ID.fullmatch, "{value!r} is not an AWS Organizations id such as o-a1b2c3d4e5")
]
OrgPath = Annotated[
    StrictStr,
    rule(naming.ORG_PATH.fullmatch, "{value!r} is not an AWS Organizations path such as o-a1b2c3d4e5/r-ab12/"),
]
ServicePrincipal = Annotated[
    StrictStr,
    rule(
        naming.SERVICE_PRINCIPAL.fullmatch, "{value!r} is not an AWS service principal such as sagemaker.amazonaws.com"
    ),
]
GitHubRepository = Annotated[
    StrictStr, rule(naming.GITHUB_REPOSITORY.fullmatch, "{value!r} is not a GitHub repository as <owner>/<name>")
]
Namespace = Annotated[
    StrictStr,
    rule(
        lambda v: rules.is_repository_name(v) and len(v) <= MAX_REPOSITORY_NAME - 3,
        "{value!r} is not a namespace: lowercase letters and digits joined by '.', '_', '__', dashes or '/' "
        "(ECR's repository-name rule), leaving room for '/<model>'",
    ),
]


def _model_name(value: str) -> str:
    if "/" in value or not rules.is_repository_name(value) or len(value) > MAX_REPOSITORY_NAME - 3:
        raise ValueError(
            f"{value!r} is not a valid model name: lowercase letters and digits joined by '.', '_', '__' or "
            "dashes, no '/', at least 2 characters (ECR's repository-name rule); ECR allows 256 for "
            "'<namespace>/<name>' in all"
        )
    return value


ModelName = Annotated[StrictStr, AfterValidator(_model_name)]
GitHubOidcProviderArn = Annotated[StrictStr, oidc_provider_arn(GITHUB_OIDC_HOST)]


def _cache_prefix(value: str) -> str:
    longest = max(UPSTREAMS.values(), key=lambda u: len(u.short)).short
    problem = prefix_problem(f"{value}/{longest}") or (
        prefix_problem(value) if value != "ROOT" else "ROOT is not a prefix"
    )
    if problem:
        raise ValueError(
            f"{problem} (the prefix of every cache rule is <upstreamCachePrefix>/<upstream>, e.g. {value}/{longest})"
        )
    return value


CachePrefix = Annotated[StrictStr, AfterValidator(_cache_prefix)]


class ConfigModel(BaseModel):
    """Strict base: camelCase keys, unknown keys refused, values not coerced across types.

    `load()` validates in pydantic's strict JSON mode, so every field of every subclass is strict (no
    bool for a number, no number for a string) while lists still become tuples and strings enums.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


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

    untagged_expiry_days: StrictInt = Field(14, ge=1, le=3650)
    prerelease_keep_count: StrictInt = Field(20, ge=1, le=10000)
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
    """A catalog model's (or its team's default) changes to registry:lifecycle; None: inherit."""

    untagged_expiry_days: StrictInt | None = Field(None, ge=1, le=3650)
    prerelease_keep_count: StrictInt | None = Field(None, ge=1, le=10000)
    # Lifecycle by use (docs/features.md): release images not pulled for N days move to ECR's archive
    # storage class (not pullable, restorable); None: they stay in standard storage.
    archive_after_days_unpulled: StrictInt | None = Field(None, ge=1, le=3650)
    # Delete from the archive N days after the move; ECR's archive keeps an image at least 90 days.
    delete_archived_after_days: StrictInt | None = Field(None, ge=ARCHIVE_MINIMUM_DAYS, le=3650)

    def over(self, default: LifecycleOverride | None) -> LifecycleOverride:
        """This override with `default`'s values where this one has none (a model over its team)."""
        if default is None:
            return self
        mine = self.model_dump(exclude_none=True)
        return LifecycleOverride(**{**default.model_dump(exclude_none=True), **mine})

    def archive_problem(self) -> str | None:
        if self.delete_archived_after_days is not None and self.archive_after_days_unpulled is None:
            return (
                "deleteArchivedAfterDays: set without archiveAfterDaysUnpulled, nothing is ever archived; "
                "set archiveAfterDaysUnpulled too, or remove it"
            )
        return None


def _signing_profile(value: str) -> str:
    problem = profile_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class Signing(ConfigModel):
    """`registry:signing`: the AWS Signer profile ECR signs the namespace's images with."""

    signing_profile_arn: Annotated[StrictStr, AfterValidator(_signing_profile)]


class RegistryConfig(ConfigModel):
    """`registry:*` config."""

    namespace: Namespace = "models"
    cost_centre: RequiredTagValue
    scanning: Scanning = Scanning()
    lifecycle: Lifecycle = Lifecycle()
    # Principals (besides the account root) allowed to administer the registry's KMS key.
    key_admins: tuple[PrincipalArn, ...] = ()
    # The catalog folder (model_registry.catalog), relative to the project directory.
    catalog: str = Field(DEFAULT_CATALOG, min_length=1)
    # Lifecycle by use (the catalog's archiveAfterDaysUnpulled). Only ENV=local turns it off: the
    # emulator's lifecycle schema (moto 5.2.5) predates ECR's archive storage class and refuses it.
    archive_storage: StrictBool = True
    # Pull-through caches of the upstreams the catalog's teams name: `<upstreamCachePrefix>/<upstream>`.
    upstream_cache_prefix: CachePrefix = "cache"
    # Only ENV=local turns them off: the emulator has no pull-through cache rules nor creation templates (500).
    upstream_caches: StrictBool = True
    # ECR managed signing of every image pushed to the namespace (release tags included), through the
    # aws-native provider (pulumi-aws 7.51.1 has no signing resource); None: images are not signed.
    signing: Signing | None = None

    def model_lifecycle(self, override: LifecycleOverride | None) -> LifecycleOverride | None:
        """A catalog model's lifecycle override as this environment deploys it."""
        if override is None or self.archive_storage:
            return override
        return override.model_copy(update={"archive_after_days_unpulled": None, "delete_archived_after_days": None})


def check_mutable_tags(lifecycle: Lifecycle, models: typing.Iterable[Any]) -> None:
    """No model's mutable-tag pattern may reach a release tag: a movable release breaks immutability and
    the lifecycle's promise. `models` are catalog models (`name`, `mutable_tags`, `where` = file:line)."""
    problems = []
    for model in models:
        for index, pattern in enumerate(model.mutable_tags):
            for prefix in lifecycle.release_tag_prefixes:
                if pattern_matches_prefix(pattern, prefix):
                    problems.append(
                        f"{model.where}: model {model.name!r}: mutableTags[{index}]: {pattern!r} matches release "
                        f"tags (registry:lifecycle.releaseTagPrefixes {prefix!r}): release images would become "
                        "movable; name only tags that may move, such as 'latest' or 'nightly-*'"
                    )
                    break
    if problems:
        raise ConfigError(*problems)


# --- replication ----------------------------------------------------------------------------


class Destination(ConfigModel):
    """A replication destination: a region of this account, or another account's registry."""

    region: Region
    registry_id: AccountId | None = None  # None: this account


class ReplicationRule(ConfigModel):
    destinations: tuple[Destination, ...] = Field(min_length=1, max_length=MAX_REPLICATION_DESTINATIONS)
    # Extra PREFIX_MATCH filters inside the namespace (e.g. "models/llm"); default: the whole namespace.
    prefixes: tuple[ReplicationPrefix, ...] = Field((), max_length=MAX_FILTERS_PER_RULE)


class RegistryPolicyScope(StrEnum):
    V1 = "V1"
    V2 = "V2"


class BasicScanTypeVersion(StrEnum):
    AWS_NATIVE = "AWS_NATIVE"
    CLAIR = "CLAIR"


class AccountSettings(ConfigModel):
    """The ECR account settings the replication stack pins (aws.ecr.AccountSetting), see docs/features.md."""

    # V2: a registry policy's every ECR action applies; V1 honours only replication and pull-through actions.
    registry_policy_scope: RegistryPolicyScope = RegistryPolicyScope.V2
    basic_scan_type_version: BasicScanTypeVersion = BasicScanTypeVersion.AWS_NATIVE
    # Only ENV=local turns the pinning off: the emulator (moto 5.2.5) has no PutAccountSetting (it answers 500).
    pinned: StrictBool = True


class ReplicationConfig(ConfigModel):
    """`replication:*` config."""

    rules: tuple[ReplicationRule, ...] = Field((), max_length=MAX_REPLICATION_RULES)
    # Accounts that replicate INTO this registry (the registry policy); empty: no registry policy.
    source_accounts: tuple[AccountId, ...] = ()
    # Who may pull from replicas (the creation template's repository policy).
    replica_consumers: Consumers | None = None
    # Creation templates (with their KMS replica keys and role) in each same-account destination region.
    # Only ENV=local turns them off: the emulator implements neither their API nor ReplicateKey by ARN.
    replica_templates: StrictBool = True
    # The registry-wide account settings this stack owns (one value per account and region, like the
    # registry policy it gives meaning to).
    account_settings: AccountSettings = AccountSettings()

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
    refs: tuple[GitHubRef, ...] = Field(("refs/heads/main",), min_length=1)


class CiSettings(ConfigModel):
    """What CI needs per environment; who pushes (each team's `ci.pushers`) is in the catalog."""

    # An existing GitHub OIDC provider's ARN in this account; None: the access stack creates one.
    oidc_provider_arn: GitHubOidcProviderArn | None = None

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

    # At least one: an empty list makes a trust policy whose Principal names nobody, a document IAM refuses
    # (the pack would name the role; this names the key). No inference role at all: `inference: null`.
    trusted_services: tuple[ServicePrincipal, ...] = Field(("sagemaker.amazonaws.com",), min_length=1)


class AccessConfig(ConfigModel):
    """`access:*` config."""

    consumers: Consumers = Consumers()
    ci: CiSettings = CiSettings()
    # The catalog folder (model_registry.catalog), relative to the project directory: per-model consumers
    # and each team's CI come from there.
    catalog: str = Field(DEFAULT_CATALOG, min_length=1)
    inference: Inference | None = Inference()
    # Owner and cost centre tags of the roles this stack creates.
    owner: RequiredTagValue = "security"
    cost_centre: RequiredTagValue


ReplicationConfig.model_rebuild()

# --- loading --------------------------------------------------------------------------------

ConfigT = TypeVar("ConfigT", bound=ConfigModel)
Loc = tuple[Any, ...]
# Where a value came from, as "file:line", by its key path (None: not from a file).
Locate = typing.Callable[[Loc], str | None]


def _location(namespace: str, loc: Loc) -> str:
    path = namespace
    for index, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif not re.fullmatch(r"[A-Za-z_][\w-]*", str(part)):
            path += f"[{str(part)!r}]"  # a key that is no name, e.g. "" or "a b"
        elif index == 0:
            path += (":" if namespace else "") + str(part)
        else:
            path += "." + str(part)
    return path


# A model validator names the key it found wrong at the start of its message: "models[2].name: ...".
_KEY_PREFIX = re.compile(r"^(?P<path>[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*): (?P<rule>.+)$", re.S)


def _describe(value: Any) -> str:
    """A value as the YAML author wrote it, briefly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the type that holds the value."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _field(model: type[BaseModel], key: str):
    return next((f for n, f in model.model_fields.items() if key in (f.alias, n)), None)


def known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model accepts at `loc` (the path of a mapping inside it), as written in YAML."""
    annotation: Any = model
    for part in loc:
        current = _model_of(annotation)
        if current is not None and isinstance(part, str):
            found = _field(current, part)
            if found is None:
                return []
            annotation = found.annotation
            continue
        args = typing.get_args(_unwrap(annotation))
        origin = typing.get_origin(_unwrap(annotation))
        if origin in (tuple, list) and args:
            annotation = args[0]
        elif origin is dict and len(args) == 2:
            annotation = args[1]
        else:
            return []
    current = _model_of(annotation)
    return [f.alias or n for n, f in current.model_fields.items()] if current else []


def _named_item(data: Any, loc: Loc) -> str:
    """`(model 'x')` for the innermost list item on the path that has a `name`, e.g. a catalog model."""
    subject = _named_subject(data, loc)
    return f" ({subject[0]})" if subject else ""


def _rule(problem: Mapping[str, Any], model: type[BaseModel], loc: Loc) -> str:
    """Our wording for one of pydantic's error types (never the library's own)."""
    kind, value, ctx = problem["type"], problem.get("input"), problem.get("ctx") or {}
    got = f", not {_describe(value)}"
    simple = {
        "missing": "required",
        "int_type": "must be a whole number" + got,
        "int_from_float": "must be a whole number" + got,
        "float_type": "must be a number" + got,
        "bool_type": "must be true or false" + got,
        "string_type": "must be a string" + got + " (quote account ids and numbers in YAML)",
        "dict_type": "must be a mapping of keys to values" + got,
        "model_type": "must be a mapping of keys to values" + got,
        "model_attributes_type": "must be a mapping of keys to values" + got,
        "tuple_type": "must be a list" + got,
        "list_type": "must be a list" + got,
        "none_required": "must be null" + got,
    }
    if kind in simple:
        return simple[kind]
    if kind == "extra_forbidden":
        known = known_keys(model, loc[:-1])
        guess = closest(str(loc[-1]), known)
        return f"unknown key; did you mean {guess!r}?" if guess else f"unknown key; known keys: {', '.join(known)}"
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx.get('expected', '')}{got}"
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "less_than_equal": ("at most", "le"),
        "greater_than": ("more than", "gt"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key)}{got}"
    if kind in ("too_short", "too_long"):
        words = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        return f"needs {words} {limit} {'item' if limit == 1 else 'items'}, has {ctx.get('actual_length')}"
    if kind in ("string_too_short", "string_too_long"):
        words = "at least" if kind == "string_too_short" else "at most"
        limit = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        return f"needs {words} {limit} {'character' if limit == 1 else 'characters'}, has {len(value) if isinstance(value, str) else '?'}"
    return f"{_describe(value)} is not accepted here"


def _named_subject(data: Any, loc: Loc) -> tuple[str, Loc] | None:
    """(`model 'x'`, the path below it) for the innermost list item on the path that has a `name`."""
    found, value, parent = None, data, ""
    for index, part in enumerate(loc):
        if isinstance(value, dict) and isinstance(part, str) and part in value:
            value, parent = value[part], part
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
            if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"]:
                kind = parent[:-1] if parent.endswith("s") else "item"
                found = (f"{kind} {value['name']!r}", loc[index + 1 :])
        else:
            break
    return found


def format_validation_error(
    namespace: str,
    error: ValidationError,
    data: Any = None,
    model: type[BaseModel] | None = None,
    locate: Locate | None = None,
    by_item_name: bool = False,
) -> list[str]:
    """One entry per problem: `[file:line: ]<namespace>:<key path>: <rule>[ (model 'name')]`.

    With `by_item_name` (files whose lists hold named items, e.g. a catalog file), a problem inside such
    an item reads `[file:line: ]model 'name': <path below it>: <rule>`."""
    problems = error.errors(include_url=False)
    # A list whose items failed also reports "too short after validation": the item errors say more.
    failing = {tuple(p["loc"]) for p in problems if p["type"] != "too_short"}
    lines = []
    for problem in problems:
        loc = tuple(problem["loc"])
        if problem["type"] == "too_short" and any(f[: len(loc)] == loc and f != loc for f in failing):
            continue
        if problem["type"] in ("value_error", "assertion_error"):
            message = problem["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            if match := _KEY_PREFIX.match(message):
                loc, message = loc + tuple(_split_path(match["path"])), match["rule"]
        else:
            message = _rule(problem, model or ConfigModel, loc)
        where = locate(loc) if locate else None
        prefix = f"{where}: " if where else ""
        subject = _named_subject(data, loc) if by_item_name else None
        if subject is not None:
            who, below = subject
            lines.append(f"{prefix}{who}: {_location('', below) + ': ' if below else ''}{message}")
        else:
            lines.append(f"{prefix}{_location(namespace, loc)}: {message}{_named_item(data, loc)}")
    return lines


def _split_path(path: str) -> list[Any]:
    """ "models[2].name" -> ["models", 2, "name"]"""
    return [int(part) if part.isdigit() else part for part in re.findall(r"[A-Za-z_]\w*|\d+", path)]


def validate(
    model: type[ConfigT],
    values: Mapping[str, Any],
    namespace: str,
    locate: Locate | None = None,
    by_item_name: bool = False,
) -> ConfigT:
    """Validate plain data (as YAML or JSON gives it) into `model`, strictly: no value is coerced across
    types. Raises one ConfigError naming each problem's file, line, key and rule."""
    if not isinstance(values, Mapping):
        where = locate(()) if locate else None
        raise ConfigError(
            f"{where + ': ' if where else ''}{namespace or 'the document'}: must be a mapping, not {_describe(values)}"
        )
    data = dict(values)
    try:
        # Strict JSON mode: strict for every field, while JSON arrays still become tuples and strings enums.
        # by_name=False: the documented camelCase keys only (a snake_case spelling is an unknown key).
        return model.model_validate_json(json.dumps(data, allow_nan=False), strict=True, by_name=False)
    except ValidationError as error:
        raise ConfigError(*format_validation_error(namespace, error, data, model, locate, by_item_name)) from None
    except (TypeError, ValueError):  # not JSON data (.nan/.inf, a non-string key): refused whole
        where = locate(()) if locate else None
        raise ConfigError(
            f"{where + ': ' if where else ''}{namespace or 'the document'}: holds a value that is not plain data "
            "(.nan, .inf or a key that is not text); write numbers, text, lists and mappings only"
        ) from None
    except RecursionError:
        where = locate(()) if locate else None
        raise ConfigError(f"{where + ': ' if where else ''}{namespace or 'the document'}: nested too deeply") from None


def validate_document(model: type[ConfigT], document: Document, namespace: str = "") -> ConfigT:
    """Validate a whole YAML file (`sources.load_yaml`), e.g. a catalog file: every message starts with
    `file:line:`, names a list item by its `name` (`model 'x': ...`), and unknown keys at any level name
    the closest known key."""
    return validate(
        model, document.data, namespace, lambda loc: f"{document.file}:{document.line(loc)}", by_item_name=True
    )


def load(model: type[ConfigT], values: Mapping[str, Any], namespace: str, locate: Locate | None = None) -> ConfigT:
    """Validate `values` (the project's config keys without the `namespace:` prefix) into `model`."""
    return validate(model, values, namespace, locate)


# --- the stack program's config (from the engine) ------------------------------------------------


def aws_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, rule) for each `aws:` key this project relies on that AWS would refuse: `aws:region` must be
    a region botocore lists, `aws:allowedAccountIds` a list of quoted 12-digit account ids."""
    problems = []
    if "region" in values:
        problem = rules.region_problem(values["region"])
        if problem:
            problems.append(("region", problem))
    if "allowedAccountIds" in values:
        ids = values["allowedAccountIds"]
        if isinstance(ids, list) and not ids:
            problems.append(("allowedAccountIds", "is empty: name the account this stack deploys to"))
        elif not isinstance(ids, list):
            problems.append(
                (
                    "allowedAccountIds",
                    f'must be a list of quoted account ids such as ["111111111111"], not {_describe(ids)}',
                )
            )
        else:
            for index, value in enumerate(ids):
                if not isinstance(value, str) or not naming.ACCOUNT_ID.fullmatch(value):
                    problems.append(
                        (f"allowedAccountIds[{index}]", f"{_describe(value)} is not a quoted 12-digit AWS account id")
                    )
    return problems


def allowed_account_ids(values: Mapping[str, Any], file: str = "") -> list[str]:
    """The validated `aws:allowedAccountIds` of a stack config (`aws:`-less keys), or a ConfigError."""
    problems = aws_problems({k: v for k, v in values.items() if k == "allowedAccountIds"})
    if problems:
        raise ConfigError(*(f"{file + ': ' if file else ''}aws:{key}: {rule}" for key, rule in problems))
    return list(values.get("allowedAccountIds") or [])


def _config_string(value: Any) -> str:
    """How the Pulumi CLI hands a stack-file value to the program: strings as is, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _engine_config() -> dict[str, str]:
    """Every config key the engine gave the program. The SDK's public `get_config_env()` (PULUMI_CONFIG,
    how the language host passes it) and the runtime's config map (set by `set_all_config`, e.g. mocks)."""
    import pulumi.runtime
    import pulumi.runtime.config as runtime_config

    try:
        values = dict(pulumi.runtime.get_config_env())
    except ValueError:
        values = {}
    values.update(runtime_config.CONFIG.get())
    return {str(k): str(v) for k, v in values.items()}


def _stack_document(stack: str) -> Document | None:
    """The stack file the engine read (in the project directory), for line numbers and YAML types; every stack
    of an environment reads `Pulumi.<env>.yaml` (model_registry.stack_names)."""
    from .stack_names import config_stack

    stack = config_stack(stack)
    for name in (f"Pulumi.{stack}.yaml", f"Pulumi.{stack}.yml"):
        path = Path.cwd() / name
        if path.is_file():
            try:
                shown = path.relative_to(Path.cwd().parent.parent)
            except ValueError:
                shown = path
            try:
                return load_yaml(path) if shown == path else _renamed(load_yaml(path), str(shown))
            except SourceError as error:
                raise ConfigError(str(error)) from None
    return None


def _renamed(document: Document, file: str) -> Document:
    return Document(file, document.data, document.lines)


def _typed(text: str, written: Any, in_file: bool, field_is_bool: bool) -> Any:
    """The value the stack file holds when the engine's string agrees with it (so YAML's types are
    kept: `14` stays a number, `"14"` a string), else the engine's string decoded as Pulumi does."""
    if in_file and (text == _config_string(written) or (text[:1] in ("[", "{") and _json_or(text) == written)):
        return written
    if text[:1] in ("[", "{"):
        return _json_or(text, text)
    if field_is_bool and text in ("true", "false"):  # what config.get_bool accepts
        return text == "true"
    return text


def _json_or(text: str, default: Any = None) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return default


def _written(document: Document | None) -> dict[str, Any]:
    config = (document.data or {}).get("config") if document and isinstance(document.data, dict) else None
    return config if isinstance(config, dict) else {}


def _locator(document: Document | None, namespace: str) -> Locate:
    """`file:line` of a `<namespace>:<key>...` value in the stack file, by its path below the namespace."""
    written = _written(document)

    def locate(loc: Loc) -> str | None:
        if document is None or not loc or f"{namespace}:{loc[0]}" not in written:
            return None
        return f"{document.file}:{document.line(('config', f'{namespace}:{loc[0]}', *loc[1:]))}"

    return locate


def stack_locator(namespace: str) -> Locate:
    """For checks that run once the engine knows more (e.g. an upstream's export): where a key was written."""
    import pulumi

    return _locator(_stack_document(pulumi.get_stack()), namespace)


# Keys that left stack config: the unknown-key message says where they went.
MOVED_KEYS = {
    project: {
        key: f"the models and their consumers moved to the catalog folder ({project}:catalog: one <team>.yaml per "
        "team, see catalog/README.md); move these entries there and delete the key"
        for key in keys
    }
    for project, keys in (("registry", ("models",)), ("access", ("modelConsumers",)))
}

# Config namespaces a program may carry besides its own and the AWS provider's: the engine's own, and the
# aws-native provider's (aws-native:region), which registry:signing needs.
OTHER_NAMESPACES = ("pulumi", "aws-native")


def _is_secret(full_key: str, written: Any) -> bool:
    """A `secure:` key: marked secret by the engine (PULUMI_CONFIG_SECRET_KEYS) or written so in the stack file."""
    import pulumi.runtime.config as runtime_config

    return runtime_config.is_config_secret(full_key) or (isinstance(written, dict) and set(written) == {"secure"})


def _may_be_secret(field: Any) -> bool:
    """A field declared `json_schema_extra={"may_be_secret": True}`: none of the stacks' keys is, today (names,
    tags, accounts, paths and policies are read by anyone who can list the resources)."""
    extra = getattr(field, "json_schema_extra", None)
    return isinstance(extra, dict) and extra.get("may_be_secret") is True


def read_pulumi_config(model: type[ConfigT], namespace: str) -> ConfigT:
    """Read every `namespace:*` key (and the `aws:` keys the project relies on) from the engine's config
    and validate them into `model`. Unknown keys are errors; messages name the stack file and line."""
    import pulumi

    document = _stack_document(pulumi.get_stack())
    written = _written(document)
    locate = _locator(document, namespace)

    known = {f.alias or n: f for n, f in model.model_fields.items()}
    values: dict[str, Any] = {}
    aws: dict[str, Any] = {}
    problems: list[str] = []
    for full, text in sorted(_engine_config().items()):
        space, _, key = full.partition(":")
        if space not in (namespace, "aws"):
            if space not in OTHER_NAMESPACES:  # e.g. `regsitry:namespace`: a misspelt namespace
                guess = closest(space, (namespace, "aws"))
                hint = f"did you mean '{guess}:{key}'?" if guess else f"this program reads {namespace}: and aws: keys"
                where = _locator(document, space)((key,))
                problems.append(f"{where + ': ' if where else ''}{full}: unknown namespace {space!r}; {hint}")
            continue
        field = known.get(key) if space == namespace else None
        is_bool = field is not None and _unwrap(field.annotation) is bool
        value = _typed(text, written.get(full), full in written, is_bool)
        if space == "aws":
            aws[key] = value
        elif field is not None and _is_secret(full, written.get(full)) and not _may_be_secret(field):
            # Judging the value would judge a placeholder offline ("[secret]") and a plaintext the engine must
            # not show: a key that is not secret by nature is refused as a secret, by name.
            where = locate((key,))
            problems.append(
                f"{where + ': ' if where else ''}{full}: is a secret (`secure:`), but {key} is not secret by nature "
                f"(it names resources, tags or files that anyone with read access sees); write it in plain text "
                f"(`pulumi config set {full} <value>` without --secret)"
            )
        elif field is None:
            guess = closest(key, known)
            hint = f"did you mean '{namespace}:{guess}'?" if guess else f"known keys: {', '.join(sorted(known))}"
            rule_text = MOVED_KEYS.get(namespace, {}).get(key, f"unknown key; {hint}")
            where = locate((key,))
            problems.append(f"{where + ': ' if where else ''}{full}: {rule_text}")
        else:
            values[key] = value
    for key, rule_text in aws_problems(aws):
        loc = tuple(_split_path(key))
        where = _locator(document, "aws")(loc)
        problems.append(f"{where + ': ' if where else ''}{_location('aws', loc)}: {rule_text}")
    try:
        loaded = validate(model, values, namespace, locate)
    except ConfigError as error:
        problems += error.problems
    if problems:
        raise ConfigError(*problems)
    return loaded


def check_replication_prefixes(config: ReplicationConfig, namespace: str, locate: Locate | None = None) -> None:
    """Every PREFIX_MATCH filter must lie inside the registry namespace, or it replicates other teams'
    repositories (or none of ours)."""
    for r, replication_rule in enumerate(config.rules):
        for p, prefix in enumerate(replication_rule.prefixes):
            if not rules.prefix_in_namespace(prefix, namespace):
                where = locate(("rules", r, "prefixes", p)) if locate else None
                raise ConfigError(
                    f"{where + ': ' if where else ''}replication:rules[{r}].prefixes[{p}]: {prefix!r} is outside "
                    f"the registry namespace {namespace!r}: use {namespace!r} or '{namespace}/<more>'"
                )


def check_replication_against_source(
    config: ReplicationConfig, source_region: str, source_account: str, locate: Locate | None = None
) -> None:
    """Destinations that ECR would refuse given where the registry is: replicating to itself."""
    for r, replication_rule in enumerate(config.rules):
        for d, dest in enumerate(replication_rule.destinations):
            if dest.region == source_region and dest.registry_id in (None, source_account):
                where = locate(("rules", r, "destinations", d)) if locate else None
                raise ConfigError(
                    f"{where + ': ' if where else ''}replication:rules[{r}].destinations[{d}]: region {dest.region!r} "
                    f"of account {source_account} is the source registry itself; name another region or account"
                )
