"""Paths and lookups shared by the offline preview tests."""

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
