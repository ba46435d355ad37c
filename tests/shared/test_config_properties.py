"""Any configuration either loads or fails with one ConfigError naming the key and the rule.

Generated configs mix valid and invalid values at every level; the loader must never raise anything
else (no traceback reaches a user), and what it accepts must agree with independent statements of
ECR's rules.
"""

import re
import string

from access_stack.config import AccessConfig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples
from model_registry import config, replication_config
from model_registry.errors import ConfigError
from registry_stack.config import RegistryConfig

LOCATION = re.compile(r"^(registry|replication|access)(:[A-Za-z_][\w-]*)?(\[\d+\]|\[(['\"]).*?\4\]|\.[\w-]+)*: \S")

# JSON-like values of any shape, as YAML config can hold.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
names = st.text(alphabet=string.ascii_lowercase + string.digits + "._-/A", min_size=0, max_size=12)
accounts = st.one_of(st.from_regex(r"\d{12}", fullmatch=True), st.text(max_size=14), st.integers())
# The model catalog is not config: tests/shared/test_catalog.py generates catalogs.
registry_configs = st.fixed_dictionaries(
    {"costCentre": st.one_of(st.text(max_size=6), st.none())},
    optional={
        "namespace": names,
        "scanning": json_values,
        "lifecycle": json_values,
        "keyAdmins": json_values,
        "catalog": json_values,
    },
)
destinations = st.fixed_dictionaries(
    {"region": st.sampled_from(["us-west-2", "eu-west-1", "moon-1", ""])}, optional={"registryId": accounts}
)
replication_configs = st.fixed_dictionaries(
    {},
    optional={
        "rules": st.lists(st.fixed_dictionaries({"destinations": st.lists(destinations, max_size=4)}), max_size=12),
        "sourceAccounts": st.lists(accounts, max_size=3),
        "replicaConsumers": json_values,
    },
)
access_configs = st.fixed_dictionaries(
    {"costCentre": st.text(max_size=5)},
    optional={
        "consumers": st.fixed_dictionaries(
            {},
            optional={
                "accounts": st.lists(accounts, max_size=3),
                "orgId": st.text(max_size=14),
                "services": json_values,
            },
        ),
        "ci": json_values,
        "catalog": json_values,
    },
)


def _loads_or_names_the_key(model, values, namespace):
    try:
        return config.load(model, values, namespace)
    except ConfigError as error:
        text = str(error)
        assert "\n" not in text and text.startswith("invalid configuration: ")
        assert error.problems, "an error without a problem"
        for problem in error.problems:
            assert LOCATION.match(problem), problem
        return None


@settings(max_examples=examples(100, 300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registry_configs)
def test_any_registry_config_loads_or_names_the_key(values):
    _loads_or_names_the_key(RegistryConfig, values, "registry")


@settings(max_examples=examples(100, 300), deadline=None)
@given(replication_configs)
def test_any_replication_config_loads_or_names_the_key(values):
    loaded = _loads_or_names_the_key(replication_config.ReplicationConfig, values, "replication")
    if loaded is not None:
        assert len(loaded.rules) <= 10 and len(loaded.unique_destinations()) <= 25


@settings(max_examples=examples(100, 300), deadline=None)
@given(access_configs)
def test_any_access_config_loads_or_names_the_key(values):
    _loads_or_names_the_key(AccessConfig, values, "access")


@settings(max_examples=examples(75, 200), deadline=None)
@given(json_values)
def test_any_value_at_all_is_refused_cleanly_or_loads(values):
    for model, namespace in ((RegistryConfig, "registry"), (AccessConfig, "access")):
        if isinstance(values, dict):
            _loads_or_names_the_key(model, values, namespace)
