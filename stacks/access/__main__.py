"""The access stack: reads the registry's repositories and its own config, builds policies and roles."""

import pulumi
import pulumi_aws as aws
from access_stack.access import ModelAccess, ModelAccessArgs
from model_registry.config import AccessConfig, environment, read_pulumi_config
from model_registry.contract import ACCESS, REGISTRY, AccessOutput, RegistryOutput, require, stack_reference

environment(pulumi.get_stack())
settings = read_pulumi_config(AccessConfig, ACCESS)
registry = stack_reference(REGISTRY)
access = ModelAccess(
    "model-access",
    ModelAccessArgs(
        config=settings,
        account_id=aws.get_caller_identity().account_id,
        repositories=require(registry, RegistryOutput.REPOSITORIES),
    ),
)

pulumi.export(AccessOutput.PUSH_ROLE_ARN, access.push_role_arn)
pulumi.export(AccessOutput.PULL_ROLE_ARN, access.pull_role_arn)
pulumi.export(AccessOutput.POLICIES, access.policy_names)
