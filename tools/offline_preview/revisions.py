"""A base revision of the repository, checked out: the revision a name means (`git rev-parse`, never a shell),
and its tree in a temporary git worktree, removed afterwards whatever happens.

The diff (cli.py) evaluates the base revision there with that revision's own tools; the preview's
`--deployed REV` (run.py) evaluates the upstream stacks there.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path


class RevisionError(ValueError):
    """A base that is not a git revision of the repository, or a checkout that failed."""


def resolve_revision(repo_root: Path, revision: str) -> str:
    """The commit `revision` names, through `git rev-parse` with an argument list (never a shell)."""
    if not revision or revision.startswith("-") or any(c in revision for c in "\n\r\x00"):
        raise RevisionError(f"BASE {revision!r} is not a git revision")
    try:
        found = subprocess.run(
            [
                "git",
                "-C",
                str(repo_root),
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{revision}^{{commit}}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RevisionError(f"cannot run git to resolve BASE {revision!r}: {exc}") from None
    commit = found.stdout.strip()
    if found.returncode != 0 or len(commit) not in (40, 64):
        raise RevisionError(f"BASE {revision!r} is not a commit of {repo_root} (git rev-parse found none)")
    return commit


def manifests_at_revision(repo_root: Path, commit: str, build: Callable[[Path, Path], None], out: Path) -> Path:
    """Check `commit` out in a temporary git worktree and build its manifests into `out` with
    `build(root, out)`. The worktree is removed before returning, whatever happens."""
    worktree = Path(tempfile.mkdtemp(prefix="offline-preview-worktree-"))
    worktree.rmdir()  # git worktree add wants to create it
    # One try for the checkout and the build: an interrupt during `git worktree add` leaves no worktree either.
    try:
        added = subprocess.run(
            ["git", "-C", str(repo_root), "worktree", "add", "--detach", "--quiet", str(worktree), commit],
            capture_output=True,
            text=True,
            check=False,
        )
        if added.returncode != 0:
            message = (added.stderr.strip().splitlines() or ["git worktree add failed"])[-1]
            raise RevisionError(f"cannot check out {commit}: {message}")
        build(worktree, out)
    finally:
        subprocess.run(
            ["git", "-C", str(repo_root), "worktree", "remove", "--force", str(worktree)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(worktree, ignore_errors=True)
        subprocess.run(["git", "-C", str(repo_root), "worktree", "prune"], capture_output=True, check=False)
    return out
