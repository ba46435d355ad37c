"""Run a Pulumi policy pack exactly as the engine does and talk to it over the analyzer protocol.

    from offline_preview.analyzer_client import AnalyzerClient

    with AnalyzerClient("policy-pack", project="registry", stack="dev", config={"aws:region": "x"}) as pack:
        pack.info()                       # AnalyzerInfo(name, version, policies=[PolicyInfo...])
        pack.configure(pack_config)       # dict in `pulumi preview --policy-pack-config` format
        pack.analyze(resource)            # list[Violation] for one resource
        pack.analyze_many(resources)      # list[list[Violation]], pipelined over one channel
        pack.analyze_stack(resources)     # list[Violation] of the stack policies
        pack.analyze_all(resources)       # both, each request built once (what the preview uses)

A resource is a dict as analyzer_messages describes it; analyzer_process starts the pack as the engine does.

`configure` always sends every policy's enforcement level (policy default < "all" < the policy's own
entry): a PolicyConfig without a level is read as ADVISORY (the proto default) and would silently
downgrade mandatory policies. Like the engine, it fills config-schema defaults; it does not validate
the config against the schema (the engine does), so the pack validates what it relies on.

The protocol analyses one resource per Analyze call and only stack policies in AnalyzeStack, so there is
no batching of resource policies; `analyze_many` keeps up to `max_in_flight` calls in flight instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2

from .analyzer_messages import (
    AnalyzerInfo,
    PolicyInfo,
    Remediation,
    Violation,
    analyze_request,
    config_schema,
    merge_pack_config,
    read_remediations,
    read_violations,
    stack_item,
)
from .analyzer_process import AnalyzerError as AnalyzerError
from .analyzer_process import PackProcess

__all__ = ["AnalyzerClient", "AnalyzerError"]


class AnalyzerClient(PackProcess):
    """A running policy pack, driven over the analyzer protocol as the engine drives it."""

    # -- protocol ----------------------------------------------------------------------------------
    def info(self) -> AnalyzerInfo:
        """GetAnalyzerInfo: the pack's name, version and every policy with its default level."""
        reply = self._call(self._analyzer.GetAnalyzerInfo, empty_pb2.Empty())
        policies = [
            PolicyInfo(
                name=p.name,
                description=p.description,
                enforcement_level=analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel).lower(),
                policy_type={1: "resource", 2: "stack"}.get(p.policy_type, "unknown"),
                config_schema=config_schema(p),
            )
            for p in reply.policies
        ]
        self._info = AnalyzerInfo(reply.name, reply.version, policies)
        return self._info

    def configure(self, pack_config: Mapping[str, Any] | None = None) -> dict[str, dict]:
        """Configure every policy (level always sent); returns the merged config that was sent."""
        merged = merge_pack_config(self._policies(), pack_config)
        self.configure_raw(merged, send_levels=True)
        return merged

    def configure_raw(self, policy_config: Mapping[str, Mapping[str, Any]], *, send_levels: bool = True) -> None:
        """Send {policy: {"enforcementLevel", "properties"}} as is. send_levels=False reproduces the
        pitfall of omitting levels (every listed policy becomes advisory); tests use it to prove it."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in policy_config.items():
            config = analyzer_pb2.PolicyConfig()
            if send_levels and entry.get("enforcementLevel"):
                config.enforcementLevel = analyzer_pb2.EnforcementLevel.Value(entry["enforcementLevel"].upper())
            if entry.get("properties"):
                config.properties.update(dict(entry["properties"]))
            request.policyConfig[name].CopyFrom(config)
        self._call(self._analyzer.Configure, request)

    def analyze(self, resource: Mapping[str, Any]) -> list[Violation]:
        """Analyze: run every resource policy on one resource."""
        request = analyze_request(resource, self.stack, self.project)
        return read_violations(self._call(self._analyzer.Analyze, request), {request.urn: request})

    def analyze_many(self, resources: Iterable[Mapping[str, Any]], max_in_flight: int = 16) -> list[list[Violation]]:
        """Analyze each resource, keeping up to max_in_flight calls in flight; results in input order."""
        requests = [analyze_request(r, self.stack, self.project) for r in resources]
        results: list[list[Violation]] = [[] for _ in requests]
        pending: dict[int, grpc.Future] = {}
        for index, request in enumerate(requests):
            pending[index] = self._analyzer.Analyze.future(request, timeout=self._call_timeout)
            if len(pending) >= max_in_flight:
                self._collect(pending, requests, results, min(pending))
        for index in sorted(pending):
            self._collect(pending, requests, results, index)
        return results

    def analyze_stack(self, resources: Iterable[Mapping[str, Any]]) -> list[Violation]:
        """AnalyzeStack: run every stack policy over all resources."""
        request = analyzer_pb2.AnalyzeStackRequest()
        by_urn = {}
        for resource in resources:
            single = analyze_request(resource, self.stack, self.project)
            stack_item(request, single, resource)
            by_urn[single.urn] = single
        return read_violations(self._call(self._analyzer.AnalyzeStack, request), by_urn)

    def remediate(self, resource: Mapping[str, Any]) -> list[Remediation]:
        """Remediate: what the pack's remediation policies (level "remediate") would change on one resource."""
        request = analyze_request(resource, self.stack, self.project)
        return read_remediations(self._call(self._analyzer.Remediate, request), request.urn)

    def analyze_all(
        self, resources: Iterable[Mapping[str, Any]], max_in_flight: int = 16, stack_in_urn_order: bool = False
    ) -> tuple[list[list[Violation]], list[Violation]]:
        """What the engine sends in a preview (pkg/resource/deploy/step_generator.go): for each resource Remediate,
        then Analyze on the remediated properties; then AnalyzeStack over them all, each with its outputs.

        Remediation diagnostics are advisory violations (as the engine reports them); the remediations
        themselves are kept in `self.remediations`. Analyze is sent together with Remediate and sent again
        with the new properties only when a remediation changed them: the same verdicts as sending it after.

        A resource's "outputs" (if given) are its properties in AnalyzeStack, as the engine sends each
        resource's outputs there (`v.Outputs`); without them, its inputs. The options sent there carry no
        parent (the engine's AnalyzeResources leaves it out; the item's own `parent` field has it).

        Each resource's request is built once, and `resources` is read once, as it comes (a generator keeps
        only the requests in flight and the stack request in memory). `stack_in_urn_order`: AnalyzeStack
        lists the resources by URN (a manifest's order) whatever order they came in.
        """
        stack_request = analyzer_pb2.AnalyzeStackRequest()
        items: dict[str, analyzer_pb2.AnalyzerResource] = {}
        results: list[list[Violation]] = []
        pending: dict[int, tuple[grpc.Future, grpc.Future, analyzer_pb2.AnalyzeRequest, Mapping]] = {}
        for index, resource in enumerate(resources):
            request = analyze_request(resource, self.stack, self.project)
            results.append([])
            pending[index] = (
                self._analyzer.Remediate.future(request, timeout=self._call_timeout),
                self._analyzer.Analyze.future(request, timeout=self._call_timeout),
                request,
                resource,
            )
            if len(pending) >= max_in_flight:
                self._collect_remediated(pending, results, min(pending), stack_request, items)
        for index in sorted(pending):
            self._collect_remediated(pending, results, index, stack_request, items)
        if stack_in_urn_order:  # sorted in place: a copy of 20,000 resources would double the request's memory
            stack_request.resources.sort(key=lambda item: item.urn)
            items = {item.urn: item for item in stack_request.resources}
        return results, read_violations(self._call(self._analyzer.AnalyzeStack, stack_request), items)

    def _collect_remediated(self, pending, results, index, stack_request, items) -> None:
        remediate_future, analyze_future, request, resource = pending.pop(index)
        try:
            remediations = read_remediations(remediate_future.result(), request.urn)
            changed = [r for r in remediations if r.properties is not None]
            properties = changed[-1].properties if changed else None
            if properties is not None:
                analyze_future.cancel()
                # The remediated properties are the inputs from here on (the engine's `new.Inputs`): the outputs
                # keep only what the provider computes on top of them.
                computed = {
                    k: v for k, v in (resource.get("outputs") or {}).items() if k not in resource.get("properties", {})
                }
                resource = {**resource, "properties": properties}
                if "outputs" in resource:
                    resource["outputs"] = {**properties, **computed}
                request = analyze_request(resource, self.stack, self.project)
                reply = self._analyzer.Analyze(request, timeout=self._call_timeout)
            else:
                reply = analyze_future.result()
        except grpc.RpcError as error:
            raise self._rpc_error(error) from error
        self.remediations.extend(changed)
        found = [
            Violation(r.policy_name, "advisory", r.diagnostic, request.urn, request.type, request.name, r.policy_pack)
            for r in remediations
            if r.diagnostic
        ]
        results[index] = found + read_violations(reply, {request.urn: request})
        items[request.urn] = stack_item(stack_request, request, resource)

    def _policies(self) -> list[PolicyInfo]:
        return (self._info or self.info()).policies

    def _collect(self, pending, requests, results, index) -> None:
        future = pending.pop(index)
        try:
            reply = future.result()
        except grpc.RpcError as error:
            raise self._rpc_error(error) from error
        results[index] = read_violations(reply, {requests[index].urn: requests[index]})
