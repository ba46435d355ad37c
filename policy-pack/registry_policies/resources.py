"""Which resource types carry policy documents, and where."""

from __future__ import annotations

from typing import Any

from .values import get_path, is_unknown

# Resource type -> properties (camelCase, as the engine sends checked inputs) holding a policy document.
# Resource and trust policies, where Principal decides who is granted:
RESOURCE_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("policy",),
    "aws:ecr/registryPolicy:RegistryPolicy": ("policy",),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": ("repositoryPolicy",),
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": ("policy",),
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:kms/key:Key": ("policy",),
    "aws:kms/keyPolicy:KeyPolicy": ("policy",),
    "aws:kms/replicaKey:ReplicaKey": ("policy",),
    "aws:kms/externalKey:ExternalKey": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:sqs/queue:Queue": ("policy",),
    "aws:sqs/queuePolicy:QueuePolicy": ("policy",),
    "aws:sns/topic:Topic": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "aws:secretsmanager/secretPolicy:SecretPolicy": ("policy",),
    "aws:secretsmanager/secret:Secret": ("policy",),
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": ("policy",),
    "aws:opensearch/domainPolicy:DomainPolicy": ("accessPolicies",),
    "aws:glacier/vaultLock:VaultLock": ("policy",),
    "aws:efs/fileSystemPolicy:FileSystemPolicy": ("policy",),
    "aws:backup/vaultPolicy:VaultPolicy": ("policy",),
}

# Identity policies: no Principal, but their actions matter (no-wildcard-actions).
IDENTITY_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "aws:iam/policy:Policy": ("policy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "aws:iam/groupPolicy:GroupPolicy": ("policy",),
}


FRIENDLY = {
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "repository policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "registry policy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "creation template repository policy",
    "aws:iam/role:Role": "trust policy",
    "aws:kms/key:Key": "key policy",
    "aws:kms/keyPolicy:KeyPolicy": "key policy",
}


def resource_documents(resource_type: str, props: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, document) for every resource or trust policy the resource carries."""
    return _documents(resource_type, props, RESOURCE_POLICY_PROPERTIES)


def all_documents(resource_type: str, props: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, document) for every policy document, resource, trust, inline or identity."""
    found = _documents(resource_type, props, RESOURCE_POLICY_PROPERTIES)
    found += _documents(resource_type, props, IDENTITY_POLICY_PROPERTIES)
    if resource_type == "aws:iam/role:Role":
        found += _inline_policies(props)
    return found


def _documents(resource_type: str, props: dict[str, Any], table: dict[str, tuple[str, ...]]):
    found = []
    for prop in table.get(resource_type, ()):
        value = props.get(prop)
        if value is None:
            continue
        found.append((f"{FRIENDLY.get(resource_type, 'policy')} ({prop})", value))
    return found


def _inline_policies(props: dict[str, Any]) -> list[tuple[str, Any]]:
    inline = props.get("inlinePolicies")
    if inline is None:
        return []
    if is_unknown(inline):
        return [("inline policies (inlinePolicies)", inline)]
    if not isinstance(inline, list):
        return [("inline policies (inlinePolicies)", "not a list")]
    found = []
    for index, entry in enumerate(inline):
        policy = get_path(entry, "policy")
        if policy is None:
            continue
        name = get_path(entry, "name")
        label = name if isinstance(name, str) and not is_unknown(name) else str(index)
        found.append((f"inline policy {label} (inlinePolicies[{index}].policy)", policy))
    return found
