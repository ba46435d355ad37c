"""The access stack: reads its config, the catalog folder and the registry's exports; builds policies and roles."""

import pulumi
import pulumi_aws as aws
from access_stack.access import ModelAccess, ModelAccessArgs
from model_registry.catalog import read_catalog
from model_registry.config import AccessConfig, environment, read_pulumi_config
from model_registry.contract import ACCESS, REGISTRY, AccessOutput, RegistryOutput, require, stack_reference

environment(pulumi.get_stack())
settings = read_pulumi_config(AccessConfig, ACCESS)
catalog = read_catalog(settings.catalog, f"{ACCESS}:catalog")
registry = stack_reference(REGISTRY)
access = ModelAccess(
    "model-access",
    ModelAccessArgs(
        config=settings,
        catalog=catalog,
        account_id=aws.get_caller_identity().account_id,
        registry_id=require(registry, RegistryOutput.REGISTRY_ID),
        region=require(registry, RegistryOutput.REGION),
        namespace=require(registry, RegistryOutput.NAMESPACE),
        repositories=require(registry, RegistryOutput.REPOSITORIES),
    ),
)

pulumi.export(AccessOutput.PUSH_ROLE_ARNS, access.push_role_arns)
pulumi.export(AccessOutput.PULL_ROLE_ARN, access.pull_role_arn)
pulumi.export(AccessOutput.POLICIES, access.policy_names)
