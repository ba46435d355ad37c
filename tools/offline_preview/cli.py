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

This module is the entry point: it installs the signal handlers, picks the sub-command and turns every error
into one line and an exit status. The command line is cli_args, the sub-commands preview_command and
diff_command, what they write cli_output.
"""

from __future__ import annotations

import sys

from . import supervise

# First of all, as the command: a Ctrl-C while the rest imports is one line, not a traceback.
if __name__ == "__main__" or sys.argv[0].endswith("offline-preview"):
    supervise.install_early_handlers("offline-preview")
from .checkov import CheckovError  # noqa: E402 - after the early signal handlers, on purpose
from .cli_args import AS_DEPLOYED_VARIABLE, EXIT_BROADENS, EXIT_FAILED, EXIT_OK, EXIT_USAGE, diff_parser, preview_parser
from .diff_command import DiffFailed, diff, revision_sources
from .manifest_reader import ManifestError
from .options import UsageError
from .preview_command import preview
from .project import ProjectError
from .revisions import RevisionError

# What other code imports from here; the command's parts are cli_args (the command line), preview_command and
# diff_command (the two sub-commands), cli_output (what they write).
__all__ = [
    "AS_DEPLOYED_VARIABLE",
    "EXIT_BROADENS",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "main",
    "revision_sources",
]


def main(argv: list[str] | None = None) -> int:
    """The command; as the console script (argv None) it also owns SIGINT/SIGTERM (supervise.py)."""
    command_line = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if command_line:
        supervise.install_interrupt_handlers("offline-preview")
    try:
        try:
            if argv[:1] == ["diff"]:
                status = diff(diff_parser().parse_args(argv[1:]))
            else:
                status = preview(preview_parser().parse_args(argv))
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


if __name__ == "__main__":
    raise SystemExit(main())
