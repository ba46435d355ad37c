"""The preview's and the diff's reports: text for people, versioned JSON for machines (the pull-request
comment is pr_comment.py).

The JSON documents follow `schemas/preview-report.schema.json` and `schemas/diff-report.schema.json`
(one casing, typed fields, no JSON inside strings, `schemaVersion` bumped on any incompatible change).
The text report ends with the verdict; a waiver's reason is printed once per check, with its count.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .access_format import format_matrix
from .coverage import format_coverage
from .diff import ABSENT as _ABSENT
from .manifest import load_manifest
from .results import RunResult, StackResult

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
PREVIEW_SCHEMA_VERSION = 1
DIFF_SCHEMA_VERSION = 1
PREVIEW_SCHEMA_ID = "urn:model-registry:offline-preview:preview-report:1"
DIFF_SCHEMA_ID = "urn:model-registry:offline-preview:diff-report:1"
_SOURCE = re.compile(r"^(?P<file>.+):(?P<line>[1-9][0-9]*)$")


# --- colour --------------------------------------------------------------------------------------


def use_colour(stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """ANSI colour only on a terminal, and never when NO_COLOR is set to anything non-empty (no-color.org)."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR", ""):
        return False
    stream = sys.stdout if stream is None else stream
    return bool(getattr(stream, "isatty", lambda: False)())


@dataclass(frozen=True)
class _Paint:
    on: bool

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text

    def red(self, text: str) -> str:
        return self(text, "1;31")

    def green(self, text: str) -> str:
        return self(text, "1;32")

    def yellow(self, text: str) -> str:
        return self(text, "33")

    def dim(self, text: str) -> str:
        return self(text, "2")

    def bold(self, text: str) -> str:
        return self(text, "1")


# --- sources: where in the program each resource is declared -------------------------------------


@dataclass(frozen=True)
class Source:
    file: str  # relative to the repository root when it lies below it
    line: int

    def as_json(self) -> dict:
        return {"file": self.file, "line": self.line}


def parse_source(text: str | None, repo_root: Path | None = None, base: Path | None = None) -> Source | None:
    """A manifest's `source` ("path:line", relative to the directory the preview ran from) as a Source."""
    match = _SOURCE.match(text or "")
    if not match:
        return None
    path = Path(match["file"])
    if repo_root is not None:
        absolute = path if path.is_absolute() else (base or Path.cwd()) / path
        try:
            path = absolute.resolve().relative_to(repo_root.resolve())
        except ValueError:
            path = absolute
    return Source(path.as_posix(), int(match["line"]))


def source_map(result: RunResult, repo_root: Path | None = None) -> dict[str, Source]:
    """{urn: Source} over every manifest the run wrote."""
    sources: dict[str, Source] = {}
    for stack in result.stacks:
        if not stack.manifest or stack.error or not Path(stack.manifest).is_file():
            continue
        for entry in load_manifest(stack.manifest)["resources"]:
            found = parse_source(entry.get("source"), repo_root)
            if found is not None:
                sources[entry["urn"]] = found
    return sources


# --- the preview: JSON ---------------------------------------------------------------------------


def _or_none(text: str) -> str | None:
    return text or None


def preview_report_json(result: RunResult, matrix: Mapping | None = None, sources: Mapping | None = None) -> dict:
    """The machine-readable preview report (`offline-preview --json`), schema version 1."""
    sources = sources or {}

    def where(urn: str) -> dict | None:
        found = sources.get(urn)
        return found.as_json() if found else None

    stacks = []
    for s in result.stacks:
        stacks.append(
            {
                "project": s.project,
                "stack": s.stack,
                "ok": s.ok,
                "manifest": _or_none(s.manifest),
                "error": _or_none(s.error),
                "resourceCount": sum(s.resources_by_type.values()),
                "resourcesByType": dict(s.resources_by_type),
                "policyError": _or_none(s.policy_error),
                "checkovError": _or_none(s.checkov_error),
                "policyViolations": [
                    {
                        "policy": v.policy,
                        "level": v.level,
                        "urn": v.urn,
                        "resourceType": v.resource_type,
                        "message": v.message,
                        "source": where(v.urn),
                    }
                    for v in s.violations
                ],
                "checkovFailures": [
                    {
                        "checkId": f.check_id,
                        "checkName": f.check_name,
                        "address": f.address,
                        "urn": f.urn,
                        "guideline": f.guideline,
                        "waived": f.waived is not None,
                        "waiverReason": f.waived,
                        "source": where(f.urn),
                    }
                    for f in s.checkov
                ],
                "seconds": {k: round(v, 3) for k, v in s.seconds.items()},
            }
        )
    return {
        "schemaVersion": PREVIEW_SCHEMA_VERSION,
        "kind": "preview",
        "env": result.env,
        "ok": result.ok,
        "verdict": "OK" if result.ok else "FAILED",
        "counts": _counts(result.stacks),
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "stacks": stacks,
        "waivers": [
            {"checkId": check, "reason": reason, "count": count} for (check, reason), count in _waivers(result.stacks)
        ],
        "accessMatrix": dict(matrix or {}),
        "scanningCoverage": _coverage_json(result),
    }


def _coverage_json(result: RunResult) -> dict | None:
    """The cross-stack scanning coverage step (coverage.py); null when no registry stack was previewed."""
    coverage = result.coverage
    if coverage is None:
        return None
    return {
        "ok": coverage.ok,
        "checked": coverage.checked,
        "places": list(coverage.places),
        "problems": list(coverage.problems),
        "notes": list(coverage.notes),
    }


def _counts(stacks: Iterable[StackResult]) -> dict[str, int]:
    stacks = list(stacks)
    return {
        "stacks": len(stacks),
        "failedStacks": sum(1 for s in stacks if not s.ok),
        "programErrors": sum(1 for s in stacks if s.error),
        "resources": sum(sum(s.resources_by_type.values()) for s in stacks),
        "mandatory": sum(len(s.mandatory) for s in stacks),
        "advisory": sum(len(s.violations) - len(s.mandatory) for s in stacks),
        "checkovFailed": sum(len(s.unwaived) for s in stacks),
        "checkovWaived": sum(len(s.checkov) - len(s.unwaived) for s in stacks),
        "toolErrors": sum(bool(s.policy_error) + bool(s.checkov_error) for s in stacks),
    }


def _waivers(stacks: Iterable[StackResult]) -> list[tuple[tuple[str, str], int]]:
    counts = Counter((f.check_id, f.waived) for s in stacks for f in s.checkov if f.waived is not None)
    return sorted(counts.items())


# --- the preview: text ---------------------------------------------------------------------------


def verdict_line(result: RunResult, colour: bool = False) -> str:
    """The last line of the report: OK, or FAILED with what failed, and the phase timings."""
    paint = _Paint(colour)
    counts = _counts(result.stacks)
    t = result.timings
    timings = (
        f"(evaluate {t.get('evaluate', 0):.1f}s, policy {t.get('policy', 0):.1f}s, "
        f"checkov {t.get('checkov', 0):.1f}s, total {t.get('total', 0):.1f}s)"
    )
    if result.ok:
        return f"{paint.green('OK')}: {counts['stacks']} stack(s), {counts['resources']} resources {timings}"
    reasons = [
        f"{counts['programErrors']} program error(s)" if counts["programErrors"] else "",
        f"{counts['mandatory']} mandatory policy violation(s)" if counts["mandatory"] else "",
        f"{counts['checkovFailed']} checkov failure(s) not waived" if counts["checkovFailed"] else "",
        f"{counts['toolErrors']} tool error(s)" if counts["toolErrors"] else "",
        f"{len(result.coverage.problems)} scanning coverage problem(s)"
        if result.coverage is not None and result.coverage.problems
        else "",
    ]
    return f"{paint.red('FAILED')}: {', '.join(r for r in reasons if r)} {timings}"


def report_text(result: RunResult, matrix: Mapping | None = None, colour: bool = False) -> str:
    """The readable report: per stack, the access matrix, the waivers, then the verdict as the last line."""
    paint = _Paint(colour)
    lines: list[str] = []
    for s in result.stacks:
        status = paint.green("ok") if s.ok else paint.red("FAILED")
        lines.append(paint.bold(f"== {s.project} ({s.stack}): ") + status)
        if s.error:
            lines.append(f"  {paint.red('error')}: {s.error}")
            continue
        total = sum(s.resources_by_type.values())
        lines.append(f"  {total} resources  (manifest: {_relative(s.manifest)})")
        lines += [f"    {count:5d}  {kind}" for kind, count in s.resources_by_type.items()]
        if s.policy_error:
            lines.append(f"  {paint.red('policy pack error')}: {s.policy_error}")
        for level in ("mandatory", "advisory"):
            found = [v for v in s.violations if v.level == level]
            mark = paint.red if level == "mandatory" and found else paint.yellow if found else str
            lines.append(f"  policy violations, {level}: {mark(str(len(found)))}")
            for v in found:
                message = " ".join(v.message.split())
                lines.append(f"    [{v.policy}] {short_urn(v.urn)}: {message}")
        if s.checkov_error:
            lines.append(f"  {paint.red('checkov error')}: {s.checkov_error}")
        unwaived = s.unwaived
        waived = Counter(f.check_id for f in s.checkov if f.waived is not None)
        mark = paint.red if unwaived else str
        lines.append(f"  checkov failures: {mark(str(len(unwaived)))} (waived: {sum(waived.values())})")
        for f in unwaived:
            lines.append(f"    {f.check_id} {short_urn(f.urn) or f.address}: {f.check_name}")
        for check, count in sorted(waived.items()):
            lines.append(paint.dim(f"    {check} waived on {count} resource(s) (reason under 'waivers')"))
    if result.coverage is not None:
        lines.append(format_coverage(result.coverage))
    if matrix:
        lines.append(paint.bold("== access matrix: who can pull, push or administer each repository"))
        lines.append(format_matrix(dict(matrix)))
    waivers = _waivers(result.stacks)
    if waivers:
        lines.append(paint.bold("== waivers (checkov-skips.yaml): each check once, with the resources it covers"))
        for (check, reason), count in waivers:
            lines.append(f"  {check} ({count} resource(s)): {' '.join(reason.split())}")
    lines.append(verdict_line(result, colour))
    return "\n".join(lines)


def short_urn(urn: str) -> str:
    """`type::name` out of a URN: enough to find the resource in the manifest."""
    parts = urn.split("::")
    return f"{parts[2].split('$')[-1]}::{parts[3]}" if len(parts) >= 4 else urn


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


# --- the diff: JSON ------------------------------------------------------------------------------


def _grant_json(grant) -> dict:
    """A grants.Grant as JSON: the condition block as an object (null when the statement has none)."""
    return {
        "effect": grant.effect,
        "principal": grant.principal,
        "action": grant.action,
        "resource": grant.resource,
        "condition": json.loads(grant.condition) if grant.condition else None,
    }


def _input_change_json(change) -> dict:
    out: dict[str, Any] = {"path": change.path}
    if change.before is not _ABSENT:
        out["before"] = change.before
    if change.after is not _ABSENT:
        out["after"] = change.after
    if change.note:
        out["note"] = change.note
    return out


def diff_report_json(changes: Mapping[str, list], base: str | None = None, env: str | None = None) -> dict:
    """The machine-readable diff report (`offline-preview diff --json`), schema version 1.

    `changes` is diff.diff_directories' result: {stack: [ResourceChange, ...]}.
    """
    blocked = any(c.blocked for per in changes.values() for c in per)
    return {
        "schemaVersion": DIFF_SCHEMA_VERSION,
        "kind": "diff",
        "env": env,
        "base": base,
        "ok": not blocked,
        "verdict": "BLOCKED" if blocked else "OK",
        "stacks": [
            {
                "stack": stack,
                "changes": [
                    {
                        "urn": c.urn,
                        "type": c.type,
                        "kind": c.kind,
                        "blocked": c.blocked or None,
                        "inputs": [_input_change_json(i) for i in c.inputs],
                        "gained": [_grant_json(g) for g in c.gained],
                        "lost": [_grant_json(g) for g in c.lost],
                    }
                    for c in per
                ],
            }
            for stack, per in changes.items()
        ],
    }
