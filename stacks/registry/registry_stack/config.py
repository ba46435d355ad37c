"""`registry:*` config: the registry stack's settings, validated before any resource is registered.

Read by the stack program with `model_registry.engine_config.read_pulumi_config(RegistryConfig, "registry")`.
The parts its replicas take (scanning, lifecycle) and the value types the catalog shares are in
model_registry.config.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any

from aws_facts.ecr_pull_through import UPSTREAMS, credential_place_problem, prefix_problem
from aws_facts.ecr_signing import profile_problem
from model_registry import rules
from model_registry.config import DEFAULT_CATALOG, ConfigModel, Lifecycle, LifecycleOverride, Scanning
from model_registry.errors import ConfigError
from model_registry.rules import (
    MAX_REPOSITORY_NAME,
    PrincipalArn,
    RequiredTagValue,
    StrictBool,
    StrictStr,
    pattern_matches_prefix,
    rule,
)
from pydantic import AfterValidator, Field

Namespace = Annotated[
    StrictStr,
    rule(
        lambda v: rules.is_repository_name(v) and len(v) <= MAX_REPOSITORY_NAME - 3,
        "{value!r} is not a namespace: lowercase letters and digits joined by '.', '_', '__', dashes or '/' "
        "(ECR's repository-name rule), leaving room for '/<model>'",
    ),
]


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


class Signing(ConfigModel):
    """`registry:signing`: the AWS Signer profile ECR signs the namespace's images with."""

    signing_profile_arn: Annotated[StrictStr, rules.refusing(profile_problem)]


class RegistryConfig(ConfigModel):
    """`registry:*` config."""

    namespace: Namespace = "models"
    cost_centre: RequiredTagValue
    scanning: Scanning = Scanning()
    lifecycle: Lifecycle = Lifecycle()
    # Principals (besides the account root) allowed to administer the registry's KMS key. Empty is meaningful:
    # the key policy's admin statement names the account root alone (kms.registry_key_policy).
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


def check_upstream_credentials(teams: typing.Iterable[Any], account: str | None, region: str | None) -> None:
    """Every upstream's credentials are a secret in the registry's account and region (ECR refuses another):
    one line per credentialArn elsewhere, naming the team file and line. `teams` are catalog teams."""
    problems = [
        f"{team.file}:{line}: upstreams[{index}].credentialArn: {problem}"
        for team in teams
        for index, (upstream, line) in enumerate(zip(team.upstreams, team.upstream_lines, strict=True))
        if upstream.credential_arn
        and (problem := credential_place_problem(upstream.credential_arn, account, region)) is not None
    ]
    if problems:
        raise ConfigError(*problems)
