"""The engine's side of transforms, which the SDK's mock monitor leaves out.

With the real engine, a program's transforms (`pulumi.runtime.register_resource_transform`,
`register_invoke_transform`, `ResourceOptions(transforms=[...])`) are callbacks: the SDK serves them on its
own gRPC callback server (127.0.0.1, a port the OS picks) and the engine's resource monitor calls them
before it registers a resource or runs an invoke; the analyzer (the policy pack) sees the transformed
resource. The SDK's `MockMonitor` only records them ("The mock monitor does not run transforms",
pulumi/runtime/mocks.py, tested in tests/offline_preview/test_transforms.py), so a program could open a
policy or turn scanning off in a transform and the offline preview would judge the untransformed inputs.

`EngineTransforms` does what pulumi/pulumi's resource monitor does (pkg/resource/deploy/source_eval.go,
`resmon.RegisterResource` and `resmon.Invoke`):
- a resource's own transforms first, then those of its parent, grandparent and so on, then the stack
  transforms in the order they were registered; each gets the previous one's properties and options;
- a stack transform applies to resources registered after it; a parent's transforms apply to its children;
- stack invoke transforms, in registration order, before an invoke is answered.
Each callback is called over the SDK's real callback server, with the protocol's own messages
(`TransformRequest`, `TransformInvokeRequest`), exactly as the engine calls it.
"""

from __future__ import annotations

import threading

import grpc
from pulumi.runtime.proto import callback_pb2, callback_pb2_grpc, resource_pb2

# Options a transform may change, as TransformResourceOptions fields -> RegisterResourceRequest fields.
_REPEATED_OPTIONS = {
    "depends_on": "dependencies",
    "ignore_changes": "ignoreChanges",
    "replace_on_changes": "replaceOnChanges",
    "additional_secret_outputs": "additionalSecretOutputs",
}
_SCALAR_OPTIONS = {
    "version": "version",
    "provider": "provider",
    "plugin_download_url": "pluginDownloadURL",
    "deleted_with": "deletedWith",
}


class TransformError(Exception):
    """A transform callback failed; the message is its first line."""


class EngineTransforms:
    """The transforms a program registered, applied as the engine applies them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stack: list[callback_pb2.Callback] = []
        self.invoke: list[callback_pb2.Callback] = []
        self._own: dict[str, list[callback_pb2.Callback]] = {}  # urn -> the resource's own transforms
        self._parents: dict[str, str] = {}
        self._stubs: dict[str, callback_pb2_grpc.CallbacksStub] = {}
        self._channels: list[grpc.Channel] = []

    @property
    def active(self) -> bool:
        """True once any transform is registered: from then on the engine must call back into the program."""
        return bool(self.stack or self.invoke or self._own)

    def register_stack(self, callback: callback_pb2.Callback) -> None:
        with self._lock:
            self.stack.append(callback)

    def register_invoke(self, callback: callback_pb2.Callback) -> None:
        with self._lock:
            self.invoke.append(callback)

    def resource(self, request, urn: str):
        """The RegisterResourceRequest after every transform that applies to it (the request itself when none)."""
        if not self.active and not request.transforms:
            # Nothing registered yet: no transform can apply to this resource or (through it) its children,
            # since a transform registered later applies only to resources registered after it.
            return request
        with self._lock:
            self._parents[urn] = request.parent
            if request.transforms:
                self._own[urn] = list(request.transforms)
            chain = list(request.transforms)
            current = request.parent
            while current:
                chain += self._own.get(current, [])
                current = self._parents.get(current, "")
            chain += self.stack
        if not chain:
            return request
        properties, options = request.object, _options_of(request)
        for callback in chain:
            message = resource_pb2.TransformRequest(
                type=request.type,
                name=request.name,
                custom=request.custom,
                parent=request.parent,
                properties=properties,
                options=options,
            )
            response = resource_pb2.TransformResponse.FromString(self._call(callback, message))
            if response.HasField("properties"):
                properties = response.properties
            if response.HasField("options"):
                options = response.options
        transformed = type(request)()
        transformed.CopyFrom(request)
        transformed.object.CopyFrom(properties)
        _apply_options(transformed, options)
        return transformed

    def invoke_request(self, request):
        """The ResourceInvokeRequest after the stack's invoke transforms."""
        with self._lock:
            chain = list(self.invoke)
        if not chain:
            return request
        args = request.args
        options = resource_pb2.TransformInvokeOptions(
            provider=request.provider,
            plugin_download_url=request.pluginDownloadURL,
            version=request.version,
            plugin_checksums=dict(request.pluginChecksums),
        )
        for callback in chain:
            message = resource_pb2.TransformInvokeRequest(token=request.tok, args=args, options=options)
            response = resource_pb2.TransformInvokeResponse.FromString(self._call(callback, message))
            if response.HasField("args"):
                args = response.args
            if response.HasField("options"):
                options = response.options
        transformed = type(request)()
        transformed.CopyFrom(request)
        transformed.args.CopyFrom(args)
        transformed.provider = options.provider
        transformed.version = options.version
        transformed.pluginDownloadURL = options.plugin_download_url
        return transformed

    def close(self) -> None:
        for channel in self._channels:
            channel.close()
        self._channels.clear()
        self._stubs.clear()

    def _call(self, callback: callback_pb2.Callback, message) -> bytes:
        with self._lock:
            stub = self._stubs.get(callback.target)
            if stub is None:
                channel = grpc.insecure_channel(callback.target)
                self._channels.append(channel)
                stub = self._stubs[callback.target] = callback_pb2_grpc.CallbacksStub(channel)
        try:
            reply = stub.Invoke(
                callback_pb2.CallbackInvokeRequest(token=callback.token, request=message.SerializeToString())
            )
        except grpc.RpcError as error:
            details = (error.details() or str(error)).strip().splitlines()  # type: ignore[attr-defined]
            text = details[0] if details else "no details"
            # The SDK words it `Invoke callback <token> error: <exception>:` followed by the program's frames.
            text = text.removeprefix(f"Invoke callback {callback.token} ").removeprefix("error: ").rstrip(":")
            raise TransformError(f"a transform failed: {text}") from None
        return reply.response


def _options_of(request) -> resource_pb2.TransformResourceOptions:
    options = resource_pb2.TransformResourceOptions(
        depends_on=list(request.dependencies),
        ignore_changes=list(request.ignoreChanges),
        replace_on_changes=list(request.replaceOnChanges),
        version=request.version,
        provider=request.provider,
        providers=dict(request.providers),
        plugin_download_url=request.pluginDownloadURL,
        deleted_with=request.deletedWith,
        additional_secret_outputs=list(request.additionalSecretOutputs),
        plugin_checksums=dict(request.pluginChecksums),
    )
    options.aliases.extend(request.aliases)
    if request.HasField("protect"):
        options.protect = request.protect
    if request.HasField("retainOnDelete"):
        options.retain_on_delete = request.retainOnDelete
    if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace:
        options.delete_before_replace = request.deleteBeforeReplace
    return options


def _apply_options(request, options: resource_pb2.TransformResourceOptions) -> None:
    for source, target in _REPEATED_OPTIONS.items():
        field = getattr(request, target)
        del field[:]
        field.extend(getattr(options, source))
    for source, target in _SCALAR_OPTIONS.items():
        setattr(request, target, getattr(options, source))
    request.ClearField("protect")
    if options.HasField("protect"):
        request.protect = options.protect
    request.ClearField("retainOnDelete")
    if options.HasField("retain_on_delete"):
        request.retainOnDelete = options.retain_on_delete
    if options.HasField("delete_before_replace"):
        request.deleteBeforeReplace = options.delete_before_replace
        request.deleteBeforeReplaceDefined = True
    del request.aliases[:]
    request.aliases.extend(options.aliases)
    request.providers.clear()
    request.providers.update(options.providers)
