"""The one place the pack reaches into pulumi_policy's internals, each use pinned to pulumi-policy==1.21.0 by
tests/policy_pack/test_pack_sdk_internals.py (they fail as soon as the SDK changes what is relied on here).

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
"""

from __future__ import annotations

import functools
import json
from typing import Any

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


class _JsonFormat:
    """protobuf's json_format module as pulumi_policy sees it after install(): only MessageToDict differs."""

    MessageToDict = staticmethod(message_to_dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)


def install() -> None:
    """Use the remembering MessageToDict and provider in pulumi_policy's analyzer (idempotent)."""
    _policy.json_format = _JsonFormat()
    _policy._PolicyAnalyzerServicer._get_provider_resource = provider_resource
