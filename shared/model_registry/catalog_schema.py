"""The JSON Schema of a catalog file, generated from the catalog's pydantic model (`catalog.TeamFile`).

    python -m model_registry.catalog_schema --write catalog     writes catalog/catalog.schema.json
    python -m model_registry.catalog_schema --check catalog     exit 1 when that file is stale, or when a
                                                               catalog file lacks the yaml-language-server
                                                               line that points editors at it

The schema is for editors (completion, inline errors through yaml-language-server) and pre-commit; the
loader (`catalog.load_catalog`) stays the judge: it checks what a schema cannot (a model in one file only,
names against ECR's pattern, file name = team). Each catalog file's first line names the schema:
`# yaml-language-server: $schema=./catalog.schema.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .catalog import SUFFIX, TeamFile

SCHEMA_FILE = "catalog.schema.json"
SCHEMA_ID = "urn:model-registry:catalog:team-file:1"
MODELINE = f"# yaml-language-server: $schema=./{SCHEMA_FILE}"


def catalog_schema() -> dict:
    """The schema of one `catalog/<team>.yaml`, keys as they are written (camelCase)."""
    schema = TeamFile.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "description": "A model team's catalog file, catalog/<team>.yaml (generated from "
        "model_registry.catalog.TeamFile by `python -m model_registry.catalog_schema --write catalog`; "
        "the reference is catalog/README.md)",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(catalog_schema(), indent=2, sort_keys=True) + "\n"


def problems(folder: Path) -> list[str]:
    """One line per problem: the schema file stale or missing, a catalog file without its modeline."""
    found = []
    schema_path = folder / SCHEMA_FILE
    if not schema_path.is_file() or schema_path.read_text(encoding="utf-8") != schema_text():
        found.append(f"{schema_path}: stale or missing; run `python -m model_registry.catalog_schema --write {folder}`")
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        first = path.read_text(encoding="utf-8").splitlines()[:1]
        if first != [MODELINE]:
            found.append(f"{path}:1: the first line must be `{MODELINE}` (editors find the schema through it)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model_registry.catalog_schema", description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", type=Path, metavar="FOLDER", help="write FOLDER/catalog.schema.json")
    action.add_argument("--check", type=Path, metavar="FOLDER", help="check the schema and each file's modeline")
    args = parser.parse_args(argv)
    folder = args.write or args.check
    if not folder.is_dir():
        print(f"error: {folder}: no such folder", file=sys.stderr)
        return 2
    if args.write:
        (folder / SCHEMA_FILE).write_text(schema_text(), encoding="utf-8")
        return 0
    found = problems(folder)
    for line in found:
        print(f"error: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
