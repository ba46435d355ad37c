"""Reading a stack program's config from the Pulumi engine, with the stack file's lines and YAML types.

`read_pulumi_config(Model, namespace)` reads every `namespace:*` key (and the `aws:` keys the project relies
on) the engine gave the program, keeps the types the stack file wrote (`14` stays a number, `"14"` a string),
refuses unknown keys and namespaces, and validates the rest into `Model` (model_registry.config.validate):
every problem names the stack file and line. `aws_problems` also serves tools that read a stack file
themselves (tools/deployer_policies).

Secrets (`secure:` values): a key that is not secret by nature is refused as a secret, by name. A key declared
`may_be_secret` is validated as its plaintext when the engine gives it (`pulumi preview`, and the offline
preview of a passphrase stack with PULUMI_CONFIG_PASSPHRASE set); given NOT_DECRYPTED (the offline preview
without the key), it is reported as not validated offline, in one warning naming it, never judged by the
placeholder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import create_model

from . import naming, rules
from .config import ConfigT, validate
from .config_errors import Loc, Locate, describe, location, split_path, unwrap
from .errors import ConfigError
from .sources import Document, SourceError, closest, load_yaml
from .stack_names import config_stack


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
                    f'must be a list of quoted account ids such as ["111111111111"], not {describe(ids)}',
                )
            )
        else:
            for index, value in enumerate(ids):
                if not isinstance(value, str) or not naming.ACCOUNT_ID.fullmatch(value):
                    problems.append(
                        (f"allowedAccountIds[{index}]", f"{describe(value)} is not a quoted 12-digit AWS account id")
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


# What the offline preview gives a program for a secret it cannot decrypt (no passphrase, or a provider that
# needs an account). The engine never does: it decrypts every secret before the program starts, or stops.
NOT_DECRYPTED = "[secret]"


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
    unvalidated: dict[str, str] = {}  # key -> its "not validated offline" line
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
        is_bool = field is not None and unwrap(field.annotation) is bool
        value = _typed(text, written.get(full), full in written, is_bool)
        if space == "aws":
            aws[key] = value
        elif (
            field is not None
            and _is_secret(full, written.get(full))
            and _may_be_secret(field)
            and text == NOT_DECRYPTED
        ):
            where = locate((key,))
            unvalidated[key] = (
                f"{where + ': ' if where else ''}{full}: a secret, not validated offline: its key is not at hand "
                "(for a passphrase stack, set PULUMI_CONFIG_PASSPHRASE); the engine validates its plaintext"
            )
            values[key] = value
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
        loc = tuple(split_path(key))
        where = _locator(document, "aws")(loc)
        problems.append(f"{where + ': ' if where else ''}{location('aws', loc)}: {rule_text}")
    try:
        loaded = validate(_taking_as_given(model, unvalidated), values, namespace, locate)
    except ConfigError as error:
        problems += error.problems
    if problems:
        raise ConfigError(*problems)
    for line in unvalidated.values():
        pulumi.log.warn(line)
    return loaded


def _taking_as_given(model: type[ConfigT], keys: Mapping[str, str]) -> type[ConfigT]:
    """`model`, or a subclass of it that takes these keys' values as given (not validated offline)."""
    if not keys:
        return model
    names = {name for name, field in model.model_fields.items() if (field.alias or name) in keys}
    return create_model(model.__name__, __base__=model, **{name: (Any, None) for name in names})  # type: ignore[call-overload]
