"""The command line of `offline-preview`: its two parsers (the preview's options and `diff`'s), the checks of
option values argparse cannot make (an environment's name and existence, a value that would read as an option, a
manifest folder), and the exit statuses and the variable the command's contract names. This module's one job is
reading the command line; cli.py runs it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from model_registry.environments import environments

from . import supervise
from .options import REPO_ROOT, UsageError

# Set by the diff for the base revision's own tool: evaluate as deployed (every output known), as the head is.
AS_DEPLOYED_VARIABLE = "OFFLINE_PREVIEW_AS_DEPLOYED"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BROADENS = 0, 1, 2, 3
STACK_NAME = re.compile(r"(?!\.)[A-Za-z0-9_.-]{1,100}")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and status 2, as for every other usage error
        print(f"offline-preview: {message}", file=sys.stderr)
        raise SystemExit(2)


def preview_parser() -> argparse.ArgumentParser:
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


def diff_parser() -> argparse.ArgumentParser:
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


def not_an_option(variable: str, option: str, value: str | None, fix: str) -> None:
    """A value that starts with '-' would be read as an option by the tool it goes to: refused by name."""
    if value is not None and str(value).startswith("-"):
        raise UsageError(f"{variable} ({option}) {str(value)!r} starts with '-': {fix}")


def check_env(repo_root: Path, env: str) -> None:
    known = environments(repo_root)
    if env not in known:
        raise UsageError(
            f"unknown environment {env!r}: this repository defines {', '.join(known) or 'none'} "
            "(an environment is a Pulumi.<env>.yaml in every stack and a policy-pack/config/<env>.json)"
        )


def existing_dir(option: str, path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"{option} {path}: no such directory")
    if not any(p.is_file() for p in path.glob("*.json")):
        raise UsageError(f"{option} {path}: no manifests (<stack>.json files) in it")
    return path


def check_env_name(env: str) -> None:
    # Pulumi's stack-name characters; the name also becomes a file name (Pulumi.<env>.yaml, <env>.json).
    if not STACK_NAME.fullmatch(env):
        raise UsageError(f"--env {env!r}: an environment name has 1-100 characters of A-Z, a-z, 0-9, '-', '_', '.'")
