"""`offline-preview`: preview the stacks (or any Pulumi Python project) with no cloud and no pulumi CLI.

    offline-preview --env local                   the three stacks, in dependency order
    offline-preview --env local --stack access    one stack (its upstream stacks are evaluated too)
    offline-preview --project DIR                 any Pulumi Python project (no stack references)
    offline-preview --json                        a machine-readable report on stdout, for CI
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
from dataclasses import asdict
from pathlib import Path

from .access_matrix import access_matrix, format_matrix
from .checkov import CheckovError
from .diff import diff_directories, format_changes, has_blocked, manifests_at_revision
from .project import ProjectError
from .run import REPO_ROOT, Options, RunResult, UsageError, run_preview, stderr_progress


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
    parser.add_argument("--json", action="store_true", help="print a JSON report on stdout")
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
    result = run_preview(options, progress)
    matrix = stack_access_matrix(result)
    if args.json:
        print(json.dumps(report_json(result) | {"accessMatrix": matrix}, indent=2))
    else:
        print(report_text(result))
        if matrix:
            print("== access matrix: who can pull, push or administer each repository")
            print(format_matrix(matrix))
    return 0 if result.ok else 1


def stack_access_matrix(result: RunResult) -> dict:
    """The access matrix over every stack the run evaluated (repositories and policies span stacks), from the
    in-memory entries: a secret policy is read as the engine would hand it over, not as the manifest's "[secret]"."""
    resources = [r for s in result.stacks if s.manifest and not s.error for r in s.resources]
    return access_matrix(resources)


def report_json(result: RunResult) -> dict:
    """The machine-readable report (the --json output)."""
    return {
        "env": result.env,
        "ok": result.ok,
        "timings": result.timings,
        "stacks": [
            {
                "project": s.project,
                "stack": s.stack,
                "ok": s.ok,
                "manifest": s.manifest,
                "error": s.error,
                "resources": sum(s.resources_by_type.values()),
                "resourcesByType": s.resources_by_type,
                "policyError": s.policy_error,
                "checkovError": s.checkov_error,
                "policyViolations": [asdict(v) for v in s.violations],
                "checkovFailures": [asdict(f) for f in s.checkov],
                "seconds": {k: round(v, 3) for k, v in s.seconds.items()},
            }
            for s in result.stacks
        ],
    }


def report_text(result: RunResult) -> str:
    """One readable summary per stack."""
    lines = []
    for s in result.stacks:
        status = "ok" if s.ok else "FAILED"
        lines.append(f"== {s.project} ({s.stack}): {status}")
        if s.error:
            lines.append(f"  error: {s.error}")
            continue
        total = sum(s.resources_by_type.values())
        lines.append(f"  {total} resources  (manifest: {_relative(s.manifest)})")
        lines += [f"    {count:5d}  {kind}" for kind, count in s.resources_by_type.items()]
        if s.policy_error:
            lines.append(f"  policy pack error: {s.policy_error}")
        for level in ("mandatory", "advisory"):
            found = [v for v in s.violations if v.level == level]
            lines.append(f"  policy violations, {level}: {len(found)}")
            for v in found:
                message = " ".join(v.message.split())
                lines.append(f"    [{v.policy}] {_short_urn(v.urn)}: {message}")
        if s.checkov_error:
            lines.append(f"  checkov error: {s.checkov_error}")
        unwaived = s.unwaived
        lines.append(f"  checkov failures: {len(unwaived)} (waived: {len(s.checkov) - len(unwaived)})")
        for f in s.checkov:
            waiver = f"  (waived: {f.waived})" if f.waived else ""
            lines.append(f"    {f.check_id} {_short_urn(f.urn) or f.address}: {f.check_name}{waiver}")
    t = result.timings
    lines.append(
        f"{'OK' if result.ok else 'FAILED'}  (evaluate {t.get('evaluate', 0):.1f}s, policy "
        f"{t.get('policy', 0):.1f}s, checkov {t.get('checkov', 0):.1f}s, total {t.get('total', 0):.1f}s)"
    )
    return "\n".join(lines)


def _short_urn(urn: str) -> str:
    """`type::name` out of a URN: enough to find the resource in the manifest."""
    parts = urn.split("::")
    return f"{parts[2].split('$')[-1]}::{parts[3]}" if len(parts) >= 4 else urn


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


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
        print(json.dumps({stack: [asdict(c) for c in per] for stack, per in changes.items()}, indent=2))
    else:
        print("\n".join(format_changes(stack, per) for stack, per in changes.items()))
    return 1 if has_blocked(changes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
