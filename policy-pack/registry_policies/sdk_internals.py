"""The one place the pack reaches into pulumi_policy's internals, each use pinned to pulumi-policy==1.21.0 by
tests/policy_pack/test_pack_sdk_internals.py and test_pack_sdk_internals_requests.py (they fail as soon as the SDK
changes what is relied on here).

Why: pulumi_policy turns a request's properties (a protobuf Struct) into a dict once per *policy*:
`Analyze` calls `json_format.MessageToDict(request.properties)` and the same for the resource's provider inside
its loop over the policies, and `AnalyzeStack` does it for every resource once per stack policy. With this pack's
17 resource and 7 stack policies that is about 50 conversions of the same two Structs per resource, in pure
Python (about 60 µs each): half of the pack's time on the registry stack.

`install()` gives pulumi_policy's module a `json_format` whose MessageToDict remembers each Struct's dict as JSON
text, keyed by the Struct's deterministic serialization, and hands every caller a fresh copy (`json.loads`), so no
two callers ever share a mutable value. Equal bytes mean an equal message, and a JSON round trip keeps every value
a Struct can hold (strings, numbers as int or float, booleans, null, lists, maps), so what each policy receives is
exactly what pulumi_policy would have built. Messages other than Struct, or calls with options, go to protobuf's
own function untouched.

It also remembers each distinct provider (`_get_provider_resource`): every resource of a stack names the same one or
two providers, and pulumi_policy rebuilt the provider's object for every resource and every policy. A provider is
the same when its type, URN, name and properties are; policies only read it (`args.provider`, a read-only proxy).

And `AnalyzeStack` builds the stack's resources (PolicyResource objects: properties converted, proxied, their
options, parents and dependencies linked) once per request instead of once per stack policy (`analyze_stack`, the
SDK's method with that loop hoisted out of the loop over the policies): at 1,000 models the registry stack's
2,006 resources were built 7 times, about 1.5 CPU-s of the pack's tail after the program ends. Every stack policy
then receives the same PolicyResource objects; this pack's stack policies only read them (they copy them with
`values.plain`, and tests/policy_pack/test_pack_sdk_internals_requests.py holds every stack check to not changing what it is
given). `once_per_request` lets the pack convert them to its own form once per request too.

`Analyze` likewise: pulumi_policy converts, proxies and wraps the resource's properties, options and provider
once per *resource policy* (17 times per resource here); `analyze` is the SDK's method with that work hoisted out
of the loop over the policies, so every resource policy of a request receives the same objects (they only read
them: tests/policy_pack/test_pack_sdk_internals_requests.py holds every resource check to not changing what it is given),
and `once_per_request` serves Analyze requests too (the pack's plain copy of the properties, made once).

`Remediate` builds the same objects before looking for a policy whose enforcement level is `remediate`; this
pack has none unless its config sets one, so `remediate` answers the SDK's empty response at once when no policy
is at that level, and hands the request to the SDK's method otherwise.

`_configure_runtime_settings`, run at the start of every request, parses the config the engine passed in the
environment, sets it, asks `inspect.signature(pulumi.runtime.Settings)` and builds new Settings (about half a
millisecond, a tenth of the registry pack's time). What it sets are context variables of the thread serving the
request (pulumi.runtime's config and settings), which the thread keeps for its next request, and what it reads is
the process's environment: `configure_runtime_settings` runs it again only when what it reads differs from what it
read when it last ran in this thread.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import threading
from collections.abc import Callable, Hashable
from inspect import isawaitable
from typing import Any, TypeVar

import pulumi_policy.policy as _policy
from google.protobuf import json_format, struct_pb2

PINNED_POLICY_SDK = "1.21.0"
# Distinct Structs remembered (least recently used first out): a stack of 20,000 resources fits, so AnalyzeStack's
# loop of stack policies over every resource converts each resource once.
REMEMBERED_STRUCTS = 1 << 15


@functools.lru_cache(maxsize=REMEMBERED_STRUCTS)
def _struct_json(serialized: bytes) -> str:
    return json.dumps(json_format.MessageToDict(struct_pb2.Struct.FromString(serialized)))


def message_to_dict(message: Any, *args: Any, **kwargs: Any) -> Any:
    """json_format.MessageToDict, each distinct Struct converted once (see the module's docstring)."""
    if args or kwargs or type(message) is not struct_pb2.Struct:
        return json_format.MessageToDict(message, *args, **kwargs)
    return json.loads(_struct_json(message.SerializeToString(deterministic=True)))


# Distinct providers remembered: a stack has a few (the default provider, one per explicit provider).
REMEMBERED_PROVIDERS = 64
_get_provider_resource = _policy._PolicyAnalyzerServicer._get_provider_resource
_providers: dict[tuple[str, str, str, bytes], Any] = {}


def provider_resource(servicer: Any, request: Any) -> Any:
    """_PolicyAnalyzerServicer._get_provider_resource, each distinct provider built once."""
    if not request.HasField("provider"):
        return None
    provider = request.provider
    key = (provider.type, provider.urn, provider.name, provider.properties.SerializeToString(deterministic=True))
    found = _providers.get(key)
    if found is None:
        if len(_providers) >= REMEMBERED_PROVIDERS:
            _providers.clear()
        found = _providers[key] = _get_provider_resource(servicer, request)
    return found


_request = threading.local()  # the AnalyzeStack request this thread serves: {key: value computed once for it}
T = TypeVar("T")


def once_per_request(key: Hashable, build: Callable[[], T]) -> T:
    """build() once per Analyze or AnalyzeStack request for every policy asking with this key (outside a request,
    as when a test calls a policy directly: every time). Forgotten when the request is answered."""
    scratch = getattr(_request, "scratch", None)
    if scratch is None:
        return build()
    if key not in scratch:
        scratch[key] = build()
    return scratch[key]


_Servicer = _policy._PolicyAnalyzerServicer
_analyze_stack = _Servicer.AnalyzeStack


def _stack_resources(servicer: Any, request: Any) -> list[Any]:
    """The request's resources as pulumi_policy 1.21.0's AnalyzeStack builds them for each policy, built once."""
    intermediates = []
    for r in request.resources:
        deserialized = _policy.deserialize_properties(_policy.json_format.MessageToDict(r.properties))
        props = _policy.unknown_checking_proxy(deserialized)
        opts = servicer._get_resource_options(r)
        provider = servicer._get_provider_resource(r)
        resource = _policy.PolicyResource(r.type, props, r.urn, r.name, opts, provider, None, [], {})
        property_dependencies = {k: list(v.urns) for k, v in r.propertyDependencies.items()}
        intermediates.append(
            _Servicer.IntermediateStackResource(resource, r.parent, list(r.dependencies), property_dependencies)
        )
    by_urn = {i.resource.urn: i.resource for i in intermediates}
    for i in intermediates:
        if i.parent is not None and i.parent in by_urn:
            i.resource.parent = by_urn[i.parent]
        i.resource.dependencies.extend(by_urn[d] for d in i.dependencies if d in by_urn)
        for k, v in i.property_dependencies.items():
            i.resource.property_dependencies[k] = [by_urn[d] for d in v if d in by_urn]
    return [i.resource for i in intermediates]


def _validate(servicer: Any, response: Any, policy: Any, args: Any, report_violation: Any) -> None:
    """One policy's validation as pulumi-policy 1.21.0's Analyze and AnalyzeStack run it (the same lines in both): an
    awaitable result awaited on a loop of its own, an unknown value answered as an advisory diagnostic, a policy that
    declares itself not applicable recorded so."""
    try:
        result = policy.validate(args, report_violation)
        if isawaitable(result):
            loop = asyncio.new_event_loop()
            loop.run_until_complete(asyncio.Task(result, loop=loop))
            loop.close()
    except _policy.UnknownValueError as e:
        name = servicer._PolicyAnalyzerServicer__policy_pack_name
        version = servicer._PolicyAnalyzerServicer__policy_pack_version
        response.diagnostics.append(
            _policy.proto.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=name,
                policyPackVersion=version,
                message=f"can't run policy '{policy.name}' from policy pack '{name}@v{version}' during preview: {e.message}",
                urn="",
                description=policy.description,
                enforcementLevel=servicer._map_enforcement_level(_policy.EnforcementLevel.ADVISORY),
            )
        )
    except _policy._NotApplicableError as e:
        response.not_applicable.append(
            _policy.proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or "")
        )


def analyze_stack(servicer: Any, request: Any, _context: Any) -> Any:
    """_PolicyAnalyzerServicer.AnalyzeStack of pulumi-policy 1.21.0, its resources built once (see the docstring)."""
    servicer._configure_runtime_settings()
    response = _policy.proto.AnalyzeResponse()
    resources: list[Any] | None = None
    _request.scratch = {}
    try:
        for policy in servicer._PolicyAnalyzerServicer__policies:
            level = servicer._get_enforcement_level(policy)
            if level == _policy.EnforcementLevel.DISABLED or not isinstance(policy, _policy.StackValidationPolicy):
                continue
            if level == _policy.EnforcementLevel.REMEDIATE:
                level = _policy.EnforcementLevel.MANDATORY  # stack policies cannot be remediated
            report_violation = servicer._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            if resources is None:
                resources = _stack_resources(servicer, request)
            config = servicer._get_policy_config(policy.name)
            args = _policy.StackValidationArgs(list(resources), config, servicer._PolicyAnalyzerServicer__stack_tags)
            _validate(servicer, response, policy, args, report_violation)
    finally:
        del _request.scratch
    return response


_analyze = _Servicer.Analyze


def analyze(servicer: Any, request: Any, _context: Any) -> Any:
    """_PolicyAnalyzerServicer.Analyze of pulumi-policy 1.21.0, the resource's properties, options and provider built
    once per request instead of once per policy (see the module's docstring)."""
    servicer._configure_runtime_settings()
    response = _policy.proto.AnalyzeResponse()
    built: tuple[Any, Any, Any] | None = None
    _request.scratch = {}
    try:
        for policy in servicer._PolicyAnalyzerServicer__policies:
            level = servicer._get_enforcement_level(policy)
            if level == _policy.EnforcementLevel.DISABLED or not isinstance(policy, _policy.ResourceValidationPolicy):
                continue
            if not policy.has_validation():
                response.not_applicable.append(
                    _policy.proto.PolicyNotApplicable(
                        policy_name=policy.name, reason="Policy does not implement validate"
                    )
                )
                continue
            if level == _policy.EnforcementLevel.REMEDIATE:
                level = _policy.EnforcementLevel.MANDATORY  # a remediated resource still violating: mandatory
            report_violation = servicer._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            if built is None:
                deserialized = _policy.deserialize_properties(_policy.json_format.MessageToDict(request.properties))
                built = (
                    _policy.unknown_checking_proxy(deserialized),
                    servicer._get_resource_options(request),
                    servicer._get_provider_resource(request),
                )
            props, opts, provider = built
            config = servicer._get_policy_config(policy.name)
            args = _policy.ResourceValidationArgs(
                request.type,
                props,
                request.urn,
                request.name,
                opts,
                provider,
                config,
                servicer._PolicyAnalyzerServicer__stack_tags,
            )
            _validate(servicer, response, policy, args, report_violation)
    finally:
        del _request.scratch
    return response


_remediate = _Servicer.Remediate


def remediate(servicer: Any, request: Any, context: Any) -> Any:
    """_PolicyAnalyzerServicer.Remediate of pulumi-policy 1.21.0, answered at once when no resource policy is at the
    `remediate` level: the SDK's loop then skips every policy and answers an empty response."""
    if any(
        isinstance(policy, _policy.ResourceValidationPolicy)
        and servicer._get_enforcement_level(policy) == _policy.EnforcementLevel.REMEDIATE
        for policy in servicer._PolicyAnalyzerServicer__policies
    ):
        return _remediate(servicer, request, context)
    servicer._configure_runtime_settings()
    return _policy.proto.RemediateResponse()


_configure_runtime_settings = _Servicer._configure_runtime_settings
# What _configure_runtime_settings reads (pulumi-policy 1.21.0): the engine's config and the stack's identity.
SETTINGS_ENVIRONMENT = ("PULUMI_CONFIG", "PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN", "PULUMI_ORGANIZATION")
_configured = threading.local()  # what the SDK's method read when it last ran in this thread


def configure_runtime_settings(servicer: Any) -> None:
    """_PolicyAnalyzerServicer._configure_runtime_settings, run again in a thread only when the environment it reads
    changed since it last ran there (see the module's docstring)."""
    read = tuple(os.environ.get(name) for name in SETTINGS_ENVIRONMENT)
    if getattr(_configured, "read", None) != read:
        _configure_runtime_settings(servicer)
        _configured.read = read


class _JsonFormat:
    """protobuf's json_format module as pulumi_policy sees it after install(): only MessageToDict differs."""

    MessageToDict = staticmethod(message_to_dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)


def install() -> None:
    """Use the remembering MessageToDict and provider, the runtime settings configured once per thread, and
    Analyze's, Remediate's and AnalyzeStack's request built once, in pulumi_policy's analyzer (idempotent)."""
    _policy.json_format = _JsonFormat()
    _Servicer._get_provider_resource = provider_resource
    _Servicer._configure_runtime_settings = configure_runtime_settings
    _Servicer.Analyze = analyze
    _Servicer.Remediate = remediate
    _Servicer.AnalyzeStack = analyze_stack
