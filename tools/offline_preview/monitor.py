"""The in-process engine: a MockMonitor that records every request in full and answers as the engine does.

Every RegisterResource, ReadResource and Invoke of the program is recorded as a `Resource` and answered with
deterministic AWS-shaped outputs (see aws_outputs): as a preview (PREVIEW) or as after `pulumi up` (DEPLOYED).
Stack references read the deployed outputs given or the upstream evaluations; a resource or invoke without a
provider gets the package's default provider, registered at first use (default_providers: one per package, or
the engine's refusal under `pulumi:disable-default-providers`). As the engine's step generator: a second
resource with a URN already used stops the program, and a resource in the deployed state (under its URN or an
alias) keeps its old inputs where `ignoreChanges` says (ignore_changes), before the provider's Check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from google.protobuf import empty_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockEngine, MockMonitor, Mocks
from pulumi.runtime.proto import resource_pb2

from . import sdk_internals
from .aws_outputs import (
    AwsEnvironment,
    InvokeError,
    invoke_result,
    placeholder_id,
    preview_outputs,
    resource_outputs,
)
from .default_providers import PROVIDER_PREFIX, deny_default_provider, provider_inputs, sdk_version
from .failures import EvaluationError, program_position, request_source
from .ignore_changes import IgnoreChangesError, ignored_inputs
from .project import SECRET_PLACEHOLDER, Project
from .provider_check import check as provider_check
from .provider_schema import unwrapped
from .recorded import Resource
from .secrets import undecrypted_paths
from .stack_references import Upstream, stack_reference_outputs
from .state import DeployedState
from .transforms import EngineTransforms, TransformError

STACK_REFERENCE = "pulumi:pulumi:StackReference"


# How an evaluation answers for resources: as a preview does (a resource not in the deployed state is new,
# its computed outputs unknown), or as after `pulumi up` (every output known: what a downstream stack's
# reference reads once this stack is deployed).
PREVIEW, DEPLOYED = "preview", "deployed"


def _serialize(values: dict):
    """rpc.serialize_properties(values, {}) for the monitor's answers, without an event loop round trip.

    Why: the SDK's mock monitor serializes each answer with `_sync_await`, which runs the event loop
    (a task, a select call) for a coroutine that, on plain data, never suspends. Plain data (what the mocks
    answer with) is set on the Struct directly (sdk_internals.plain_struct); anything else still goes through
    the SDK's serializer.
    """
    if sdk_internals.is_plain(values):
        return sdk_internals.plain_struct(values)
    return sdk_internals.await_plain(rpc.serialize_properties(values, {}), plain=False)


class RecordingEngine(MockEngine):
    """Keeps the program's log messages (warnings, errors) for the report."""

    def __init__(self) -> None:
        super().__init__(logger=None)
        self.messages: list[str] = []

    def Log(self, request):
        if request.severity >= 2:  # WARNING and ERROR
            self.messages.append(request.message)


class _AwsMocks(Mocks):
    def __init__(self, env: AwsEnvironment) -> None:
        self.env = env

    def call(self, args: MockCallArgs):
        return invoke_result(args.token, args.args, self.env)

    def new_resource(self, args):  # never used: RecordingMonitor.RegisterResource answers itself
        raise NotImplementedError


class RecordingMonitor(MockMonitor):
    """A MockMonitor that records every request in full and derives AWS-shaped outputs."""

    def __init__(
        self,
        project: Project,
        stack: str,
        organization: str,
        upstream: Mapping[str, Upstream],
        on_resource: Callable[[Resource], None] | None = None,
        *,
        mode: str = PREVIEW,
        state: DeployedState | None = None,
        deployed: dict[str, dict] | None = None,
    ):
        if mode not in (PREVIEW, DEPLOYED):
            raise ValueError(f"mode must be {PREVIEW!r} or {DEPLOYED!r}, not {mode!r}")
        self.env = AwsEnvironment.from_config(project.config)
        self.mode = mode
        self.state = state
        self.deployed = deployed
        self.default_providers: dict[str, str] = {}  # package -> provider reference (urn::id)
        super().__init__(_AwsMocks(self.env))
        self.project = project
        self.stack = stack
        self.organization = organization
        self.upstream = upstream
        self.engine = RecordingEngine()
        self.resources_recorded: list[Resource] = []
        self.on_resource = on_resource
        self.stack_urn = ""
        self.stack_outputs: dict = {}
        self.shutdown_signalled = False  # the SDK's end-of-program signal (run_in_stack's last call)
        self.transforms = EngineTransforms()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine forms URNs: a child's type is qualified by its parent's full qualified
        # type, except for children of the root stack (the SDK's MockMonitor qualifies those too).
        if parent and parent != self.stack_urn:
            type_ = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{self.stack}::{self.project.name}::{type_}::{name}"

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        self._refuse_duplicate(urn, request)
        sdk_internals.ensure_event_loop()
        try:
            request = self.transforms.resource(request, urn)
        except TransformError as error:
            self.transforms.close()
            raise EvaluationError(f"{request_source(request)}: {request.name}: {error}") from None
        inputs = rpc.deserialize_properties(request.object)
        if not sdk_internals.is_plain(inputs):
            # A preview's unknowns arrive as the SDK's Unknown objects: back to the engine's sentinel, so that the
            # answer serializes as plain data (and the SDK reads the sentinel as unknown again).
            inputs = _sentinel_unknowns(inputs)
        provider = request.provider
        if request.custom and not provider:
            deny_default_provider(self.project.config, request.type, request_source(request))
            provider = self._default_provider(request.type)
        inputs = self._ignoring_changes(request, urn, inputs)
        if request.custom and not request.type.startswith(PROVIDER_PREFIX):
            inputs = self._checked(request, urn, inputs)
            self._note_undecrypted(request, inputs)
        if request.custom:
            resource_id, outputs = self._outputs(request.type, request.name, urn, inputs, self._deployed(urn, request))
        else:
            resource_id, outputs = "", {}  # components have no id and no provider outputs
        self._record(request, urn, resource_id, inputs, outputs, read=False, provider=provider)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, outputs)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=_serialize(outputs))

    def _ignoring_changes(self, request, urn: str, inputs: dict) -> dict:
        """A resource in the deployed state keeps its old inputs where `ignoreChanges` says (see ignore_changes)."""
        old = self._deployed(urn, request) if request.ignoreChanges else None
        if old is None:
            return inputs
        try:
            return ignored_inputs(inputs, old["inputs"], list(request.ignoreChanges))
        except IgnoreChangesError as error:
            raise EvaluationError(f"{request_source(request)}: {request.type} {request.name!r}: {error}") from None

    def _checked(self, request, urn: str, inputs: dict) -> dict:
        """The provider's Check: defaults in; a refused input stops the program, as it stops a preview."""
        checked, failures = provider_check(request.type, inputs)
        if failures:
            first = failures[0]
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            raise EvaluationError(
                f"{request_source(request)}: {request.type} {request.name!r}: {first.property}: the provider's Check "
                f"refuses it: {first.reason}{more}: fix the program's value"
            )
        return checked

    def _note_undecrypted(self, request, inputs: dict) -> None:
        """A secret the key of which is not at hand reached these inputs: the pack judges its placeholder, so the
        preview says, as a warning, that the property is not validated offline (never a verdict on a guess)."""
        for path in undecrypted_paths(unwrapped(inputs), SECRET_PLACEHOLDER):
            self.engine.messages.append(
                f"{request_source(request)}: {request.type} {request.name!r}: {path}: holds a secret config value "
                "not decrypted offline (its key is not at hand; for a passphrase stack set PULUMI_CONFIG_PASSPHRASE): "
                "not validated offline; the engine's preview judges its plaintext"
            )

    def _deployed(self, urn: str, request) -> dict | None:
        """The resource in the deployed state: under its URN or, as the step generator looks, any of its aliases."""
        if self.state is None:
            return None
        for candidate in (
            urn,
            *(_alias_urn(a, request, self.stack, self.project.name, self.make_urn) for a in request.aliases),
        ):
            old = self.state.resources.get(candidate)
            if old is not None and old["type"] == request.type:
                return old
        return None

    def _outputs(self, type_token: str, name: str, urn: str, inputs: dict, old: dict | None = None) -> tuple[str, dict]:
        if old is not None:
            # In the deployed state: its id and what AWS computed are known; the new inputs are what the
            # provider's preview Update plans.
            return old["id"], {**old["outputs"], **inputs}
        if type_token.startswith(PROVIDER_PREFIX):
            # A provider's outputs are its inputs; a new one's id is unknown until it is created.
            return ("" if self.mode == PREVIEW else placeholder_id(urn)), dict(inputs)
        if self.mode == PREVIEW:
            return preview_outputs(type_token, name, urn, inputs, self.env, rpc.UNKNOWN)
        return resource_outputs(type_token, name, urn, inputs, self.env)

    def _default_provider(self, token: str) -> str:
        """The reference (`urn::id`) of the package's default provider, registered at first use as the engine
        registers it: `pulumi:providers:<package>` named `default_<version>`, its inputs the stack config of
        the package's namespace and the version."""
        package = token.split(":", 1)[0]
        if token.startswith(PROVIDER_PREFIX):
            return ""
        if package in self.default_providers:
            return self.default_providers[package]
        version = sdk_version(package)
        if version is None:
            return ""
        name = f"default_{version.replace('.', '_')}"
        type_token = PROVIDER_PREFIX + package
        urn = self.make_urn("", type_token, name)
        inputs = provider_inputs(self.project.config, self.project.secret_keys, package) | {"version": version}
        old = self.state.resources.get(urn) if self.state is not None else None
        resource_id, outputs = self._outputs(
            type_token, name, urn, inputs, old if old and old["type"] == type_token else None
        )
        reference = f"{urn}::{resource_id or rpc.UNKNOWN}"
        self.default_providers[package] = reference
        self.resources_recorded.append(
            Resource(
                urn=urn, type=type_token, name=name, custom=True, id=resource_id, parent="", provider="",
                dependencies=[], property_dependencies={}, protect=False, retain_on_delete=False,
                delete_before_replace=False, ignore_changes=[], replace_on_changes=[], aliases=[],
                additional_secret_outputs=[], deleted_with="", import_id="", read=False,
                source="<the engine's default provider>", inputs=inputs, outputs=outputs,
            )
        )  # fmt: skip
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, outputs)
        if self.on_resource is not None:
            self.on_resource(self.resources_recorded[-1])
        return reference

    def ReadResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        self._refuse_duplicate(urn, request)
        sdk_internals.ensure_event_loop()
        inputs = rpc.deserialize_properties(request.properties)
        outputs = (
            stack_reference_outputs(request.id, request, self.project.name, self.deployed, self.upstream)
            if request.type == STACK_REFERENCE
            else dict(inputs)
        )
        self._record(request, urn, request.id, inputs, outputs, read=True)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, request.id, outputs)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=_serialize(outputs))

    def RegisterStackTransform(self, request):
        self.transforms.register_stack(request)
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request):
        self.transforms.register_invoke(request)
        return empty_pb2.Empty()

    def Invoke(self, request):
        try:
            request = self.transforms.invoke_request(request)
        except TransformError as error:
            self.transforms.close()
            raise EvaluationError(f"{program_position(sdk_internals.invoke_caller())}: {error}") from None
        if not request.provider:
            deny_default_provider(self.project.config, request.tok, program_position(sdk_internals.invoke_caller()))
            self._default_provider(request.tok)  # an invoke uses (and registers) the default provider too
        try:
            return super().Invoke(request)
        except InvokeError as exc:
            # Invokes resolve asynchronously: the traceback does not reach the program line.
            raise EvaluationError(
                f"{program_position(sdk_internals.invoke_caller())}: {type(exc).__name__}: {exc}"
            ) from None

    def RegisterResourceOutputs(self, request):
        if request.urn == self.stack_urn:
            self.stack_outputs = rpc.deserialize_properties(request.outputs)
        return empty_pb2.Empty()

    def SignalAndWaitForShutdown(self, request):
        self.shutdown_signalled = True
        # The SDK stops its callback server next: close the channels to it first (no GOAWAY noise).
        self.transforms.close()
        return empty_pb2.Empty()

    def _refuse_duplicate(self, urn: str, request) -> None:
        """The engine's step generator refuses a second resource with a URN already registered or read in this
        run (pulumi/pulumi diag.GetDuplicateResourceURNError): the program stops."""
        if urn in self.resources:
            raise EvaluationError(
                f"{request_source(request)}: Duplicate resource URN '{urn}'; try giving it a unique name"
            )

    def _record(self, request, urn, resource_id, inputs, outputs, read: bool, provider: str | None = None) -> None:
        options = {}
        if not read:
            options = {
                "custom": bool(request.custom),
                "protect": bool(request.protect),
                "retain_on_delete": bool(request.retainOnDelete),
                "delete_before_replace": bool(request.deleteBeforeReplace),
                "property_dependencies": {
                    key: sorted(deps.urns) for key, deps in sorted(request.propertyDependencies.items()) if deps.urns
                },
                "ignore_changes": list(request.ignoreChanges),
                "replace_on_changes": list(request.replaceOnChanges),
                "aliases": sorted(
                    {_alias_urn(a, request, self.stack, self.project.name, self.make_urn) for a in request.aliases}
                    | set(request.aliasURNs)
                ),
                "additional_secret_outputs": list(request.additionalSecretOutputs),
                "deleted_with": request.deletedWith,
                "import_id": request.importId,
            }
        self.resources_recorded.append(
            Resource(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=options.pop("custom", True),
                id=resource_id,
                parent=request.parent,
                provider=request.provider if provider is None else provider,
                dependencies=sorted(request.dependencies),
                property_dependencies=options.pop("property_dependencies", {}),
                protect=options.pop("protect", False),
                retain_on_delete=options.pop("retain_on_delete", False),
                delete_before_replace=options.pop("delete_before_replace", False),
                ignore_changes=options.pop("ignore_changes", []),
                replace_on_changes=options.pop("replace_on_changes", []),
                aliases=options.pop("aliases", []),
                additional_secret_outputs=options.pop("additional_secret_outputs", []),
                deleted_with=options.pop("deleted_with", ""),
                import_id=options.pop("import_id", ""),
                read=read,
                source=request_source(request),
                inputs=inputs,
                outputs=outputs,
            )
        )
        if self.on_resource is not None:
            self.on_resource(self.resources_recorded[-1])


def _sentinel_unknowns(value):
    if isinstance(value, Unknown):
        return rpc.UNKNOWN
    if isinstance(value, dict):
        return {k: _sentinel_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sentinel_unknowns(v) for v in value]
    return value


def _alias_urn(alias, request, stack: str, project: str, make_urn) -> str:
    """The URN an alias stands for: spec fields default to the resource's own, as in the engine."""
    if alias.urn:
        return alias.urn
    spec = alias.spec
    parent = "" if spec.noParent else (spec.parentUrn or request.parent)
    urn = make_urn(parent, spec.type or request.type, spec.name or request.name)
    return urn.replace(
        f"urn:pulumi:{stack}::{project}::", f"urn:pulumi:{spec.stack or stack}::{spec.project or project}::", 1
    )
