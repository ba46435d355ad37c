"""The model catalog: one YAML file per model team, `catalog/<team>.yaml`, read by the registry and access stacks.

The catalog is not stack config: the Python language host passes all stack config in ONE environment
variable (`PULUMI_CONFIG`), which Linux caps at 131,072 bytes, and a catalog of a few thousand models
is larger than that. It is also the same in every environment, and each file is owned by its team
(CODEOWNERS), so that a team adds its models with its own review. The format is in `catalog/README.md`.

`load_catalog(directory)` validates every file strictly (unknown keys refused with the closest known
key, a bool is not a number, a number is not a string) and across files (a model in one file only,
file name = team, team names that IAM and tags accept). Every problem is one line naming the file,
the line, the model and the field: `catalog/nlp.yaml:12: model 'llama-3': mutableTags[0]: ...`; all
of them end in one `ConfigError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from aws_facts import tags
from aws_facts.ecr_pull_through import UPSTREAMS, credential_problem
from aws_facts.names import ORG_PATH_AS_GIVEN
from aws_facts.pack_interface import ZONE_POLICY
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
    validate_document,
)
from .config_errors import WhenEmpty
from .environments import LIBRARY_REPOSITORY, PACK_CONFIG_DIR
from .errors import ConfigError
from .rules import refusing
from .sources import Document, SourceError, load_json, load_yaml
from .stack_names import config_stack

# Catalog files are `<team>.yaml`; a `.yml` file would otherwise be skipped without a word.
SUFFIX = ".yaml"
# Data files that look like a team file in another format (a JSON Schema, `*.schema.json`, is not one).
LOOKALIKE_SUFFIXES = (".json", ".json5", ".jsonc", ".toml")
# A team name is an IAM role name suffix (`model-registry-ci-push-<team>`: [\w+=,.@-], 64 characters in
# all) and a tag value: the characters both accept, and no longer than the role name leaves.
TEAM_NAME = re.compile(r"[A-Za-z0-9_+=.@-]+")
MAX_TEAM_NAME = naming.MAX_ROLE_NAME - len(naming.CI_PUSH_ROLE_PREFIX)


def _team_name(value: str) -> str:
    if not TEAM_NAME.fullmatch(value) or len(value) > MAX_TEAM_NAME:
        raise ValueError(
            f"{value!r} is not a team name: 1-{MAX_TEAM_NAME} characters of letters, digits and _ + = . @ - "
            f"(it becomes the IAM role name {naming.CI_PUSH_ROLE_PREFIX}<team>, at most {naming.MAX_ROLE_NAME} "
            "characters, and the value of the repositories' team tag)"
        )
    return value


def _tag_value(value: str) -> str:
    # AWS's tag-value rule (the leaf package's, read from IAM's model); empty is refused: it must say something.
    problem = tags.tag_value_problem(value) if value else "must not be empty"
    if problem:
        raise ValueError(f"{value!r} is not a tag value (it becomes a tag): {problem}")
    return value


TeamName = Annotated[str, AfterValidator(_team_name)]
TagValue = Annotated[str, AfterValidator(_tag_value)]


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


@dataclass(frozen=True)
class TrustedZone:
    """What a team file may grant pull to: the trusted zone the policy pack enforces in one environment
    (`policy-pack/config/<env>.json`, policy `no-wildcard-principal`: `trustedAccounts`, `organizationIds`,
    `trustedOrgPaths`).

    A team's file is reviewed by that team only (CODEOWNERS); the zone is the security team's. So a team file
    grants only inside the zone: accounts, IAM principals and services' source accounts/ARNs of trusted
    accounts, and the trusted organizations or paths inside them or under a trusted path. The pack refuses the
    same grants in the policies the access stack builds (defence in depth)."""

    accounts: frozenset[str]
    organizations: frozenset[str]
    source: str  # the pack config file, as messages name it
    org_paths: frozenset[str] = frozenset()  # each as AWS gives it: every id followed by '/'

    def account_problem(self, account: str, what: str) -> str | None:
        if account in self.accounts:
            return None
        return (
            f"{what} {account!r} is outside the trusted zone: {self.source} trusts the accounts "
            f"{_listed(self.accounts)} (rule {ZONE_POLICY}.trustedAccounts); ask the security team to trust it there"
        )

    def organization_problem(self, organization: str, what: str) -> str | None:
        if organization in self.organizations:
            return None
        return (
            f"{what} is in the organization {organization!r}, outside the trusted zone: {self.source} trusts the "
            f"organizations {_listed(self.organizations)} (rule {ZONE_POLICY}.organizationIds); ask the security "
            "team to trust it there"
        )

    def path_problem(self, org_path: str) -> str | None:
        """A team's `orgPaths` entry: inside when its organization is trusted or it lies under a trusted path.
        The access stack grants the path and everything under it (`<path>/*`), so the path itself must be under
        a trusted one: a parent or a sibling of a trusted OU is outside."""
        granted = org_path.rstrip("/") + "/"
        organization = granted.split("/")[0]
        if organization in self.organizations or any(granted.startswith(p) for p in self.org_paths):
            return None
        return (
            f"the path {org_path!r} is in the organization {organization!r}, outside the trusted zone: {self.source} "
            f"trusts the organizations {_listed(self.organizations)} (rule {ZONE_POLICY}.organizationIds) and the paths "
            f"{_listed(self.org_paths)} (rule {ZONE_POLICY}.trustedOrgPaths); ask the security team to trust it there"
        )


# The pack's config folder, relative to a repository's top, where the catalog folder is too.
PACK_CONFIG = Path(PACK_CONFIG_DIR)


def pack_config_path(catalog_folder: Path, environment: str) -> Path:
    """The pack config of `environment` that holds the trusted zone: beside the catalog folder (the repository
    the catalog belongs to: a checkout, or the copy `make diff` evaluates), else in the repository of this
    library (stacks evaluated from a copied folder, as tests and the benchmark do)."""
    beside = catalog_folder.resolve().parent / PACK_CONFIG / f"{environment}.json"
    return beside if beside.is_file() else LIBRARY_REPOSITORY / PACK_CONFIG / f"{environment}.json"


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) if values else "(none)"


def trusted_zone(path: str | Path, shown: str | None = None) -> TrustedZone:
    """The trusted zone of a pack config file; a ConfigError (one line naming the file) when it is unusable."""
    shown = shown or str(path)
    if not Path(path).is_file():
        raise ConfigError(
            f"{shown}: not found ({Path(path).resolve()}): the pack config holds the trusted zone that a team "
            "file may grant to; every environment has one (policy-pack/config/<env>.json)"
        )
    try:
        config = load_json(path)
    except SourceError as error:
        raise ConfigError(f"{shown}: {error.message}") from None
    options = config.get(ZONE_POLICY) if isinstance(config, dict) else None
    if not isinstance(options, dict):
        raise ConfigError(
            f"{shown}: has no {ZONE_POLICY!r} object, so the trusted zone a team file may grant to is unknown"
        )
    lists = {}
    for key in ("trustedAccounts", "organizationIds", "trustedOrgPaths"):
        value = options.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{shown}: {ZONE_POLICY}.{key} must be a list of strings, not {value!r}")
        lists[key] = frozenset(value)
    for index, org_path in enumerate(options.get("trustedOrgPaths", [])):
        # A trusted path is a prefix: without its closing '/' it would also trust a sibling OU with a longer id.
        if not ORG_PATH_AS_GIVEN.fullmatch(org_path):
            raise ConfigError(
                f"{shown}: {ZONE_POLICY}.trustedOrgPaths[{index}]: {org_path!r} is not an organization path as AWS "
                "gives it, such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (each id followed by '/')"
            )
    return TrustedZone(lists["trustedAccounts"], lists["organizationIds"], shown, lists["trustedOrgPaths"])


@dataclass(frozen=True)
class Catalog:
    """Every team file of a catalog folder, validated together."""

    directory: Path
    teams: tuple[Team, ...]
    models: tuple[CatalogModel, ...]

    def upstreams(self) -> dict[str, str | None]:
        """{upstream registry: its credential ARN} over every team (one cache rule per upstream)."""
        return {u.registry: u.credential_arn for team in self.teams for u in team.upstreams}


def load_catalog(
    directory: str | Path, *, namespace: str | None = None, key: str = "catalog", zone: TrustedZone | None = None
) -> Catalog:
    """Read and validate every `<team>.yaml` of `directory`; with `namespace`, check the repository names' length;
    with `zone`, refuse every consumer outside it (TrustedZone).

    `key` names the config key that chose the folder (`registry:catalog`), for the folder's own errors.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(f"{key}: {str(directory)!r} is not a folder (resolved: {folder.resolve()})")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    problems: list[str] = []
    for path in files:
        if path.suffix.lower() in (".yml", ".yaml") and path.suffix != SUFFIX:
            problems.append(f"{_shown(folder, path)}: catalog files end in {SUFFIX}; rename it to {path.stem}{SUFFIX}")
        elif path.suffix.lower() in LOOKALIKE_SUFFIXES and not path.name.lower().endswith(".schema.json"):
            problems.append(
                f"{_shown(folder, path)}:1: a team file in another format would be skipped without a word: catalog "
                f"files are YAML, <team>{SUFFIX}; write it as {path.stem}{SUFFIX}"
            )
    teams: list[Team] = []
    models: list[CatalogModel] = []
    for path in (p for p in files if p.suffix == SUFFIX):
        loaded = _load_team_file(folder, path, problems, zone)
        if loaded is not None:
            teams.append(loaded[0])
            models.extend(loaded[1])
    if not teams and not problems:
        raise ConfigError(
            f"{key}: the catalog folder {folder.resolve()} has no team files (<team>{SUFFIX}) and so no models; "
            "see catalog/README.md"
        )
    problems += _across_files(teams, models, namespace)
    if problems:
        raise ConfigError(*problems)
    return Catalog(folder, tuple(teams), tuple(models))


# Stack config keys the catalog replaced: left in a Pulumi.<env>.yaml they would be ignored without a word.
MOVED_TO_CATALOG = {"registry": ("models",), "access": ("modelConsumers",)}


def read_catalog(folder: str, key: str, *, namespace: str | None = None) -> Catalog:
    """The catalog a stack's config key (`registry:catalog`) names, relative to the Pulumi project directory."""
    import pulumi

    project = key.partition(":")[0]
    left = [f"{project}:{old}" for old in MOVED_TO_CATALOG.get(project, ()) if pulumi.Config(project).get(old)]
    if left:
        raise ConfigError(
            *(
                f"{old}: the models and their consumers moved to the catalog folder ({key}: one <team>.yaml per "
                "team, see catalog/README.md); move these entries there and delete the key"
                for old in left
            )
        )
    directory = Path(pulumi.get_root_directory()) / folder
    # Every stack of an environment (`dev`, `dev.core`, `dev.nlp`) is held to that environment's pack config.
    env = config_stack(pulumi.get_stack())
    zone = trusted_zone(pack_config_path(directory, env), f"policy-pack/config/{env}.json")
    return load_catalog(directory, namespace=namespace, key=f"{key} ({folder})", zone=zone)


def _shown(folder: Path, path: Path) -> str:
    """A file as messages name it: `<folder name>/<file>`, e.g. `catalog/nlp.yaml`."""
    return f"{folder.name}/{path.name}" if folder.name else path.name


# A team file as read, by (its name as messages show it, its bytes, the trusted zone): the result depends on
# nothing else. One preview process evaluates several stacks and each reads the whole catalog (at 10,000 models,
# a one-model change's preview read it 10 times: 36% of its cProfile time, docs/shards.md), so equal bytes are
# parsed, validated and resolved once. Everything kept is immutable (frozen dataclasses and pydantic models).
# The parse and validation are kept apart, by name and bytes only: the shard plan reads without a zone, the
# programs with their environment's.
_READ: dict[tuple, tuple[tuple[Team, tuple[CatalogModel, ...]] | None, tuple[str, ...]]] = {}
_PARSED: dict[tuple[str, bytes], tuple[Document, TeamFile] | tuple[str, ...]] = {}
FILES_KEPT = 64


def _kept(cache: dict, key, make):
    found = cache.get(key)
    if found is None:
        found = make()
        if len(cache) >= FILES_KEPT:
            del cache[next(iter(cache))]  # the oldest: a catalog no longer read
        cache[key] = found
    return found


def _load_team_file(
    folder: Path, path: Path, problems: list[str], zone: TrustedZone | None = None
) -> tuple[Team, list[CatalogModel]] | None:
    shown = _shown(folder, path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        problems.append(f"{shown}: cannot be read ({error.strerror})")
        return None
    loaded, found_problems = _kept(
        _READ, (shown, raw, zone), lambda: _team_file(folder.name, path.stem, shown, raw, zone)
    )
    problems.extend(found_problems)
    return (loaded[0], list(loaded[1])) if loaded is not None else None


def _team_file(
    folder_name: str, stem: str, shown: str, raw: bytes, zone: TrustedZone | None
) -> tuple[tuple[Team, tuple[CatalogModel, ...]] | None, tuple[str, ...]]:
    """The team file's team and models (None when it cannot be used), and its problems (one line each)."""
    parsed = _kept(_PARSED, (shown, raw), lambda: _parse(shown, raw))
    if not parsed or not isinstance(parsed[0], Document):
        return None, parsed
    document, spec = parsed
    if spec.team != stem:
        return None, (
            f"{shown}:{document.line(('team',))}: team: {spec.team!r} is not the file's name: the models of team "
            f"{spec.team!r} belong in {folder_name}/{spec.team}{SUFFIX} (one file per team, owned by it in CODEOWNERS)",
        )
    team = Team(
        name=spec.team,
        cost_centre=spec.cost_centre,
        pushers=spec.ci.pushers if spec.ci else (),
        models=tuple(m.name for m in spec.models),
        file=shown,
        pushers_line=document.line(("ci", "pushers")),
        upstreams=spec.upstreams,
    )
    models = tuple(
        CatalogModel(
            name=m.name,
            team=spec.team,
            description=m.description,
            cost_centre=m.cost_centre or spec.cost_centre,
            mutable_tags=m.mutable_tags,
            scan_on_push=m.scan_on_push,
            lifecycle=m.lifecycle.over(spec.lifecycle) if m.lifecycle else spec.lifecycle,
            consumers=m.consumers,
            where=f"{shown}:{document.line(('models', index, 'name'))}",
        )
        for index, m in enumerate(spec.models)
    )
    problems: list[str] = []
    if zone is not None:
        for index, m in enumerate(spec.models):
            if m.consumers is not None:
                problems.extend(_outside_zone(shown, document, index, m.name, m.consumers, zone))
    for model in models:
        problem = model.lifecycle.archive_problem() if model.lifecycle else None
        if problem:
            problems.append(f"{model.where}: model {model.name!r}: lifecycle.{problem}")
    if any(m.lifecycle and m.lifecycle.archive_problem() for m in models):
        return None, tuple(problems)
    return (team, models), tuple(problems)


def _parse(shown: str, raw: bytes) -> tuple[Document, TeamFile] | tuple[str, ...]:
    """(document, validated team file), or the file's problems (one line each)."""
    try:
        document = load_yaml(shown, raw)
    except SourceError as error:
        return (str(error),)
    data = document.data
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        return (f"{shown}:1: the file is {kind}; a team file has team, models and optionally costCentre, ci",)
    try:
        # Strict types and camelCase keys only, worded as every config error is (config.validate_document).
        return document, validate_document(TeamFile, document)
    except ConfigError as error:
        return tuple(error.problems)


def _outside_zone(
    shown: str, document: Document, index: int, model: str, consumers: Consumers, zone: TrustedZone
) -> list[str]:
    """One line per consumer of a model that the trusted zone does not allow: file:line, model, field, rule."""
    checks: list[tuple[tuple[str | int, ...], str | None]] = []
    for i, account in enumerate(consumers.accounts):
        checks.append((("accounts", i), zone.account_problem(account, "the account")))
    for i, principal in enumerate(consumers.principals):
        checks.append((("principals", i), zone.account_problem(principal.split(":")[4], f"{principal!r}: its account")))
    for i, service in enumerate(consumers.services):
        if service.source_account is not None:
            problem = zone.account_problem(service.source_account, "the source account")
            checks.append((("services", i, "sourceAccount"), problem))
        if service.source_arn is not None:
            account = service.source_arn.split(":")[4] if service.source_arn.count(":") >= 5 else ""
            problem = (
                zone.account_problem(account, "the source ARN's account")
                if account
                else f"the source ARN {service.source_arn!r} names no account, so it does not keep the service "
                "inside the trusted zone; name a resource of a trusted account"
            )
            checks.append((("services", i, "sourceArn"), problem))
    if consumers.org_id is not None:
        checks.append((("orgId",), zone.organization_problem(consumers.org_id, "the organization")))
    for i, org_path in enumerate(consumers.org_paths):
        checks.append((("orgPaths", i), zone.path_problem(org_path)))
    problems = []
    for path, problem in checks:
        if problem is None:
            continue
        field = "consumers" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        line = document.line(("models", index, "consumers", *path))
        problems.append(f"{shown}:{line}: model {model!r}: {field}: {problem}")
    return problems


def _across_files(teams: list[Team], models: list[CatalogModel], namespace: str | None) -> list[str]:
    problems = []
    # One cache rule per upstream registry: teams naming the same upstream must name the same secret.
    credentials: dict[str, tuple[str | None, Team]] = {}
    for team in teams:
        for upstream in team.upstreams:
            named = credentials.setdefault(upstream.registry, (upstream.credential_arn, team))
            if named[0] != upstream.credential_arn:
                problems.append(
                    f"{team.file}:1: upstreams: {upstream.registry} has credentialArn {upstream.credential_arn!r} here "
                    f"and {named[0]!r} in {named[1].file}; the registry has one cache rule per upstream: agree on one secret"
                )
    roles: dict[str, Team] = {}
    for team in teams:
        # IAM role names are unique regardless of case: NLP and nlp would be one role.
        other = roles.setdefault(team.name.lower(), team)
        if other is not team:
            problems.append(
                f"{team.file}:1: team: {team.name!r} and {other.name!r} ({other.file}) differ only in case; "
                f"IAM role names ignore case, so both would be {naming.ci_push_role(team.name.lower())}: merge them"
            )
    seen: dict[str, CatalogModel] = {}
    for model in models:
        first = seen.setdefault(model.name, model)
        if first is not model:
            problems.append(
                f"{model.where}: model {model.name!r}: also in {first.where}; a model belongs to one team: "
                "remove one of the two entries"
            )
        if namespace is not None:
            full = naming.repository_name(namespace, model.name)
            if len(full) > naming.ECR_REPOSITORY_NAME_LENGTH[1]:
                problems.append(
                    f"{model.where}: model {model.name!r}: name: the repository name {namespace}/<name> is "
                    f"{len(full)} characters; ECR allows {naming.ECR_REPOSITORY_NAME_LENGTH[1]}: shorten the name"
                )
    return problems
