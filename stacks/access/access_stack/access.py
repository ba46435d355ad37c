"""ModelAccess: a repository policy per model, the CI push role and the inference pull role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from model_registry import naming, tagging
from model_registry.config import AccessConfig, Consumers
from model_registry.contract import ACCESS
from model_registry.errors import ConfigError
from model_registry.policy_documents import ecr, iam, to_json

GITHUB_OIDC_URL = f"https://{iam.GITHUB_OIDC_HOST}"


def role_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def oidc_provider_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:oidc-provider/{iam.GITHUB_OIDC_HOST}"


@dataclass(frozen=True)
class ModelAccessArgs:
    config: AccessConfig
    account_id: str
    # The registry's `repositories` output: {model: {"name", "arn", "url"}}.
    repositories: pulumi.Input[dict[str, dict[str, str]]]


def consumers_of(config: AccessConfig, model: str) -> Consumers:
    """The organization-wide consumers plus the model's own."""
    extra = config.model_consumers.get(model)
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


def check_models_exist(config: AccessConfig, models: set[str]) -> None:
    """Access config may only name models the registry has."""
    named = [(f"access:modelConsumers.{m}", m) for m in config.model_consumers]
    if config.ci:
        named += [(f"access:ci.models[{i}]", m) for i, m in enumerate(config.ci.models)]
    for key, model in named:
        if model not in models:
            raise ConfigError(
                f"{key}: model {model!r} is not in the registry's catalog "
                f"(known: {', '.join(sorted(models)) or 'none'})"
            )


class ModelAccess(pulumi.ComponentResource):
    def __init__(self, name: str, args: ModelAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("modelregistry:access:ModelAccess", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        tags = tagging.standard_tags(
            owner=config.owner, cost_centre=config.cost_centre, project=ACCESS, stack=pulumi.get_stack()
        )
        repositories = pulumi.Output.from_input(args.repositories)
        all_arns = repositories.apply(lambda repos: sorted(r["arn"] for r in repos.values()))

        self.push_role_arn: str | None = None
        self.pull_role_arn: str | None = None
        # The roles a repository policy names must exist before it (ECR checks the principals).
        self._roles: list[aws.iam.Role] = []
        if config.ci:
            # IAM ARNs follow from account and name, so the documents that name them are known at
            # preview, where the policy pack can check them, even before the roles exist.
            provider_arn = config.ci.oidc_provider_arn or oidc_provider_arn(args.account_id)
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
            push_role = aws.iam.Role(
                f"{name}-ci-push",
                name=naming.CI_PUSH_ROLE,
                description="Assumed by the named GitHub repositories' workflows to push model images",
                assume_role_policy=to_json(iam.github_oidc_trust_policy(provider_arn, config.ci.pushers)),
                max_session_duration=3600,
                permissions_boundary=naming.role_boundary_arn(args.account_id),
                tags=tags,
                opts=child.merge(pulumi.ResourceOptions(depends_on=trust_after)),
            )
            pushable = set(config.ci.models)
            aws.iam.RolePolicy(
                f"{name}-ci-push-policy",
                role=push_role.name,
                policy=repositories.apply(
                    lambda repos: to_json(
                        iam.push_policy([r["arn"] for m, r in repos.items() if not pushable or m in pushable])
                    )
                ),
                opts=pulumi.ResourceOptions(parent=push_role),
            )
            self.push_role_arn = role_arn(args.account_id, naming.CI_PUSH_ROLE)
            self._roles.append(push_role)

        if config.inference:
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
                policy=all_arns.apply(lambda arns: to_json(iam.pull_policy(arns))),
                opts=pulumi.ResourceOptions(parent=pull_role),
            )
            self.pull_role_arn = role_arn(args.account_id, naming.INFERENCE_PULL_ROLE)
            self._roles.append(pull_role)

        # One policy per upstream repository. The set of repositories is an upstream output, so the
        # policies are registered once it resolves; stack-reference outputs are read from the upstream
        # state, hence known at preview as well as at update.
        self.policy_names = repositories.apply(
            lambda repos: self._repository_policies(name, config, repos, self.push_role_arn, self.pull_role_arn)
        )
        self.register_outputs({"repositoryPolicies": self.policy_names})

    def _repository_policies(
        self, name: str, config: AccessConfig, repositories: dict[str, Any], push_arn: str | None, pull_arn: str | None
    ) -> list[str]:
        check_models_exist(config, set(repositories))
        pushable = set(config.ci.models) if config.ci else set()
        created = []
        for model, repository in sorted(repositories.items()):
            may_push = push_arn is not None and (not pushable or model in pushable)
            try:
                policy = ecr.repository_policy(
                    consumers_of(config, model),
                    pull_principals=(pull_arn,) if pull_arn else (),
                    push_principal=push_arn if may_push else None,
                )
            except ValueError as error:
                raise ConfigError(f"access:consumers: {error} (model {model!r})") from None
            resource = naming.resource_name(model, "policy")
            aws.ecr.RepositoryPolicy(
                resource,
                repository=repository["name"],
                policy=to_json(policy),
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._roles),
            )
            created.append(resource)
        return created
