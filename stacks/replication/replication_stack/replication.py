"""Replication: the registry's one replication configuration, replica templates, and the registry policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from aws_facts.ecr_account_settings import BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE
from aws_facts.ecr_scanning import FilterType
from aws_facts.kms import replica_key_arn
from aws_facts.quotas import QUOTA_TABLE
from aws_facts.singletons import scanning_rules
from model_registry import naming, tagging
from model_registry.config import Scanning
from model_registry.contract import REPLICATION
from model_registry.errors import ConfigError
from model_registry.policy_documents import document, ecr, iam, kms, statement, to_json
from model_registry.replica_settings import template_exclusions
from model_registry.replication_config import ReplicationConfig

# Replica keys encrypt replicated images: losing one loses the replicas, as for the primary key.
KEEP = pulumi.ResourceOptions(protect=True, retain_on_delete=True)
# What ECR needs of the template role to create KMS-encrypted, tagged replica repositories.
TEMPLATE_ROLE_KMS_ACTIONS = ("kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant")
TEMPLATE_ROLE_ECR_ACTIONS = ("ecr:CreateRepository", "ecr:TagResource")
# PutRegistryScanningConfiguration: at most 100 filters per rule.
MAX_SCANNING_FILTERS = QUOTA_TABLE["ecr-scanning-filters"].limit
# A registry export without "scanning" (deployed before it existed): the registry's own default.
DEFAULT_SCANNING = Scanning().model_dump(mode="json")


@dataclass(frozen=True)
class ReplicationArgs:
    config: ReplicationConfig
    account_id: str
    region: str
    namespace: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    replica_settings: pulumi.Input[dict[str, Any]]


class Replication(pulumi.ComponentResource):
    """Replicate the namespace to the configured destinations; replicas get the registry's settings.

    Same-account destination regions get a KMS replica key and a repository creation template (applied
    for REPLICATION) in that region. A cross-account destination's templates belong to that account.
    """

    def __init__(self, name: str, args: ReplicationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("modelregistry:replication:Replication", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        tags = tagging.standard_tags(
            owner="platform", cost_centre="platform", project=REPLICATION, stack=pulumi.get_stack()
        )
        namespace = pulumi.Output.from_input(args.namespace)
        self._account = args.account_id
        self.destinations = sorted(
            {f"{d.registry_id or args.account_id}/{d.region}" for rule in config.rules for d in rule.destinations}
        )
        self.template_role_arn: pulumi.Output[str] | None = None

        if config.rules:
            # The account has one replication configuration per region, put whole: the rules it holds for
            # repositories this stack does not own (replication:keptRules) are put back as given, after ours.
            aws.ecr.ReplicationConfiguration(
                f"{name}-configuration",
                replication_configuration={
                    "rules": [
                        *(
                            {
                                "destinations": self._destinations(rule.destinations),
                                "repository_filters": namespace.apply(
                                    # `<ns>/`, not `<ns>`: a PREFIX_MATCH filter `models` also replicates
                                    # `models-archive/x`, a repository outside the namespace (aws_facts.singletons).
                                    lambda ns, prefixes=rule.prefixes: [
                                        {"filter": prefix, "filter_type": "PREFIX_MATCH"}
                                        for prefix in (prefixes or (f"{ns}/",))
                                    ]
                                ),
                            }
                            for rule in config.rules
                        ),
                        *(
                            {
                                "destinations": self._destinations(kept.destinations),
                                **(
                                    {
                                        "repository_filters": [
                                            {"filter": f.filter, "filter_type": f.filter_type.value}
                                            for f in kept.repository_filters
                                        ]
                                    }
                                    if kept.repository_filters
                                    else {}
                                ),
                            }
                            for kept in config.kept_rules
                        ),
                    ]
                },
                opts=child,
            )

        local_regions = sorted(
            {d.region for rule in config.rules for d in rule.destinations if d.registry_id in (None, args.account_id)}
        )
        settings = pulumi.Output.from_input(args.replica_settings)
        for region in local_regions:
            self._replica_scanning(name, region, config, namespace, settings, child)
        if local_regions and config.replica_templates:
            self._replica_templates(name, args, namespace, local_regions, tags, child)

        # The settings that give the registry policy its meaning: pinned before it, owned here with it.
        pinned: list[pulumi.Resource] = []
        if config.account_settings.pinned:
            for setting, value in (
                (REGISTRY_POLICY_SCOPE, config.account_settings.registry_policy_scope.value),
                (BASIC_SCAN_TYPE_VERSION, config.account_settings.basic_scan_type_version.value),
            ):
                pinned.append(
                    aws.ecr.AccountSetting(
                        f"{name}-{setting.lower().replace('_', '-')}", name=setting, value=value, opts=child
                    )
                )
        if config.source_accounts:
            aws.ecr.RegistryPolicy(
                f"{name}-registry-policy",
                # One registry policy per account and region, put whole: the statements the account holds for
                # others (replication:keptRegistryStatements) are put back as given, after ours.
                policy=namespace.apply(
                    lambda ns: to_json(
                        ecr.registry_replication_policy(
                            config.source_accounts, args.region, args.account_id, ns, config.kept_registry_statements
                        )
                    )
                ),
                opts=child.merge(pulumi.ResourceOptions(depends_on=pinned)),
            )
        self.register_outputs({"destinations": self.destinations})

    def _destinations(self, destinations) -> list[dict[str, str]]:
        return [{"region": d.region, "registry_id": d.registry_id or self._account} for d in destinations]

    def _replica_scanning(self, name, region, config, namespace, settings, child) -> None:
        """The replica region's registry scanning: the registry's type and frequency, on every prefix
        replicated there (PREFIX_MATCH `p` is the WILDCARD filter `p*`). ECR keeps one scanning
        configuration per account and region: this stack owns it in its same-account replica regions."""
        prefixes = [
            rule.prefixes
            for rule in config.rules
            if any(d.region == region and d.registry_id in (None, self._account) for d in rule.destinations)
        ]

        def filters(ns: str) -> list[dict[str, str]]:
            patterns = sorted({f"{p}*" for group in prefixes for p in (group or (ns,))})
            if len(patterns) > MAX_SCANNING_FILTERS:
                raise ConfigError(
                    f"replication:rules: {len(patterns)} prefixes replicate to {region}; its registry scanning rule "
                    f"takes at most {MAX_SCANNING_FILTERS} filters (ECR's limit): use fewer, shorter prefixes"
                )
            return [{"filter": pattern, "filter_type": FilterType.WILDCARD.value} for pattern in patterns]

        scanning = settings.apply(lambda s: s.get("scanning") or DEFAULT_SCANNING)
        aws.ecr.RegistryScanningConfiguration(
            f"{name}-scanning-{region}",
            region=region,
            scan_type=scanning["type"],
            # The replica region's repositories this stack does not own stay scanned on push (aws_facts.singletons).
            rules=pulumi.Output.all(scanning, namespace.apply(filters)).apply(
                lambda both: scanning_rules(both[0]["frequency"], both[1])
            ),
            opts=child,
        )

    def _replica_templates(self, name, args, namespace, regions, tags, child) -> None:
        keys = {
            region: aws.kms.ReplicaKey(
                f"{name}-key-{region}",
                region=region,
                primary_key_arn=args.kms_key_arn,
                description="Encrypts replicated model images",
                deletion_window_in_days=30,
                policy=to_json(kms.registry_key_policy(args.account_id, (region,))),
                tags=tags,
                opts=child.merge(KEEP),
            )
            for region in regions
        }
        role = aws.iam.Role(
            f"{name}-template-role",
            name=naming.REPLICA_TEMPLATE_ROLE,
            description="Lets ECR create KMS-encrypted, tagged replica repositories from the creation templates",
            assume_role_policy=to_json(iam.service_trust_policy(("ecr.amazonaws.com",), args.account_id)),
            # The deployer may create only roles that carry the boundary (tools/deployer_policies).
            permissions_boundary=naming.role_boundary_arn(args.account_id),
            tags=tags,
            opts=child,
        )
        # The replicas' ARNs and the role's, built from what a first preview knows (the primary key's ARN is the
        # registry's deployed output; a replica has its primary's key id): a new key's or role's `arn` output is
        # unknown until it is created, and the pack could not check a policy naming it.
        replica_arns = pulumi.Output.from_input(args.kms_key_arn).apply(
            lambda primary: {region: replica_key_arn(primary, region) for region in regions}
        )
        template_role_arn = f"arn:aws:iam::{args.account_id}:role/{naming.REPLICA_TEMPLATE_ROLE}"
        aws.iam.RolePolicy(
            f"{name}-template-role-policy",
            role=role.name,
            policy=pulumi.Output.all(namespace, replica_arns).apply(
                lambda values: to_json(
                    document(
                        statement("UseReplicaKeys", TEMPLATE_ROLE_KMS_ACTIONS, resources=list(values[1].values())),
                        statement(
                            "CreateReplicaRepositories",
                            TEMPLATE_ROLE_ECR_ACTIONS,
                            resources=[
                                f"arn:aws:ecr:{region}:{args.account_id}:repository/{values[0]}/*" for region in regions
                            ],
                        ),
                    )
                )
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        self.template_role_arn = role.arn
        consumers = args.config.replica_consumers
        settings = pulumi.Output.from_input(args.replica_settings)
        exclusions = settings.apply(
            lambda s: (
                [{"filter": tag, "filter_type": "WILDCARD"} for tag in template_exclusions(s.get("mutableTags") or {})]
                or None
            )
        )
        for region, key in keys.items():
            aws.ecr.RepositoryCreationTemplate(
                f"{name}-template-{region}",
                region=region,
                prefix=namespace,
                applied_fors=["REPLICATION"],
                description="Replicas of model repositories: immutable but the mutable tags, KMS, lifecycle",
                image_tag_mutability=settings["imageTagMutability"],
                image_tag_mutability_exclusion_filters=exclusions,
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": replica_arns[region]}],
                lifecycle_policy=settings["lifecyclePolicy"],
                repository_policy=(
                    to_json(document(*ecr.pull_statements(consumers)))
                    if consumers and not consumers.is_empty()
                    else None
                ),
                custom_role_arn=template_role_arn,
                resource_tags=tags,
                # The key and the role (and its policy) exist before a template names them.
                opts=child.merge(pulumi.ResourceOptions(depends_on=[key, role])),
            )
