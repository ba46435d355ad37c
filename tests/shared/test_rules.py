"""model_registry.rules: AWS's and GitHub's rules for config values, against independent statements."""

import itertools
import re

import pytest
from access_stack.config import AccessConfig
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from model_registry import config, environments, rules
from model_registry.errors import ConfigError
from registry_stack.config import RegistryConfig


def _brute_force_overlap(pattern: str, prefix: str) -> bool:
    """Some tag `prefix + suffix` matches the wildcard pattern (suffixes up to the pattern's length)."""
    regex = re.compile("".join(".*" if c == "*" else re.escape(c) for c in pattern))
    suffixes = ("".join(p) for n in range(len(pattern) + 1) for p in itertools.product("ab", repeat=n))
    return any(regex.fullmatch(prefix + suffix) for suffix in suffixes)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab*", min_size=1, max_size=6), st.text(alphabet="ab", min_size=1, max_size=4))
def test_a_wildcard_pattern_reaches_a_prefix_exactly_when_some_tag_shows_it(pattern, prefix):
    assert rules.pattern_matches_prefix(pattern, prefix) == _brute_force_overlap(pattern, prefix)


def test_every_region_botocore_lists_is_accepted_and_a_missing_dash_is_not():
    assert "us-east-1" in rules.regions() and "cn-north-1" in rules.regions()
    for region in rules.regions():
        assert rules.region_problem(region) is None
        squeezed = region[::-1].replace("-", "", 1)[::-1]  # us-east-1 -> us-east1
        assert rules.region_problem(squeezed) is not None


def test_pseudo_regions_are_not_regions():
    assert rules.region_problem("aws-global") is not None


@pytest.mark.parametrize(
    "ref",
    ["refs/heads/*", "refs/heads/?*", "refs/heads/*/*", "refs/tags/*", "environment:*", "environment:?", "refs/heads/"],
)
def test_a_sub_pattern_that_matches_any_branch_tag_or_environment_is_refused(ref):
    assert "matches any" in rules.github_ref_problem(ref)


@pytest.mark.parametrize("ref", ["refs/heads/*-release", "refs/tags/?1*", "environment:*prod"])
def test_a_sub_pattern_that_starts_with_a_wildcard_is_refused(ref):
    assert "starts with a wildcard" in rules.github_ref_problem(ref)


@pytest.mark.parametrize("ref", ["refs/heads/main", "refs/tags/v*", "refs/heads/release/*", "environment:release"])
def test_a_narrow_sub_pattern_is_accepted(ref):
    assert rules.github_ref_problem(ref) is None


def test_tag_values_up_to_256_characters_are_accepted_and_257_refused():
    assert rules.tag_value_problem("a" * 256) is None
    assert "at most 256" in rules.tag_value_problem("a" * 257)


@given(st.characters())
def test_a_tag_value_character_is_accepted_exactly_when_aws_allows_it(char):
    import unicodedata

    # Characters this Python's Unicode tables leave unassigned (Cn) are left out: the rule is read from IAM's
    # model as \p{L}\p{Z}\p{N} and matched by the regex module, whose Unicode tables are newer.
    assume(unicodedata.category(char) != "Cn")
    allowed = char in "_.:/=+-@" or unicodedata.category(char)[0] in "LNZ"
    assert (rules.tag_value_problem(char) is None) == allowed


def test_tag_keys_up_to_128_characters_and_not_aws_prefixed():
    assert rules.tag_key_problem("k" * 128) is None
    assert rules.tag_key_problem("k" * 129) is not None
    assert "reserved" in rules.tag_key_problem("aws:owner")


def _catalog(tmp_path, name):
    folder = tmp_path / "catalog"
    folder.mkdir(exist_ok=True)
    (folder / "nlp.yaml").write_text(f"team: nlp\nmodels:\n  - name: {name}\n")
    return folder


def test_a_model_name_may_fill_ecr_s_256_characters_with_its_namespace_and_not_one_more(tmp_path):
    from model_registry.catalog import load_catalog

    limit = 256 - len("models/")
    load_catalog(_catalog(tmp_path, "a" * limit), namespace="models")
    with pytest.raises(ConfigError, match="ECR allows 256"):
        load_catalog(_catalog(tmp_path, "a" * (limit + 1)), namespace="models")


def test_a_longer_namespace_leaves_a_shorter_name(tmp_path):
    from model_registry.catalog import load_catalog

    namespace = "team/" + "n" * 100
    limit = 256 - len(namespace) - 1
    load_catalog(_catalog(tmp_path, "a" * limit), namespace=namespace)
    with pytest.raises(ConfigError, match="ECR allows 256"):
        load_catalog(_catalog(tmp_path, "a" * (limit + 1)), namespace=namespace)


def test_a_namespace_leaves_room_for_a_model_name():
    config.load(RegistryConfig, {"costCentre": "x", "namespace": "n" * 253}, "registry")
    with pytest.raises(ConfigError, match="is not a namespace"):
        config.load(RegistryConfig, {"costCentre": "x", "namespace": "n" * 254}, "registry")


@pytest.mark.parametrize("prefix", ["models/", "models/llm"])
def test_a_prefix_inside_the_namespace_is_accepted(prefix):
    assert rules.prefix_in_namespace(prefix, "models")


# `models` itself: a PREFIX_MATCH filter covers every repository whose name begins with it, `models-old/x` too.
@pytest.mark.parametrize("prefix", ["models", "model", "models-old", "other/models", "modelsx/a"])
def test_a_prefix_outside_the_namespace_is_refused(prefix):
    assert not rules.prefix_in_namespace(prefix, "models")


def test_an_oidc_provider_arn_must_be_github_s():
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    config.load(AccessConfig, {"costCentre": "x", "ci": {"oidcProviderArn": arn}}, "access")
    with pytest.raises(ConfigError, match="not of 'token.actions.githubusercontent.com'"):
        other = arn.replace("token.actions.githubusercontent.com", "gitlab.com")
        config.load(AccessConfig, {"costCentre": "x", "ci": {"oidcProviderArn": other}}, "access")


def test_a_source_arn_in_an_unknown_region_is_refused():
    service = {"service": "lambda.amazonaws.com", "sourceArn": "arn:aws:lambda:us-east1:210987654321:function:x"}
    with pytest.raises(ConfigError, match="did you mean 'us-east-1'"):
        config.load(AccessConfig, {"costCentre": "x", "consumers": {"services": [service]}}, "access")


class _Item(config.ConfigModel):
    name: str
    size: int = 1


class _File(config.ConfigModel):
    models: tuple[_Item, ...] = ()


def test_a_whole_file_validates_with_file_and_line_for_every_problem(tmp_path):
    from model_registry.sources import load_yaml

    path = tmp_path / "nlp.yaml"
    path.write_text("models:\n  - name: bert\n    sise: 3\n  - name: gpt\n    size: true\n")
    with pytest.raises(ConfigError) as error:
        config.validate_document(_File, load_yaml(path))
    assert error.value.problems == (
        f"{path}:3: model 'bert': sise: unknown key; did you mean 'size'?",
        f"{path}:5: model 'gpt': size: must be a whole number, not true",
    )


def test_a_file_that_is_not_a_mapping_is_refused_whole(tmp_path):
    from model_registry.sources import load_yaml

    path = tmp_path / "nlp.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match=f"{path}:1: the document: must be a mapping, not a list"):
        config.validate_document(_File, load_yaml(path))


def _repo(tmp_path, stack_files, pack_files):
    for stack, envs in stack_files.items():
        (tmp_path / "stacks" / stack).mkdir(parents=True)
        (tmp_path / "stacks" / stack / "Pulumi.yaml").write_text(f"name: {stack}\n")
        for env in envs:
            (tmp_path / "stacks" / stack / f"Pulumi.{env}.yaml").write_text("config: {}\n")
    (tmp_path / "policy-pack" / "config").mkdir(parents=True)
    for env in pack_files:
        (tmp_path / "policy-pack" / "config" / f"{env}.json").write_text("{}")
    return tmp_path


def test_an_environment_exists_when_every_stack_and_the_pack_have_its_files(tmp_path):
    root = _repo(tmp_path, {"a": ["qa", "dev", "x"], "b": ["qa", "dev"]}, ["qa", "dev", "y"])
    assert environments.environments(root) == ["dev", "qa"]
    assert environments.environment("qa", root) == "qa"


@pytest.mark.parametrize("env", ["x", "y", "staging"])
def test_an_environment_missing_any_file_is_refused_naming_the_known_ones(tmp_path, env):
    root = _repo(tmp_path, {"a": ["qa", "x"], "b": ["qa"]}, ["qa", "y"])
    with pytest.raises(ConfigError, match=f"unknown environment '{env}': the stack name must be one of qa "):
        environments.environment(env, root)
