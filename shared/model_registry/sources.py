"""YAML files read as inputs: plain data plus the line of every key and item, and one-line errors.

Every file a person edits (stack config, catalog files, the checkov skip file) goes through `load_yaml`,
so that each later error can name the file and the line, and no file can crash or hang the reader:

- bytes that are not UTF-8, a file larger than `MAX_BYTES`, nesting deeper than `MAX_DEPTH`, aliases that
  expand past `MAX_NODES` values (the "billion laughs"), duplicate keys, non-scalar keys and YAML types
  other than mappings, lists, strings, numbers, booleans and null all end in one `SourceError`;
- `Document.line(path)` gives the line of a value by its path (`("models", 2, "name")`), falling back to
  the nearest enclosing value that has one.

No Pulumi import here: the pack, the tools and the stacks can all use it.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 2_000_000

_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Plain scalar types only: a timestamp or binary value in config is a mistake, not data.
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_TYPE_NAMES = {
    "tag:yaml.org,2002:timestamp": "a date (quote it to keep it as text)",
    "tag:yaml.org,2002:binary": "binary data",
    "tag:yaml.org,2002:set": "a set",
    "tag:yaml.org,2002:omap": "an ordered map",
    "tag:yaml.org,2002:pairs": "a list of pairs",
}

Path_ = tuple[str | int, ...]


class SourceError(Exception):
    """An input file that cannot be used. `str()` is one line: `file:line: what is wrong`."""

    def __init__(self, file: str | Path, line: int | None, message: str):
        self.file, self.line, self.message = str(file), line, message
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Document:
    """A YAML file's data and the 1-based line of each mapping value and list item, by path."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(repr=False)

    def line(self, path: Sequence[str | int]) -> int:
        """The line of the value at `path`, or of its nearest enclosing value (1 for the whole file)."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), 1)

    def error(self, path: Sequence[str | int], message: str) -> SourceError:
        return SourceError(self.file, self.line(path), message)


def load_yaml(file: str | Path, text: bytes | str | None = None) -> Document:
    """Read and parse `file` (or the given bytes/text, named `file` in messages) into a Document."""
    raw = Path(file).read_bytes() if text is None else text
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BYTES:
        raise SourceError(file, None, f"{len(raw):,} bytes, more than the {MAX_BYTES:,} this reader accepts")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(file, line, f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8") from None
    if decoded.startswith("\ufeff"):
        decoded = decoded[1:]
    try:
        node = yaml.compose(decoded, Loader=_PARSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        raise SourceError(file, mark.line + 1 if mark else None, f"not valid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = decoded[: exc.position].count("\n") + 1
        raise SourceError(file, line, f"character {exc.character!r} is not allowed in YAML ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise SourceError(file, None, "not valid YAML: " + " ".join(str(exc).split())) from None
    except RecursionError:
        raise SourceError(file, None, f"nested more than {MAX_DEPTH} levels deep") from None
    lines: dict[Path_, int] = {}
    if node is None:
        return Document(str(file), None, {(): 1})
    try:
        too_many = _expanded_size(node, {}) > MAX_NODES
    except RecursionError:
        raise SourceError(file, None, f"nested more than {MAX_DEPTH} levels deep") from None
    if too_many:
        raise SourceError(file, None, f"expands to more than {MAX_NODES:,} values through aliases")
    builder = _Builder(str(file), lines)
    data = builder.build(node, (), 0)
    return Document(str(file), data, lines)


def load_json(
    file: str | Path,
    text: bytes | None = None,
    *,
    what: str = "valid JSON",
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Read and parse a JSON file (or the given bytes, named `file` in messages) with the same bounds as
    `load_yaml`: size, UTF-8, nesting depth; every failure is one SourceError. `what` names what the file
    should be in the message for text that is not JSON (e.g. "a JSON manifest")."""
    try:
        raw = Path(file).read_bytes() if text is None else text
    except OSError as exc:
        raise SourceError(file, None, f"cannot read ({exc.strerror})") from None
    if len(raw) > max_bytes:
        raise SourceError(file, None, f"{len(raw):,} bytes, more than the {max_bytes:,} this reader accepts")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(file, line, f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8") from None
    try:
        data = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise SourceError(file, exc.lineno, f"not {what} ({exc.msg})") from None
    except RecursionError:
        raise SourceError(file, None, f"nested more than {max_depth} levels deep") from None
    if _json_depth(data, max_depth) > max_depth:
        raise SourceError(file, None, f"nested more than {max_depth} levels deep")
    return data


def write_atomically(file: str | Path, content: str | bytes) -> Path:
    """Write a whole output file or nothing: into a temporary file beside it, then renamed over it.

    An interrupt, a full disk or a crash leaves the previous file (or none), never a truncated one that a
    later run could take for a result. A target that exists and is not a regular file (/dev/stdout, a pipe)
    is written in place. OSError (with the path) for a location that cannot be written.
    """
    path = Path(file)
    data = content.encode() if isinstance(content, str) else content
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(path.stat().st_mode):
            path.write_bytes(data)
            return path
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(exc, OSError):  # named by the file asked for, not the temporary one
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    return path


def _json_depth(value: Any, limit: int) -> int:
    """How many objects and lists deep (stops counting past `limit`), iteratively: a deep document must not
    exhaust the stack."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth > limit:
            break
        todo.extend((child, depth + 1) for child in children)
    return deepest


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values the node becomes once aliases are expanded; linear in the distinct nodes."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    sizes[id(node)] = 1  # a cycle (not possible in composed YAML) would count once
    total = 1 + sum(_expanded_size(child, sizes) for child in children)
    sizes[id(node)] = min(total, MAX_NODES + 1)
    return sizes[id(node)]


class _Builder:
    """Turns composed YAML nodes into plain data, recording lines and enforcing the bounds."""

    def __init__(self, file: str, lines: dict[Path_, int]):
        self.file, self.lines, self.nodes = file, lines, 0
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise SourceError(
                self.file, node.start_mark.line + 1, f"expands to more than {MAX_NODES:,} values (aliases?)"
            )
        if depth > MAX_DEPTH:
            raise SourceError(self.file, node.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _COLLECTION_TAGS:
            # `!!python/object/apply:` on a list, `!Ref` on a mapping: a loader that drops the tag reads
            # something other than what the author meant; refused like a tagged scalar.
            raise SourceError(
                self.file, node.start_mark.line + 1, f"{_dotted(path)}: the YAML tag {node.tag!r} is not accepted here"
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]
        if node.tag not in _SCALAR_TAGS:
            kind = _TYPE_NAMES.get(node.tag, f"the YAML type {node.tag!r}")
            raise SourceError(self.file, node.start_mark.line + 1, f"{_dotted(path)}: {kind} is not accepted here")
        try:
            return self.scalars.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            raise SourceError(self.file, node.start_mark.line + 1, f"{_dotted(path)}: {exc}") from None

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SourceError(
                    self.file, key_node.start_mark.line + 1, "'<<' merge keys are not accepted: write the keys out"
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError(self.file, key_node.start_mark.line + 1, "a key must be a plain string")
            key = str(key_node.value)
            if key in result:
                first = self.lines.get((*path, key), 0)
                raise SourceError(
                    self.file, key_node.start_mark.line + 1, f"duplicate key {key!r} (first on line {first})"
                )
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the document"


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known key a misspelt `word` most likely meant (case-insensitive), or None."""
    candidates = {k.lower(): k for k in known}
    match = difflib.get_close_matches(word.lower(), list(candidates), n=1, cutoff=0.6)
    return candidates[match[0]] if match else None


def unknown_key_message(key: str, known: Iterable[str]) -> str:
    """`unknown key 'x'; did you mean 'y'?` (or the list of known keys when nothing is close)."""
    known = sorted(known)
    guess = closest(key, known)
    hint = f"did you mean {guess!r}?" if guess else f"known keys: {', '.join(known)}"
    return f"unknown key {key!r}; {hint}"
