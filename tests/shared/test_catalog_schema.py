"""The catalog files' JSON Schema: generated from the pydantic model, committed, named by every file's
yaml-language-server line, and in agreement with the loader on what it can judge."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from model_registry.catalog import load_catalog
from model_registry.catalog_schema import MODELINE, SCHEMA_FILE, catalog_schema, main, problems
from model_registry.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "catalog"
VALIDATOR = jsonschema.Draft202012Validator(catalog_schema())
GOOD = {
    "team": "nlp",
    "costCentre": "ml",
    "ci": {"pushers": [{"repository": "acme/model-build", "refs": ["refs/heads/main"]}]},
    "models": [{"name": "llama", "mutableTags": ["latest"], "scanOnPush": True}],
}


def test_the_committed_schema_is_the_generated_one_and_every_file_names_it():
    assert problems(CATALOG) == []
    assert json.loads((CATALOG / SCHEMA_FILE).read_text()) == catalog_schema()
    jsonschema.Draft202012Validator.check_schema(catalog_schema())


@pytest.mark.parametrize("path", sorted(CATALOG.glob("*.yaml")), ids=lambda p: p.name)
def test_every_catalog_file_is_valid_under_the_schema(path):
    assert path.read_text().splitlines()[0] == MODELINE
    assert list(VALIDATOR.iter_errors(yaml.safe_load(path.read_text()))) == []


def _loader_refuses(tmp_path: Path, document: dict) -> bool:
    (tmp_path / f"{document.get('team', 'nlp')}.yaml").write_text(yaml.safe_dump(document))
    try:
        load_catalog(tmp_path)
    except ConfigError:
        return True
    return False


def _bad(change) -> dict:
    document = copy.deepcopy(GOOD)
    change(document)
    return document


BAD = {
    "an unknown key": _bad(lambda d: d["models"][0].update(mutable_tags=["x"])),
    "a bool for a string": _bad(lambda d: d.update(costCentre=True)),
    "a string for a bool": _bad(lambda d: d["models"][0].update(scanOnPush="yes")),
    "no models": _bad(lambda d: d.update(models=[])),
    "six mutable tags": _bad(lambda d: d["models"][0].update(mutableTags=[f"t{i}" for i in range(6)])),
    "no pushers": _bad(lambda d: d["ci"].update(pushers=[])),
    "no team": _bad(lambda d: d.pop("team")),
}


def test_the_good_document_is_accepted_by_both():
    assert list(VALIDATOR.iter_errors(GOOD)) == []


@pytest.mark.parametrize("name", BAD)
def test_the_schema_and_the_loader_both_refuse(name, tmp_path):
    assert list(VALIDATOR.iter_errors(BAD[name])), name
    assert _loader_refuses(tmp_path, BAD[name]), name


def test_five_mutable_tags_the_limit_are_accepted_by_both(tmp_path):
    document = _bad(lambda d: d["models"][0].update(mutableTags=[f"t{i}" for i in range(5)]))
    assert list(VALIDATOR.iter_errors(document)) == []
    assert not _loader_refuses(tmp_path, document)


def test_check_names_a_stale_schema_and_a_file_without_its_line(tmp_path, capsys):
    (tmp_path / SCHEMA_FILE).write_text("{}\n")
    (tmp_path / "nlp.yaml").write_text(yaml.safe_dump(GOOD))
    assert main(["--check", str(tmp_path)]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        f"error: {tmp_path / SCHEMA_FILE}: stale or missing; run `python -m model_registry.catalog_schema --write {tmp_path}`",
        f"error: {tmp_path / 'nlp.yaml'}:1: the first line must be `{MODELINE}` (editors find the schema through it)",
    ]
    assert main(["--write", str(tmp_path)]) == 0
    (tmp_path / "nlp.yaml").write_text(MODELINE + "\n" + yaml.safe_dump(GOOD))
    assert main(["--check", str(tmp_path)]) == 0
