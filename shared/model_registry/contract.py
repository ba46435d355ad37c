"""The stack-reference contract: project names, deploy order and output keys, in one place.

Producers export these keys and nothing else that consumers read; consumers read them only through
`require()`. Renaming a key is a breaking change to the downstream stacks.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable
from enum import StrEnum

import pulumi
from pulumi import StackReferenceOutputDetails

from .stack_names import CORE, split_stack, stack_name

REGISTRY = "registry"
REPLICATION = "replication"
ACCESS = "access"
# Replication and access read the registry's outputs through a StackReference; the order follows.
DEPLOY_ORDER = (REGISTRY, REPLICATION, ACCESS)
# The sharded layout (docs/shards.md): which projects have shard stacks, and what each stack reads.
#   registry <env>.core      <- nothing
#   registry <env>.<shard>   <- registry <env>.core (the key)
#   replication <env>.core   <- registry <env>.core
#   access <env>.core        <- registry <env>.core
#   access <env>.<shard>     <- registry <env>.core, registry <env>.<shard> (its repositories), access <env>.core
SHARDED_PROJECTS = (REGISTRY, ACCESS)


class RegistryOutput(StrEnum):
    REGISTRY_ID = "registryId"
    REGION = "region"
    NAMESPACE = "namespace"
    KMS_KEY_ARN = "kmsKeyArn"
    # {model: {"name", "arn", "url"}}
    REPOSITORIES = "repositories"
    # What replicas must look like: {"imageTagMutability", "mutableTags" ({filter: [models]}),
    # "lifecyclePolicy" (JSON text), "scanning" ({"type", "frequency"})}; see model_registry.replica_settings
    REPLICA_SETTINGS = "replicaSettings"
    # The prefixes of the pull-through cache rules the registry created (`<upstreamCachePrefix>/<upstream>`),
    # one per rule; empty when the catalog names no upstream or the environment has no caches (local).
    CACHE_PREFIXES = "cachePrefixes"


class ReplicationOutput(StrEnum):
    DESTINATIONS = "destinations"
    TEMPLATE_ROLE_ARN = "templateRoleArn"


class AccessOutput(StrEnum):
    # {team: the ARN of its CI push role}
    PUSH_ROLE_ARNS = "pushRoleArns"
    PULL_ROLE_ARN = "pullRoleArn"
    POLICIES = "repositoryPolicies"


def upstream_stack(project: str, own_stack: str, shard: str | None = None) -> str:
    """The stack name a stack `own_stack` reads of `project`: the same one in the whole layout (`dev`); in the
    sharded layout the core (`dev.core`), or with `shard` that shard's (`dev.nlp`)."""
    env, part = split_stack(own_stack)
    if part is None:
        if shard is not None:
            raise ValueError(f"stack {own_stack!r} is of the whole layout: it has no shard stacks to read")
        return env
    return stack_name(env, shard or CORE)


def stack_reference(project: str, shard: str | None = None) -> pulumi.StackReference:
    """The same environment's stack of `project` in this organization (`organization` on a file backend): the
    whole layout's, or in the sharded layout the core stack, or `shard`'s (see upstream_stack)."""
    name = f"{pulumi.get_organization()}/{project}/{upstream_stack(project, pulumi.get_stack(), shard)}"
    return pulumi.StackReference(f"{project}-{shard}-stack" if shard else f"{project}-stack", stack_name=name)


class MissingStackOutput(KeyError):
    """An upstream stack that does not export what the contract promises.

    `program_line` is the `file:line` that asked for it: the failure surfaces inside an apply, whose
    traceback never reaches the program. The message is one line.
    """

    def __init__(self, program_line: str, stack: str, key: str, exported: list[str]) -> None:
        super().__init__(key)
        self.program_line = program_line
        self.message = (
            f"stack {stack!r} does not export output {key!r} (it exports: {', '.join(exported) or 'nothing'})"
        )

    def __str__(self) -> str:
        # Under `pulumi up` the traceback ends in the SDK's apply machinery: say where the program asked.
        return f"{self.program_line}: {self.message}"


def require(reference: pulumi.StackReference, key: StrEnum | str) -> pulumi.Output:
    """An upstream output the contract promises; a missing one fails naming the stack, the key, what the
    stack does export and the program line (`pulumi up` shows the same message).

    Public SDK API only. The check reads `reference.outputs` through `apply` (the SDK's `get_output` passes the
    whole output map through `Output.all`, which converts every value of it into Outputs on each call: with a
    thousand models, seconds per call); the value and its secretness come from `get_output_details`, the
    SDK's own rule (an output the upstream marks secret stays secret, no other is made secret).
    """
    caller = sys._getframe(1)
    program_line = f"{caller.f_code.co_filename}:{caller.f_lineno}"
    name = str(key)  # a StrEnum's str is its value

    def check(stack: str, outputs: dict | None) -> None:
        if name not in (outputs or {}):
            raise MissingStackOutput(program_line, stack, name, sorted(outputs or {}))

    def checked_in(stack: str) -> pulumi.Output[None]:
        return reference.outputs.apply(lambda outputs: check(stack, outputs))

    checked: pulumi.Output[None] = reference.name.apply(checked_in)

    def details_of(_: None) -> Awaitable[StackReferenceOutputDetails]:
        return reference.get_output_details(name)

    details: pulumi.Output[StackReferenceOutputDetails] = pulumi.Output.unsecret(checked).apply(details_of)
    return details.apply(
        lambda found: pulumi.Output.secret(found.secret_value) if found.secret_value is not None else found.value
    )
