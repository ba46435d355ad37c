"""The pack's one use of pulumi_policy's internals (registry_policies/sdk_internals.py), pinned to
pulumi-policy==1.21.0: these tests fail as soon as the SDK changes what the use relies on, so that it is revisited,
not trusted. And the remembering MessageToDict gives every caller what protobuf's own would, never a shared value."""

import hashlib
import importlib.metadata
import inspect
import math

import pulumi_policy.policy as policy_module
import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_policies import sdk_internals


def test_the_policy_sdk_is_the_pinned_version():
    assert importlib.metadata.version("pulumi-policy") == sdk_internals.PINNED_POLICY_SDK == "1.21.0"


def test_the_analyzer_converts_properties_through_its_module_global_json_format():
    # install() swaps the module global; these are the calls it speeds up (read at call time, so the swap is seen).
    assert policy_module.json_format is json_format  # as imported (the install test puts it back)
    source = inspect.getsource(policy_module._PolicyAnalyzerServicer)
    assert source.count("json_format.MessageToDict(") == 5
    assert "deserialize_properties(json_format.MessageToDict(request.properties))" in source
    assert "deserialize_properties(json_format.MessageToDict(r.properties))" in source
    assert "deserialize_properties(json_format.MessageToDict(prov.properties))" in source


def test_the_provider_is_built_by_the_pinned_method():
    source = inspect.getsource(sdk_internals._get_provider_resource)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "5db736069fc8d3d6"
    # The method install() replaces is the one every call site reaches through `self`.
    assert inspect.getsource(policy_module._PolicyAnalyzerServicer).count("self._get_provider_resource(") == 3


def test_install_swaps_message_to_dict_and_the_provider_only():
    servicer = policy_module._PolicyAnalyzerServicer
    sdk_internals.install()
    try:
        assert policy_module.json_format.MessageToDict is sdk_internals.message_to_dict
        assert policy_module.json_format.Parse is json_format.Parse
        assert servicer._get_provider_resource is sdk_internals.provider_resource
    finally:
        policy_module.json_format = json_format
        servicer._get_provider_resource = sdk_internals._get_provider_resource


def _request(region: str, urn: str = "urn:pulumi:dev::registry::pulumi:providers:aws::default"):
    request = policy_module.proto.AnalyzeRequest(type="aws:ecr/repository:Repository", urn="urn:r", name="r")
    request.provider.type, request.provider.urn, request.provider.name = "pulumi:providers:aws", urn, "default"
    request.provider.properties.update({"region": region, "endpoints": [{"ecr": "http://127.0.0.1:5055"}]})
    return request


def test_a_provider_is_built_once_and_reads_as_pulumi_policy_builds_it():
    first = sdk_internals.provider_resource(None, _request("eu-west-1"))
    again = sdk_internals.provider_resource(None, _request("eu-west-1"))
    fresh = sdk_internals._get_provider_resource(None, _request("eu-west-1"))
    assert again is first
    assert (first.resource_type, first.urn, first.name) == (fresh.resource_type, fresh.urn, fresh.name)
    assert first.props["region"] == fresh.props["region"] == "eu-west-1"
    assert first.props["endpoints"][0]["ecr"] == "http://127.0.0.1:5055"


def test_another_region_or_urn_is_another_provider():
    first = sdk_internals.provider_resource(None, _request("eu-west-1"))
    assert sdk_internals.provider_resource(None, _request("us-east-1")).props["region"] == "us-east-1"
    assert sdk_internals.provider_resource(None, _request("eu-west-1", urn="urn:other")) is not first


def test_no_provider_is_none():
    request = policy_module.proto.AnalyzeRequest(type="aws:ecr/repository:Repository", urn="urn:r", name="r")
    assert sdk_internals.provider_resource(None, request) is None


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=6))
def test_every_struct_converts_as_protobuf_converts_it(properties):
    message = struct_pb2.Struct()
    message.update(properties)
    assert sdk_internals.message_to_dict(message) == json_format.MessageToDict(message)
    assert sdk_internals.message_to_dict(message) == json_format.MessageToDict(message)  # a remembered one too


def test_numbers_keep_their_python_type():
    message = struct_pb2.Struct()
    message.update({"days": 14, "ratio": 0.5, "big": 2.0**60})
    expected = json_format.MessageToDict(message)
    converted = sdk_internals.message_to_dict(message)
    assert [type(converted[k]) for k in ("days", "ratio", "big")] == [
        type(expected[k]) for k in ("days", "ratio", "big")
    ]


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
def test_a_number_protobuf_refuses_is_refused_alike(number):
    message = struct_pb2.Struct()
    message.update({"n": number})
    with pytest.raises(ValueError) as protobuf_error:
        json_format.MessageToDict(message)
    with pytest.raises(ValueError) as ours:
        sdk_internals.message_to_dict(message)
    assert str(ours.value) == str(protobuf_error.value)


def test_callers_never_share_a_value():
    message = struct_pb2.Struct()
    message.update({"tags": {"team": "vision"}, "rules": [{"priority": 1}]})
    first = sdk_internals.message_to_dict(message)
    first["tags"]["team"] = "changed"
    first["rules"].append("more")
    assert sdk_internals.message_to_dict(message) == {"tags": {"team": "vision"}, "rules": [{"priority": 1}]}


@pytest.mark.parametrize("message", [struct_pb2.Value(string_value="x"), struct_pb2.ListValue()])
def test_other_messages_go_to_protobuf_untouched(message):
    assert sdk_internals.message_to_dict(message) == json_format.MessageToDict(message)
