"""The configuration schema the stacks, the catalog and the tools share, and strict validation into it.

Each stack's own config model sits beside its component (`stacks/<stack>/<stack>_stack/config.py`); this
module keeps what two or more of them (or a tool) share: the strict base `ConfigModel`, the value types of
stack config and the catalog, the lifecycle and scanning settings (the registry's, which its replicas
take) and who may pull (`Consumers`, the access stack's and the catalog's). The replication stack's
`ReplicationConfig`, which tools/deployer_policies reads too, is model_registry.replication_config.

`validate()` turns plain data into a model strictly; a bad value ends in one `ConfigError` that names the
key (with list indices) and the rule, e.g. `registry:lifecycle.releaseTagPrefixes[0]: ...`
(model_registry.config_errors). Keys are camelCase in YAML, as Pulumi config usually is. A stack program
reads its config with model_registry.engine_config.read_pulumi_config; the model catalog is not stack
config: see `model_registry.catalog`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from aws_facts import models
from aws_facts.ecr_scanning import SCANNING_FREQUENCIES, ScanFrequency, ScanType
from aws_facts.grammars.lifecycle import ARCHIVE_MINIMUM_DAYS, MAX_WILDCARDS
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from . import naming, rules
from .config_errors import Locate, WhenEmpty, describe, format_validation_error
from .errors import ConfigError
from .rules import (
    MAX_REPOSITORY_NAME,
    AccountId,
    GitHubRef,
    PrincipalArn,
    SourceArn,
    StrictInt,
    StrictStr,
    rule,
)
from .sources import Document

# ECR service limits (see docs/config.md's "Limits" table): the leaf package's quota table, ECR's model (read
# through botocore) and its lifecycle grammar, one copy each.
MAX_TAG_EXCLUSION_FILTERS = int(models.length("ecr", "ImageTagMutabilityExclusionFilters")[1] or 0)
MAX_WILDCARDS_PER_TAG_PATTERN = MAX_WILDCARDS
# Where the registry and access stacks find the catalog, relative to their project directory.
DEFAULT_CATALOG = "../../catalog"


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


def _model_name(value: str) -> str:
    if "/" in value or not rules.is_repository_name(value) or len(value) > MAX_REPOSITORY_NAME - 3:
        raise ValueError(
            f"{value!r} is not a valid model name: lowercase letters and digits joined by '.', '_', '__' or "
            "dashes, no '/', at least 2 characters (ECR's repository-name rule); ECR allows 256 for "
            "'<namespace>/<name>' in all"
        )
    return value


ModelName = Annotated[StrictStr, AfterValidator(_model_name)]


class ConfigModel(BaseModel):
    """Strict base: camelCase keys, unknown keys refused, values not coerced across types.

    `load()` validates in pydantic's strict JSON mode, so every field of every subclass is strict (no
    bool for a number, no number for a string) while lists still become tuples and strings enums.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


# --- scanning and lifecycle: the registry's, which its replicas take (model_registry.replica_settings) --


# ECR's scan types and frequencies are the leaf's (aws_facts.ecr_scanning). A registry chooses a frequency that
# scans: one of those ENHANCED takes (MANUAL scans nothing); BASIC takes fewer (Scanning checks the pair).
REGISTRY_FREQUENCIES = SCANNING_FREQUENCIES[ScanType.ENHANCED]


def _registry_frequency(value: Any) -> Any:
    """Refuses a value outside REGISTRY_FREQUENCIES as an enum of them would (MANUAL reads like any typo)."""
    if value not in REGISTRY_FREQUENCIES:
        listed = " or ".join(repr(f.value) for f in REGISTRY_FREQUENCIES)
        raise ValueError(f"must be one of {listed}, not {describe(value)}")
    return value


class Scanning(ConfigModel):
    """The registry-wide scanning configuration (one per registry and region)."""

    type: ScanType = ScanType.ENHANCED
    frequency: Annotated[ScanFrequency, BeforeValidator(_registry_frequency)] = ScanFrequency.CONTINUOUS_SCAN

    @model_validator(mode="after")
    def _frequency_of_the_type(self) -> Scanning:
        taken = SCANNING_FREQUENCIES[self.type]
        if self.frequency not in taken:
            raise ValueError(f"{self.type} scanning supports only frequency {' or '.join(taken)}")
        return self


class Lifecycle(ConfigModel):
    """What the lifecycle policy of a repository keeps. Release tags are never expired."""

    untagged_expiry_days: StrictInt = Field(14, ge=1, le=3650)
    prerelease_keep_count: StrictInt = Field(20, ge=1, le=10000)
    # At least one of each: not for a malformed document (each rule's tagPrefixList holds one prefix, never an
    # empty list) but for the lifecycle's contract (a release scheme to keep, a pre-release scheme to expire).
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


# --- who may pull: the access stack's consumers, the catalog's, the replicas' ---------------------------


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


# Every list of Consumers may be empty: an empty one adds no statement to the policy (ecr.pull_statements),
# never a statement whose Principal or condition names nobody.
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
    # At least one: a pusher's refs become the `sub` values of its team's trust policy (iam.github_subjects);
    # none would let the repository push from nowhere, and a team whose pushers all have none gets a condition
    # with an empty value list, which matches no token.
    refs: Annotated[
        tuple[GitHubRef, ...],
        WhenEmpty(
            "lets this repository push from no ref; name the refs or environments it pushes from, such as "
            "refs/heads/main or environment:release, or remove the pusher"
        ),
    ] = Field(("refs/heads/main",), min_length=1)


# --- validation ------------------------------------------------------------------------------------------

ConfigT = TypeVar("ConfigT", bound=ConfigModel)


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
            f"{where + ': ' if where else ''}{namespace or 'the document'}: must be a mapping, not {describe(values)}"
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
