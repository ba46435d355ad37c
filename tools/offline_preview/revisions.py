"""A base revision of the repository, checked out: the revision a name means (`git rev-parse`, never a shell),
and its tree in a temporary git worktree, removed afterwards whatever happens.

The diff (cli.py) evaluates the base revision there with that revision's own tools; the preview's
`--deployed REV` (deployed_outputs.py) evaluates the upstream stacks there.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path


class RevisionError(ValueError):
    """A base that is not a git revision of the repository, or a checkout that failed."""


# What git says, in its words, when it cannot write the worktree: the errno it read it from.
_GIT_WRITE_ERRORS = {
    os.strerror(code): code for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.ENOENT)
}


def _temporary_folder_problem(code: int, folder: str) -> str:
    return (
        f"cannot check out the base revision into {folder} (the temporary folder, TMPDIR): {os.strerror(code)}; "
        "free space there or set TMPDIR to a writable folder with room"
    )


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
    try:
        worktree = Path(tempfile.mkdtemp(prefix="offline-preview-worktree-"))
        worktree.rmdir()  # git worktree add wants to create it
    except OSError as exc:
        raise RevisionError(_temporary_folder_problem(exc.errno or errno.EIO, tempfile.gettempdir())) from None
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
            code = next((c for words, c in _GIT_WRITE_ERRORS.items() if words in added.stderr), None)
            if code is not None:
                raise RevisionError(_temporary_folder_problem(code, str(worktree.parent)))
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
