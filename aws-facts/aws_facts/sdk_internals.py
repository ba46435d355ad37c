"""Every private name of another package that aws_facts relies on, in one place (as registry_policies' and
offline_preview's sdk_internals.py do for the Pulumi SDKs): z3's module global for its default context.
tests/iam/test_iam_proof.py pins it against the installed z3."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import z3


@contextlib.contextmanager
def fresh_z3_default_context() -> Iterator[None]:
    """z3's default context is a new one for the duration (z3.z3._main_ctx, the module global main_ctx()
    returns: z3 has no public way to replace the default). Made on first use: main_ctx() makes one when the
    global is None."""
    previous = z3.z3._main_ctx
    z3.z3._main_ctx = None
    try:
        yield
    finally:
        z3.z3._main_ctx = previous
