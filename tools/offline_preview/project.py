"""Reading a Pulumi project directory: Pulumi.yaml, the program entry point and Pulumi.<stack>.yaml config.

Config is turned into the flat string map that the Pulumi CLI hands to the language host: keys are
`namespace:key`, scalars are strings, objects and lists are JSON-encoded, `secure:` values become a
masked placeholder marked secret (no secret ever leaves the stack file offline).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from model_registry.sources import SourceError, load_yaml

SECRET_PLACEHOLDER = "[secret]"


class ProjectError(Exception):
    """A project directory or stack file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Project:
    """A Pulumi Python program ready to evaluate."""

    name: str
    directory: Path
    entry: Path  # a file, or a directory holding __main__.py
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()


def load_project(path: str | Path, stack: str) -> Project:
    """Load the project at `path` (a directory with Pulumi.yaml, or a single .py file) for `stack`."""
    path = Path(path)
    if path.is_file() and path.suffix == ".py":
        # A one-file program outside any project: named after the file, no stack config.
        return Project(name=path.stem, directory=path.parent.resolve(), entry=path.resolve())
    if not path.is_dir():
        raise ProjectError(f"{path}: no such project directory")
    manifest = _first_existing(path, ("Pulumi.yaml", "Pulumi.yml"))
    if manifest is None:
        raise ProjectError(f"{path}: not a Pulumi project (no Pulumi.yaml)")
    settings = _read_yaml(manifest)
    name = settings.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{manifest}: missing project `name`")
    runtime = settings.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name not in (None, "python"):
        raise ProjectError(f"{manifest}: runtime {runtime_name!r} is not python; only Python programs run offline")
    entry = _entry_point(path, settings.get("main"), manifest)
    config, secret_keys = _stack_config(path, name, stack, settings.get("config") or {})
    return Project(name=name, directory=path.resolve(), entry=entry, config=config, secret_keys=secret_keys)


def _first_existing(directory: Path, names: tuple[str, ...]) -> Path | None:
    return next((directory / n for n in names if (directory / n).is_file()), None)


def _read_yaml(path: Path) -> dict:
    # model_registry.sources: bad bytes, deep nesting and alias bombs end in one line, not a traceback.
    try:
        data = load_yaml(path).data or {}
    except SourceError as exc:
        raise ProjectError(str(exc)) from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read ({exc.strerror})") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: expected a mapping at the top level")
    return data


def _entry_point(directory: Path, main: object, manifest: Path) -> Path:
    entry = (directory / main) if isinstance(main, str) and main else directory
    if entry.is_dir() and not (entry / "__main__.py").is_file():
        raise ProjectError(f"{entry}: no __main__.py (and no `main:` file in {manifest.name})")
    if not entry.exists():
        raise ProjectError(f"{manifest}: `main: {main}` does not exist")
    return entry.resolve()


def _stack_config(directory: Path, project: str, stack: str, declared: dict) -> tuple[dict[str, str], tuple]:
    raw: dict[str, object] = {}
    # Defaults declared in Pulumi.yaml come first; the stack file overrides them, as in the CLI.
    if not isinstance(declared, dict):
        raise ProjectError(f"{directory / 'Pulumi.yaml'}: `config:` must map keys to values")
    for key, spec in declared.items():
        default = spec.get("default") if isinstance(spec, dict) else spec
        if default is not None:
            raw[_qualify(key, project)] = default
    stack_file = _first_existing(directory, (f"Pulumi.{stack}.yaml", f"Pulumi.{stack}.yml"))
    if stack_file is not None:
        stack_settings = _read_yaml(stack_file)
        config = stack_settings.get("config") or {}
        if not isinstance(config, dict):
            raise ProjectError(f"{stack_file}: `config:` must map keys to values, not be a {type(config).__name__}")
        for key, value in config.items():
            raw[_qualify(key, project)] = value
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[key] = SECRET_PLACEHOLDER
            secret_keys.append(key)
        else:
            config[key] = _config_string(value)
    return config, tuple(sorted(secret_keys))


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _config_string(value: object) -> str:
    # The CLI passes every config value as a string; structured values as JSON.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=False)
