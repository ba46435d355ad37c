"""One team-name rule in both layouts: a team name must be able to name the sharded layout's stacks even while the
environment uses the whole layout, or the environment could not move to shards later (docs/shards.md).

Written from the outside rules, not from the code: Pulumi's stack names (pulumi/pulumi
sdk/go/common/tokens/stack_name.go, ParseStackName: 1-100 characters of A-Z a-z 0-9 _ . -), IAM role names
(64 characters, `model-registry-ci-push-` is 23 of them), `<env>.core` is the account-wide stack, and a team's
later parts are `<team>.2`, `<team>.3`, ...
"""

import re
import string
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from model_registry.catalog import load_catalog
from model_registry.errors import ConfigError
from model_registry.shards import plan

LONGEST = 64 - len("model-registry-ci-push-")  # 41
PULUMI_STACK_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,100}")


def load(where: Path, files: dict[str, str]):
    """Team files (name -> team) in `where`/catalog, one distinct model each."""
    folder = where / "catalog"
    folder.mkdir(parents=True, exist_ok=True)
    for index, (name, team) in enumerate(files.items()):
        (folder / name).write_text(yaml.safe_dump({"team": team, "models": [{"name": f"m{index}"}]}, sort_keys=False))
    return load_catalog(folder)


def refusals(folder: Path, files: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(folder, files)
    assert all("\n" not in line for line in caught.value.problems)
    return list(caught.value.problems)


def acceptable(name: str) -> bool:
    """The rule, written from the outside: Pulumi's stack-name characters, the IAM role's room, not `core`."""
    return bool(PULUMI_STACK_NAME.fullmatch(name)) and len(name) <= LONGEST and name.lower() != "core"


NAMES = st.one_of(
    st.text(alphabet=string.printable + "éß\u00a0ı", min_size=1, max_size=LONGEST + 3),
    st.from_regex(r"[A-Za-z0-9_.\-]{1,44}", fullmatch=True),  # mostly acceptable: both answers get examples
    st.from_regex(r"[A-Za-z0-9_.\-+=@,]{1,10}", fullmatch=True),  # what IAM accepts, a stack name not all
    st.sampled_from(["core", "cORe", "t" * LONGEST, "t" * (LONGEST + 1)]),
)


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_a_team_name_is_accepted_exactly_when_it_can_name_a_stack_an_iam_role_and_a_tag(name):
    # The file's name is longer than any name drawn: a name the rule accepts is refused only for not being it.
    stem = "f" * 50
    with tempfile.TemporaryDirectory() as scratch:
        (problem,) = refusals(Path(scratch), {f"{stem}.yaml": name})
    if acceptable(name):
        assert f"team: {name!r} is not the file's name" in problem, problem
    else:
        assert problem.startswith(f"catalog/{stem}.yaml:1: team: {name!r} is not a team name: "), problem
        assert problem.endswith("rename the team (the file and its `team:`)")


@pytest.mark.parametrize("name", ["a+b", "a=b", "a@b", "a,b"])
def test_names_iam_accepts_but_a_stack_name_does_not_are_refused_in_the_whole_layout_too(tmp_path, name):
    (problem,) = refusals(tmp_path, {f"{name}.yaml": name})
    assert problem == (
        f"catalog/{name}.yaml:1: team: {name!r} is not a team name: 1-41 characters of letters, digits and _ . - "
        "(it becomes the IAM role name model-registry-ci-push-<team>, at most 64 characters, the value of the "
        "repositories' team tag, and the sharded layout's stack names <env>.<team>, which Pulumi allows only these "
        "characters); rename the team (the file and its `team:`)"
    )


@pytest.mark.parametrize("name", ["core", "Core", "CORE"])
def test_core_is_the_account_wide_stack_and_no_team(tmp_path, name):
    (problem,) = refusals(tmp_path, {f"{name}.yaml": name})
    assert problem.startswith(f"catalog/{name}.yaml:1: team: {name!r} is not a team name: <env>.core is the ")
    assert problem.endswith("rename the team (the file and its `team:`)")


def test_the_longest_team_name_names_every_stack_of_its_parts_and_one_more_character_is_refused(tmp_path):
    longest = "t" * LONGEST
    catalog = load(tmp_path / "at", {f"{longest}.yaml": longest, "nlp.yaml": "nlp"})
    assert [t.name for t in catalog.teams] == ["nlp", longest]
    # Every part it could get (up to 99 parts, 74,250 models) names a stack in this repository's environments.
    shard = next(s for s in plan(catalog) if s.team == longest)
    for env in ("local", "dev", "prod"):
        for part in [shard.name, *(f"{longest}.{k}" for k in range(2, 100))]:
            assert PULUMI_STACK_NAME.fullmatch(f"{env}.{part}")
    over = longest + "t"
    (problem,) = refusals(tmp_path / "over", {f"{over}.yaml": over})
    assert problem.startswith(f"catalog/{over}.yaml:1: team: '{over}' is not a team name: 1-41 characters")


@pytest.mark.parametrize(("owner", "name", "part"), [("nlp", "nlp.2", 2), ("nlp", "nlp.13", 13), ("nlp", "NLP.3", 3)])
def test_a_team_named_like_another_teams_later_part_is_refused_at_any_size(tmp_path, owner, name, part):
    (problem,) = refusals(tmp_path, {f"{owner}.yaml": owner, f"{name}.yaml": name})
    assert problem == (
        f"catalog/{name}.yaml:1: team: {name!r} is the name of part {part} of team {owner!r} (catalog/{owner}.yaml) "
        f"in the sharded layout, stack <env>.{name}, which that team gets as it grows (docs/shards.md); rename the "
        "team (the file and its `team:`)"
    )


@pytest.mark.parametrize("name", ["nlp.1", "nlp.02", "nlp.2a", "nlp-2", "nl.2", "nlp.x.2"])
def test_names_that_are_no_part_of_another_team_are_kept(tmp_path, name):
    catalog = load(tmp_path, {"nlp.yaml": "nlp", f"{name}.yaml": name})
    assert sorted(s.name for s in plan(catalog)) == sorted(["nlp", name])
