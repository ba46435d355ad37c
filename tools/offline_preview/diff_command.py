"""`offline-preview diff`: the base revision evaluated with its own tools in a temporary worktree (or a folder of
base manifests), the working tree evaluated as deployed (or a folder of head manifests), the two compared and the
access they grant weighed; the exit status says whether a protected resource goes or access broadens. This module's
one job is the diff command's flow; cli_output prints it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from . import supervise
from .access_changes import base_access_of, broadenings, by_principal
from .cli_args import (
    AS_DEPLOYED_VARIABLE,
    EXIT_BROADENS,
    EXIT_FAILED,
    EXIT_OK,
    check_env,
    check_env_name,
    existing_dir,
    not_an_option,
)
from .cli_output import directory_matrix, print_diff, write_report
from .diff import diff_directories, has_blocked
from .mermaid import compare, graph
from .monitor import DEPLOYED
from .options import Options, UsageError
from .progress import stderr_progress
from .revisions import manifests_at_revision, resolve_revision
from .run import run_preview


class DiffFailed(Exception):
    """A revision that could not be evaluated: the diff would compare against nothing (exit 1)."""


def revision_sources(root: Path) -> list[Path]:
    """A checkout's own package folders, as its pyproject.toml declares them: the uv workspace's members
    and the path sources (such as the leaf package), whatever they were called at that revision. A
    checkout without a pyproject.toml has none: the installed packages evaluate it."""
    if not (root / "pyproject.toml").is_file():
        return []
    try:
        uv = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("tool", {}).get("uv", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DiffFailed(f"{root / 'pyproject.toml'}: cannot read the workspace ({exc})") from None
    members = list(uv.get("workspace", {}).get("members", []))
    members += [s["path"] for s in uv.get("sources", {}).values() if isinstance(s, dict) and "path" in s]
    return [root / m for m in dict.fromkeys(members) if isinstance(m, str) and (root / m).is_dir()]


def revision_pythonpath(root: Path) -> str:
    """PYTHONPATH that puts a checkout's own packages before the installed (editable) ones of this one."""
    return os.pathsep.join([*map(str, revision_sources(root)), os.environ.get("PYTHONPATH", "")])


def _build_manifests(env: str, label: str):
    """A builder for manifests_at_revision: the revision's own offline preview (its tools, its library,
    its pack) run on its own programs, with this environment's third-party packages. Its manifests carry
    their format version, which read_manifest checks."""

    def build(root: Path, out: Path) -> None:
        # The diff compares two deployments: a revision whose tool previews with unknowns evaluates as deployed.
        env_vars = {**os.environ, "PYTHONPATH": revision_pythonpath(root), AS_DEPLOYED_VARIABLE: "1"}
        args = ["--env", env, "--repo-root", str(root), "--build-dir", str(out)]
        # Tracked: an interrupted diff stops the base revision's evaluation too.
        child = supervise.track(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "offline_preview.cli",
                    *args,
                    "--no-policy",
                    "--no-checkov",
                    "--quiet",
                    "--json",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env_vars,
                cwd=root,
            ),
            f"the evaluation of {label}",
        )
        try:
            stdout, stderr = child.communicate()
        finally:
            supervise.untrack(child)
        completed = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
        try:
            report = json.loads(completed.stdout)
        except ValueError:
            # The child's message already starts with the command's name.
            tail = (completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"])[-1]
            raise DiffFailed(f"{label}: {tail.removeprefix('offline-preview: ')}") from None
        for stack in report.get("stacks", []):
            if stack.get("error"):
                raise DiffFailed(f"{label}: {stack['project']}: {stack['error']}")

    return build


def diff(args) -> int:
    """The diff sub-command: its exit status (0, 1 blocked, 3 access broadens; usage errors raise)."""
    not_an_option("BASE", "--base", args.base, "a git revision never starts with '-' (git would read an option)")
    if bool(args.base) == bool(args.base_dir):
        raise UsageError("diff needs exactly one of --base <git revision> or --base-dir <manifest dir>")
    if args.mermaid is not None and not args.mermaid.parent.is_dir():
        raise UsageError(f"--mermaid {args.mermaid}: no such directory {args.mermaid.parent}")
    repo_root = args.repo_root.resolve()
    check_env_name(args.env)
    if args.base_dir is None or args.head_dir is None:
        check_env(repo_root, args.env)
    progress = (lambda message: None) if args.quiet or args.json else stderr_progress()
    commit = resolve_revision(repo_root, args.base) if args.base else None
    # Both revisions are evaluated into folders of their own, removed when the diff is done: no manifest
    # left in build/ by an earlier preview (or a failed evaluation) can stand in for a revision.
    with tempfile.TemporaryDirectory(prefix="offline-preview-diff-") as scratch:
        if commit is None:
            base_dir = existing_dir("--base-dir", args.base_dir)
        else:
            base_out = Path(scratch) / "base"
            base_out.mkdir()
            progress(f"base: evaluating {args.base} ({commit[:12]})")
            supervise.set_phase(f"evaluating the base revision {args.base}")
            manifests_at_revision(repo_root, commit, _build_manifests(args.env, f"base revision {args.base}"), base_out)
            base_dir = base_out / "preview" / args.env
        if args.head_dir is not None:
            head_dir = existing_dir("--head-dir", args.head_dir)
        else:
            head_out = Path(scratch) / "head"
            options = Options(
                env=args.env, repo_root=repo_root, build_dir=head_out, policy=False, checkov=False, mode=DEPLOYED
            )
            supervise.set_phase("evaluating the working tree")
            result = run_preview(options, progress)
            for stack in result.stacks:
                if stack.error:
                    raise DiffFailed(f"working tree: {stack.project}: {stack.error}")
            head_dir = head_out / "preview" / args.env
        supervise.set_phase("comparing the revisions")
        changes = diff_directories(Path(base_dir), Path(head_dir))
        reasons = broadenings(changes, base_access_of(Path(base_dir)))
        if args.mermaid is not None:
            states = compare(directory_matrix(Path(base_dir)), directory_matrix(Path(head_dir)))
            write_report(args.mermaid, graph(states))
    blocked, broadens = has_blocked(changes), bool(reasons)
    status = EXIT_FAILED if blocked else EXIT_BROADENS if broadens else EXIT_OK
    summary = by_principal(changes)
    print_diff(args, changes, reasons, summary, commit, status, blocked)
    return status
