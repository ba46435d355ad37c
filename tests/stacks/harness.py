"""Run one stack's `__main__.py` under Pulumi's own mocks and record what it registers.

Outputs that downstream stacks read are formed the way AWS forms them (ARNs and URLs from account,
region and name); a StackReference answers with the upstream stack's recorded exports, so each
stack is tested against what its upstream really exports.
"""

from __future__ import annotations

import json
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

REPO = Path(__file__).resolve().parents[2]
STACKS = REPO / "stacks"
ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class Recorded:
    type: str
    name: str
    inputs: dict[str, Any]
    protect: bool = False
    retain_on_delete: bool = False
    parent: str = ""


@dataclass
class Run:
    resources: list[Recorded] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, token: str) -> list[Recorded]:
        return [r for r in self.resources if r.type == token]


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, upstream: dict[str, dict[str, Any]]):
        self.upstream = upstream

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        inputs = dict(args.inputs)
        name = inputs.get("name", args.name)
        region = inputs.get("region", REGION)
        outputs = dict(inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            stack = inputs["name"]
            if stack not in self.upstream:
                raise KeyError(f"stack reference to {stack!r}, which this test did not run")
            return stack, {"name": stack, "outputs": self.upstream[stack]}
        if args.typ == "aws:ecr/repository:Repository":
            outputs |= {
                "arn": f"arn:aws:ecr:{region}:{ACCOUNT}:repository/{name}",
                "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{name}",
                "registryId": ACCOUNT,
            }
        elif args.typ in ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"):
            key_id = f"mrk-{abs(hash(args.name)) % 10**12:012d}"
            outputs |= {"keyId": key_id, "arn": f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"}
            return key_id, outputs
        elif args.typ == "aws:iam/role:Role":
            outputs["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        elif args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            outputs["arn"] = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{inputs['url'].removeprefix('https://')}"
        return name, outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/test", "userId": "test", "id": ACCOUNT}
        raise NotImplementedError(args.token)


class _Monitor(pulumi.runtime.mocks.MockMonitor):
    """The SDK's mock monitor, noting the resource options it is sent."""

    def __init__(self, mocks, run: Run):
        super().__init__(mocks)
        self.run = run

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.custom:
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
            self.run.resources.append(
                Recorded(request.type, request.name, inputs, request.protect, request.retainOnDelete, request.parent)
            )
        return response


def stack_config(project: str, env: str = "local") -> dict[str, Any]:
    return yaml.safe_load((STACKS / project / f"Pulumi.{env}.yaml").read_text())["config"]


def run_stack(
    project: str,
    config: dict[str, Any] | None = None,
    upstream: dict[str, dict[str, Any]] | None = None,
    stack: str = "local",
) -> Run:
    """Run stacks/<project>/__main__.py with `config` (default: its Pulumi.local.yaml)."""
    run = Run()
    mocks = RecordingMocks(upstream or {})
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=False, organization="organization", monitor=_Monitor(mocks, run)
    )
    values = config if config is not None else stack_config(project)
    pulumi.runtime.set_all_config({k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()})
    program = STACKS / project
    sys.path.insert(0, str(program))
    try:
        exports: dict[str, Any] = {}
        original_export = pulumi.export

        def record_export(name: str, value: Any) -> None:
            exports[name] = value
            original_export(name, value)

        pulumi.export = record_export

        @pulumi.runtime.test
        def evaluate():
            runpy.run_path(str(program / "__main__.py"), run_name="__main__")
            return pulumi.Output.all(**{k: pulumi.Output.from_input(v) for k, v in exports.items()}).apply(
                run.outputs.update
            )

        evaluate()
    finally:
        pulumi.export = original_export
        sys.path.remove(str(program))
    return run


def upstream_of(registry: Run, stack: str = "local") -> dict[str, dict[str, Any]]:
    return {f"organization/registry/{stack}": registry.outputs}
