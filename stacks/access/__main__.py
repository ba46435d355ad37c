"""The access stack: reads its config, the catalog folder and the registry's exports; builds policies and roles.

Stack `<env>`: everything (the whole layout). Sharded layout (docs/shards.md): `<env>.core` the roles (and
the OIDC provider), `<env>.<shard>` the repository policies of one shard's repositories.
"""

import pulumi
import pulumi_aws as aws
from access_stack.access import ModelAccess, ModelAccessArgs
from access_stack.config import AccessConfig
from model_registry.catalog import read_catalog
from model_registry.contract import ACCESS, REGISTRY, AccessOutput, RegistryOutput, require, stack_reference
from model_registry.engine_config import read_pulumi_config
from model_registry.environments import environment
from model_registry.shards import shard_catalog
from model_registry.stack_names import CORE, split_stack

env, part = split_stack(pulumi.get_stack())
environment(env)
settings = read_pulumi_config(AccessConfig, ACCESS)
catalog = read_catalog(settings.catalog, f"{ACCESS}:catalog")
shard = part not in (None, CORE)
registry = stack_reference(REGISTRY)
repositories = {}  # the core stack has no repository policies
if part is None:
    repositories = require(registry, RegistryOutput.REPOSITORIES)
elif shard:
    catalog = shard_catalog(catalog, part)
    # The shard's repositories are its registry shard's; the roles its policies name are the access core's,
    # which must be deployed first: reading its export makes the order part of the program.
    repositories = require(stack_reference(REGISTRY, part), RegistryOutput.REPOSITORIES)
    require(stack_reference(ACCESS), AccessOutput.PUSH_ROLE_ARNS)
access = ModelAccess(
    "model-access",
    ModelAccessArgs(
        config=settings,
        catalog=catalog,
        account_id=aws.get_caller_identity().account_id,
        registry_id=require(registry, RegistryOutput.REGISTRY_ID),
        region=require(registry, RegistryOutput.REGION),
        namespace=require(registry, RegistryOutput.NAMESPACE),
        repositories=repositories,
        account_wide=not shard,
        policies=part != CORE,
        # The roles (whole layout, core) may pull through the registry's caches; a shard stack has no roles.
        cache_prefixes=() if shard else require(registry, RegistryOutput.CACHE_PREFIXES),
    ),
)

if not shard:
    pulumi.export(AccessOutput.PUSH_ROLE_ARNS, access.push_role_arns)
    pulumi.export(AccessOutput.PULL_ROLE_ARN, access.pull_role_arn)
if part != CORE:
    pulumi.export(AccessOutput.POLICIES, access.policy_names)
