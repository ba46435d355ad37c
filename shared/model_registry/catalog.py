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

This module reads a catalog folder and checks across its files; a team file's shape is `catalog_model`,
reading one file `catalog_files`, the trusted zone `catalog_zone`. Other code imports all of it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_facts.names import partition_of

from . import naming
from .catalog_files import SUFFIX, file_shown, load_team_file
from .catalog_model import MAX_TEAM_NAME, RENAME_TEAM, CatalogModel, Team, TeamFile
from .catalog_zone import TrustedZone, pack_config_path, trusted_zone
from .errors import ConfigError
from .stack_names import SEPARATOR, config_stack, part_of

# What other code imports from here; the parts live in catalog_model (a team file's shape), catalog_files
# (reading one file), catalog_zone (the trusted zone).
__all__ = [
    "MAX_TEAM_NAME",
    "SUFFIX",
    "Catalog",
    "CatalogModel",
    "Team",
    "TeamFile",
    "TrustedZone",
    "load_catalog",
    "pack_config_path",
    "read_catalog",
    "trusted_zone",
]

# Data files that look like a team file in another format (a JSON Schema, `*.schema.json`, is not one).
LOOKALIKE_SUFFIXES = (".json", ".json5", ".jsonc", ".toml")


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
    problems: list[str] = [_skipped(folder, path) for path in sorted(folder.iterdir()) if _would_be_skipped(path)]
    for path in files:
        if path.suffix.lower() in (".yml", ".yaml") and path.suffix != SUFFIX:
            problems.append(
                f"{file_shown(folder, path)}: catalog files end in {SUFFIX}; rename it to {path.stem}{SUFFIX}"
            )
        elif path.suffix.lower() in LOOKALIKE_SUFFIXES and not path.name.lower().endswith(".schema.json"):
            problems.append(
                f"{file_shown(folder, path)}:1: a team file in another format would be skipped without a word: catalog "
                f"files are YAML, <team>{SUFFIX}; write it as {path.stem}{SUFFIX}"
            )
    teams: list[Team] = []
    models: list[CatalogModel] = []
    for path in (p for p in files if p.suffix == SUFFIX):
        loaded = load_team_file(folder, path, problems, zone)
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


def _would_be_skipped(path: Path) -> bool:
    """A team file the loader would not read: hidden (`.audio.yaml`) or in a subfolder (`audio/audio.yaml`)."""
    if path.is_dir():
        return any(p.suffix.lower() in (".yml", ".yaml") for p in path.rglob("*"))
    return path.name.startswith(".") and path.suffix.lower() in (".yml", ".yaml")


def _skipped(folder: Path, path: Path) -> str:
    where = "a hidden file" if path.is_file() else "a subfolder holding YAML files"
    return (
        f"{file_shown(folder, path)}: {where} would be skipped without a word: the catalog reads "
        f"<team>{SUFFIX} files directly in {folder.name}/; move its models there (or delete it)"
    )


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
    region = pulumi.Config("aws").get("region")
    partition = partition_of(region) if region else None
    zone = trusted_zone(pack_config_path(directory, env), f"policy-pack/config/{env}.json", partition)
    return load_catalog(directory, namespace=namespace, key=f"{key} ({folder})", zone=zone)


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
    problems += _named_like_parts(teams)
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


def _named_like_parts(teams: list[Team]) -> list[str]:
    """Teams named like a later part of another team (`nlp.2`, `nlp.3`, ... of team `nlp`, stack_names.part_name):
    in the sharded layout both would be stack <env>.nlp.2 once nlp grows a part, so the name is refused now, in
    every layout and at any size (the rest of the team-name rule is catalog_model.team_name_problem). Case aside,
    as stack files on a case-insensitive disk are."""
    owners = {team.name.lower(): team for team in teams}
    problems = []
    for team in teams:
        part = part_of(team.name.lower())
        owner = owners.get(part[0]) if part else None
        if part and owner is not None:
            problems.append(
                f"{team.file}:1: team: {team.name!r} is the name of part {part[1]} of team {owner.name!r} "
                f"({owner.file}) in the sharded layout, stack <env>{SEPARATOR}{team.name}, which that team gets as "
                f"it grows (docs/shards.md); {RENAME_TEAM}"
            )
    return problems
