"""Which stack holds which model: shards are team files, parts of a large team by a consistent hash.

Written from docs/shards.md: a team of at most MODELS_PER_PART models is one shard named after it; a larger
team is split into ceil(models / MODELS_PER_PART) parts named `<team>`, `<team>.2`, ...; adding a model
moves no other; a team that grows by a part only moves models into the new part.
"""

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_registry.catalog import Catalog, Team
from model_registry.contract import upstream_stack
from model_registry.errors import ConfigError
from model_registry.shards import MAX_RESOURCES_PER_STACK, MODELS_PER_PART, jump_hash, parts_for, plan, shard_catalog
from model_registry.stack_names import config_stack, split_stack, stack_name
from offline_preview.shard_plan import stack_bound

NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), min_size=1, max_size=60, unique=True)


def catalog_of(teams: dict[str, list[str]]) -> Catalog:
    return Catalog(
        Path("catalog"),
        tuple(Team(name, None, (), tuple(models), f"catalog/{name}.yaml", 0) for name, models in teams.items()),
        (),
    )


def test_a_team_of_up_to_one_part_is_one_shard_named_after_it():
    assert parts_for(MODELS_PER_PART) == 1 and parts_for(MODELS_PER_PART + 1) == 2 and parts_for(0) == 1
    shards = plan(catalog_of({"nlp": [f"m{i}" for i in range(MODELS_PER_PART)]}))
    assert [(s.name, len(s.models)) for s in shards] == [("nlp", 750)]


def test_a_large_team_is_split_into_parts_that_keep_every_model_once():
    models = [f"model-{i:05d}" for i in range(MODELS_PER_PART * 2 + 1)]  # 1,501 models: 3 parts
    shards = plan(catalog_of({"nlp": models}))
    assert [s.name for s in shards] == ["nlp", "nlp.2", "nlp.3"]
    assert sorted(m for s in shards for m in s.models) == models
    # Registry resources per part (2 per model) stay under the bound with the quarter kept for imbalance.
    assert all(2 * len(s.models) < MAX_RESOURCES_PER_STACK for s in shards)


@settings(max_examples=50, deadline=None)
@given(NAMES, st.integers(1, 8), st.from_regex(r"new-[a-z]{1,8}", fullmatch=True))
def test_adding_a_model_moves_no_other_model(names, parts, added):
    before = {name: jump_hash(name, parts) for name in names}
    assert all(0 <= bucket < parts for bucket in before.values())
    assert {name: jump_hash(name, parts) for name in [*names, added] if name in before} == before


@settings(max_examples=50, deadline=None)
@given(NAMES, st.integers(1, 8))
def test_a_team_that_grows_a_part_moves_models_only_into_the_new_part(names, parts):
    moved = {n for n in names if jump_hash(n, parts) != jump_hash(n, parts + 1)}
    assert all(jump_hash(n, parts + 1) == parts for n in moved)


def test_an_unknown_shard_is_refused_naming_the_known_ones():
    catalog = catalog_of({"nlp": ["a"], "speech": ["b"]})
    with pytest.raises(ConfigError, match=r"stack shard 'vision': .* \(shards: nlp, speech\)"):
        shard_catalog(catalog, "vision")


def test_a_shard_catalog_holds_its_team_and_its_models_only():
    catalog = replace(catalog_of({"nlp": ["a"], "speech": ["b"]}), models=())
    shard = shard_catalog(catalog, "speech")
    assert [t.name for t in shard.teams] == ["speech"]


@pytest.mark.parametrize(
    ("stack", "env", "part"), [("dev", "dev", None), ("dev.core", "dev", "core"), ("dev.nlp.2", "dev", "nlp.2")]
)
def test_stack_names_carry_the_environment_then_the_part(stack, env, part):
    assert split_stack(stack) == (env, part)
    assert stack_name(env, part) == stack
    assert config_stack(stack) == env  # every stack of an environment reads Pulumi.<env>.yaml


def test_references_stay_in_their_layout():
    assert upstream_stack("registry", "dev") == "dev"
    assert upstream_stack("registry", "dev.nlp") == "dev.core"
    assert upstream_stack("registry", "dev.nlp", "nlp") == "dev.nlp"
    with pytest.raises(ValueError, match="whole layout"):
        upstream_stack("registry", "dev", "nlp")


def test_the_bound_is_enforced_on_shard_stacks_at_the_limit_and_one_over():
    assert stack_bound("registry", "dev.nlp", MAX_RESOURCES_PER_STACK) is None
    message = stack_bound("registry", "dev.nlp.2", MAX_RESOURCES_PER_STACK + 1)
    assert message.startswith("registry stack dev.nlp.2: 2,001 resources, over the bound of 2,000 per stack")
    assert "lower model_registry.shards.MODELS_PER_PART" in message and "\n" not in message
    assert stack_bound("registry", "dev.core", 10 * MAX_RESOURCES_PER_STACK) is None  # core stacks: no models


def test_a_shard_stack_name_over_pulumis_100_characters_is_refused_naming_the_fix():
    # Pulumi's ParseStackName: at most 100 characters (sdk/go/common/tokens/stack_name.go). A 41-character team's
    # second part is `<env>.<41 characters>.2`: 44 characters after the environment's, so 56 is the longest
    # environment name it fits, and 57 one over.
    from offline_preview.options import UsageError
    from offline_preview.shard_plan import planned_stacks

    team = "t" * 41
    shards = plan(catalog_of({team: [f"m{i}" for i in range(MODELS_PER_PART + 1)]}))
    assert [s.name for s in shards] == [team, f"{team}.2"]
    longest = max(s.stack for s in planned_stacks(shards, "e" * 56))
    assert len(longest) == 100
    with pytest.raises(UsageError) as refused:
        planned_stacks(shards, "e" * 57)
    message = str(refused.value)
    assert f"{team}.2" in message and "101 characters" in message and "at most 56 characters" in message
