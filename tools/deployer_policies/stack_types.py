"""Which resource types each stack creates, and which ones it registers only with a feature or retains.

The API actions the provider calls for each type are AWS's (aws_facts.provider_actions); the deployer policies
(policies.py) grant them for these types and no others; tests/deployer checks them against the stacks run
under mocks.
"""

from __future__ import annotations

from aws_facts import resource_types
from aws_facts.provider_actions import SIGNING_TYPE
from model_registry.contract import ACCESS, REGISTRY, REPLICATION

# The resource types each stack creates (checked against the stacks run under mocks by the tests).
STACK_RESOURCE_TYPES = {
    REGISTRY: (
        resource_types.ECR_LIFECYCLE_POLICY,
        resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION,
        resource_types.ECR_REPOSITORY,
        resource_types.KMS_ALIAS,
        resource_types.KMS_KEY,
    ),
    REPLICATION: (
        resource_types.ECR_ACCOUNT_SETTING,
        resource_types.ECR_REGISTRY_POLICY,
        resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION,
        resource_types.ECR_REPLICATION_CONFIGURATION,
        resource_types.ECR_REPOSITORY_CREATION_TEMPLATE,
        resource_types.IAM_ROLE,
        resource_types.IAM_ROLE_POLICY,
        resource_types.KMS_REPLICA_KEY,
    ),
    ACCESS: (
        resource_types.ECR_REPOSITORY_POLICY,
        resource_types.IAM_OPENID_CONNECT_PROVIDER,
        resource_types.IAM_ROLE,
        resource_types.IAM_ROLE_POLICY,
    ),
}
# Types the registry stack registers only with registry:signing (ECR managed signing, through aws-native).
SIGNING_TYPES = (SIGNING_TYPE,)
# Types the registry stack registers only when a catalog team names upstreams (pull-through caches): its
# deployer may manage them too (tests/features/test_features_pull_through_cache.py checks each call).
UPSTREAM_CACHE_TYPES = (
    resource_types.ECR_PULL_THROUGH_CACHE_RULE,
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE,
    resource_types.IAM_ROLE,
    resource_types.IAM_ROLE_POLICY,
)
# Types the stacks register with `retain_on_delete`: the provider never deletes them.
RETAINED_TYPES = frozenset({resource_types.ECR_REPOSITORY, resource_types.KMS_KEY, resource_types.KMS_REPLICA_KEY})
