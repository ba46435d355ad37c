"""Paths and lookups shared by the offline preview tests."""

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = REPO_ROOT / "tests" / "fixtures" / "programs"
REFERENCE = REPO_ROOT.parent / "shared" / "reference"


def program(name: str) -> Path:
    return PROGRAMS / name


def by_name(manifest: dict, name: str) -> dict:
    matches = [r for r in manifest["resources"] if r["name"] == name]
    assert len(matches) == 1, f"expected one resource named {name!r}, found {len(matches)}"
    return matches[0]


def preview_one_project(path: Path, build_dir: Path, capsys) -> tuple[int, dict, dict]:
    """`offline-preview --project <path> --json`: the exit status, the report, and its one stack's part."""
    from offline_preview.cli import main

    argv = ["--project", str(path), "--env", "local", "--build-dir", str(build_dir), "--json", "--quiet"]
    status = main(argv)
    report = json.loads(capsys.readouterr().out)
    (stack,) = report["stacks"]
    assert report["ok"] is stack["ok"]
    return status, report, stack


def as_project(program_file: Path, directory: Path, account: str = "123456789012") -> Path:
    """`program_file` as the program of a project in `directory` whose local stack names its one account
    (`aws:allowedAccountIds`): the account a `get_caller_identity` is answered with offline."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "__main__.py").write_text(program_file.read_text())
    (directory / "Pulumi.yaml").write_text(f"name: {program_file.stem}\nruntime: python\n")
    (directory / "Pulumi.local.yaml").write_text(f'config:\n  aws:allowedAccountIds: ["{account}"]\n')
    return directory
