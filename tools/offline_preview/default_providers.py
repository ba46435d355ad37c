"""The engine's default providers, as the offline engine (monitor.py) registers them: which packages get one, at
which version, with which inputs, and when the project forbids them.

- The engine registers a package's default provider when a resource or invoke of that package names none, for
  every package (pulumi/pulumi pkg/resource/deploy/providers/registry.go, `defaultProviders`): aws, aws-native
  (configured from `aws-native:*`, its own region), and so on. Offline, for each package whose Python SDK the
  program has (`pulumi_<package>`, '-' as '_'), at the version that SDK asks for.
- Its inputs are the stack config of the package's namespace (`GetPackageConfig`).
- `pulumi:disable-default-providers` lists the packages ("*": every one) whose default provider the engine
  refuses: a resource or invoke needing one stops the program (pkg/resource/deploy/source_eval.go,
  diag.GetDefaultProviderDenied: "Default provider for '<package>' disabled. '<type>' must use an explicit
  provider.").
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json

from . import sdk_internals
from .failures import EvaluationError

PROVIDER_PREFIX = "pulumi:providers:"
DISABLE_DEFAULT_PROVIDERS = "pulumi:disable-default-providers"


def sdk_version(package: str) -> str | None:
    """The version of the package's Python SDK in the program's environment; None without one."""
    try:
        return importlib.metadata.version(f"pulumi_{package.replace('-', '_')}")
    except importlib.metadata.PackageNotFoundError:
        return None


def deny_default_provider(config: dict[str, str], token: str, where: str) -> None:
    """Stop the program (EvaluationError, at `where`) when `token` needs a default provider the config disables."""
    package = token.split(":", 1)[0]
    if token.startswith(PROVIDER_PREFIX) or package == "pulumi":
        return
    disabled = _config_list(config.get(DISABLE_DEFAULT_PROVIDERS))
    if package in disabled or "*" in disabled:
        raise EvaluationError(
            f"{where}: Default provider for '{package}' disabled. '{token}' must use an explicit provider "
            f"({DISABLE_DEFAULT_PROVIDERS} lists {'*' if '*' in disabled else repr(package)}): pass "
            "opts=pulumi.ResourceOptions(provider=...) (or InvokeOptions for a function)"
        )


def _config_list(value: object) -> list[str]:
    """A config value holding a list: as the stack config gives it (JSON text) or already parsed."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [str(value)]
    return [str(v) for v in value] if isinstance(value, list) else []


def provider_inputs(config: dict[str, str], secret_keys, package: str) -> dict:
    """A default provider's inputs as the engine builds them from the stack config (`GetPackageConfig`): every
    `<package>:<key>` as `<key>`; a structured value (JSON object or list) as that structure; secrets wrapped."""
    secret = set(secret_keys)
    inputs: dict = {}
    for key, value in sorted(config.items()):
        namespace, _, name = key.partition(":")
        if namespace != package or not name:
            continue
        parsed = value
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                parsed = json.loads(value)
        inputs[name] = {sdk_internals.SIG_KEY: sdk_internals.SECRET_SIG, "value": parsed} if key in secret else parsed
    return inputs
