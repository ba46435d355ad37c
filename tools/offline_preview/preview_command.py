"""`offline-preview` (the preview sub-command): the options turned into a run (`run.Options`; with --sharded, the
sharded layout's stacks and what they read), the run, and its reports handed to cli_output. This module's one job is
the preview command's flow.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from . import supervise
from .cli_args import AS_DEPLOYED_VARIABLE, check_env, check_env_name, not_an_option
from .cli_output import write_preview_reports
from .monitor import DEPLOYED, PREVIEW
from .options import Options, UsageError
from .progress import stderr_progress
from .run import run_preview


def preview(args) -> int:
    """The preview sub-command: its exit status (0 clean, 1 a failure; usage errors raise)."""
    check_env_name(args.env)
    not_an_option("PROJECT", "--project", args.project, "write ./ before a folder whose name starts with '-'")
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
            sharded = sharded_options_of(args, options, cleanup, progress)
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
    write_preview_reports(args, result)
    return 0 if result.ok else 1


def sharded_options_of(args, options: Options, cleanup: contextlib.ExitStack, progress) -> Options | None:
    """The sharded layout's stacks (--only-stacks: those only; None when that is none). Previewing some stacks,
    or with --deployed, what they read is evaluated once as deployed (offline_preview.shard_reads)."""
    from .shard_plan import sharded_options
    from .shard_reads import with_reads

    if args.stack or args.project:
        raise UsageError("--sharded previews the repository's stacks: not with --stack or --project")
    check_env(options.repo_root, args.env)
    only = {k for k in (args.only_stacks or "").split(",") if k} if args.only_stacks is not None else None
    if only == set():
        return None
    stacks_dir = options.repo_root / "stacks"
    if only is None and options.deployed_revision is None:
        return sharded_options(options, stacks_dir)  # every stack previewed: each answers its readers itself
    scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="offline-preview-reads-")))
    return with_reads(options, stacks_dir, only, scratch, progress)[0]
