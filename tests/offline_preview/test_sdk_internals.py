"""Each private Pulumi SDK symbol the offline preview relies on (offline_preview/sdk_internals.py), pinned to
pulumi==3.272.0: these tests fail as soon as the SDK changes one, so that its use is revisited, not trusted.

A source digest is sha256(inspect.getsource(f))[:16]: any edit to the function fails its test."""

import contextlib
import gc
import hashlib
import importlib
import importlib.metadata
import inspect

import pulumi
import pulumi.output
import pulumi.runtime
import pulumi_aws
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from offline_preview import sdk_internals
from pulumi import _types
from pulumi.runtime import _context, known_types, mocks, resource, rpc, sync_await
from pulumi.runtime.rpc import UNKNOWN


def _digest(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def test_the_sdk_is_the_pinned_version():
    assert importlib.metadata.version("pulumi") == sdk_internals.PINNED_SDK == "3.272.0"


def test_get_stack_trace_is_the_one_first_user_frame_replaces():
    # first_user_frame keeps the frame _get_source_position picks; both functions are pinned.
    assert str(inspect.signature(resource._get_stack_trace)) == "() -> pulumi.source_pb2.StackTrace"
    assert _digest(resource._get_stack_trace) == "3943b22730169251"
    assert _digest(resource._get_source_position) == "eb98b10e3279d85c"
    # Called through the module's globals, so the swap is seen by every registration.
    assert "stack_trace = _get_stack_trace()" in inspect.getsource(resource)


def test_mocks_sync_await_is_the_name_mock_invoke_serializes_with():
    assert mocks._sync_await is sync_await._sync_await
    assert "_sync_await(" in inspect.getsource(mocks.MockMonitor.Invoke)
    assert _digest(mocks.MockMonitor.Invoke) == "c40e8a053d1a7f27"


def test_sync_await_and_ensure_event_loop_are_unchanged():
    assert sdk_internals.sync_await is sync_await._sync_await
    assert sdk_internals.ensure_event_loop is sync_await._ensure_event_loop
    assert _digest(sync_await._sync_await) == "77b69aaf7da77f1c"
    assert _digest(sync_await._ensure_event_loop) == "1775dd0c58ea5d48"


def test_serialize_properties_takes_inputs_first_as_await_plain_reads_it():
    assert list(inspect.signature(rpc.serialize_properties).parameters)[0] == "inputs"
    assert inspect.iscoroutinefunction(rpc.serialize_properties)
    assert rpc.serialize_properties.__qualname__ == "serialize_properties"


@pytest.mark.parametrize(("name", "digest"), [("invoke", "ccf53f59cbb4b79c"), ("invoke_output", "be8acd0946662976")])
def test_invoke_functions_are_looked_up_on_pulumi_runtime_at_call_time(name, digest):
    assert _digest(getattr(pulumi.runtime, name)) == digest
    # pulumi-aws calls them as attributes of pulumi.runtime, so the swapped wrappers are the ones called.
    module = importlib.import_module("pulumi_aws.get_caller_identity")  # the package's name is the function
    assert f"pulumi.runtime.{name}(" in inspect.getsource(module)


def test_the_sdks_rpc_wrappers_live_in_the_module_the_inline_loop_recognises():
    assert _context.wrap_with_context(lambda: None).__module__ == sdk_internals.RPC_WRAPPER_MODULE
    assert _digest(_context.wrap_with_context) == "20769e8a4bf13126"


def test_the_input_type_readers_are_the_sdks_unchanged():
    assert _digest(_types.is_input_type) == "d571ac3778046264"
    assert _digest(_types.input_type_types) == "8290a8cbb598d0a9"
    assert _digest(_types._required_property_names) == "2b5159a4f05ad537"
    # Written from pulumi-aws's schema: aws.iam.Role requires assumeRolePolicy only; names as the engine spells them.
    assert sdk_internals.required_input_properties(pulumi_aws.iam.RoleArgs) == {"assumeRolePolicy"}
    assert "imageTagMutability" in sdk_internals.input_property_types(pulumi_aws.ecr.RepositoryArgs)
    assert sdk_internals.is_input_type(pulumi_aws.ecr.RepositoryArgs)
    assert not sdk_internals.is_input_type(dict)


def test_the_secret_envelope_constants_are_the_sdks():
    assert (rpc._special_sig_key, rpc._special_secret_sig) == (sdk_internals.SIG_KEY, sdk_internals.SECRET_SIG)


def test_swapped_restores_every_sdk_symbol():
    originals = (
        resource._get_stack_trace,
        mocks._sync_await,
        pulumi.runtime.invoke,
        pulumi.runtime.invoke_output,
        rpc.contains_unknowns,
    )
    with pytest.raises(RuntimeError), sdk_internals.swapped():
        assert resource._get_stack_trace is sdk_internals.first_user_frame
        assert mocks._sync_await is sdk_internals.await_plain
        assert pulumi.runtime.invoke is not originals[2] and pulumi.runtime.invoke.__wrapped__ is originals[2]
        assert rpc.contains_unknowns is sdk_internals.contains_unknowns
        raise RuntimeError("the program failed")
    assert (
        resource._get_stack_trace,
        mocks._sync_await,
        pulumi.runtime.invoke,
        pulumi.runtime.invoke_output,
        rpc.contains_unknowns,
    ) == originals


def test_contains_unknowns_is_the_function_the_sdk_calls_through_the_rpc_module():
    # contains_unknowns restates this function; pulumi.output's (and pulumi.contains_unknowns) calls it as
    # `rpc.contains_unknowns`, and rpc's own callers through the module's globals: the swap is seen by all of them.
    assert _digest(rpc.contains_unknowns) == "1f1f335b6f48b960"
    # ...and what it takes for unknown: an instance of pulumi.output.Unknown, which the replacement tests for directly.
    assert _digest(known_types.is_unknown) == "e80e80f526585c92"
    assert "return rpc.contains_unknowns(val)" in inspect.getsource(pulumi.output.contains_unknowns)
    assert pulumi.contains_unknowns is pulumi.output.contains_unknowns


def test_contains_unknowns_leaves_no_garbage_for_the_collector():
    value = {"a": [1, {"b": "c"}], "d": {"e": [pulumi.output.UNKNOWN]}}
    gc.collect()
    with _collector_off():
        for _ in range(10):
            assert sdk_internals.contains_unknowns(value) is True
        assert gc.collect() == 0
        for _ in range(10):
            assert rpc.contains_unknowns(value) is True
        assert gc.collect() > 0  # the SDK's recursive closure: a reference cycle per call


@contextlib.contextmanager
def _collector_off():
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_contains_unknowns_answers_for_shapes_the_walk_treats_apart():
    unknown, shared = pulumi.output.UNKNOWN, [1, 2]
    assert sdk_internals.contains_unknowns(unknown) is True
    assert sdk_internals.contains_unknowns(UNKNOWN) is False  # the engine's sentinel string is not the SDK's Unknown
    assert sdk_internals.contains_unknowns({"a": [shared, shared, {"b": unknown}]}) is True
    assert sdk_internals.contains_unknowns({"a": [shared, shared, {"b": None}]}) is False
    assert sdk_internals.contains_unknowns((unknown,)) is False  # tuples are not walked (nor by the SDK)
    looped: list = []
    looped.append(looped)
    assert sdk_internals.contains_unknowns(looped) is False


WITH_UNKNOWNS = st.recursive(
    st.none() | st.integers() | st.text(max_size=4) | st.just(UNKNOWN) | st.just(pulumi.output.UNKNOWN),
    lambda inner: (
        st.lists(inner, max_size=3) | st.tuples(inner) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(WITH_UNKNOWNS)
def test_contains_unknowns_answers_as_the_sdk(value):
    assert sdk_internals.contains_unknowns(value) is rpc.contains_unknowns(value)
    shared = [value, {"again": value}, (value,)]  # one object met twice: walked once by both
    assert sdk_internals.contains_unknowns(shared) is rpc.contains_unknowns(shared)


def test_plain_struct_stands_for_the_pinned_serializer():
    # plain_struct restates what these two functions do with plain data: any edit to them fails here.
    assert _digest(rpc.serialize_properties) == "d101e72bd9ececa9"
    assert _digest(rpc.serialize_property) == "7e1361fad73506d2"


PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.just(UNKNOWN),
    lambda inner: (
        st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=10), PLAIN, max_size=6))
def test_plain_struct_is_what_the_sdk_serializes(values):
    assert sdk_internals.is_plain(values)
    expected = sdk_internals.await_plain(rpc.serialize_properties(values, {}), plain=True)
    assert sdk_internals.plain_struct(values) == expected
