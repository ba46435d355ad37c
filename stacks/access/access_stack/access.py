"""ModelAccess: a repository policy per catalog model, a CI push role per model team, the inference pull role.

Every resource is registered synchronously from the catalog files, never inside an `apply`: a real
`pulumi preview` cannot show resources created inside an apply of an unknown value. Only inputs (the
repository names and the roles' ARN patterns, built from the registry's exported namespace) are
outputs. The role policies name the namespace, not the repositories, so they do not grow with the
catalog (IAM allows 10,240 characters of inline policy per role).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from aws_facts.iam.quotas import ROLE_TRUST_POLICY, policy_size
from model_registry import naming, tagging
from model_registry.catalog import Catalog, CatalogModel, Team
from model_registry.config import Consumers
from model_registry.contract import ACCESS
from model_registry.errors import ConfigError
from model_registry.policy_documents import ecr, iam, to_json

from access_stack.config import AccessConfig

GITHUB_OIDC_URL = f"https://{iam.GITHUB_OIDC_HOST}"
# IAM's default limit on a role's trust policy (raisable to 4,096), counted as IAM counts.
MAX_TRUST_POLICY_CHARS = ROLE_TRUST_POLICY


def role_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def oidc_provider_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:oidc-provider/{iam.GITHUB_OIDC_HOST}"


@dataclass(frozen=True)
class Role:
    trust_policy: str
    policy: str


@dataclass(frozen=True)
class ModelAccessArgs:
    config: AccessConfig
    catalog: Catalog
    account_id: str
    # The registry stack's exports: where its repositories are.
    registry_id: pulumi.Input[str]
    region: pulumi.Input[str]
    namespace: pulumi.Input[str]
    # {model: {"name", "arn", "url"}}: only checked against the catalog, never iterated to register.
    repositories: pulumi.Input[Mapping[str, Any]]
    # The sharded layout (docs/shards.md): the core stack has the roles and no repository policies
    # (`policies=False`); a shard stack has only its catalog's repository policies (`account_wide=False`),
    # naming the core's roles by their ARNs. The whole layout has both (the defaults).
    account_wide: bool = True
    policies: bool = True
    # The registry's pull-through cache prefixes (its `cachePrefixes` export): the CI push roles may pull
    # through those caches. Read only where the roles are (the whole layout and the core stack).
    cache_prefixes: pulumi.Input[Sequence[str]] = ()


def consumers_of(config: AccessConfig, model: CatalogModel) -> Consumers:
    """The organization-wide consumers plus the model's own (its catalog entry's `consumers`)."""
    extra = model.consumers
    if extra is None:
        return config.consumers
    base = config.consumers
    return Consumers(
        accounts=tuple(sorted({*base.accounts, *extra.accounts})),
        principals=tuple(sorted({*base.principals, *extra.principals})),
        services=base.services + tuple(s for s in extra.services if s not in base.services),
        org_id=extra.org_id or base.org_id,
        org_paths=tuple(sorted({*base.org_paths, *extra.org_paths})),
    )


def check_same_catalog(catalog: Catalog, repositories: Mapping[str, Any], key: str, *, preview: bool) -> list[str]:
    """Every model of this stack's catalog is a repository the registry exports, and the other way round.

    The registry's exports are its last *deployed* outputs (a stack reference reads nothing else). In a pull
    request that adds, renames or removes a model, the preview runs before the registry deploys the change,
    so a difference is expected there: `preview` returns it as warnings (the repository policies are named
    by the contract's naming and previewed all the same). At `pulumi up` (after the registry's, in the deploy
    order) a difference is an error: a policy for a repository that does not exist, or a repository without one.
    """
    exported = set(repositories)
    missing = [m for m in catalog.models if m.name not in exported]
    unknown = sorted(exported - {m.name for m in catalog.models})
    problems = []
    if missing:
        first = missing[0]
        problems.append(
            f"{first.where}: model {first.name!r} is not a repository of the registry stack"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + (
                ": not deployed yet; its repository policy is created once the registry stack has deployed it "
                "(make deploy-all deploys the registry first)"
                if preview
                else f": deploy the registry stack first, or make registry:catalog and {key} name the same folder"
            )
        )
    if unknown:
        problems.append(
            f"{key}: the registry stack has repositories for models this catalog lacks ({', '.join(unknown[:5])}"
            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            + (
                "): removed from the catalog but still deployed; the registry stack's next deploy settles them"
                if preview
                else f"), which would get no repository policy: make registry:catalog and {key} name the same folder"
            )
        )
    if problems and not preview:
        raise ConfigError(problems[0])
    return problems


def team_trust_policy(provider_arn: str, team: Team) -> str:
    """The team's trust policy, or a ConfigError naming its `ci.pushers` when IAM would refuse its size."""
    trust = to_json(iam.github_oidc_trust_policy(provider_arn, team.pushers))
    size = policy_size(trust)
    if size > MAX_TRUST_POLICY_CHARS:
        raise ConfigError(
            f"{team.file}:{team.pushers_line}: ci.pushers: the push role's trust policy would be {size:,} "
            f"characters; IAM allows {MAX_TRUST_POLICY_CHARS:,}: use fewer refs (a tag pattern such as "
            "refs/tags/v*, or an environment)"
        )
    return trust


def role_documents(
    catalog: Catalog,
    config: AccessConfig,
    account_id: str,
    repositories_arn: str,
    cache_repositories: tuple[str, ...] = (),
) -> dict[str, Role]:
    """Every role this stack creates, by name, with its trust and inline policy (JSON as IAM receives them).

    Nothing here depends on how many models the catalog has: only on its teams (and on the registry's
    pull-through caches, `cache_repositories`, which the CI push roles may pull through).
    """
    roles: dict[str, Role] = {}
    provider_arn = config.ci.oidc_provider_arn or oidc_provider_arn(account_id)
    for team in catalog.teams:
        if team.pushers:
            roles[naming.ci_push_role(team.name)] = Role(
                team_trust_policy(provider_arn, team),
                to_json(iam.team_push_policy(repositories_arn, team.name, cache_repositories)),
            )
    if config.inference:
        roles[naming.INFERENCE_PULL_ROLE] = Role(
            to_json(iam.service_trust_policy(config.inference.trusted_services, account_id)),
            to_json(iam.pull_policy(repositories_arn)),
        )
    return roles


class ModelAccess(pulumi.ComponentResource):
    def __init__(self, name: str, args: ModelAccessArgs, opts: pulumi.ResourceOptions | None = None):
        config, catalog = args.config, args.catalog
        ci_teams = [team for team in catalog.teams if team.pushers]
        provider_arn = config.ci.oidc_provider_arn or oidc_provider_arn(args.account_id)
        # Checked before anything is registered: a trust policy IAM would refuse fails the whole program.
        trust_policies = {team.name: team_trust_policy(provider_arn, team) for team in ci_teams}
        super().__init__("modelregistry:access:ModelAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = tagging.standard_tags(
            owner=config.owner, cost_centre=config.cost_centre, project=ACCESS, stack=pulumi.get_stack()
        )
        repositories_arn = pulumi.Output.all(args.region, args.registry_id, args.namespace).apply(
            lambda parts: iam.namespace_repositories(*parts)
        )
        # `repository/<cache prefix>/*` per pull-through cache rule of the registry (none: no cache grant).
        cache_repositories = pulumi.Output.all(args.region, args.registry_id, args.cache_prefixes).apply(
            lambda parts: tuple(iam.namespace_repositories(parts[0], parts[1], prefix) for prefix in parts[2] or ())
        )

        # The namespace, once the catalog is checked against the registry's deployed repositories. At `pulumi up`
        # a mismatch raises a ConfigError; every repository name below derives from this, so it fails the
        # deployment before any policy is written. In a preview it is a warning (see check_same_catalog).
        def checked_namespace(values: list[Any]) -> str:
            if not args.policies:  # the sharded core stack writes no repository policies (docs/shards.md)
                return values[0]
            for problem in check_same_catalog(
                catalog, values[1], f"{ACCESS}:catalog", preview=pulumi.runtime.is_dry_run()
            ):
                pulumi.log.warn(problem)
            return values[0]

        namespace = pulumi.Output.all(args.namespace, args.repositories).apply(checked_namespace)

        # IAM ARNs follow from account and name, so the documents that name them are known at preview,
        # where the policy pack can check them, even before the roles exist.
        self.push_role_arns: dict[str, str] = {}
        self.pull_role_arn: str | None = None
        # The roles a repository policy names must exist before it (ECR checks the principals).
        self._roles: list[aws.iam.Role] = []
        if not args.account_wide:
            # The roles live in the core stack (deployed before every shard): their ARNs follow from their names.
            self.push_role_arns = {t.name: role_arn(args.account_id, naming.ci_push_role(t.name)) for t in ci_teams}
            if config.inference:
                self.pull_role_arn = role_arn(args.account_id, naming.INFERENCE_PULL_ROLE)
        if ci_teams and args.account_wide:
            trust_after: list[pulumi.Resource] = []
            if not config.ci.oidc_provider_arn:
                trust_after.append(
                    aws.iam.OpenIdConnectProvider(
                        f"{name}-github-oidc",
                        url=GITHUB_OIDC_URL,
                        client_id_lists=[iam.STS_AUDIENCE],
                        tags=tags,
                        opts=child,
                    )
                )
            for team in ci_teams:
                role_name = naming.ci_push_role(team.name)
                push_role = aws.iam.Role(
                    f"{name}-ci-push-{team.name}",
                    name=role_name,
                    description=f"Assumed by team {team.name}'s GitHub workflows to push its model images",
                    assume_role_policy=trust_policies[team.name],
                    max_session_duration=3600,
                    permissions_boundary=naming.role_boundary_arn(args.account_id),
                    tags=tags | {tagging.TEAM_TAG: team.name},
                    opts=child.merge(pulumi.ResourceOptions(depends_on=trust_after)),
                )
                aws.iam.RolePolicy(
                    f"{name}-ci-push-{team.name}-policy",
                    role=push_role.name,
                    policy=pulumi.Output.all(repositories_arn, cache_repositories).apply(
                        lambda parts, role=role_name: (
                            role_documents(catalog, config, args.account_id, *parts)[role].policy
                        )
                    ),
                    opts=pulumi.ResourceOptions(parent=push_role),
                )
                self.push_role_arns[team.name] = role_arn(args.account_id, role_name)
                self._roles.append(push_role)

        if config.inference and args.account_wide:
            pull_role = aws.iam.Role(
                f"{name}-inference-pull",
                name=naming.INFERENCE_PULL_ROLE,
                description="Assumed by inference workloads to pull model images",
                assume_role_policy=to_json(
                    iam.service_trust_policy(config.inference.trusted_services, args.account_id)
                ),
                permissions_boundary=naming.role_boundary_arn(args.account_id),
                tags=tags,
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{name}-inference-pull-policy",
                role=pull_role.name,
                policy=repositories_arn.apply(
                    lambda arn: role_documents(catalog, config, args.account_id, arn)[naming.INFERENCE_PULL_ROLE].policy
                ),
                opts=pulumi.ResourceOptions(parent=pull_role),
            )
            self.pull_role_arn = role_arn(args.account_id, naming.INFERENCE_PULL_ROLE)
            self._roles.append(pull_role)

        self.policy_names: list[str] = []
        pull_principals = (self.pull_role_arn,) if self.pull_role_arn else ()
        for model in sorted(catalog.models, key=lambda m: m.name) if args.policies else ():
            policy = ecr.repository_policy(
                consumers_of(config, model),
                pull_principals=pull_principals,
                push_principal=self.push_role_arns.get(model.team),
            )
            resource = naming.resource_name(model.name, "policy")
            aws.ecr.RepositoryPolicy(
                resource,
                repository=namespace.apply(lambda ns, model=model.name: naming.repository_name(ns, model)),
                policy=to_json(policy),
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._roles),
            )
            self.policy_names.append(resource)
        self.register_outputs({"repositoryPolicies": self.policy_names, "pushRoleArns": self.push_role_arns})
