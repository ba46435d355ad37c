"""Strict inputs: YAML tags anywhere, team files in another format, checkov skips of checks that do not exist.

Each is refused naming the file and the line; the corrected input then gives the correct result.
"""

from __future__ import annotations

import shutil

import pytest
from faults_helpers import PROGRAM_OK, REPO, project, run_command, the_line
from model_registry.catalog import load_catalog
from model_registry.errors import ConfigError
from model_registry.sources import SourceError, load_yaml

TEAM_FILE = (REPO / "catalog" / "nlp.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("models: !!python/object/apply:os.system ['true']\n", 1,
         "models: the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not accepted here"),
        ("team: nlp\nowners: !Ref {name: x}\n", 2, "owners: the YAML tag '!Ref' is not accepted here"),
        ("team: nlp\nmodels:\n  - !Model\n    name: x\n", 3, "models[0]: the YAML tag '!Model' is not accepted here"),
        ("!Team\nteam: nlp\n", 1, "the document: the YAML tag '!Team' is not accepted here"),
        ("team: !Sub nlp\n", 1, "team: the YAML type '!Sub' is not accepted here"),
        ("a: !!set {x}\n", 1, "a: the YAML tag 'tag:yaml.org,2002:set' is not accepted here"),
    ],
)  # fmt: skip
def test_a_yaml_tag_on_any_value_is_refused_naming_the_file_and_line(text, line, message):
    with pytest.raises(SourceError) as error:
        load_yaml("catalog/nlp.yaml", text)
    assert str(error.value) == f"catalog/nlp.yaml:{line}: {message}"


def test_the_plain_tags_of_yaml_s_own_types_are_data():
    assert load_yaml("f.yaml", "a: !!map {x: !!str 1}\nb: !!seq [!!int 2]\n").data == {"a": {"x": "1"}, "b": [2]}


def test_a_tagged_team_file_is_refused_by_the_catalog_and_the_corrected_one_loads(tmp_path):
    (tmp_path / "nlp.yaml").write_text(TEAM_FILE.replace("models:", "models: !Ref", 1))
    with pytest.raises(ConfigError, match=r"nlp\.yaml:\d+: models: the YAML tag '!Ref' is not accepted here"):
        load_catalog(tmp_path)
    (tmp_path / "nlp.yaml").write_text(TEAM_FILE)
    assert [t.name for t in load_catalog(tmp_path).teams] == ["nlp"]


@pytest.mark.parametrize("name", ["vision.json", "vision.toml", "vision.JSON", "vision.jsonc"])
def test_a_team_file_in_another_format_is_refused_naming_it(tmp_path, name):
    shutil.copy(REPO / "catalog" / "nlp.yaml", tmp_path)
    (tmp_path / name).write_text('{"team": "vision", "models": []}')
    with pytest.raises(ConfigError) as error:
        load_catalog(tmp_path)
    assert f"{name}:1: a team file in another format would be skipped without a word" in str(error.value)
    (tmp_path / name).unlink()
    assert [t.name for t in load_catalog(tmp_path).teams] == ["nlp"]


def test_a_json_schema_and_the_readme_beside_the_team_files_are_not_team_files(tmp_path):
    shutil.copy(REPO / "catalog" / "nlp.yaml", tmp_path)
    (tmp_path / "team.schema.json").write_text("{}")
    (tmp_path / "README.md").write_text("# catalog\n")
    assert [t.name for t in load_catalog(tmp_path).teams] == ["nlp"]


SKIP = "skips:\n  - check: {check}\n    reason: the registry's scanning configuration is deliberate\n"


def test_a_checkov_skip_of_a_check_that_does_not_exist_is_refused_naming_the_line(tmp_path):
    directory = project(tmp_path / "scanned", PROGRAM_OK)
    skips = tmp_path / "skips.yaml"
    skips.write_text(SKIP.format(check="CKV_AWS_99999"))
    args = ["--project", str(directory), "--build-dir", str(tmp_path / "build"), "--quiet", "--no-policy"]
    completed = run_command(*args, "--checkov-skips", str(skips))
    assert completed.returncode == 2
    line = the_line(completed.stderr)
    assert line.startswith(f"offline-preview: {skips}:2: skip of CKV_AWS_99999: checkov 3.3.30 has no such check")
    assert line.endswith("; CKV_AWS_2 to CKV_AWS_393 exist")  # checkov 3.3.30's AWS checks for plans
    skips.write_text(SKIP.format(check="CKV_AWS_51"))  # exists (ECR tag immutability)
    rerun = run_command(*args, "--checkov-skips", str(skips))
    assert rerun.returncode == 0, rerun.stderr
