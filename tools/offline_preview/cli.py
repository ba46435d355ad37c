"""`offline-preview`: preview the stacks (or any Pulumi Python project) with no cloud and no pulumi CLI.

    offline-preview --env local                   the three stacks, in dependency order
    offline-preview --env local --stack access    one stack (its upstream stacks are evaluated too)
    offline-preview --project DIR                 any Pulumi Python project (no stack references)
    offline-preview --json                        a machine-readable report on stdout, for CI
    offline-preview --json-file F --sarif F --junit F   the text report on stdout, and these files too
    offline-preview --deployed origin/main        stack references read the stacks deployed from that revision
    offline-preview --state registry.json         preview against deployed state (`pulumi stack export`)
    offline-preview diff --base REF               what changed since a git revision
    offline-preview diff --base-dir A --head-dir B   compare two manifest directories

Exit status (kept through make, see docs/commands.md's table):
  0  clean;
  1  a program failed, a mandatory policy was violated or checkov failed a check that checkov-skips.yaml
     does not waive; for diff: a revision failed to evaluate, or a protected resource would be deleted
     or replaced (BLOCKED);
  2  usage or input errors (one line on stderr);
  3  diff only: access broadens (a principal the base already grants gains on a resource that already
     existed, or a new principal gains anything): ask for a security review;
  130, 143  interrupted by SIGINT, SIGTERM (children stopped, one line; docs/faults.md).
Time limits: --evaluation-timeout, --checkov-timeout, --pack-timeout (seconds; see docs/faults.md).
"""

from __future__ import annotations

import sys

from . import supervise

# First of all, as the command: a Ctrl-C while the rest imports is one line, not a traceback.
if __name__ == "__main__" or sys.argv[0].endswith("offline-preview"):
    supervise.install_early_handlers("offline-preview")

import argparse  # noqa: E402 - after the early signal handlers, on purpose
import contextlib
import json
import os
import re
import subprocess
import tempfile
import tomllib
from dataclasses import replace
from pathlib import Path

from model_registry.environments import environments
from model_registry.sources import write_atomically

from .access_matrix import access_matrix, resource_policy_rows
from .checkov import CheckovError
from .diff import (
    base_access_of,
    broadenings,
    by_principal,
    diff_directories,
    format_by_principal,
    format_changes,
    has_blocked,
)
from .evaluate import DEPLOYED, PREVIEW
from .html_report import write_matrix_html
from .junit import junit_xml
from .manifest_reader import ManifestError, read_manifest
from .mermaid import compare, graph
from .progress import stderr_progress
from .project import ProjectError
from .report import diff_report_json, preview_report_json, report_text, source_map, use_colour
from .results import RunResult
from .revisions import RevisionError, manifests_at_revision, resolve_revision
from .run import REPO_ROOT, Options, UsageError, run_preview
from .sarif import catalog_locations, project_fallbacks, sarif_report

# Set by the diff for the base revision's own tool: evaluate as deployed (every output known), as the head is.
AS_DEPLOYED_VARIABLE = "OFFLINE_PREVIEW_AS_DEPLOYED"
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
    parser.add_argument(
        "--checkov-skips", type=Path, metavar="FILE", help="checkov's skip file (default: <repo>/checkov-skips.yaml)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--build-dir", type=Path, help="where manifests go (default: <repo>/build)")
    parser.add_argument(
        "--state",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a stack's deployed state (`pulumi stack export --show-secrets`; repeat per stack): its resources keep "
        "their ids and outputs, and stack references to it read its outputs",
    )
    parser.add_argument(
        "--deployed",
        metavar="REF",
        help="the git revision that is deployed (e.g. origin/main in a pull request): stack references read the "
        "upstream stacks' outputs at REF, as the engine reads the last deployed outputs",
    )
    limits = parser.add_argument_group("time limits (seconds; a stack past one is FAILED, naming it)")
    limits.add_argument(
        "--evaluation-timeout",
        type=float,
        metavar="S",
        help=f"each program's evaluation (${supervise.EVALUATION_LIMIT[0]}, default {supervise.EVALUATION_LIMIT[1]:g})",
    )
    limits.add_argument(
        "--checkov-timeout",
        type=float,
        metavar="S",
        help=f"each checkov scan (${supervise.CHECKOV_SCAN_LIMIT[0]}, default {supervise.CHECKOV_SCAN_LIMIT[1]:g})",
    )
    limits.add_argument(
        "--pack-timeout",
        type=float,
        metavar="S",
        help=f"each policy-pack call (${supervise.PACK_CALL_LIMIT[0]}, default {supervise.PACK_CALL_LIMIT[1]:g})",
    )
    return parser


def _diff_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="offline-preview diff", description="Compare the manifests of two revisions.")
    parser.add_argument("--env", default="local")
    parser.add_argument("--base", help="git ref to compare with (its manifests are built in a temporary worktree)")
    parser.add_argument("--base-dir", type=Path, help="a directory of base manifests instead of --base")
    parser.add_argument("--head-dir", type=Path, help="a directory of head manifests (default: build them now)")
    parser.add_argument("--json", action="store_true", help="a machine-readable diff on stdout")
    parser.add_argument("--detail", action="store_true", help="every grant gained or lost, per resource")
    parser.add_argument("--mermaid", type=Path, help="also write the access picture (Markdown, a Mermaid graph) here")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command; as the console script (argv None) it also owns SIGINT/SIGTERM (supervise.py)."""
    command_line = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if command_line:
        supervise.install_interrupt_handlers("offline-preview")
    try:
        try:
            if argv[:1] == ["diff"]:
                status = _diff(_diff_parser().parse_args(argv[1:]))
            else:
                status = _preview(_preview_parser().parse_args(argv))
        finally:
            # An error caused by the interrupt (a child it stopped, a task that kept it) is the interrupt.
            supervise.raise_if_interrupted()
        return status
    except (UsageError, ProjectError, CheckovError, ManifestError, RevisionError) as exc:
        print(f"offline-preview: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except DiffFailed as exc:
        print(f"offline-preview: diff failed: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # an output location that cannot be written (full, read-only, missing, not a folder)
        print(f"offline-preview: {_os_error_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except supervise.Interrupted as interrupt:
        supervise.stop_children()
        supervise.report_once(str(interrupt))
        if command_line:
            supervise.exit_now(interrupt.status)  # no interpreter shutdown: it would join threads
        return interrupt.status


def _os_error_line(exc: OSError) -> str:
    """`path: what errno means` (both paths for a rename)."""
    what = exc.strerror or type(exc).__name__
    if exc.filename is None:
        return f"{what} (errno {exc.errno})"
    if exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {what}"
    return f"{exc.filename}: {what}"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _not_an_option(variable: str, option: str, value: str | None, fix: str) -> None:
    """A value that starts with '-' would be read as an option by the tool it goes to: refused by name."""
    if value is not None and str(value).startswith("-"):
        raise UsageError(f"{variable} ({option}) {str(value)!r} starts with '-': {fix}")


def _preview(args) -> int:
    _check_env_name(args.env)
    _not_an_option("PROJECT", "--project", args.project, "write ./ before a folder whose name starts with '-'")
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
        state_files=list(args.state),
        deployed_revision=args.deployed,
        mode=DEPLOYED if os.environ.get(AS_DEPLOYED_VARIABLE) == "1" else PREVIEW,
        skip_file=args.checkov_skips,
        evaluation_timeout=args.evaluation_timeout,
        checkov_timeout=args.checkov_timeout,
        pack_timeout=args.pack_timeout,
    )
    if args.project is not None and args.deployed:
        raise UsageError("--deployed applies to the repository's stacks, not to --project (use --state)")
    progress = (lambda message: None) if args.quiet else stderr_progress()
    with contextlib.ExitStack() as cleanup:
        if args.sharded:
            sharded = _sharded_options(args, options, cleanup, progress)
            if sharded is None:
                print("offline-preview: no stack of the sharded layout changed: nothing to preview")
                return 0
            options = sharded
        elif args.only_stacks is not None:
            raise UsageError("--only-stacks needs --sharded")
        for path in (args.json_file, args.sarif, args.junit):
            if path is not None and not path.parent.is_dir():
                raise UsageError(f"{path}: no such directory {path.parent}")
        result = run_preview(options, progress)
    supervise.raise_if_interrupted()
    supervise.set_phase("writing the reports")
    matrix = stack_access_matrix(result)
    repo_root = args.repo_root.resolve()
    if any(s.manifest for s in result.stacks):  # beside the manifests: build/preview/<env>/access-matrix.html
        build_dir = args.build_dir if args.build_dir is not None else repo_root / "build"
        write_matrix_html(matrix, args.env, build_dir / "preview" / args.env)
    sources = source_map(result, repo_root)
    report = preview_report_json(result, matrix, sources)
    if args.json_file is not None:
        _write(args.json_file, json.dumps(report, indent=2) + "\n")
    if args.sarif is not None:
        born = catalog_locations(
            (r for s in result.stacks if s.manifest for r in s.resources), repo_root / "catalog", repo_root
        )
        sarif = sarif_report(result, sources, project_fallbacks(result, repo_root), catalog=born)
        _write(args.sarif, json.dumps(sarif, indent=2) + "\n")
    if args.junit is not None:
        _write(args.junit, junit_xml(result))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(report_text(result, matrix, colour=use_colour(sys.stdout)))
    return 0 if result.ok else 1


def _sharded_options(args, options: Options, cleanup: contextlib.ExitStack, progress) -> Options | None:
    """The sharded layout's stacks (--only-stacks: those only; None when that is none). Previewing some stacks,
    or with --deployed, what they read is evaluated once as deployed (offline_preview.shard_reads)."""
    from .shard_plan import sharded_options
    from .shard_reads import with_reads

    if args.stack or args.project:
        raise UsageError("--sharded previews the repository's stacks: not with --stack or --project")
    _check_env(options.repo_root, args.env)
    only = {k for k in (args.only_stacks or "").split(",") if k} if args.only_stacks is not None else None
    if only == set():
        return None
    stacks_dir = options.repo_root / "stacks"
    if only is None and options.deployed_revision is None:
        return sharded_options(options, stacks_dir)  # every stack previewed: each answers its readers itself
    scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="offline-preview-reads-")))
    return with_reads(options, stacks_dir, only, scratch, progress)[0]


def _write(path: Path, text: str) -> None:
    """Write a report atomically: a full disk or an interrupt leaves the previous file or none, never half of one."""
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from None


def stack_access_matrix(result: RunResult) -> dict:
    """The access matrix over every stack the run evaluated (repositories and policies span stacks), from the
    in-memory entries: a secret policy is read as the engine would hand it over, not as the manifest's "[secret]"."""
    resources = [r for s in result.stacks if s.manifest and not s.error for r in s.resources]
    return access_matrix(resources) | resource_policy_rows(resources)


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


def _directory_matrix(directory: Path) -> dict:
    """The access matrix over every manifest of a directory (one per stack)."""
    manifests = [read_manifest(path) for path in sorted(directory.glob("*.json")) if path.is_file()]
    resources = [r for manifest in manifests for r in manifest["resources"]]
    return access_matrix(resources) | resource_policy_rows(resources)


def _diff(args) -> int:
    _not_an_option("BASE", "--base", args.base, "a git revision never starts with '-' (git would read an option)")
    if bool(args.base) == bool(args.base_dir):
        raise UsageError("diff needs exactly one of --base <git revision> or --base-dir <manifest dir>")
    if args.mermaid is not None and not args.mermaid.parent.is_dir():
        raise UsageError(f"--mermaid {args.mermaid}: no such directory {args.mermaid.parent}")
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
            supervise.set_phase(f"evaluating the base revision {args.base}")
            manifests_at_revision(repo_root, commit, _build_manifests(args.env, f"base revision {args.base}"), base_out)
            base_dir = base_out / "preview" / args.env
        if args.head_dir is not None:
            head_dir = _existing_dir("--head-dir", args.head_dir)
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
            states = compare(_directory_matrix(Path(base_dir)), _directory_matrix(Path(head_dir)))
            _write(args.mermaid, graph(states))
    blocked, broadens = has_blocked(changes), bool(reasons)
    status = EXIT_FAILED if blocked else EXIT_BROADENS if broadens else EXIT_OK
    summary = by_principal(changes)
    if args.json:
        document = diff_report_json(changes, base=args.base, env=args.env)
        # Beyond schema 1's required keys: the exit status and why, and who gains or loses what.
        document |= {
            "baseCommit": commit,
            "exitCode": status,
            "accessBroadens": broadens,
            "broadening": reasons,
            "byPrincipal": summary,
        }
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
        shown = reasons[:20]
        print(f"access broadens ({len(reasons)} reason(s)): ask for a security review (exit 3)")
        print("\n".join(f"  {reason}" for reason in shown))
        if len(reasons) > len(shown):
            print(f"  ... and {len(reasons) - len(shown)} more (--json lists them all)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
