"""The replication stack: reads the registry's contract and its own config, builds the replication."""

import pulumi
import pulumi_aws as aws
from model_registry.contract import (
    REGISTRY,
    REPLICATION,
    RegistryOutput,
    ReplicationOutput,
    require,
    stack_reference,
)
from model_registry.engine_config import read_pulumi_config, stack_locator
from model_registry.environments import environment
from model_registry.errors import ConfigError
from model_registry.replication_config import ReplicationConfig
from model_registry.stack_names import CORE, split_stack
from replication_stack.config import check_replication_against_source, check_replication_prefixes
from replication_stack.replication import Replication, ReplicationArgs

env, part = split_stack(pulumi.get_stack())
if part not in (None, CORE):  # replication is account-wide: no shards (docs/shards.md)
    raise ConfigError(f"stack {pulumi.get_stack()!r}: replication has no shard stacks; select {env} or {env}.{CORE}")
environment(env)
settings = read_pulumi_config(ReplicationConfig, REPLICATION)
account_id = aws.get_caller_identity().account_id
region = pulumi.Config("aws").require("region")
check_replication_against_source(settings, region, account_id, stack_locator(REPLICATION))

registry = stack_reference(REGISTRY)
namespace = require(registry, RegistryOutput.NAMESPACE)
# The namespace is the registry's export: prefixes outside it fail as soon as it is known.
namespace.apply(lambda ns: check_replication_prefixes(settings, ns, stack_locator(REPLICATION)))
replication = Replication(
    "model-replication",
    ReplicationArgs(
        config=settings,
        account_id=account_id,
        region=region,
        namespace=namespace,
        kms_key_arn=require(registry, RegistryOutput.KMS_KEY_ARN),
        replica_settings=require(registry, RegistryOutput.REPLICA_SETTINGS),
    ),
)

pulumi.export(ReplicationOutput.DESTINATIONS, replication.destinations)
pulumi.export(ReplicationOutput.TEMPLATE_ROLE_ARN, replication.template_role_arn)
