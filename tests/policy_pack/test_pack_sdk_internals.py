"""The pack's one use of pulumi_policy's internals (registry_policies/sdk_internals.py), pinned to
pulumi-policy==1.21.0: these tests fail as soon as the SDK changes what the use relies on, so that it is revisited,
not trusted. And the remembering MessageToDict gives every caller what protobuf's own would, never a shared value."""

import hashlib
import importlib.metadata
import inspect
import math
import sys
from pathlib import Path

import pulumi_policy.policy as policy_module
import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_policies import sdk_internals

sys.path.insert(0, str(Path(__file__).parents[1] / "stacks"))  # the stacks' harness, for the real stacks' resources


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


def test_install_swaps_what_the_module_says_and_nothing_else():
    servicer = policy_module._PolicyAnalyzerServicer
    before = dict(vars(servicer))
    sdk_internals.install()
    try:
        assert policy_module.json_format.MessageToDict is sdk_internals.message_to_dict
        assert policy_module.json_format.Parse is json_format.Parse
        swapped = {k: v for k, v in vars(servicer).items() if before.get(k) is not v}
        assert swapped == {
            "_get_provider_resource": sdk_internals.provider_resource,
            "_configure_runtime_settings": sdk_internals.configure_runtime_settings,
            "Analyze": sdk_internals.analyze,
            "Remediate": sdk_internals.remediate,
            "AnalyzeStack": sdk_internals.analyze_stack,
        }
    finally:
        policy_module.json_format = json_format
        for name, value in before.items():
            setattr(servicer, name, value)


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


# -- AnalyzeStack with the stack's resources built once per request --


def test_analyze_stack_is_the_pinned_method():
    # sdk_internals.analyze_stack is this method with the resources' loop hoisted out of the policies' loop: a
    # change to it must be carried over by hand.
    source = inspect.getsource(sdk_internals._analyze_stack)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "3917a008482c2387"


def _stack_request() -> policy_module.proto.AnalyzeStackRequest:
    request = policy_module.proto.AnalyzeStackRequest()
    for urn, kind, parent, dependencies, props in (
        ("urn:component", "registry:index:Models", "", [], {}),
        ("urn:repo", "aws:ecr/repository:Repository", "urn:component", [], {"name": "models/a", "scan": True}),
        (
            "urn:lifecycle",
            "aws:ecr/lifecyclePolicy:LifecyclePolicy",
            "urn:component",
            ["urn:repo", "urn:elsewhere"],
            {"repository": "models/a", "policy": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"},  # unknown string
        ),
    ):
        resource = request.resources.add(urn=urn, type=kind, name=urn[4:], parent=parent)
        resource.dependencies.extend(dependencies)
        resource.properties.update(props)
        if dependencies:
            resource.propertyDependencies["repository"].urns.extend(dependencies)
        resource.provider.type, resource.provider.urn, resource.provider.name = "pulumi:providers:aws", "urn:p", "p"
        resource.provider.properties.update({"region": "eu-west-1"})
    return request


def _seen(resources) -> list:
    return [
        (
            r.resource_type,
            r.urn,
            r.name,
            r.parent.urn if r.parent else None,
            [d.urn for d in r.dependencies],
            {k: [d.urn for d in v] for k, v in r.property_dependencies.items()},
            r.props.get("name"),
            r.provider.props["region"],
        )
        for r in resources
    ]


def _servicer(log: list):
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

    def reads(args, report_violation):
        log.append(_seen(args.resources))
        report_violation("a stack finding", "urn:repo")

    async def awaits(args, report_violation):
        report_violation(f"{len(args.resources)} resources, asynchronously")

    def unknown(args, report_violation):
        [lifecycle] = [r for r in args.resources if r.urn == "urn:lifecycle"]
        report_violation(lifecycle.props["policy"])  # raises UnknownValueError

    def not_applicable(args, _report_violation):
        args.not_applicable("nothing to check here")

    policies = [
        StackValidationPolicy("reads", "reads every resource", reads, EnforcementLevel.MANDATORY),
        StackValidationPolicy("advisory", "reads again", reads, EnforcementLevel.ADVISORY),
        StackValidationPolicy("off", "never runs", reads, EnforcementLevel.DISABLED),
        StackValidationPolicy("remediate", "runs as mandatory", reads, EnforcementLevel.REMEDIATE),
        StackValidationPolicy("awaits", "an async policy", awaits, EnforcementLevel.MANDATORY),
        StackValidationPolicy("unknown", "reads an unknown", unknown, EnforcementLevel.MANDATORY),
        StackValidationPolicy("not-applicable", "declares itself not applicable", not_applicable),
        ResourceValidationPolicy("per-resource", "not a stack policy", lambda args, report: report("no")),
    ]
    return policy_module._PolicyAnalyzerServicer("pack", "1.0.0", policies, EnforcementLevel.ADVISORY)


def test_analyze_stack_answers_as_the_sdk_answers_and_every_policy_sees_the_same_stack():
    sdk_log: list = []
    sdk_answer = sdk_internals._analyze_stack(_servicer(sdk_log), _stack_request(), None)
    log: list = []
    answer = sdk_internals.analyze_stack(_servicer(log), _stack_request(), None)
    assert answer == sdk_answer
    assert [d.policyName for d in answer.diagnostics] == ["reads", "advisory", "remediate", "awaits", "unknown"]
    assert "can't run policy 'unknown'" in answer.diagnostics[-1].message
    assert [n.policy_name for n in answer.not_applicable] == ["not-applicable"]
    expected = [
        ("registry:index:Models", "urn:component", "component", None, [], {}, None, "eu-west-1"),
        ("aws:ecr/repository:Repository", "urn:repo", "repo", "urn:component", [], {}, "models/a", "eu-west-1"),
        (
            "aws:ecr/lifecyclePolicy:LifecyclePolicy",
            "urn:lifecycle",
            "lifecycle",
            "urn:component",
            ["urn:repo"],
            {"repository": ["urn:repo"]},
            None,
            "eu-west-1",
        ),
    ]
    assert log == sdk_log == [expected] * 3


def test_once_per_request_builds_once_inside_a_request_and_every_time_outside():
    from pulumi_policy import EnforcementLevel, StackValidationPolicy

    built: list[int] = []  # one entry per build
    seen: list[int] = []  # what each policy received

    def build() -> int:
        built.append(len(built))
        return built[-1]

    def asks(_args, _report_violation):
        seen.append(sdk_internals.once_per_request("key", build))

    policies = [StackValidationPolicy(f"p{i}", "asks", asks, EnforcementLevel.MANDATORY) for i in range(3)]
    servicer = policy_module._PolicyAnalyzerServicer("pack", "1.0.0", policies, EnforcementLevel.MANDATORY)
    sdk_internals.analyze_stack(servicer, _stack_request(), None)
    assert (built, seen) == ([0], [0, 0, 0])
    sdk_internals.analyze_stack(servicer, _stack_request(), None)  # another request: built again
    assert (built, seen) == ([0, 1], [0, 0, 0, 1, 1, 1])
    assert [sdk_internals.once_per_request("key", build) for _ in range(2)] == [2, 3]
