"""ModelRegistry: one encrypted, scanned, immutable repository per catalog model, and registry scanning.

Every repository carries its team's `team` tag: a team's CI push role may push only to repositories
tagged with its team (access stack), so the tag is part of access control.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from aws_facts.singletons import scanning_rules
from model_registry import naming, tagging
from model_registry.catalog import Catalog, CatalogModel
from model_registry.config import RegistryConfig, ScanType
from model_registry.contract import REGISTRY
from model_registry.policy_documents import ecr, kms, to_json
from model_registry.replica_settings import replica_settings

# A model's images must survive every stack operation: `protect` refuses a delete or replacement, and
# `retain_on_delete` keeps the cloud resource if someone lifts protect and removes it from state.
KEEP = pulumi.ResourceOptions(protect=True, retain_on_delete=True)


@dataclass(frozen=True)
class ModelRegistryArgs:
    config: RegistryConfig
    catalog: Catalog
    account_id: str
    region: str
    # The sharded layout (docs/shards.md): the core stack has the account-wide resources and no repositories
    # (`repositories=False`); a shard stack has only its catalog's repositories, encrypted with the core's key
    # (`kms_key_arn`, read through the contract). The whole layout has both (the defaults).
    account_wide: bool = True
    repositories: bool = True
    kms_key_arn: pulumi.Input[str] | None = None


def tag_mutability(model: CatalogModel) -> tuple[str, list[dict[str, str]]]:
    """IMMUTABLE, or IMMUTABLE_WITH_EXCLUSION with the model's mutable tags as WILDCARD filters."""
    if not model.mutable_tags:
        return "IMMUTABLE", []
    return "IMMUTABLE_WITH_EXCLUSION", [{"filter": tag, "filter_type": "WILDCARD"} for tag in model.mutable_tags]


class ModelRegistry(pulumi.ComponentResource):
    """The registry's KMS key, its repositories with lifecycle policies, and registry-wide scanning."""

    def __init__(self, name: str, args: ModelRegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("modelregistry:registry:ModelRegistry", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        stack = pulumi.get_stack()

        def tags(model: CatalogModel | None = None) -> dict[str, str]:
            return tagging.standard_tags(
                owner=model.team if model else "registry",
                cost_centre=(model and model.cost_centre) or config.cost_centre,
                project=REGISTRY,
                stack=stack,
                model=model.name if model else None,
                # The key each team's CI push role is limited by (aws:ResourceTag/team).
                team=model.team if model else None,
            )

        self.key: aws.kms.Key | None = None
        key_arn = args.kms_key_arn
        if args.account_wide:
            # Multi-region so that the replication stack can replicate it next to each replica.
            self.key = aws.kms.Key(
                f"{name}-key",
                description=f"Encrypts the images of the model registry ({config.namespace}/*)",
                enable_key_rotation=True,
                multi_region=True,
                deletion_window_in_days=30,
                policy=to_json(kms.registry_key_policy(args.account_id, (args.region,), config.key_admins)),
                tags=tags(),
                opts=child.merge(KEEP),
            )
            aws.kms.Alias(
                f"{name}-key-alias",
                name=f"alias/{naming.resource_name(config.namespace, 'registry')}",
                target_key_id=self.key.key_id,
                opts=child,
            )
            key_arn = self.key.arn
        if args.repositories and key_arn is None:
            raise ValueError("ModelRegistryArgs: repositories need the account-wide key or kms_key_arn")

        self.repositories: dict[str, aws.ecr.Repository] = {}
        for model in args.catalog.models if args.repositories else ():
            mutability, exclusions = tag_mutability(model)
            repository = aws.ecr.Repository(
                naming.resource_name(model.name),
                name=naming.repository_name(config.namespace, model.name),
                image_scanning_configuration={"scan_on_push": model.scan_on_push},
                image_tag_mutability=mutability,
                image_tag_mutability_exclusion_filters=exclusions or None,
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": key_arn}],
                force_delete=False,
                tags=tags(model),
                opts=child.merge(KEEP),
            )
            aws.ecr.LifecyclePolicy(
                naming.resource_name(model.name, "lifecycle"),
                repository=repository.name,
                policy=ecr.lifecycle_policy_json(config.lifecycle, model.lifecycle),
                opts=pulumi.ResourceOptions(parent=repository),
            )
            self.repositories[model.name] = repository

        if args.account_wide:
            scanning = config.scanning
            aws.ecr.RegistryScanningConfiguration(
                f"{name}-scanning",
                scan_type=scanning.type.value,
                # One configuration per account and region: it also decides every repository this stack does not
                # own, so a rule keeps those scanned on push (aws_facts.singletons).
                rules=scanning_rules(
                    scanning.frequency.value, [{"filter": f"{config.namespace}/*", "filter_type": "WILDCARD"}]
                ),
                opts=child,
            )
            if scanning.type is ScanType.BASIC:
                pulumi.log.info("registry scanning is BASIC: images are scanned on push only, not continuously")

        self.repository_map = pulumi.Output.all(
            **{
                model: pulumi.Output.all(name=repo.name, arn=repo.arn, url=repo.repository_url)
                for model, repo in self.repositories.items()
            }
        )
        # What replicas look like (one creation template for all models: see model_registry.replica_settings).
        self.replica_settings = replica_settings(config, args.catalog.models)
        self.register_outputs({"repositories": self.repository_map, "kmsKeyArn": key_arn})
