"""A base revision is checked out in a temporary folder (TMPDIR): a full, read-only or unwritable one is one line
in the project's words, naming the folder and errno's meaning, never git's own words or a traceback; with room
again, the same checkout works."""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from faults_helpers import REPO
from offline_preview.revisions import RevisionError, manifests_at_revision

HEAD = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()


def build(root, out):
    out.mkdir(parents=True, exist_ok=True)
    (out / "built").write_text((root / "Makefile").read_text()[:20])


def fake_git(tmp_path, words):
    """A git whose `worktree add` fails as git does when the folder cannot be written; every other command is git's."""
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout.strip()
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "git"
    script.write_text(
        "#!/bin/sh\n"
        'case " $* " in *" worktree add "*) '
        f"echo \"fatal: could not create leading directories of '/x/.git': {words}\" >&2; exit 128;; esac\n"
        f'exec {real} "$@"\n'
    )
    script.chmod(0o755)
    return folder


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_git_unable_to_write_the_worktree_is_one_line_naming_the_temporary_folder(tmp_path, monkeypatch, code):
    words = {errno.ENOSPC: "No space left on device", errno.EROFS: "Read-only file system"}.get(
        code, "Permission denied"
    )
    monkeypatch.setenv("PATH", f"{fake_git(tmp_path, words)}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(RevisionError) as raised:
        manifests_at_revision(REPO, HEAD, build, tmp_path / "out")
    [line] = str(raised.value).splitlines()
    assert line == (
        f"cannot check out the base revision into {tempfile.gettempdir()} (the temporary folder, TMPDIR): {words}; "
        "free space there or set TMPDIR to a writable folder with room"
    )
    assert not (tmp_path / "out").exists()
    monkeypatch.undo()  # room again: the same checkout works and leaves no worktree behind
    made = []
    mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kwargs: made.append(mkdtemp(**kwargs)) or made[-1])
    assert (manifests_at_revision(REPO, HEAD, build, tmp_path / "out") / "built").read_text() == "# The model registry"
    worktrees = subprocess.run(["git", "-C", str(REPO), "worktree", "list"], capture_output=True, text=True).stdout
    [worktree] = made
    assert worktree not in worktrees and not Path(worktree).exists()


def test_a_temporary_folder_that_cannot_be_created_is_one_line(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    with pytest.raises(RevisionError, match=r"\(the temporary folder, TMPDIR\): No space left on device; free space"):
        manifests_at_revision(REPO, HEAD, build, tmp_path / "out")
    assert not (tmp_path / "out").exists()
