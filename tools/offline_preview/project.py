"""Reading a Pulumi project directory: Pulumi.yaml, the program entry point and Pulumi.<stack>.yaml config.

Config is turned into the flat string map that the Pulumi CLI hands to the language host: keys are
`namespace:key`, scalars are strings, objects and lists are JSON-encoded (as Go's json.Marshal writes
them: compact, keys sorted). A `secure:` value is marked secret and is its plaintext where the key is at hand
offline (a passphrase-provider stack with PULUMI_CONFIG_PASSPHRASE set: offline_preview.secrets), as the
engine gives it; otherwise the placeholder model_registry.engine_config.NOT_DECRYPTED, which the program
reports as not validated offline instead of judging it. Manifests mask every secret either way.

The engine's limit: the Python language host passes the whole config to the program in ONE environment
variable, `PULUMI_CONFIG=<json.Marshal(config)>`, and the engine passes the same to a policy pack
(pulumi-language-python `constructConfig`, plugin/analyzer_plugin.go `constructEnv`). Linux refuses any
one environment string longer than MAX_ARG_STRLEN (131,072 bytes, the NUL included) with E2BIG, so a
stack whose config exceeds it cannot run at all: `load_project` refuses it in one line.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path

from model_registry.engine_config import NOT_DECRYPTED
from model_registry.sources import SourceError, load_yaml
from model_registry.stack_names import config_stack

from . import gojson
from .cli_yaml import ambiguous_scalars
from .secrets import Decrypt, SecretsError, passphrase_decrypter

SECRET_PLACEHOLDER = NOT_DECRYPTED
# Linux's MAX_ARG_STRLEN (32 pages of 4 KiB): the longest single argument or environment string execve
# accepts, its terminating NUL included (fs/exec.c: valid_arg_len).
MAX_ARG_STRLEN = 131_072
CONFIG_VARIABLE = "PULUMI_CONFIG"
# AES-256-GCM's tag: what a `v1:<nonce>:<ciphertext>` secret (the passphrase provider) adds to its plaintext.
_GCM_TAG_BYTES = 16


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
        ambiguous = ambiguous_scalars(path.read_text(encoding="utf-8", errors="replace"))
    except SourceError as exc:
        raise ProjectError(str(exc)) from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read ({exc.strerror})") from None
    if ambiguous:
        line, value, how = ambiguous[0]
        more = f" (and {len(ambiguous) - 1} more)" if len(ambiguous) > 1 else ""
        raise ProjectError(
            f"{path}:{line}: {value} is read by the Pulumi CLI (YAML 1.2) as {how}, unlike here; quote it "
            f"('{value}') to mean the text{more}"
        )
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
    # Every stack of an environment (`dev`, `dev.core`, `dev.nlp`) reads Pulumi.<env>.yaml, as the CLI does when
    # the Makefile gives it `--config-file Pulumi.<env>.yaml` (docs/shards.md).
    file_stack = config_stack(stack)
    stack_file = _first_existing(directory, (f"Pulumi.{file_stack}.yaml", f"Pulumi.{file_stack}.yml"))
    decrypt: Decrypt | None = None
    if stack_file is not None:
        stack_settings = _read_yaml(stack_file)
        written = stack_settings.get("config") or {}
        if not isinstance(written, dict):
            raise ProjectError(f"{stack_file}: `config:` must map keys to values, not be a {type(written).__name__}")
        for key, value in written.items():
            raw[_qualify(key, project)] = value
        if any(isinstance(v, dict) and set(v) == {"secure"} for v in written.values()):
            try:
                decrypt = passphrase_decrypter(stack_settings, stack_file)
            except SecretsError as error:
                raise ProjectError(str(error)) from None
    config: dict[str, str] = {}
    engine_config: dict[str, str] = {}  # as the engine would pass it: secrets at their plaintext length
    secret_keys: list[str] = []
    for key, value in raw.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            if decrypt is not None and isinstance(value["secure"], str):
                try:
                    config[key] = engine_config[key] = decrypt(key, value["secure"])
                except SecretsError as error:
                    raise ProjectError(str(error)) from None
            else:
                config[key] = SECRET_PLACEHOLDER
                engine_config[key] = "x" * _plaintext_length(value["secure"])
            secret_keys.append(key)
        else:
            config[key] = engine_config[key] = _config_string(value)
    size = config_variable_size(engine_config)
    if size > MAX_ARG_STRLEN:
        where = stack_file or directory / "Pulumi.yaml"  # only declared defaults
        raise ProjectError(
            f"{where}: the stack config is {size:,} bytes as the engine passes it ({CONFIG_VARIABLE}=<json> and "
            f"its NUL, one environment string to the program and to the policy pack), over Linux's "
            f"{MAX_ARG_STRLEN:,}-byte limit (MAX_ARG_STRLEN), so `pulumi up` could not start the program; "
            "move large data (such as a catalog) to files the program reads"
        )
    return config, tuple(sorted(secret_keys))


def config_variable(config: dict[str, str]) -> str:
    """`PULUMI_CONFIG=<json>` as the engine writes it (Go's json.Marshal of the string map: keys sorted)."""
    return f"{CONFIG_VARIABLE}={gojson.marshal(config)}"


def config_variable_size(config: dict[str, str]) -> int:
    """The bytes execve counts for the config variable: `PULUMI_CONFIG=<json>` in UTF-8 and its NUL.

    0 for an empty config: the engine then sets no variable at all.
    """
    return len(config_variable(config).encode()) + 1 if config else 0


def _plaintext_length(ciphertext: object) -> int:
    """The length of a secret's plaintext, read off a passphrase-provider ciphertext (`v1:<nonce>:<data>`);
    other providers' ciphertexts say nothing offline, and count as the placeholder."""
    if isinstance(ciphertext, str) and ciphertext.startswith("v1:") and ciphertext.count(":") == 2:
        try:
            return max(len(base64.b64decode(ciphertext.split(":")[2], validate=True)) - _GCM_TAG_BYTES, 0)
        except (binascii.Error, ValueError):
            pass
    return len(SECRET_PLACEHOLDER)


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _config_string(value: object) -> str:
    # The CLI passes every config value as a string; structured values as Go's json.Marshal writes them.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return gojson.marshal(value)
