"""`offline-preview`: preview the stacks (or any Pulumi Python project) with no cloud and no pulumi CLI.

    offline-preview --env local                   the three stacks, in dependency order
    offline-preview --env local --stack access    one stack (its upstream stacks are evaluated too)
    offline-preview --project DIR                 any Pulumi Python project (no stack references)
    offline-preview --json                        a machine-readable report on stdout, for CI
    offline-preview --json-file F --sarif F --junit F   the text report on stdout, and these files too
    offline-preview diff --base REF               what changed since a git revision
    offline-preview diff --base-dir A --head-dir B   compare two manifest directories

Exit status (kept through make, see the README's table):
  0  clean;
  1  a program failed, a mandatory policy was violated or checkov failed a check that checkov-skips.yaml
     does not waive; for diff: a revision failed to evaluate, or a protected resource would be deleted
     or replaced (BLOCKED);
  2  usage or input errors (one line on stderr);
  3  diff only: access broadens (a principal gains an Allow or loses a Deny): ask for a security review.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from model_registry.config import environments

from .access_matrix import access_matrix
from .checkov import CheckovError
from .diff import (
    ManifestError,
    RevisionError,
    access_broadens,
    by_principal,
    diff_directories,
    format_by_principal,
    format_changes,
    has_blocked,
    manifests_at_revision,
    resolve_revision,
)
from .junit import junit_xml
from .project import ProjectError
from .report import diff_report_json, preview_report_json, report_text, source_map, use_colour
from .run import REPO_ROOT, Options, RunResult, UsageError, run_preview, stderr_progress
from .sarif import project_fallbacks, sarif_report

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BROADENS = 0, 1, 2, 3
STACK_NAME = re.compile(r"(?!\.)[A-Za-z0-9_.-]{1,100}")


class DiffFailed(Exception):
    """A revision that could not be evaluated: the diff would compare against nothing (exit 1)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and status 2, as for every other usage error
        print(f"offline-preview: {message}", file=sys.stderr)
        raise SystemExit(2)


def _preview_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="offline-preview",
        description="Evaluate, policy-check and checkov-scan Pulumi "
        "stacks offline. `offline-preview diff --help` for the diff.",
    )
    parser.add_argument("--env", default="local", help="environment = stack name (default: local)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--stack", help="preview only this one of the repository's stacks")
    target.add_argument("--project", type=Path, help="preview any Pulumi Python project directory instead")
    parser.add_argument("--json", action="store_true", help="print the JSON report on stdout instead of text")
    parser.add_argument("--json-file", type=Path, help="also write the JSON report (schemas/preview-report) here")
    parser.add_argument("--sarif", type=Path, help="also write the findings as SARIF 2.1.0 here (code scanning)")
    parser.add_argument("--junit", type=Path, help="also write a JUnit XML report here")
    parser.add_argument(
        "--sharded",
        action="store_true",
        help="the sharded layout: <env>.core and <env>.<shard> stacks (docs/shards.md)",
    )
    parser.add_argument(
        "--only-stacks", help="--sharded: only these project/stack keys (and what they read), comma-separated"
    )
    parser.add_argument("--no-policy", action="store_true", help="skip the policy pack")
    parser.add_argument("--no-checkov", action="store_true", help="skip checkov")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--build-dir", type=Path, help="where manifests go (default: <repo>/build)")
    return parser


def _diff_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="offline-preview diff", description="Compare the manifests of two revisions.")
    parser.add_argument("--env", default="local")
    parser.add_argument("--base", help="git ref to compare with (its manifests are built in a temporary worktree)")
    parser.add_argument("--base-dir", type=Path, help="a directory of base manifests instead of --base")
    parser.add_argument("--head-dir", type=Path, help="a directory of head manifests (default: build them now)")
    parser.add_argument("--json", action="store_true", help="a machine-readable diff on stdout")
    parser.add_argument("--detail", action="store_true", help="every grant gained or lost, per resource")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["diff"]:
            return _diff(_diff_parser().parse_args(argv[1:]))
        return _preview(_preview_parser().parse_args(argv))
    except (UsageError, ProjectError, CheckovError, ManifestError, RevisionError) as exc:
        print(f"offline-preview: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except DiffFailed as exc:
        print(f"offline-preview: diff failed: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _preview(args) -> int:
    _check_env_name(args.env)
    if args.project is not None and not args.project.exists():
        raise UsageError(f"--project {args.project}: no such directory")
    options = Options(
        env=args.env,
        projects=[args.project] if args.project else None,
        only=args.stack,
        repo_root=args.repo_root.resolve(),
        build_dir=args.build_dir,
        policy=not args.no_policy,
        checkov=not args.no_checkov,
    )
    if args.sharded:
        from .shard_plan import sharded_options

        if args.stack or args.project:
            raise UsageError("--sharded previews the repository's stacks: not with --stack or --project")
        _check_env(options.repo_root, args.env)
        only = {k for k in (args.only_stacks or "").split(",") if k} if args.only_stacks is not None else None
        if only == set():
            print("offline-preview: no stack of the sharded layout changed: nothing to preview")
            return 0
        options = sharded_options(options, options.repo_root / "stacks", only)
    elif args.only_stacks is not None:
        raise UsageError("--only-stacks needs --sharded")
    progress = (lambda message: None) if args.quiet else stderr_progress()
    for path in (args.json_file, args.sarif, args.junit):
        if path is not None and not path.parent.is_dir():
            raise UsageError(f"{path}: no such directory {path.parent}")
    result = run_preview(options, progress)
    matrix = stack_access_matrix(result)
    repo_root = args.repo_root.resolve()
    sources = source_map(result, repo_root)
    report = preview_report_json(result, matrix, sources)
    if args.json_file is not None:
        _write(args.json_file, json.dumps(report, indent=2) + "\n")
    if args.sarif is not None:
        sarif = sarif_report(result, sources, project_fallbacks(result, repo_root))
        _write(args.sarif, json.dumps(sarif, indent=2) + "\n")
    if args.junit is not None:
        _write(args.junit, junit_xml(result))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(report_text(result, matrix, colour=use_colour(sys.stdout)))
    return 0 if result.ok else 1


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from None


def stack_access_matrix(result: RunResult) -> dict:
    """The access matrix over every stack the run evaluated (repositories and policies span stacks), from the
    in-memory entries: a secret policy is read as the engine would hand it over, not as the manifest's "[secret]"."""
    resources = [r for s in result.stacks if s.manifest and not s.error for r in s.resources]
    return access_matrix(resources)


def _build_manifests(env: str, label: str):
    """A builder for manifests_at_revision: the current tool run on another checkout's programs."""

    def build(root: Path, out: Path) -> None:
        # The other revision's shared library must win over this checkout's (installed editable).
        env_vars = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(root / "shared"), os.environ.get("PYTHONPATH", "")]),
        }
        args = ["--env", env, "--repo-root", str(root), "--build-dir", str(out)]
        completed = subprocess.run(
            [sys.executable, "-m", "offline_preview.cli", *args, "--no-policy", "--no-checkov", "--quiet", "--json"],
            capture_output=True,
            text=True,
            env=env_vars,
            check=False,
        )
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


def _check_env(repo_root: Path, env: str) -> None:
    known = environments(repo_root)
    if env not in known:
        raise UsageError(
            f"unknown environment {env!r}: this repository defines {', '.join(known) or 'none'} "
            "(an environment is a Pulumi.<env>.yaml in every stack and a policy-pack/config/<env>.json)"
        )


def _existing_dir(option: str, path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"{option} {path}: no such directory")
    if not any(p.is_file() for p in path.glob("*.json")):
        raise UsageError(f"{option} {path}: no manifests (<stack>.json files) in it")
    return path


def _check_env_name(env: str) -> None:
    # Pulumi's stack-name characters; the name also becomes a file name (Pulumi.<env>.yaml, <env>.json).
    if not STACK_NAME.fullmatch(env):
        raise UsageError(f"--env {env!r}: an environment name has 1-100 characters of A-Z, a-z, 0-9, '-', '_', '.'")


def _diff(args) -> int:
    if bool(args.base) == bool(args.base_dir):
        raise UsageError("diff needs exactly one of --base <git revision> or --base-dir <manifest dir>")
    repo_root = args.repo_root.resolve()
    _check_env_name(args.env)
    if args.base_dir is None or args.head_dir is None:
        _check_env(repo_root, args.env)
    progress = (lambda message: None) if args.quiet or args.json else stderr_progress()
    commit = resolve_revision(repo_root, args.base) if args.base else None
    # Both revisions are evaluated into folders of their own, removed when the diff is done: no manifest
    # left in build/ by an earlier preview (or a failed evaluation) can stand in for a revision.
    with tempfile.TemporaryDirectory(prefix="offline-preview-diff-") as scratch:
        if commit is None:
            base_dir = _existing_dir("--base-dir", args.base_dir)
        else:
            base_out = Path(scratch) / "base"
            base_out.mkdir()
            progress(f"base: evaluating {args.base} ({commit[:12]})")
            manifests_at_revision(repo_root, commit, _build_manifests(args.env, f"base revision {args.base}"), base_out)
            base_dir = base_out / "preview" / args.env
        if args.head_dir is not None:
            head_dir = _existing_dir("--head-dir", args.head_dir)
        else:
            head_out = Path(scratch) / "head"
            options = Options(env=args.env, repo_root=repo_root, build_dir=head_out, policy=False, checkov=False)
            result = run_preview(options, progress)
            for stack in result.stacks:
                if stack.error:
                    raise DiffFailed(f"working tree: {stack.project}: {stack.error}")
            head_dir = head_out / "preview" / args.env
        changes = diff_directories(Path(base_dir), Path(head_dir))
    blocked, broadens = has_blocked(changes), access_broadens(changes)
    status = EXIT_FAILED if blocked else EXIT_BROADENS if broadens else EXIT_OK
    summary = by_principal(changes)
    if args.json:
        document = diff_report_json(changes, base=args.base, env=args.env)
        # Beyond schema 1's required keys: the exit status and why, and who gains or loses what.
        document |= {"baseCommit": commit, "exitCode": status, "accessBroadens": broadens, "byPrincipal": summary}
        print(json.dumps(document, indent=2))
        return status
    for stack, per in changes.items():
        shown = per if args.detail else [replace(c, gained=[], lost=[]) for c in per]
        print(format_changes(stack, shown))
    print(format_by_principal(summary))
    if not args.detail and summary:
        print("(offline-preview diff --detail lists every grant per resource)")
    if blocked:
        print("BLOCKED: a protected resource would be deleted or replaced (exit 1)")
    elif broadens:
        print("access broadens: ask for a security review (exit 3)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
