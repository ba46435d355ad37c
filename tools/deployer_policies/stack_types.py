"""Which resource types each stack creates, and which ones it registers only with a feature or retains.

The API actions the provider calls for each type are AWS's (aws_facts.provider_actions); the deployer policies
(policies.py) grant them for these types and no others; tests/deployer checks them against the stacks run
under mocks.
"""

from __future__ import annotations

from aws_facts.provider_actions import SIGNING_TYPE
from model_registry.contract import ACCESS, REGISTRY, REPLICATION
from registry_policies import ecr, iam_types, kms_types

# The resource types each stack creates (checked against the stacks run under mocks by the tests).
STACK_RESOURCE_TYPES = {
    REGISTRY: (
        ecr.LIFECYCLE_POLICY,
        ecr.REGISTRY_SCANNING,
        ecr.REPOSITORY,
        kms_types.ALIAS,
        kms_types.KEY,
    ),
    REPLICATION: (
        ecr.ACCOUNT_SETTING,
        ecr.REGISTRY_POLICY,
        ecr.REGISTRY_SCANNING,
        ecr.REPLICATION,
        ecr.CREATION_TEMPLATE,
        iam_types.ROLE,
        iam_types.ROLE_POLICY,
        kms_types.REPLICA_KEY,
    ),
    ACCESS: (
        ecr.REPOSITORY_POLICY,
        iam_types.OPENID_CONNECT_PROVIDER,
        iam_types.ROLE,
        iam_types.ROLE_POLICY,
    ),
}
# Types the registry stack registers only with registry:signing (ECR managed signing, through aws-native).
SIGNING_TYPES = (SIGNING_TYPE,)
# Types the registry stack registers only when a catalog team names upstreams (pull-through caches): its
# deployer may manage them too (tests/features/test_features_pull_through_cache.py checks each call).
UPSTREAM_CACHE_TYPES = (
    ecr.PULL_THROUGH_CACHE_RULE,
    ecr.CREATION_TEMPLATE,
    iam_types.ROLE,
    iam_types.ROLE_POLICY,
)
# Types the stacks register with `retain_on_delete`: the provider never deletes them.
RETAINED_TYPES = frozenset({ecr.REPOSITORY, kms_types.KEY, kms_types.REPLICA_KEY})
