"""The pull-request comment: a preview report (JSON) as a short Markdown table, and one comment body within
GitHub's limit. `python -m offline_preview.pr_comment` composes it from the reports a job wrote.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .report import short_urn

# GitHub refuses an issue or pull-request comment body longer than 65,536 characters.
GITHUB_COMMENT_LIMIT = 65_536


def markdown_summary(report: Mapping[str, Any]) -> str:
    """A short Markdown table of a preview report (JSON, schema 1): one row per stack, then the verdict."""
    lines = [
        "| stack | result | resources | mandatory | advisory | checkov failed | checkov waived |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for s in report["stacks"]:
        mandatory = sum(1 for v in s["policyViolations"] if v["level"] == "mandatory")
        failed = sum(1 for f in s["checkovFailures"] if not f["waived"])
        lines.append(
            f"| {s['project']} ({s['stack']}) | {'ok' if s['ok'] else '**FAILED**'} | {s['resourceCount']} "
            f"| {mandatory} | {len(s['policyViolations']) - mandatory} | {failed} "
            f"| {len(s['checkovFailures']) - failed} |"
        )
    for s in report["stacks"]:
        for label, text in (("error", s["error"]), ("policy pack error", s["policyError"])):
            if text:
                lines.append(f"\n**{s['project']}: {label}:** `{text}`")
        for v in [v for v in s["policyViolations"] if v["level"] == "mandatory"][:SHOWN]:
            lines.append(f"- `{v['policy']}` {short_urn(v['urn'])}{_where(v)}: {' '.join(v['message'].split())}")
        for f in [f for f in s["checkovFailures"] if not f["waived"]][:SHOWN]:
            lines.append(f"- `{f['checkId']}` {f['address']}{_where(f)}: {f['checkName']}")
    counts = report["counts"]
    lines.append(
        f"\n**{report['verdict']}**: {counts['mandatory']} mandatory, {counts['advisory']} advisory, "
        f"{counts['checkovFailed']} checkov failed, {counts['checkovWaived']} waived, "
        f"{counts['programErrors']} program error(s), over {counts['resources']} resources"
    )
    return "\n".join(lines)


SHOWN = 20  # findings listed per stack and kind in a comment; the rest are in the full report


def _where(finding: Mapping[str, Any]) -> str:
    source = finding["source"]
    return f" ({source['file']}:{source['line']})" if source else ""


def pr_comment(
    marker: str,
    title: str,
    summary: str,
    details: list[tuple[str, str]],
    limit: int = GITHUB_COMMENT_LIMIT,
    footer: str = "",
) -> str:
    """One comment body of at most `limit` characters: marker, title, summary, then each detail block.

    The summary always stays whole; detail blocks (e.g. the diff text) share what is left and are cut
    from their end, saying so. The marker (an HTML comment) finds the comment again on the next run.
    """
    head = f"<!-- {marker} -->\n### {title}\n\n{summary.strip()}\n"
    tail = f"\n{footer.strip()}\n" if footer.strip() else ""
    notice = "\n… (cut to fit GitHub's comment limit; the full report is in the job summary and the artifact)\n"
    frames = [(f"\n<details><summary>{label}</summary>\n\n```text\n", "\n```\n</details>\n") for label, _ in details]
    fixed = len(head) + len(tail) + sum(len(a) + len(b) for a, b in frames)
    if fixed > limit:
        raise ValueError(f"the comment's summary alone is {fixed} characters, over the limit of {limit}")
    budget = limit - fixed
    parts = [head]
    for index, ((_, text), (opening, closing)) in enumerate(zip(details, frames, strict=True)):
        share = budget // (len(details) - index)
        body = text.rstrip("\n")
        if len(body) > share:
            body = body[: max(0, share - len(notice))] + notice if share > len(notice) else ""
        budget -= len(body)
        parts += [opening, body, closing]
    parts.append(tail)
    comment = "".join(parts)
    assert len(comment) <= limit, (len(comment), limit)
    return comment


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m offline_preview.pr_comment",
        description="Compose a pull-request comment (at most GitHub's 65,536 characters) from reports.",
    )
    parser.add_argument("--marker", required=True, help="an id for the sticky comment, e.g. offline-preview")
    parser.add_argument("--title", required=True)
    parser.add_argument("--preview-json", type=Path, help="a preview report (JSON) to summarise as a table")
    parser.add_argument(
        "--summary-file",
        type=Path,
        action="append",
        default=[],
        help="Markdown to put after the table (or instead of it); repeatable, in order",
    )
    parser.add_argument(
        "--details", nargs=2, action="append", default=[], metavar=("LABEL", "FILE"), help="a text block, folded"
    )
    parser.add_argument("--footer", default="")
    parser.add_argument("--limit", type=int, default=GITHUB_COMMENT_LIMIT)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        summary = []
        if args.preview_json and args.preview_json.is_file():
            summary.append(markdown_summary(json.loads(args.preview_json.read_text())))
        elif args.preview_json:
            summary.append(f"The preview wrote no report ({args.preview_json} is missing): see the job's log.")
        summary += [path.read_text() for path in args.summary_file]
        details = [
            (label, Path(path).read_text() if Path(path).is_file() else "(no output)") for label, path in args.details
        ]
        body = pr_comment(
            args.marker, args.title, "\n\n".join(summary) or "(no summary)", details, args.limit, args.footer
        )
    except (OSError, ValueError, KeyError) as exc:
        print(f"offline_preview.pr_comment: {exc}", file=sys.stderr)
        return 2
    args.out.write_text(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
