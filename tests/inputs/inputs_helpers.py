"""Shared pieces of the bad-input tests: the command lines, generated inputs and the one-line check."""

from __future__ import annotations

import contextlib
import io
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
STACKS = REPO / "stacks"
OFFLINE_PREVIEW = [sys.executable, "-m", "offline_preview.cli"]
DEPLOYER = [sys.executable, "-m", "deployer_policies"]

# Bounded inputs that once crashed or hung a reader: deep nesting and aliases that expand without bound.
DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_YAML = "config:\n  registry:lifecycle: " + "[" * 5000 + "]" * 5000 + "\n"
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)

# Text that YAML and JSON readers find interesting: indicators, quotes, tabs, newlines, a BOM, NUL.
tricky_text = st.text(
    alphabet=st.sampled_from(
        list(":-[]{}&*!|>'\"#%@`,? \n\t\ufeff\x00\x85") + list(string.ascii_lowercase[:6] + "019")
    ),
    max_size=200,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=16,
)
file_bytes = st.one_of(
    st.binary(max_size=600),
    tricky_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([DEEP_JSON.encode(), DEEP_YAML.encode(), ALIAS_BOMB.encode(), b"\xff\xfe", b"\xc3\x28"]),
)


def run(argv: list[str], cwd: Path = REPO, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def call(main: Callable[[list[str]], int], argv: list[str]) -> subprocess.CompletedProcess:
    """A command's `main(argv)` in this process, its output captured as `run` captures a subprocess's: the
    refusal is the same code (the entry points only add `sys.exit(main())`), without the second or so it takes
    a new interpreter to import the tool. test_cli_samples.py runs each entry point as a subprocess."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's usage errors, as the interpreter turns them into a status
            status = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
            if isinstance(exit_.code, str):
                print(exit_.code, file=sys.stderr)
    return subprocess.CompletedProcess(argv, status, out.getvalue(), err.getvalue())


def assert_refused_in_one_line(result: subprocess.CompletedProcess, codes: tuple[int, ...] = (2,)) -> str:
    """A non-zero exit among `codes`, no traceback anywhere, and exactly one line on stderr."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode in codes, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def read_or_refused_in_one_line(read, path: Path, error: type[Exception]):
    """`read(path)`'s result, or None when it refuses the file with one line that starts with the path;
    any other exception (a traceback) fails the test."""
    try:
        return read(path)
    except error as refused:
        message = str(refused)
        assert "\n" not in message and message.startswith(str(path)), message
        return None
