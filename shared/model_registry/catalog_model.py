"""The catalog's data model: what a team file may say (`TeamFile` and its parts, validated by pydantic with the
house's strict types) and what a validated file resolves to (`Team`, `CatalogModel`). This module's one job is the
shape and the per-field rules of one team file; reading the files is `catalog_files`, the checks across files are
`catalog`, and the trusted zone is `catalog_zone`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from aws_facts import tags
from aws_facts.ecr_pull_through import UPSTREAMS, credential_problem
from pydantic import AfterValidator, Field, model_validator

from . import naming
from .config import (
    MAX_TAG_EXCLUSION_FILTERS,
    ConfigModel,
    Consumers,
    GitHubPusher,
    LifecycleOverride,
    ModelName,
    TagFilter,
)
from .config_errors import WhenEmpty
from .rules import refusing
from .stack_names import CORE, SEPARATOR, STACK_NAME_CHARACTERS

# A team name is an IAM role name suffix (`model-registry-ci-push-<team>`: [\w+=,.@-], 64 characters in all), a tag
# value, and, in the sharded layout, part of its shard stacks' names (`<env>.<team>`, `<env>.<team>.2`: Pulumi's
# stack-name characters, stack_names.STACK_NAME_CHARACTERS). One rule for both layouts: the characters all three
# accept (the stack name's are the fewest), no longer than the role name leaves, and not the core stack's name.
# An environment that moves to the sharded layout then finds every team name already fit to name a stack.
# The rule across teams (no team named like another team's later part, `nlp.2`) is catalog._across_files'.
TEAM_NAME = re.compile(f"[{STACK_NAME_CHARACTERS}]+")
MAX_TEAM_NAME = naming.MAX_ROLE_NAME - len(naming.CI_PUSH_ROLE_PREFIX)
RENAME_TEAM = "rename the team (the file and its `team:`)"


def team_name_problem(value: str) -> str | None:
    """Why `value` cannot be a team name, or None."""
    if not TEAM_NAME.fullmatch(value) or len(value) > MAX_TEAM_NAME:
        return (
            f"{value!r} is not a team name: 1-{MAX_TEAM_NAME} characters of letters, digits and _ . - (it becomes "
            f"the IAM role name {naming.CI_PUSH_ROLE_PREFIX}<team>, at most {naming.MAX_ROLE_NAME} characters, the "
            "value of the repositories' team tag, and the sharded layout's stack names <env>.<team>, which Pulumi "
            f"allows only these characters); {RENAME_TEAM}"
        )
    # Case aside: stack files differing only in case are one file on a case-insensitive disk (the file backend).
    if value.lower() == CORE:
        return (
            f"{value!r} is not a team name: <env>{SEPARATOR}{CORE} is the sharded layout's stack of the account-wide "
            f"resources (docs/shards.md), so team {value!r} could not have its own; {RENAME_TEAM}"
        )
    return None


def _team_name(value: str) -> str:
    problem = team_name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def checked_tag_value(value: str) -> str:
    # AWS's tag-value rule (the leaf package's, read from IAM's model); empty is refused: it must say something.
    problem = tags.tag_value_problem(value) if value else "must not be empty"
    if problem:
        raise ValueError(f"{value!r} is not a tag value (it becomes a tag): {problem}")
    return value


TeamName = Annotated[str, AfterValidator(_team_name)]
TagValue = Annotated[str, AfterValidator(checked_tag_value)]


class ModelSpec(ConfigModel):
    """One entry of a team file's `models`: one repository `<namespace>/<name>`."""

    name: ModelName
    description: str | None = Field(None, max_length=256)
    cost_centre: TagValue | None = None  # default: the team's costCentre, else registry:costCentre
    # Tags that may be overwritten (e.g. `latest`); everything else is immutable. Empty is meaningful: the
    # repository is IMMUTABLE, with no exclusion filters sent (ECR's ImageTagMutabilityExclusionFilters has min 1).
    mutable_tags: tuple[TagFilter, ...] = Field((), max_length=MAX_TAG_EXCLUSION_FILTERS)
    # Overrides exist so that a team can ask; the policy pack still rejects scanning turned off.
    scan_on_push: bool = True
    lifecycle: LifecycleOverride | None = None
    # Who may pull this model besides access:consumers (the organization-wide ones).
    consumers: Consumers | None = None


class TeamCi(ConfigModel):
    """The team's own CI identity: the GitHub workflows its push role trusts."""

    # At least one: the push role's trust policy takes its `sub` values from the pushers (iam.github_subjects),
    # and with none its condition would list no workflow. A team without CI leaves `ci` out.
    pushers: Annotated[
        tuple[GitHubPusher, ...],
        WhenEmpty(
            "gives the team's push role a trust policy whose GitHub `sub` condition lists no workflow; name a "
            "repository and its refs, or remove `ci` (the team then has no push role and nobody pushes)"
        ),
    ] = Field(min_length=1)


def _upstream_registry(value: str) -> str:
    if value not in UPSTREAMS:
        raise ValueError(
            f"{value!r} is not an upstream registry this registry caches; use one of {', '.join(UPSTREAMS)}"
        )
    return value


class UpstreamSpec(ConfigModel):
    """An upstream registry the team builds from, reached through an ECR pull-through cache rule."""

    registry: Annotated[str, AfterValidator(_upstream_registry)]
    # A Secrets Manager secret ARN (never the credentials themselves); required where the upstream needs them.
    credential_arn: Annotated[str, refusing(credential_problem)] | None = None

    @model_validator(mode="after")
    def _credentials_where_needed(self) -> UpstreamSpec:
        if UPSTREAMS[self.registry].needs_credentials and self.credential_arn is None:
            raise ValueError(
                f"credentialArn: {self.registry} needs credentials: name the ARN of a Secrets Manager secret "
                "ecr-pullthroughcache/<name> holding them (never the credentials themselves)"
            )
        if not UPSTREAMS[self.registry].needs_credentials and self.credential_arn is not None:
            raise ValueError(f"credentialArn: {self.registry} is public and takes no credentials; remove it")
        return self


class TeamFile(ConfigModel):
    """A whole `catalog/<team>.yaml`."""

    team: TeamName
    cost_centre: TagValue | None = None
    # The team's default lifecycle overrides; a model's own `lifecycle` keys win over these.
    lifecycle: LifecycleOverride | None = None
    ci: TeamCi | None = None
    # Upstream registries the team's builds pull through the registry's cache (docs/features.md); empty: none.
    upstreams: tuple[UpstreamSpec, ...] = ()
    models: tuple[ModelSpec, ...] = Field(min_length=1)


@dataclass(frozen=True)
class CatalogModel:
    """A model with its team resolved, and where it is written (`catalog/nlp.yaml:12`)."""

    name: str
    team: str
    description: str | None
    cost_centre: str | None  # the model's, else its team's; None: registry:costCentre
    mutable_tags: tuple[str, ...]
    scan_on_push: bool
    lifecycle: LifecycleOverride | None
    consumers: Consumers | None
    where: str


@dataclass(frozen=True)
class Team:
    name: str
    cost_centre: str | None
    pushers: tuple[GitHubPusher, ...]  # empty: the team has no CI identity, nobody may push
    models: tuple[str, ...]
    file: str
    pushers_line: int
    upstreams: tuple[UpstreamSpec, ...] = ()
    upstream_lines: tuple[int, ...] = ()  # the line of each upstream's credentialArn (else its registry)
