"""The catalog folder loads, or fails with one line per problem naming the file, the line, the model and the field."""

import re
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples
from model_registry import naming
from model_registry.catalog import MAX_TEAM_NAME, load_catalog
from model_registry.errors import ConfigError

PROBLEM = re.compile(r"^catalog/[^/:]+\.ya?ml(:\d+)?: \S")


def write(tmp_path, files: dict[str, str | dict]):
    folder = tmp_path / "catalog"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
    return folder


def problems(tmp_path, files, namespace="models") -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_catalog(write(tmp_path, files), namespace=namespace)
    assert "\n" not in str(error.value)
    return list(error.value.problems)


def team(name="nlp", **models_and_keys):
    return {"team": name, **models_and_keys}


# --- what loads --------------------------------------------------------------------------------


def test_the_repository_catalog_loads_with_every_model_once():
    from pathlib import Path

    catalog = load_catalog(Path(__file__).parents[2] / "catalog", namespace="models")
    assert sorted((m.team, m.name) for m in catalog.models) == [
        ("genai", "sdxl-base"),
        ("nlp", "llama-3-8b-instruct"),
        ("speech", "whisper-large-v3"),
        ("vision", "resnet-50"),
    ]


def test_a_model_takes_the_team_cost_centre_unless_it_has_its_own(tmp_path):
    folder = write(
        tmp_path,
        {
            "nlp.yaml": team(
                costCentre="nlp-research", models=[{"name": "bert"}, {"name": "t5", "costCentre": "search"}]
            )
        },
    )
    assert {m.name: m.cost_centre for m in load_catalog(folder).models} == {"bert": "nlp-research", "t5": "search"}


def test_each_model_knows_the_file_and_line_it_is_written_on(tmp_path):
    folder = write(tmp_path, {"nlp.yaml": "team: nlp\nmodels:\n  - name: bert\n\n  - name: t5\n"})
    assert {m.name: m.where for m in load_catalog(folder).models} == {
        "bert": "catalog/nlp.yaml:3",
        "t5": "catalog/nlp.yaml:5",
    }


def test_other_files_such_as_the_readme_are_not_catalog_files(tmp_path):
    folder = write(tmp_path, {"README.md": "# the catalog", "nlp.yaml": team(models=[{"name": "bert"}])})
    assert [m.name for m in load_catalog(folder).models] == ["bert"]


# --- one line per problem, naming file, line, model and field ----------------------------------


def test_an_unknown_model_key_names_the_closest_known_one(tmp_path):
    text = "team: nlp\nmodels:\n  - name: bert\n    mutabletags: [latest]\n"
    assert problems(tmp_path, {"nlp.yaml": text}) == [
        "catalog/nlp.yaml:4: model 'bert': mutabletags: unknown key; did you mean 'mutableTags'?"
    ]


def test_an_unknown_team_key_names_the_closest_known_one(tmp_path):
    text = "team: nlp\ncost_centre: x\nmodels:\n  - name: bert\n"
    assert problems(tmp_path, {"nlp.yaml": text}) == [
        "catalog/nlp.yaml:2: cost_centre: unknown key; did you mean 'costCentre'?"
    ]


def test_a_bool_is_not_a_number(tmp_path):
    text = "team: nlp\nmodels:\n  - name: bert\n    lifecycle: {untaggedExpiryDays: true}\n"
    assert problems(tmp_path, {"nlp.yaml": text}) == [
        "catalog/nlp.yaml:4: model 'bert': lifecycle.untaggedExpiryDays: must be a whole number, not true"
    ]


@pytest.mark.parametrize("value", ["'7'", "7.0"])
def test_a_number_must_be_written_as_a_whole_number(tmp_path, value):
    text = f"team: nlp\nmodels:\n  - name: bert\n    lifecycle: {{untaggedExpiryDays: {value}}}\n"
    (problem,) = problems(tmp_path, {"nlp.yaml": text})
    assert problem.startswith("catalog/nlp.yaml:4: model 'bert': lifecycle.untaggedExpiryDays: must be a whole number")


def test_a_number_is_not_text(tmp_path):
    text = "team: nlp\nmodels:\n  - name: bert\n    consumers: {accounts: [210987654321]}\n"
    assert problems(tmp_path, {"nlp.yaml": text}) == [
        "catalog/nlp.yaml:4: model 'bert': consumers.accounts[0]: must be a string, not 210987654321 (quote account ids and numbers in YAML)"
    ]


def test_a_text_is_not_a_bool(tmp_path):
    text = "team: nlp\nmodels:\n  - name: bert\n    scanOnPush: 'yes'\n"
    assert problems(tmp_path, {"nlp.yaml": text}) == [
        "catalog/nlp.yaml:4: model 'bert': scanOnPush: must be true or false, not 'yes'"
    ]


def test_a_rule_broken_inside_a_list_names_the_item_and_the_rule(tmp_path):
    text = "team: nlp\nmodels:\n  - name: bert\n  - name: llama-3\n    mutableTags:\n      - latest\n      - '*'\n"
    assert problems(tmp_path, {"nlp.yaml": text}) == [
        "catalog/nlp.yaml:7: model 'llama-3': mutableTags[1]: '*' matches every tag; name the tags instead"
    ]


def test_a_model_in_two_files_names_both_files_and_lines(tmp_path):
    files = {
        "nlp.yaml": "team: nlp\nmodels:\n  - name: a1\n  - name: bert\n",
        "speech.yaml": "team: speech\nmodels:\n  - name: bert\n",
    }
    assert problems(tmp_path, files) == [
        "catalog/speech.yaml:3: model 'bert': also in catalog/nlp.yaml:4; a model belongs to one team: "
        "remove one of the two entries"
    ]


def test_the_team_must_be_the_file_name(tmp_path):
    (problem,) = problems(tmp_path, {"nlp.yaml": "# NLP\nteam: vision\nmodels:\n  - name: bert\n"})
    assert problem.startswith("catalog/nlp.yaml:2: team: 'vision' is not the file's name")


def test_a_team_needs_at_least_one_model(tmp_path):
    assert problems(tmp_path, {"nlp.yaml": "team: nlp\nmodels: []\n"}) == [
        "catalog/nlp.yaml:2: models: needs at least 1 item, has 0"
    ]


def test_a_missing_key_is_named(tmp_path):
    assert problems(tmp_path, {"nlp.yaml": "team: nlp\n"}) == ["catalog/nlp.yaml:1: models: required"]


def test_a_branch_wildcard_in_the_pushers_is_refused_at_its_line(tmp_path):
    text = (
        "team: nlp\nci:\n  pushers:\n    - repository: acme/x\n      refs: ['refs/heads/*']\nmodels:\n  - name: bert\n"
    )
    (problem,) = problems(tmp_path, {"nlp.yaml": text})
    assert problem.startswith("catalog/nlp.yaml:5: ci.pushers[0].refs[0]: 'refs/heads/*' matches any branch")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "catalog/nlp.yaml:1: the file is empty"),
        ("- a\n", "catalog/nlp.yaml:1: the file is a list, not a mapping"),
        ("team: nlp\nmodels: [\n", "catalog/nlp.yaml:3: not valid YAML"),
        ("team: nlp\nteam: nlp\n", "catalog/nlp.yaml:2: duplicate key 'team'"),
    ],
)
def test_a_file_that_is_not_a_team_mapping_is_refused_naming_it(tmp_path, content, expected):
    (problem,) = problems(tmp_path, {"nlp.yaml": content})
    assert problem.startswith(expected)


def test_a_yml_file_is_refused_instead_of_skipped(tmp_path):
    files = {"nlp.yaml": team(models=[{"name": "bert"}]), "speech.yml": team("speech", models=[{"name": "w"}])}
    assert problems(tmp_path, files) == ["catalog/speech.yml: catalog files end in .yaml; rename it to speech.yaml"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (".audio.yaml", "catalog/.audio.yaml: a hidden file would be skipped without a word"),
        (".audio.yml", "catalog/.audio.yml: a hidden file would be skipped without a word"),
        ("audio/audio.yaml", "catalog/audio: a subfolder holding YAML files would be skipped without a word"),
        ("audio/deep/audio.YAML", "catalog/audio: a subfolder holding YAML files would be skipped without a word"),
    ],
)
def test_a_team_file_the_loader_would_skip_is_refused(tmp_path, name, expected):
    folder = write(tmp_path, {"nlp.yaml": team(models=[{"name": "bert"}])})
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(yaml.safe_dump(team("audio", models=[{"name": "audio-model"}])))
    with pytest.raises(ConfigError) as error:
        load_catalog(folder)
    assert [problem[: len(expected)] for problem in error.value.problems] == [expected]


def test_hidden_files_and_subfolders_without_yaml_are_not_team_files(tmp_path):
    folder = write(tmp_path, {"nlp.yaml": team(models=[{"name": "bert"}]), ".gitkeep": "", ".editorconfig": "x"})
    (folder / "img").mkdir()
    (folder / "img" / "diagram.png").write_bytes(b"\x89PNG")
    assert [m.name for m in load_catalog(folder).models] == ["bert"]


def test_an_empty_catalog_folder_is_refused_naming_the_folder(tmp_path):
    folder = write(tmp_path, {"README.md": "# nothing yet"})
    with pytest.raises(ConfigError, match=f"registry:catalog: the catalog folder {folder} has no team files"):
        load_catalog(folder, key="registry:catalog")


def test_a_missing_catalog_folder_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"access:catalog: '.*/nowhere' is not a folder"):
        load_catalog(tmp_path / "nowhere", key="access:catalog")


# --- limits, at the limit and one over ---------------------------------------------------------


def test_a_team_name_is_as_long_as_the_push_role_name_allows_and_no_longer(tmp_path):
    longest = "t" * MAX_TEAM_NAME
    assert len(naming.ci_push_role(longest)) == naming.MAX_ROLE_NAME == 64
    assert [
        t.name
        for t in load_catalog(write(tmp_path, {f"{longest}.yaml": team(longest, models=[{"name": "bert"}])})).teams
    ] == [longest]
    over = "t" * (MAX_TEAM_NAME + 1)
    (problem,) = problems(tmp_path / "over", {f"{over}.yaml": team(over, models=[{"name": "bert"}])})
    assert problem.startswith(f"catalog/{over}.yaml:1: team: '{over}' is not a team name: 1-{MAX_TEAM_NAME} characters")


@pytest.mark.parametrize("name", ["nlp team", "nlp/x", "nlp,x", "nlp:x", "nlp#"])
def test_a_team_name_takes_only_what_iam_role_names_and_tag_values_both_accept(tmp_path, name):
    (problem,) = problems(tmp_path, {"x.yaml": team(name, models=[{"name": "bert"}])})
    assert f"team: {name!r} is not a team name" in problem


def test_team_names_that_differ_only_in_case_are_one_iam_role(tmp_path):
    files = {"NLP.yaml": team("NLP", models=[{"name": "a1"}]), "nlp.yaml": team("nlp", models=[{"name": "b2"}])}
    (problem,) = problems(tmp_path, files)
    assert problem.startswith("catalog/nlp.yaml:1: team: 'nlp' and 'NLP' (catalog/NLP.yaml) differ only in case")


def test_a_repository_name_of_256_characters_is_accepted_and_257_refused(tmp_path):
    namespace = "models"
    at_limit = "m" * (256 - len(namespace) - 1)
    assert load_catalog(write(tmp_path, {"nlp.yaml": team(models=[{"name": at_limit}])}), namespace=namespace)
    over = at_limit + "x"
    (problem,) = problems(tmp_path / "over", {"nlp.yaml": team(models=[{"name": over}])}, namespace=namespace)
    assert problem == (
        f"catalog/nlp.yaml:3: model '{over}': name: the repository name models/<name> is 257 characters; "
        "ECR allows 256: shorten the name"
    )


# --- generated input ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
model_names = st.text(alphabet=string.ascii_lowercase + string.digits + "._-/A", min_size=0, max_size=12)
models = st.fixed_dictionaries(
    {"name": st.one_of(model_names, json_values)},
    optional={
        "mutableTags": st.lists(st.text(alphabet="ab*-.", max_size=6), max_size=6),
        "scanOnPush": json_values,
        "lifecycle": st.dictionaries(st.sampled_from(["untaggedExpiryDays", "prereleaseKeepCount"]), json_values),
        "consumers": json_values,
        "colour": json_values,
    },
)
team_files = st.fixed_dictionaries(
    {"team": st.one_of(st.just("nlp"), json_values), "models": st.one_of(st.lists(models, max_size=4), json_values)},
    optional={"costCentre": json_values, "ci": json_values},
)


@settings(
    max_examples=examples(100, 300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.dictionaries(st.sampled_from(["nlp.yaml", "speech.yaml"]), st.one_of(team_files, json_values), min_size=1))
def test_any_catalog_loads_or_fails_with_one_line_per_problem_naming_the_file(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("catalog") / "catalog"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(yaml.safe_dump(content))
    try:
        catalog = load_catalog(folder, namespace="models")
    except ConfigError as error:
        assert error.problems and "\n" not in str(error)
        for problem in error.problems:
            assert PROBLEM.match(problem), problem
        return
    names = [m.name for m in catalog.models]
    assert len(names) == len(set(names)) and all(t.name + ".yaml" in files for t in catalog.teams)


def ecr_accepts_model_name(name: str) -> bool:
    """ECR's repository-name rule (its service model's RepositoryName) restated for one path component:
    lowercase alphanumeric runs joined by '.', '_', '__' or one or more '-', and the whole `models/<name>`
    at most 256 characters."""
    if not 2 <= len(name) <= 256 - len("models/") or "/" in name:
        return False
    runs = re.split(r"\.|__|_|-+", name)
    return all(run and all(c in string.ascii_lowercase + string.digits for c in run) for run in runs)


@settings(max_examples=examples(100, 300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model_names)
def test_model_names_are_accepted_exactly_when_ecr_would(tmp_path_factory, name):
    folder = tmp_path_factory.mktemp("catalog") / "catalog"
    folder.mkdir()
    (folder / "nlp.yaml").write_text(yaml.safe_dump({"team": "nlp", "models": [{"name": name}]}))
    try:
        load_catalog(folder, namespace="models")
        accepted = True
    except ConfigError as error:
        assert error.problems[0].startswith("catalog/nlp.yaml:")
        accepted = False
    assert accepted == ecr_accepts_model_name(name)


# --- ownership -----------------------------------------------------------------------------------


def test_every_team_file_is_owned_by_its_team_and_the_readme_by_the_registry_team():
    from pathlib import Path

    root = Path(__file__).parents[2]
    owners: dict[str, list[str]] = {}
    for line in (root / "CODEOWNERS").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *teams = line.split()
            owners[pattern] = teams  # the last matching line wins; exact paths are enough here
    for path in sorted((root / "catalog").glob("*.yaml")):
        assert owners[f"/catalog/{path.name}"] == [f"@acme/{path.stem}-models"], path.name
    assert owners["/catalog/README.md"] == ["@acme/registry-team"]


@pytest.mark.parametrize(
    ("key", "at_limit", "over", "rule"),
    [
        ("mutableTags", [f"t{i}" for i in range(5)], [f"t{i}" for i in range(6)], "at most 5 items"),
        ("costCentre", "c" * 256, "c" * 257, "a tag value has at most 256"),
        ("description", "d" * 256, "d" * 257, "at most 256 characters"),
    ],
)
def test_model_fields_take_their_limit_and_refuse_one_over(tmp_path, key, at_limit, over, rule):
    assert load_catalog(write(tmp_path / "ok", {"nlp.yaml": team(models=[{"name": "bert", key: at_limit}])}))
    (problem,) = problems(tmp_path / "over", {"nlp.yaml": team(models=[{"name": "bert", key: over}])})
    assert problem.startswith(f"catalog/nlp.yaml:4: model 'bert': {key}: ") and rule in problem, problem


# --- read again: a file's parse is kept per (name, bytes), never across an edit -----------------------------


def test_a_file_edited_between_two_loads_is_read_as_edited(tmp_path):
    folder = write(tmp_path, {"nlp.yaml": team(models=[{"name": "bert"}])})
    assert [m.name for m in load_catalog(folder).models] == ["bert"]
    write(tmp_path, {"nlp.yaml": team(models=[{"name": "bert"}, {"name": "t5", "mutableTags": ["latest"]}])})
    catalog = load_catalog(folder)
    assert [(m.name, m.mutable_tags) for m in catalog.models] == [("bert", ()), ("t5", ("latest",))]


def test_a_bad_file_fails_every_load_not_only_the_first(tmp_path):
    folder = write(tmp_path, {"nlp.yaml": "team: nlp\nmodels:\n  - name: bert\n    colour: blue\n"})
    first, second = (problems_of(folder) for _ in range(2))
    assert (
        first
        == second
        == [
            "catalog/nlp.yaml:4: model 'bert': colour: unknown key; known keys: name, description, costCentre, mutableTags, scanOnPush, lifecycle, consumers"
        ]
    )


def test_the_same_bytes_in_another_folder_name_their_own_folder(tmp_path):
    content = "team: nlp\nmodels:\n  - name: bert\n    colour: blue\n"
    write(tmp_path, {"nlp.yaml": content})
    other = tmp_path / "elsewhere" / "models"
    other.mkdir(parents=True)
    (other / "nlp.yaml").write_text(content)
    assert problems_of(other) == [
        "models/nlp.yaml:4: model 'bert': colour: unknown key; known keys: name, description, costCentre, mutableTags, scanOnPush, lifecycle, consumers"
    ]


def problems_of(folder) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_catalog(folder)
    return list(error.value.problems)
