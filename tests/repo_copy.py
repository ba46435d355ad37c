"""A throwaway git repository holding a copy of some of this repository's tracked files, committed as `main`.

Shared by the tests that replay a pull request or a base revision against the real stacks and catalog."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

AUTHOR = ("-c", "user.name=t", "-c", "user.email=t@example.com")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *AUTHOR, *args], check=True, capture_output=True)


def committed_copy(source: Path, root: Path, paths: tuple[str, ...], ignored: str) -> Path:
    """`paths` (as git tracks them in `source`) copied under `root`, with `ignored` as .gitignore, committed."""
    tracked = subprocess.run(
        ["git", "-C", str(source), "ls-files", *paths], capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, root / name)
    (root / ".gitignore").write_text(ignored)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "base")
    return root
