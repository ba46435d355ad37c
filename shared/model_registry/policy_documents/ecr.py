"""ECR documents: repository policies, the registry policy, lifecycle policies."""

from __future__ import annotations

import json

from aws_facts.ecr_pull_through import PULL_THROUGH_ACTIONS
from aws_facts.grammars.lifecycle import IMAGES_PER_REPOSITORY

from ..config import Consumers, Lifecycle, LifecycleOverride
from ..replication_config import OWN_REGISTRY_SID
from . import Document, Statement, account_root, document, statement

# What pulling an image takes (SageMaker and Lambda need exactly these three as well).
PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
# What pushing takes on top of pulling.
PUSH_ONLY_ACTIONS = ("ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart")
PUSH_ACTIONS = PULL_ACTIONS + PUSH_ONLY_ACTIONS
# Actions a cross-account source registry needs in this registry's policy to replicate into it.
REPLICATION_ACTIONS = ("ecr:CreateRepository", "ecr:ReplicateImage")
# More than the images a repository can hold (20,000 per repository by default): never expires.
# "Keep every release": a count no repository reaches, ten times ECR's default images-per-repository quota
# (aws_facts.grammars.lifecycle.IMAGES_PER_REPOSITORY, adjustable; a quota raised past this count would let the
# rule expire the oldest releases beyond it).
RELEASE_KEEP_COUNT = 10 * IMAGES_PER_REPOSITORY


def _sid_word(text: str) -> str:
    return "".join(part.capitalize() for part in text.replace(".amazonaws.com", "").replace("-", ".").split("."))


def pull_statements(consumers: Consumers, extra_principals: tuple[str, ...] = ()) -> list[Statement]:
    """Pull grants for named accounts/principals, services bound to their source, and an organization."""
    statements: list[Statement] = []
    aws_principals = sorted(
        {account_root(a) for a in consumers.accounts} | set(consumers.principals) | set(extra_principals)
    )
    if aws_principals:
        statements.append(statement("PullByNamedPrincipals", PULL_ACTIONS, principal={"AWS": aws_principals}))
    for service in consumers.services:
        conditions: dict[str, dict[str, str]] = {}
        if service.source_account:
            conditions["StringEquals"] = {"aws:SourceAccount": service.source_account}
        if service.source_arn:
            conditions["ArnLike"] = {"aws:SourceArn": service.source_arn}
        statements.append(
            statement(
                f"PullBy{_sid_word(service.service)}Service",
                PULL_ACTIONS,
                principal={"Service": service.service},
                conditions=conditions,
            )
        )
    if consumers.org_id:
        statements.append(
            statement(
                "PullByOrganization",
                PULL_ACTIONS,
                principal={"AWS": "*"},
                conditions={"StringEquals": {"aws:PrincipalOrgID": consumers.org_id}},
            )
        )
    if consumers.org_paths:
        statements.append(
            statement(
                "PullByOrganizationalUnits",
                PULL_ACTIONS,
                principal={"AWS": "*"},
                conditions={
                    "ForAnyValue:StringLike": {
                        "aws:PrincipalOrgPaths": [f"{p.rstrip('/')}/*" for p in consumers.org_paths]
                    }
                },
            )
        )
    return statements


def repository_policy(
    consumers: Consumers, *, pull_principals: tuple[str, ...] = (), push_principal: str | None = None
) -> Document:
    """A model repository's policy: pull for consumers, push for its team's CI role only.

    A Deny makes that role the only principal that can write images: a model's images come from its
    team's CI, never from a laptop. Without a push role (a team without `ci`) nobody may push. (A Deny
    with `*` grants nothing; restricted by `ArnNotEquals` it spares the one role.)
    """
    statements = pull_statements(consumers, pull_principals)
    if push_principal:
        statements.append(statement("PushByTeamCiRole", PUSH_ACTIONS, principal={"AWS": push_principal}))
        statements.append(
            statement(
                "DenyPushExceptTeamCiRole",
                PUSH_ONLY_ACTIONS,
                effect="Deny",
                principal={"AWS": "*"},
                conditions={"ArnNotEquals": {"aws:PrincipalArn": push_principal}},
            )
        )
    else:
        statements.append(statement("DenyPushWithoutTeamCi", PUSH_ONLY_ACTIONS, effect="Deny", principal={"AWS": "*"}))
    return document(*statements)


def registry_replication_policy(
    source_accounts: tuple[str, ...],
    region: str,
    account_id: str,
    namespace: str,
    kept: tuple[Statement, ...] = (),
) -> Document:
    """The registry policy of a destination: named source accounts may replicate into the namespace only; then
    the account's statements for others, kept as given (the registry policy is put whole)."""
    return document(
        statement(
            OWN_REGISTRY_SID,
            REPLICATION_ACTIONS,
            principal={"AWS": sorted(account_root(a) for a in source_accounts)},
            resources=[f"arn:aws:ecr:{region}:{account_id}:repository/{namespace}/*"],
        ),
        *(dict(s) for s in kept),
    )


def lifecycle_policy(settings: Lifecycle, override: LifecycleOverride | None = None) -> Document:
    """Keep every release image, keep the newest N of each pre-release prefix, expire untagged after N days.

    ECR expires an image by at most one rule, and an image that a higher-priority rule selects cannot be
    expired by a lower one; so the release keep-rules come first and also shield an image that carries a
    release tag next to a pre-release one (an `rc-3` promoted to `v1.2.0`). A multi-prefix
    `tagPrefixList` selects images having ALL the prefixes, hence one rule per prefix.
    """
    untagged_days = (override and override.untagged_expiry_days) or settings.untagged_expiry_days
    keep = (override and override.prerelease_keep_count) or settings.prerelease_keep_count
    archive_days = override.archive_after_days_unpulled if override else None
    delete_archived_days = override.delete_archived_after_days if override else None
    rules = []
    # Lifecycle by use: release images not pulled for N days move to the archive. These rules come
    # first: their tag selection takes every release image, so no lower rule can expire one from
    # standard storage (the keep-rules below stay as the guard when archiving is off).
    for prefix in settings.release_tag_prefixes if archive_days else ():
        rules.append(
            {
                "description": f"Archive release images (tags {prefix}*) not pulled for {archive_days} days",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [prefix],
                    "countType": "sinceImagePulled",
                    "countUnit": "days",
                    "countNumber": archive_days,
                },
                "action": {"type": "transition", "targetStorageClass": "archive"},
            }
        )
    # Deleting from the archive only, and only after ECR's 90-day minimum (config enforces the bound).
    for prefix in settings.release_tag_prefixes if archive_days and delete_archived_days else ():
        rules.append(
            {
                "description": f"Delete archived release images (tags {prefix}*) {delete_archived_days} days "
                "after archiving",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [prefix],
                    "storageClass": "archive",
                    "countType": "sinceImageTransitioned",
                    "countUnit": "days",
                    "countNumber": delete_archived_days,
                },
                "action": {"type": "expire"},
            }
        )
    for prefix in settings.release_tag_prefixes:
        rules.append(
            {
                "description": f"Keep every release image (tags {prefix}*)",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [prefix],
                    "countType": "imageCountMoreThan",
                    "countNumber": RELEASE_KEEP_COUNT,
                },
                "action": {"type": "expire"},
            }
        )
    for prefix in settings.prerelease_tag_prefixes:
        rules.append(
            {
                "description": f"Keep the newest {keep} pre-release images (tags {prefix}*)",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [prefix],
                    "countType": "imageCountMoreThan",
                    "countNumber": keep,
                },
                "action": {"type": "expire"},
            }
        )
    rules.append(
        {
            "description": f"Expire untagged images after {untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_days,
            },
            "action": {"type": "expire"},
        }
    )
    return {"rules": [{"rulePriority": priority, **rule} for priority, rule in enumerate(rules, start=1)]}


def lifecycle_policy_json(settings: Lifecycle, override: LifecycleOverride | None = None) -> str:
    return json.dumps(lifecycle_policy(settings, override), separators=(",", ":"))


def cache_repository_policy(build_roles: tuple[str, ...]) -> Document:
    """A pull-through cache repository's policy (its creation template's): only the build roles pull.

    The build roles are the teams' CI roles (role ARNs, so that the grant needs no identity policy in the
    same account); a Deny stops every other principal from pulling or importing through the cache.
    Without build roles, nobody pulls.
    """
    actions = (*PULL_ACTIONS, *PULL_THROUGH_ACTIONS)
    statements = []
    if build_roles:
        statements.append(statement("PullThroughCacheByBuildRoles", actions, principal={"AWS": sorted(build_roles)}))
        statements.append(
            statement(
                "DenyPullExceptBuildRoles",
                actions,
                effect="Deny",
                principal={"AWS": "*"},
                conditions={"ArnNotEquals": {"aws:PrincipalArn": sorted(build_roles)}},
            )
        )
    else:
        statements.append(statement("DenyPullWithoutBuildRoles", actions, effect="Deny", principal={"AWS": "*"}))
    return document(*statements)
