"""Reading one team file: its bytes parsed with their lines, validated as a `TeamFile`, resolved into a `Team` and
its `CatalogModel`s, its consumers held to the trusted zone; kept per process by name and bytes so that each
distinct file is read once. This module's one job is one file; `catalog.load_catalog` reads the folder and checks
across files.
"""

from __future__ import annotations

from pathlib import Path

from .catalog_model import CatalogModel, Team, TeamFile
from .catalog_zone import TrustedZone, outside_zone
from .config import validate_document
from .errors import ConfigError
from .sources import Document, SourceError, load_yaml

# Catalog files are `<team>.yaml`; a `.yml` file would otherwise be skipped without a word.
SUFFIX = ".yaml"


def file_shown(folder: Path, path: Path) -> str:
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


def load_team_file(
    folder: Path, path: Path, problems: list[str], zone: TrustedZone | None = None
) -> tuple[Team, list[CatalogModel]] | None:
    shown = file_shown(folder, path)
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
        upstream_lines=tuple(
            document.line(("upstreams", index, "credentialArn" if u.credential_arn else "registry"))
            for index, u in enumerate(spec.upstreams)
        ),
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
                problems.extend(outside_zone(shown, document, index, m.name, m.consumers, zone))
        for index, pusher in enumerate(spec.ci.pushers if spec.ci is not None else ()):
            if (problem := zone.pusher_problem(pusher.repository)) is not None:
                line = document.line(("ci", "pushers", index, "repository"))
                problems.append(f"{shown}:{line}: ci.pushers[{index}].repository: {problem}")
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
