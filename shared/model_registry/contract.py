"""The stack-reference contract: project names, deploy order and output keys, in one place.

Producers export these keys and nothing else that consumers read; consumers read them only through
`require()`. Renaming a key is a breaking change to the downstream stacks.
"""

from __future__ import annotations

from enum import StrEnum

import pulumi

REGISTRY = "registry"
REPLICATION = "replication"
ACCESS = "access"
# Replication and access read the registry's outputs through a StackReference; the order follows.
DEPLOY_ORDER = (REGISTRY, REPLICATION, ACCESS)


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


class ReplicationOutput(StrEnum):
    DESTINATIONS = "destinations"
    TEMPLATE_ROLE_ARN = "templateRoleArn"


class AccessOutput(StrEnum):
    # {team: the ARN of its CI push role}
    PUSH_ROLE_ARNS = "pushRoleArns"
    PULL_ROLE_ARN = "pullRoleArn"
    POLICIES = "repositoryPolicies"


def stack_reference(project: str) -> pulumi.StackReference:
    """The same environment's stack of `project` in this organization (`organization` on a file backend)."""
    name = f"{pulumi.get_organization()}/{project}/{pulumi.get_stack()}"
    return pulumi.StackReference(f"{project}-stack", stack_name=name)


def require(reference: pulumi.StackReference, key: StrEnum) -> pulumi.Output:
    """An upstream output the contract promises; a missing one fails naming the stack and the key."""
    return reference.require_output(key.value)
