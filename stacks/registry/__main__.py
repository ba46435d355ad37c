"""The registry stack: reads its config and the catalog folder, builds the registry, exports the contract."""

import pulumi
import pulumi_aws as aws
from model_registry.catalog import read_catalog
from model_registry.config import RegistryConfig, check_mutable_tags, environment, read_pulumi_config
from model_registry.contract import REGISTRY, RegistryOutput
from registry_stack.registry import ModelRegistry, ModelRegistryArgs

environment(pulumi.get_stack())
settings = read_pulumi_config(RegistryConfig, REGISTRY)
catalog = read_catalog(settings.catalog, f"{REGISTRY}:catalog", namespace=settings.namespace)
check_mutable_tags(settings.lifecycle, catalog.models)
account_id = aws.get_caller_identity().account_id
region = pulumi.Config("aws").require("region")
registry = ModelRegistry(
    "model-registry", ModelRegistryArgs(config=settings, catalog=catalog, account_id=account_id, region=region)
)

pulumi.export(RegistryOutput.REGISTRY_ID, account_id)
pulumi.export(RegistryOutput.REGION, region)
pulumi.export(RegistryOutput.NAMESPACE, settings.namespace)
pulumi.export(RegistryOutput.KMS_KEY_ARN, registry.key.arn)
pulumi.export(RegistryOutput.REPOSITORIES, registry.repository_map)
pulumi.export(RegistryOutput.REPLICA_SETTINGS, registry.replica_settings)
