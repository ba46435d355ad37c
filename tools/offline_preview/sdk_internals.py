"""Every use of the Pulumi SDK's private internals by the offline preview, in one module.

Each one is pinned to pulumi==3.272.0 by tests/offline_preview/test_sdk_internals.py, which fail as soon
as the SDK changes the symbol (its signature, source or attribute): then revisit the use here. Nothing
else in tools/offline_preview touches an underscored SDK name.

- `swapped()`: for the duration of an evaluation, replaces
  * `pulumi.runtime.resource._get_stack_trace` by `first_user_frame` (the SDK turns every frame of the
    stack into a file URI for each resource, a fifth of the evaluation time; only the innermost user
    frame, the source position, is used);
  * `pulumi.runtime.mocks._sync_await` by `await_plain` (serializing plain data without an event-loop
    round trip);
  * `pulumi.runtime.invoke` / `invoke_output` by wrappers noting the program line that called them (the
    SDK sends no source position with an invoke), read back by `invoke_caller()`;
  * `pulumi.runtime.rpc.contains_unknowns` by `contains_unknowns`, the same answers without the SDK's recursive
    closure: each of its calls (some 26 per resource) left a function, its cell and its annotations in a reference
    cycle, garbage only a collection frees: 9 in 10 of the objects the collection after the registry's evaluation
    freed at 1,000 models (448,000), and most of its time.
- `plain_struct`: what `rpc.serialize_properties(values, {})` builds for plain data, built directly (the
  monitor's answer to every registration; the SDK's walk of the values was 8% of an evaluation).
- `sync_await`, `ensure_event_loop`: the SDK's private helpers for running its coroutines synchronously.
- `RPC_WRAPPER_MODULE`: the module of the SDK's RPC wrappers (`pulumi.runtime._context.wrap_with_context`),
  which evaluate._InlineMonitorLoop runs inline.
- `SIG_KEY`, `SECRET_SIG`: the engine's secret envelope (protocol constants, private names in the SDK).
- `is_input_type`, `input_property_types`, `required_input_properties`: the SDK's reading of a generated input type
  (`pulumi._types`: a resource's `<Name>Args` and its nested blocks), which provider_schema reads the provider's
  schema from.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import cast

import pulumi
import pulumi.runtime
import pulumi_aws
from google.protobuf import struct_pb2
from pulumi import _types as sdk_types
from pulumi.output import Unknown
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import rpc
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

PINNED_SDK = "3.272.0"
# sdk/go/common/resource/properties.go; pulumi.runtime.rpc._special_sig_key / _special_secret_sig.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RPC_WRAPPER_MODULE = "pulumi.runtime._context"

sync_await = _sync_await
ensure_event_loop = _ensure_event_loop

_SDK_DIRECTORIES = tuple(str(Path(cast(str, m.__file__)).parent) + os.sep for m in (pulumi, pulumi_aws))
# Where the program called the invoke being answered; the monitor call inherits this context variable.
_invoke_caller: contextvars.ContextVar[str] = contextvars.ContextVar("invoke_caller", default="<unknown>")


@contextlib.contextmanager
def swapped() -> Iterator[None]:
    """Install the replacements listed in the module docstring; always restore the SDK's own."""
    originals = (
        sdk_resource._get_stack_trace,
        sdk_mocks._sync_await,
        pulumi.runtime.invoke,
        pulumi.runtime.invoke_output,
        rpc.contains_unknowns,
    )
    sdk_resource._get_stack_trace = first_user_frame
    sdk_mocks._sync_await = await_plain
    pulumi.runtime.invoke = _noting_caller(originals[2])
    pulumi.runtime.invoke_output = _noting_caller(originals[3])
    rpc.contains_unknowns = contains_unknowns
    try:
        yield
    finally:
        (
            sdk_resource._get_stack_trace,
            sdk_mocks._sync_await,
            pulumi.runtime.invoke,
            pulumi.runtime.invoke_output,
            rpc.contains_unknowns,
        ) = originals


def invoke_caller() -> str:
    """`file:line` (absolute path) of the program code whose invoke is being answered, or "<unknown>"."""
    return _invoke_caller.get()


def _caller_outside_sdk() -> str:
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_SDK_DIRECTORIES):
        frame = frame.f_back
    return "<unknown>" if frame is None else f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _noting_caller(invoke):
    @functools.wraps(invoke)
    def wrapper(*args, **kwargs):
        token = _invoke_caller.set(_caller_outside_sdk())
        try:
            return invoke(*args, **kwargs)
        finally:
            _invoke_caller.reset(token)

    return wrapper


def first_user_frame() -> source_pb2.StackTrace:
    """The SDK's _get_stack_trace, reduced to the one frame its source position is taken from: the caller
    of the third `__init__` up the stack (the resource's constructor, CustomResource's, Resource's)."""
    frame: FrameType | None = sys._getframe(1)
    inits = 0
    while frame is not None:
        if frame.f_code.co_name == "__init__":
            inits += 1
            if inits == 3:
                frame = frame.f_back
                break
        frame = frame.f_back
    if frame is None:
        return source_pb2.StackTrace()
    position = source_pb2.SourcePosition(uri=_file_uri(frame.f_code.co_filename), line=frame.f_lineno)
    return source_pb2.StackTrace(frames=[source_pb2.StackFrame(pc=position)])


@functools.lru_cache(maxsize=1024)
def _file_uri(filename: str) -> str:
    return Path(filename).as_uri()


def contains_unknowns(val) -> bool:
    """The SDK's rpc.contains_unknowns (pinned; the same signature): whether `val`, walked through dicts and lists,
    each container once, holds an unknown (pulumi.output.Unknown). The same walk in the same order, by a module
    function instead of a closure that refers to itself (a reference cycle per call). The SDK notes every value's id
    as seen, scalars too; a scalar's answer does not depend on it (an Unknown is found before the note is read, and
    any other scalar holds none), so only containers are noted here: the same answers, the walk in half the time."""
    return _holds_unknown(val, set())


def _holds_unknown(value, seen_ids: set[int]) -> bool:
    # Two branches written out, not one over dict|list: one isinstance fewer per value, some 20% of the walk's time
    # (timeit, a repository's inputs); it runs some 26 times per resource.
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        if id(value) in seen_ids:
            return False
        seen_ids.add(id(value))
        for key in value:
            if _holds_unknown(value[key], seen_ids):
                return True
    elif isinstance(value, list):
        if id(value) in seen_ids:
            return False
        seen_ids.add(id(value))
        for item in value:
            if _holds_unknown(item, seen_ids):
                return True
    return False


def is_input_type(cls: type) -> bool:
    """Whether `cls` is an input type of the SDK (`@pulumi.input_type`)."""
    return sdk_types.is_input_type(cls)


def input_property_types(cls: type) -> dict[str, type]:
    """{property name as the engine spells it (camelCase): its type hint} of an input type."""
    return sdk_types.input_type_types(cls)


def required_input_properties(cls: type) -> frozenset[str]:
    """The properties of an input type that the provider's schema marks required (names as the engine spells them)."""
    return sdk_types._required_property_names(cls)


def is_plain(value) -> bool:
    """JSON-like data only (what the mocks answer with): nothing that serializing would await."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(is_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def plain_struct(values: dict) -> struct_pb2.Struct:
    """rpc.serialize_properties(values, {}) for plain data (`is_plain(values)`), without the SDK's walk.

    For plain data the SDK's serialize_property returns each value as it is (lists and tuples as lists, nested
    dicts with their None values kept) and serialize_properties drops the top-level properties that are None, then
    sets the rest on a Struct. This sets the same values on the same Struct; a test holds the two equal on
    generated data and pins both SDK functions' sources.
    """
    struct = struct_pb2.Struct()
    for key, value in values.items():
        if value is not None:
            struct[key] = value
    return struct


def await_plain(awaitable, plain: bool | None = None):
    """Run a serialize_properties coroutine to completion; inline when its input is plain data.

    Installed as pulumi.runtime.mocks._sync_await (MockMonitor.Invoke serializes with it): there, the
    coroutine's argument is read from its frame to decide.
    """
    if plain is None:
        frame = getattr(awaitable, "cr_frame", None)
        inputs = frame.f_locals.get("inputs") if frame is not None else None
        plain = getattr(awaitable, "__qualname__", "") == "serialize_properties" and is_plain(inputs)
    if not plain:
        return _sync_await(awaitable)
    try:
        awaitable.send(None)
    except StopIteration as done:
        return done.value
    awaitable.close()
    raise RuntimeError("serializing plain data suspended: the SDK changed; this shortcut must go")
