"""Shards: which stack of the sharded layout holds which catalog models (docs/shards.md).

A shard is a model team's catalog file, or a part of it when the team is large. Parts are planned so that
no stack passes MAX_RESOURCES_PER_STACK: a self-managed backend writes the whole state file after every
step of an update, so an update costs the square of a stack's size (pulumi/pulumi#10960, #3178).

A model's part is the jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
Algorithm", 2014) of its name over the team's number of parts: adding or removing a model moves no other
model, and when a team grows from P to P+1 parts only about 1/(P+1) of its models move, all of them to the
new part (each move is a `pulumi state move`, never a delete: `make shard-moves`, offline_preview.part_moves).
Part 0 is named after the team (`nlp`), part k after it with k+1 (`nlp.2`): a team that grows keeps its
first stack.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from .catalog import Catalog, CatalogModel
from .errors import ConfigError
from .stack_names import CORE, SEPARATOR, part_name

# The bound on one stack's resources that the offline preview enforces.
MAX_RESOURCES_PER_STACK = 2_000
# Per model, the registry shard holds a repository and its lifecycle policy; the access shard one
# repository policy. Each stack also holds its root, its default provider and its component.
RESOURCES_PER_MODEL = {"registry": 2, "access": 1}
# A part is planned for at most this many models: 1,500 registry resources, a quarter of the bound left
# for the hash's imbalance (about ±3 standard deviations of a binomial at 10,000 models).
MODELS_PER_PART = 750


@dataclass(frozen=True)
class Shard:
    """One shard: its name (the stack is `<env>.<name>`), its team, which part of the team it is, its models."""

    name: str
    team: str
    part: int  # 0-based
    parts: int
    file: str  # catalog/nlp.yaml
    models: tuple[str, ...]


def parts_for(models: int, per_part: int = MODELS_PER_PART) -> int:
    """How many parts a team of `models` models gets."""
    return max(1, -(-models // per_part))


def jump_hash(name: str, buckets: int) -> int:
    """The bucket (0..buckets-1) of `name`: Lamping and Veach's jump consistent hash of its SHA-256."""
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    bucket, jump = -1, 0
    while jump < buckets:
        bucket = jump
        key = (key * 2862933555777941757 + 1) & 0xFFFF_FFFF_FFFF_FFFF
        jump = int((bucket + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return bucket


def plan(catalog: Catalog, per_part: int = MODELS_PER_PART) -> tuple[Shard, ...]:
    """Every shard of the catalog, in team-file order. Every shard name is a distinct stack-name part: the catalog
    refuses team names that could not be one, `core`, and names of another team's parts, in every layout
    (catalog_model.team_name_problem, catalog._named_like_parts)."""
    shards: list[Shard] = []
    for team in catalog.teams:
        parts = parts_for(len(team.models), per_part)
        members: list[list[str]] = [[] for _ in range(parts)]
        for model in team.models:
            members[jump_hash(model, parts)].append(model)
        shards += [
            Shard(part_name(team.name, part), team.name, part, parts, team.file, tuple(names))
            for part, names in enumerate(members)
        ]
    return tuple(shards)


def part_changes(base: tuple[Shard, ...], head: tuple[Shard, ...]) -> dict[str, tuple[str, str]]:
    """{model: (its shard in `base`, its shard in `head`)} for each model of both plans whose shard changed (a team
    that grew a part, a renamed team file, a model moved to another team): each is a `pulumi state move`. A model
    added or removed is no move."""
    before = {model: shard.name for shard in base for model in shard.models}
    after = {model: shard.name for shard in head for model in shard.models}
    return {m: (before[m], after[m]) for m in sorted(before.keys() & after.keys()) if before[m] != after[m]}


def shard_catalog(catalog: Catalog, name: str, per_part: int = MODELS_PER_PART) -> Catalog:
    """The catalog of one shard (its team and its models only), or a ConfigError naming the known shards."""
    found = {shard.name: shard for shard in plan(catalog, per_part)}
    shard = found.get(name)
    if shard is None:
        known = ", ".join(sorted(found)) or "none"
        raise ConfigError(
            f"stack shard {name!r}: the catalog ({catalog.directory.name}/) has no such shard (shards: {known}); "
            f"select <env>{SEPARATOR}{CORE} or <env>{SEPARATOR}<shard>"
        )
    members = set(shard.models)
    models: tuple[CatalogModel, ...] = tuple(m for m in catalog.models if m.name in members)
    teams = tuple(t for t in catalog.teams if t.name == shard.team)
    return replace(catalog, teams=teams, models=models)
