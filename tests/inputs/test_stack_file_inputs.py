"""Stack files (`stacks/*/Pulumi.<env>.yaml`): any bytes or shape loads, or is refused in one line.

Three layers: the offline reader of the file (ProjectError), the stack program's config reading under
the SDK (a ConfigError, never another exception from deeper in the program), and the strictness rule
itself: a key the models do not know, at any level, is never accepted silently.
"""

from __future__ import annotations

import copy
import shutil
import sys

import pytest
import yaml
from access_stack.config import AccessConfig
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from inputs_helpers import (
    ALIAS_BOMB,
    DEEP_YAML,
    REPO,
    STACKS,
    assert_refused_in_one_line,
    call,
    file_bytes,
    json_values,
)
from model_registry import config, config_errors, engine_config, replication_config
from model_registry.errors import ConfigError
from offline_preview.cli import main as offline_preview
from offline_preview.evaluate import EvaluationError, evaluate
from offline_preview.project import ProjectError, load_project
from registry_stack.config import RegistryConfig

MODELS = {"registry": RegistryConfig, "replication": replication_config.ReplicationConfig, "access": AccessConfig}
LOCAL = {name: yaml.safe_load((STACKS / name / "Pulumi.local.yaml").read_text())["config"] for name in MODELS}


@pytest.fixture(scope="module")
def registry_copy(tmp_path_factory):
    """The registry program in a folder of its own, whose stack file each example rewrites."""
    directory = tmp_path_factory.mktemp("registry")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(STACKS / "registry" / name, directory / name)
    shutil.copytree(STACKS / "registry" / "registry_stack", directory / "registry_stack")
    return directory


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_bytes)
def test_any_bytes_load_or_are_refused_in_one_line(registry_copy, data):
    (registry_copy / "Pulumi.local.yaml").write_bytes(data)
    try:
        load_project(registry_copy, "local")
    except ProjectError as error:
        assert "\n" not in str(error) and "Pulumi.local.yaml" in str(error)


def _evaluates_or_config_error(directory, values) -> str | None:
    (directory / "Pulumi.local.yaml").write_text(yaml.safe_dump({"config": values}))
    try:
        evaluate(directory, "local")
    except EvaluationError as error:
        text = str(error)
        assert "\n" not in text
        # The program refused its config; no other exception escaped from deeper in the stack.
        assert "ConfigError: invalid configuration: " in text, text
        return text
    except ProjectError as error:
        return str(error)
    return None


registry_values = st.fixed_dictionaries(
    {},
    optional={
        f"registry:{key}": json_values
        for key in ("costCentre", "namespace", "scanning", "lifecycle", "keyAdmins", "models", "lifecyle")
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registry_values)
def test_any_registry_config_runs_or_is_a_config_error(registry_copy, change):
    _evaluates_or_config_error(registry_copy, {**LOCAL["registry"], **change})


def _mapping_paths(value, path=()):
    """Every path to a mapping inside a config value, the value itself included."""
    if isinstance(value, dict):
        yield path
        for key, item in value.items():
            yield from _mapping_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _mapping_paths(item, (*path, index))


def _plain(stack: str) -> dict:
    prefix = f"{stack}:"
    return {k[len(prefix) :]: v for k, v in LOCAL[stack].items() if k.startswith(prefix)}


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(MODELS)),
    st.data(),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzCI_", min_size=1, max_size=14),
)
def test_an_unknown_key_at_any_level_is_refused_naming_it(stack, data, key):
    values = copy.deepcopy(_plain(stack))
    path = data.draw(st.sampled_from(list(_mapping_paths(values))))
    target = values
    for part in path:
        target = target[part]
    assume(key not in target and key not in config_errors.known_keys(MODELS[stack], path))
    target[key] = 1
    with pytest.raises(ConfigError) as error:
        config.load(MODELS[stack], values, stack)
    # Refused, naming the key: as an unknown key of a model, or as a bad name where keys are names.
    text = str(error.value)
    assert f".{key}:" in text or f"{stack}:{key}:" in text or f"[{key!r}]" in text, text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzA", min_size=1, max_size=12))
def test_an_unknown_top_level_key_is_refused_by_the_program(registry_copy, key):
    assume(key not in {f.alias for f in RegistryConfig.model_fields.values()})
    message = _evaluates_or_config_error(registry_copy, {**LOCAL["registry"], f"registry:{key}": "x"})
    assert message is not None and f"registry:{key}: unknown key" in message


if sys.platform == "win32":  # pragma: no cover - the suite runs on Linux
    pytestmark = pytest.mark.skip("POSIX paths")


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    """The three stacks and the pack configs, as `offline-preview --repo-root` reads them."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(STACKS, root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "policy-pack" / "config", root / "policy-pack" / "config")
    return root


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"config:\n  registry:costCentre: ml\xff\n", "byte 0xff is not UTF-8"),
        (b"config:\n  - registry:costCentre: ml\n", "`config:` must map keys to values"),
        (b"- just\n- a list\n", "expected a mapping at the top level"),
        (b"config: {registry:costCentre: a, registry:costCentre: b}\n", "duplicate key"),
        (DEEP_YAML.encode(), "nest"),
        (ALIAS_BOMB.encode(), "expands to more than"),
        (b"config:\n\tregistry:costCentre: ml\n", "not valid YAML"),
    ],
    ids=["bad-byte", "config-list", "top-list", "duplicate-key", "deep", "alias-bomb", "tab"],
)
def test_the_cli_refuses_a_bad_stack_file_in_one_line(repo_copy, content, expected):
    path = repo_copy / "stacks" / "registry" / "Pulumi.local.yaml"
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        result = call(offline_preview, ["--repo-root", str(repo_copy), "--no-policy", "--no-checkov", "--quiet"])
    finally:
        path.write_bytes(original)
    line = assert_refused_in_one_line(result)
    assert expected in line and "Pulumi.local.yaml" in line


def test_config_nested_thousands_deep_from_the_engine_is_refused_not_a_recursion_error():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ConfigError, match="nested too deeply"):
        config.load(RegistryConfig, {"costCentre": "x", "models": deep}, "registry")


def test_config_from_the_engine_environment_is_checked_against_the_stack_file(tmp_path, monkeypatch):
    """The Pulumi CLI hands config to a Python program in PULUMI_CONFIG (all strings, objects as JSON)."""
    import contextvars
    import json

    import pulumi
    import pulumi.runtime.config as runtime_config

    (tmp_path / "Pulumi.local.yaml").write_text(
        "config:\n  access:costCentre: security\n  access:CI:\n    pushers: []\n  aws:region: us-east1\n"
    )
    engine = {"access:costCentre": "security", "access:CI": json.dumps({"pushers": []}), "aws:region": "us-east1"}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(engine))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pulumi, "get_stack", lambda: "local")

    def read():
        runtime_config.CONFIG.set({})
        return engine_config.read_pulumi_config(AccessConfig, "access")

    with pytest.raises(ConfigError) as error:
        contextvars.copy_context().run(read)
    file = f"{tmp_path.parent.name}/{tmp_path.name}/Pulumi.local.yaml"
    assert error.value.problems == (
        f"{file}:3: access:CI: unknown key; did you mean 'access:ci'?",
        f"{file}:5: aws:region: 'us-east1' is not an AWS region (botocore's partition data lists e.g. us-east-1, "
        "eu-west-1); did you mean 'us-east-1'?",
    )
