"""What `offline-preview` writes: the preview's reports (text or JSON on stdout; the JSON, SARIF and JUnit files;
the access matrix page beside the manifests) and the diff's (text or JSON on stdout, the Mermaid picture), each file
written atomically. This module's one job is the command's output; the handlers in preview_command and diff_command
decide what to write.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from model_registry.sources import write_atomically

from .access_changes import format_by_principal
from .access_matrix import access_matrix
from .access_resource_policies import resource_policy_rows
from .diff import format_changes
from .html_report import write_matrix_html
from .junit import junit_xml
from .manifest_reader import read_manifest
from .options import UsageError
from .report import diff_report_json, preview_report_json, report_text, source_map, use_colour
from .results import RunResult
from .sarif import catalog_locations, project_fallbacks, sarif_report


def write_preview_reports(args, result: RunResult) -> None:
    """The preview's reports, as the options ask: files first, then stdout (text, or JSON with --json)."""
    matrix = stack_access_matrix(result)
    repo_root = args.repo_root.resolve()
    if any(s.manifest for s in result.stacks):  # beside the manifests: build/preview/<env>/access-matrix.html
        build_dir = args.build_dir if args.build_dir is not None else repo_root / "build"
        write_matrix_html(matrix, args.env, build_dir / "preview" / args.env)
    sources = source_map(result, repo_root)
    report = preview_report_json(result, matrix, sources)
    if args.json_file is not None:
        write_report(args.json_file, json.dumps(report, indent=2) + "\n")
    if args.sarif is not None:
        born = catalog_locations(
            (r for s in result.stacks if s.manifest for r in s.resources), repo_root / "catalog", repo_root
        )
        sarif = sarif_report(result, sources, project_fallbacks(result, repo_root), catalog=born)
        write_report(args.sarif, json.dumps(sarif, indent=2) + "\n")
    if args.junit is not None:
        write_report(args.junit, junit_xml(result))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(report_text(result, matrix, colour=use_colour(sys.stdout)))


def print_diff(args, changes, reasons: list, summary, commit: str | None, status: int, blocked: bool) -> None:
    """The diff on stdout: JSON with --json (exit status and reasons included), else the changes per stack, who
    gains or loses what, and the verdict."""
    broadens = bool(reasons)
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
        return
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


def write_report(path: Path, text: str) -> None:
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


def directory_matrix(directory: Path) -> dict:
    """The access matrix over every manifest of a directory (one per stack)."""
    manifests = [read_manifest(path) for path in sorted(directory.glob("*.json")) if path.is_file()]
    resources = [r for manifest in manifests for r in manifest["resources"]]
    return access_matrix(resources) | resource_policy_rows(resources)
