"""Replicas share one creation template: it keeps at least what every model keeps and accepts its tags."""

import json
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples
from model_registry import config
from model_registry.catalog import CatalogModel
from model_registry.errors import ConfigError
from model_registry.policy_documents.ecr import lifecycle_policy
from model_registry.replica_settings import replica_settings, template_exclusions
from registry_stack.config import RegistryConfig
from test_lifecycle_never_expires_releases import Image, simulate_ecr, tags

overrides = st.none() | st.builds(
    config.LifecycleOverride,
    untagged_expiry_days=st.none() | st.integers(1, 60),
    prerelease_keep_count=st.none() | st.integers(1, 5),
)
mutable = st.lists(st.sampled_from(["latest", "nightly-*", "stable", "dev-*", "edge"]), max_size=3, unique=True)


def model(name: str, lifecycle=None, mutable_tags=()) -> CatalogModel:
    return CatalogModel(name, "t", None, None, mutable_tags, True, lifecycle, None, "catalog/t.yaml:1")


@dataclass(frozen=True)
class Catalog:
    """The registry config and the catalog's models, as the registry stack passes them."""

    config: RegistryConfig
    models: tuple[CatalogModel, ...]

    @property
    def lifecycle(self):
        return self.config.lifecycle


@st.composite
def catalogs(draw):
    count = draw(st.integers(1, 6))
    models = [model(f"model-{n}", draw(overrides), tuple(draw(mutable))) for n in range(count)]
    return Catalog(RegistryConfig(cost_centre="c"), tuple(models))


images = st.lists(
    st.builds(
        Image,
        st.lists(st.sampled_from(["dev-1", "rc-2", "pr-3", "v1", "x"]) | tags, max_size=2).map(tuple),
        st.integers(0, 90),
    ),
    max_size=30,
)


@settings(max_examples=examples(75, 200), deadline=None)
@given(catalogs(), images)
def test_a_replica_never_expires_an_image_its_source_keeps(catalog, repository_images):
    """ECR's rule evaluation, simulated: what the replica policy expires, every model's own policy expires too."""
    replica = simulate_ecr(
        json.loads(replica_settings(catalog.config, catalog.models)["lifecyclePolicy"]), repository_images
    )
    for model in catalog.models:
        source = simulate_ecr(lifecycle_policy(catalog.lifecycle, model.lifecycle), repository_images)
        assert replica <= source, model.name


@settings(max_examples=examples(75, 200), deadline=None)
@given(catalogs())
def test_every_models_mutable_tags_are_exclusions_of_the_replica_template(catalog):
    exported = replica_settings(catalog.config, catalog.models)
    union = {tag for model in catalog.models for tag in model.mutable_tags}
    assert set(exported["mutableTags"]) == union
    expected_mode = "IMMUTABLE_WITH_EXCLUSION" if union else "IMMUTABLE"
    assert exported["imageTagMutability"] == expected_mode


def test_five_distinct_mutable_tags_fit_one_template_and_six_are_refused():
    five = {f"tag{n}": [f"model-{n}"] for n in range(5)}
    assert template_exclusions(five) == list(five)
    with pytest.raises(ConfigError, match=r"6 distinct mutableTags filters .*'tag5' \(model-5\)"):
        template_exclusions(five | {"tag5": ["model-5"]})


def test_the_replica_template_scans_like_the_registry():
    registry = RegistryConfig(cost_centre="c", scanning=config.Scanning(type="BASIC", frequency="SCAN_ON_PUSH"))
    assert replica_settings(registry, (model("m1"),))["scanning"] == {"type": "BASIC", "frequency": "SCAN_ON_PUSH"}
