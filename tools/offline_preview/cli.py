"""`offline-preview`: preview the stacks (or any Pulumi Python project) with no cloud and no pulumi CLI.

    offline-preview --env local                   the three stacks, in dependency order
    offline-preview --env local --stack access    one stack (its upstream stacks are evaluated too)
    offline-preview --project DIR                 any Pulumi Python project (no stack references)
    offline-preview --json                        a machine-readable report on stdout, for CI
    offline-preview --json-file F --sarif F --junit F   the text report on stdout, and these files too
    offline-preview diff --base REF               what changed since a git revision
    offline-preview diff --base-dir A --head-dir B   compare two manifest directories

Exit status: 0 clean; 1 a program failed, a mandatory policy was violated or checkov failed a check
that checkov-skips.yaml does not waive (or, for diff, a protected resource would be deleted);
2 usage or input errors (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from .access_matrix import access_matrix
from .checkov import CheckovError
from .diff import diff_directories, format_changes, has_blocked, manifests_at_revision
from .junit import junit_xml
from .manifest import load_manifest
from .project import ProjectError
from .report import diff_report_json, preview_report_json, report_text, source_map, use_colour
from .run import REPO_ROOT, Options, RunResult, UsageError, run_preview, stderr_progress
from .sarif import project_fallbacks, sarif_report


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
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["diff"]:
            return _diff(_diff_parser().parse_args(argv[1:]))
        return _preview(_preview_parser().parse_args(argv))
    except (UsageError, ProjectError, CheckovError) as exc:
        print(f"offline-preview: {exc}", file=sys.stderr)
        return 2


def _preview(args) -> int:
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
    """The access matrix over every manifest the run wrote (repositories and policies span stacks)."""
    resources = [r for s in result.stacks if s.manifest and not s.error for r in load_manifest(s.manifest)["resources"]]
    return access_matrix(resources)


def _build_manifests(env: str):
    """A builder for manifests_at_revision: the current tool run on another checkout's programs."""

    def build(root: Path, out: Path) -> None:
        # The other revision's shared library must win over this checkout's (installed editable).
        env_vars = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(root / "shared"), os.environ.get("PYTHONPATH", "")]),
        }
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "offline_preview.cli",
                "--env",
                env,
                "--repo-root",
                str(root),
                "--build-dir",
                str(out),
                "--no-policy",
                "--no-checkov",
                "--quiet",
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env_vars,
            check=False,
        )
        if completed.returncode == 2:
            # The child's message already starts with the command's name.
            raise UsageError(f"base revision: {completed.stderr.strip().removeprefix('offline-preview: ')}")
        report = json.loads(completed.stdout)
        for stack in report["stacks"]:
            if stack["error"]:
                print(f"offline-preview: base revision, {stack['project']}: {stack['error']}", file=sys.stderr)

    return build


def _diff(args) -> int:
    if bool(args.base) == bool(args.base_dir):
        raise UsageError("diff needs exactly one of --base <git ref> or --base-dir <manifest dir>")
    repo_root = args.repo_root.resolve()
    if args.base_dir is not None:
        if not args.base_dir.is_dir():
            raise UsageError(f"--base-dir {args.base_dir}: no such directory")
        base_dir = args.base_dir
    else:
        try:
            base_out = manifests_at_revision(repo_root, args.base, _build_manifests(args.env))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        base_dir = base_out / "preview" / args.env
    if args.head_dir is not None:
        if not args.head_dir.is_dir():
            raise UsageError(f"--head-dir {args.head_dir}: no such directory")
        head_dir = args.head_dir
    else:
        options = Options(env=args.env, repo_root=repo_root, policy=False, checkov=False)
        result = run_preview(options, stderr_progress())
        for stack in result.stacks:
            if stack.error:
                print(f"offline-preview: {stack.project}: {stack.error}", file=sys.stderr)
        head_dir = repo_root / "build" / "preview" / args.env
    changes = diff_directories(Path(base_dir), Path(head_dir))
    if args.json:
        print(json.dumps(diff_report_json(changes, base=args.base, env=args.env), indent=2))
    else:
        print("\n".join(format_changes(stack, per) for stack, per in changes.items()))
    return 1 if has_blocked(changes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
