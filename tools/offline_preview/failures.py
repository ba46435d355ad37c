"""The one-line message for a program that cannot be evaluated: `file:line: what went wrong`.

Paths are shown relative to the directory the evaluation was started from; a failure points at the
program's own line (its traceback, a syntax error's position, or the line an exception says it stands for).
"""

from __future__ import annotations

import contextlib
import functools
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from .project import Project


class EvaluationError(Exception):
    """A program that cannot be evaluated. The message is one line: `file:line: what went wrong`."""


def program_position(position: str) -> str:
    """`file:line` with the file shown as display_path shows it ("<unknown>" stays)."""
    filename, _, line = position.rpartition(":")
    return f"{display_path(filename)}:{line}" if filename else position


def request_source(request) -> str:
    """`file:line` of the program code that made the request, from the SDK's source position."""
    position = request.sourcePosition
    if not position.uri:
        return "<unknown>"
    return f"{display_path(unquote(urlparse(position.uri).path))}:{position.line}"


# Paths in messages are shown relative to the directory the evaluation was started from (the
# program itself runs with its own directory as working directory).
_display_root = Path.cwd()


def display_paths_from_cwd() -> None:
    """Show paths relative to the current directory from now on (where this evaluation was started)."""
    global _display_root
    if _display_root != Path.cwd():
        _display_root = Path.cwd()
        display_path.cache_clear()


@functools.lru_cache(maxsize=4096)
def display_path(filename: str) -> str:
    """A path relative to the starting directory when it lies below it, else absolute."""
    path = Path(filename).resolve()
    with contextlib.suppress(ValueError):
        return str(path.relative_to(_display_root))
    return str(path)


def describe_failure(exc: BaseException, project: Project) -> str:
    """One line for a failed program: `file:line: ErrorType: message`, pointing into the program."""
    chain = list(_exception_chain(exc))
    for link in chain:
        if isinstance(link, EvaluationError):
            return str(link)
        # An exception that knows the program line it stands for (contract.MissingStackOutput: raised
        # inside an apply, where the traceback never reaches the program).
        program_line = getattr(link, "program_line", None)
        if isinstance(program_line, str) and ":" in program_line:
            message = getattr(link, "message", None) or _exception_text(link)
            return f"{program_position(program_line)}: {type(link).__name__}: {message}"
    for link in chain:
        if isinstance(link, SyntaxError) and link.filename:
            return f"{display_path(link.filename)}:{link.lineno}: {type(link).__name__}: {link.msg}"
    directory = str(project.directory) + os.sep
    for link in chain:
        frames = [
            f
            for f in traceback.extract_tb(link.__traceback__)
            if f.filename.startswith(directory) or f.filename == str(project.entry)
        ]
        if frames:
            return f"{display_path(frames[-1].filename)}:{frames[-1].lineno}: {_exception_text(link)}"
    entry = project.entry / "__main__.py" if project.entry.is_dir() else project.entry
    return f"{display_path(str(entry))}: {_exception_text(exc)}"


def _exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _exception_text(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
