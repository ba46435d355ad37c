"""The registry stack: reads its config and the catalog folder, builds the registry, exports the contract.

Stack `<env>`: everything (the whole layout). Sharded layout (docs/shards.md): `<env>.core` the key and the
registry's scanning, `<env>.<shard>` one shard's repositories, encrypted with the core's key.
"""

import pulumi
import pulumi_aws as aws
from model_registry.catalog import read_catalog
from model_registry.contract import REGISTRY, RegistryOutput, require, stack_reference
from model_registry.engine_config import read_pulumi_config
from model_registry.environments import environment
from model_registry.shards import shard_catalog
from model_registry.stack_names import CORE, split_stack
from registry_stack.config import RegistryConfig, check_mutable_tags, check_upstream_credentials
from registry_stack.registry import ModelRegistry, ModelRegistryArgs

env, part = split_stack(pulumi.get_stack())
environment(env)
settings = read_pulumi_config(RegistryConfig, REGISTRY)
catalog = read_catalog(settings.catalog, f"{REGISTRY}:catalog", namespace=settings.namespace)
check_mutable_tags(settings.lifecycle, catalog.models)
account_id = aws.get_caller_identity().account_id
region = pulumi.Config("aws").require("region")
check_upstream_credentials(catalog.teams, account_id, region)
shard = part not in (None, CORE)
args = ModelRegistryArgs(config=settings, catalog=catalog, account_id=account_id, region=region)
if part == CORE:
    args = ModelRegistryArgs(config=settings, catalog=catalog, account_id=account_id, region=region, repositories=False)
elif shard:
    args = ModelRegistryArgs(
        config=settings,
        catalog=shard_catalog(catalog, part),
        account_id=account_id,
        region=region,
        account_wide=False,
        kms_key_arn=require(stack_reference(REGISTRY), RegistryOutput.KMS_KEY_ARN),
    )
registry = ModelRegistry("model-registry", args)

if not shard:
    pulumi.export(RegistryOutput.REGISTRY_ID, account_id)
    pulumi.export(RegistryOutput.REGION, region)
    pulumi.export(RegistryOutput.NAMESPACE, settings.namespace)
    pulumi.export(RegistryOutput.KMS_KEY_ARN, registry.key.arn if registry.key else None)
    # What replicas look like is decided over the whole catalog, so the core exports it.
    pulumi.export(RegistryOutput.REPLICA_SETTINGS, registry.replica_settings)
    # The build roles' identity policies (access stack) grant pulling through these caches, and only these.
    pulumi.export(RegistryOutput.CACHE_PREFIXES, registry.cache_prefixes)
if part != CORE:
    pulumi.export(RegistryOutput.REPOSITORIES, registry.repository_map)
