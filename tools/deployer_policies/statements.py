"""The statements the deployer policies share: a service's actions for some resource types, a region
condition, the service-linked role a resource type needs, and the tag-scoped management of a stack's keys."""

from __future__ import annotations

from collections.abc import Mapping

from aws_facts.provider_actions import SERVICE_LINKED_ROLES, required_actions
from model_registry.policy_documents import Statement, statement

from .scope import PROJECT_TAG, Target
from .stack_types import RETAINED_TYPES


def service_actions(*types: str, prefix: str) -> list[str]:
    """The actions of one service (`prefix` "ecr:", "kms:", ...) that resources of these types need."""
    return sorted(
        {
            action
            for t in types
            for action in required_actions(t, retained=t in RETAINED_TYPES)
            if action.startswith(prefix)
        }
    )


def string_equals(values: Mapping[str, object]) -> dict[str, Mapping[str, object]] | None:
    return {"StringEquals": values} if values else None


def service_linked_role(target: Target, resource_type: str) -> Statement:
    service, path = SERVICE_LINKED_ROLES[resource_type]
    sid = "CreateServiceLinkedRoleFor" + "".join(p.capitalize() for p in service.split(".")[:-2])
    return statement(
        sid,
        ["iam:CreateServiceLinkedRole"],
        resources=target.roles(path),
        conditions={"StringEquals": {"iam:AWSServiceName": service}},
    )


def own_keys(target: Target, stack: str, regions: tuple[str, ...], actions: list[str]) -> list[Statement]:
    """Create keys tagged as this stack's, and manage only keys that carry that tag.

    Tagging on create is allowed only for a key without a project tag (a new one), so a deployer
    cannot take over another stack's key by re-tagging it.
    """
    request_tag = f"aws:RequestTag/{PROJECT_TAG}"
    resource_tag = f"aws:ResourceTag/{PROJECT_TAG}"
    # Keys are created only in `regions` (CreateKey's region condition); after that the stack's tag is
    # what scopes them, so the ARNs need not list every region (that would not fit a managed policy).
    key_arns = [f"arn:aws:kms:*:{target.account_id}:key/*"] if len(regions) > 1 else target.keys(regions)
    return [
        statement(
            "CreateKeysTaggedForThisStack",
            ["kms:CreateKey"],
            resources="*",
            conditions=string_equals({request_tag: stack, **target.in_regions(regions)}),
        ),
        statement(
            "TagNewKeysForThisStack",
            ["kms:TagResource"],
            resources=key_arns,
            conditions={"StringEquals": {request_tag: stack}, "Null": {resource_tag: "true"}},
        ),
        statement(
            "ManageKeysOfThisStack",
            actions,
            resources=key_arns,
            conditions={"StringEquals": {resource_tag: stack}},
        ),
    ]
