"""ModelRegistry: one encrypted, scanned, immutable repository per catalog model, and registry scanning.

Every repository carries its team's `team` tag: a team's CI push role may push only to repositories
tagged with its team (access stack), so the tag is part of access control.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_aws_native as aws_native
from aws_facts.ecr_pull_through import UPSTREAMS
from aws_facts.ecr_scanning import FilterType, ScanType
from aws_facts.ecr_signing import FILTER_TYPE
from aws_facts.singletons import scanning_rules
from model_registry import naming, tagging
from model_registry.catalog import Catalog, CatalogModel
from model_registry.contract import REGISTRY
from model_registry.policy_documents import document, ecr, iam, kms, statement, to_json
from model_registry.replica_settings import replica_settings

from registry_stack.config import RegistryConfig

# A model's images must survive every stack operation: `protect` refuses a delete or replacement, and
# `retain_on_delete` keeps the cloud resource if someone lifts protect and removes it from state.
KEEP = pulumi.ResourceOptions(protect=True, retain_on_delete=True)
# What ECR needs of the cache template role to create KMS-encrypted, tagged cache repositories.
CACHE_TEMPLATE_KMS_ACTIONS = ("kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant")
CACHE_TEMPLATE_ECR_ACTIONS = ("ecr:CreateRepository", "ecr:TagResource")


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
                policy=ecr.lifecycle_policy_json(config.lifecycle, config.model_lifecycle(model.lifecycle)),
                opts=pulumi.ResourceOptions(parent=repository),
            )
            self.repositories[model.name] = repository

        # The prefixes of the pull-through cache rules (exported: the access stack grants the build roles these).
        self.cache_prefixes: list[str] = []
        if args.account_wide:
            # Pull-through caches are account-wide settings too (docs/features.md).
            cache_prefixes = self._upstream_caches(name, args, tags(), child, key_arn) if config.upstream_caches else []
            self.cache_prefixes = cache_prefixes
            scanning = config.scanning
            aws.ecr.RegistryScanningConfiguration(
                f"{name}-scanning",
                scan_type=scanning.type.value,
                # One configuration per account and region: it also decides every repository this stack does not
                # own, so a rule keeps those scanned on push (aws_facts.singletons). The models and every
                # pull-through cache prefix: cached upstream images are scanned like the models.
                rules=scanning_rules(
                    scanning.frequency.value,
                    [
                        {"filter": f"{prefix}/*", "filter_type": FilterType.WILDCARD.value}
                        for prefix in (config.namespace, *cache_prefixes)
                    ],
                ),
                opts=child,
            )
            if scanning.type is ScanType.BASIC:
                pulumi.log.info(
                    f"registry scanning is {ScanType.BASIC}: images are scanned on push only, not continuously"
                )

        if args.account_wide and config.signing is not None:
            # One signing configuration per registry and region: every repository of the namespace, so every
            # tag pushed to it, release tags included, is signed. pulumi-aws has no such resource (7.51.1).
            aws_native.ecr.SigningConfiguration(
                f"{name}-signing",
                rules=[
                    {
                        "signing_profile_arn": config.signing.signing_profile_arn,
                        "repository_filters": [{"filter": f"{config.namespace}/*", "filter_type": FILTER_TYPE}],
                    }
                ],
                opts=child,
            )

        self.repository_map = pulumi.Output.all(
            **{
                model: pulumi.Output.all(name=repo.name, arn=repo.arn, url=repo.repository_url)
                for model, repo in self.repositories.items()
            }
        )
        # What replicas look like (one creation template for all models: see model_registry.replica_settings).
        self.replica_settings = replica_settings(config, args.catalog.models)
        self.register_outputs({"repositories": self.repository_map, "kmsKeyArn": key_arn})

    def _upstream_caches(
        self,
        name: str,
        args: ModelRegistryArgs,
        tags: dict[str, str],
        child: pulumi.ResourceOptions,
        key_arn: pulumi.Input[str] | None,
    ) -> list[str]:
        """One pull-through cache rule per upstream the catalog's teams name, and a creation template per
        cache prefix: the models' KMS key, immutable tags, the models' lifecycle, pull for the build roles
        only. Returns the cache prefixes (the registry scanning covers them)."""
        upstreams = args.catalog.upstreams()
        if not upstreams:
            return []
        config = args.config
        root = config.upstream_cache_prefix
        role = aws.iam.Role(
            f"{name}-cache-template-role",
            name=naming.CACHE_TEMPLATE_ROLE,
            description="Lets ECR create KMS-encrypted, tagged pull-through cache repositories",
            assume_role_policy=to_json(iam.service_trust_policy(("ecr.amazonaws.com",), args.account_id)),
            permissions_boundary=naming.role_boundary_arn(args.account_id),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-cache-template-role-policy",
            role=role.name,
            policy=pulumi.Output.from_input(key_arn).apply(
                lambda key_arn: to_json(
                    document(
                        statement("UseTheRegistryKey", CACHE_TEMPLATE_KMS_ACTIONS, resources=[key_arn]),
                        statement(
                            "CreateCacheRepositories",
                            CACHE_TEMPLATE_ECR_ACTIONS,
                            resources=[iam.namespace_repositories(args.region, args.account_id, root)],
                        ),
                    )
                )
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        build_roles = tuple(
            f"arn:aws:iam::{args.account_id}:role/{naming.ci_push_role(team.name)}"
            for team in args.catalog.teams
            if team.pushers
        )
        prefixes = []
        for registry, credential_arn in sorted(upstreams.items()):
            upstream = UPSTREAMS[registry]
            prefix = f"{root}/{upstream.short}"
            prefixes.append(prefix)
            aws.ecr.PullThroughCacheRule(
                naming.resource_name(name, "cache", upstream.short),
                ecr_repository_prefix=prefix,
                upstream_registry_url=upstream.url,
                credential_arn=credential_arn,
                opts=child,
            )
            aws.ecr.RepositoryCreationTemplate(
                naming.resource_name(name, "cache-template", upstream.short),
                prefix=prefix,
                applied_fors=["PULL_THROUGH_CACHE"],
                description=f"Pull-through cache of {upstream.url}: KMS, immutable, the models' lifecycle, build roles only",
                image_tag_mutability="IMMUTABLE",
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": key_arn}],
                lifecycle_policy=ecr.lifecycle_policy_json(config.lifecycle),
                repository_policy=to_json(ecr.cache_repository_policy(build_roles)),
                custom_role_arn=role.arn,
                resource_tags=tags,
                opts=child,
            )
        return prefixes
