"""No escalation: the permissions boundary every role a deployer creates must carry, the statements that
let a deployer manage only roles carrying it, and the Denies that keep it from raising its own permissions."""

from __future__ import annotations

from aws_facts.ecr_pull_through import PULL_THROUGH_ACTIONS
from model_registry.naming import role_boundary_arn
from model_registry.policy_documents import Document, Statement, document, statement
from model_registry.policy_documents.ecr import PUSH_ACTIONS

from .scope import ROLES_OF, Target, deployer_role_name
from .statements import service_actions


def boundary_arn(target: Target) -> str:
    """The permissions boundary every role a deployer creates must carry."""
    return role_boundary_arn(target.account_id)


# The role actions IAM lets a policy condition on the role's permissions boundary (iam:PermissionsBoundary).
BOUNDARY_CONDITIONED = frozenset(
    {
        "iam:AttachRolePolicy",
        "iam:CreateRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
    }
)


def bounded_roles(target: Target, stack: str, role_types: tuple[str, ...]) -> list[Statement]:
    """Manage the stack's roles, creating and changing the policies of only those that carry the boundary.

    The boundary caps whatever policy the deployer writes into the role; the deployer can neither remove
    it nor rewrite it, nor touch its own role (_no_escalation), so it cannot grant more than the
    boundary allows, to itself or to anyone.
    """
    actions = service_actions(*role_types, prefix="iam:")
    bounded = sorted(a for a in actions if a in BOUNDARY_CONDITIONED)
    return [
        statement(
            f"CreateAndChangeBoundedRolesOf{stack.capitalize()}",
            bounded,
            resources=target.roles(*ROLES_OF[stack]),
            conditions={"ArnEquals": {"iam:PermissionsBoundary": boundary_arn(target)}},
        ),
        statement(
            f"ManageRolesOf{stack.capitalize()}",
            sorted(set(actions) - BOUNDARY_CONDITIONED),
            resources=target.roles(*ROLES_OF[stack]),
        ),
        *_no_escalation(target),
    ]


def _no_escalation(target: Target) -> list[Statement]:
    """Deny what would let a deployer raise its own permissions: any IAM change to a deployer role or to
    the boundary policy, removing a boundary, or setting another one."""
    return [
        statement(
            "DenyChangingDeployerRolesAndTheBoundary",
            ["iam:*"],
            resources=[*target.roles(deployer_role_name("*")), boundary_arn(target)],
            effect="Deny",
        ),
        statement(
            "DenyRemovingPermissionsBoundaries", ["iam:DeleteRolePermissionsBoundary"], resources="*", effect="Deny"
        ),
        statement(
            "DenyOtherPermissionsBoundaries",
            ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            resources="*",
            conditions={"ArnNotEquals": {"iam:PermissionsBoundary": boundary_arn(target)}},
            effect="Deny",
        ),
    ]


def boundary_policy(target: Target) -> Document:
    """The permissions boundary of every role the stacks create (CI push, inference pull, replica template).

    The most any such role can ever do, whatever its own policies say: pull and push model images and
    let ECR create replica repositories in the namespace, pull through the pull-through caches, get an ECR
    token, and use the account's KMS keys for ECR's grants. Nothing in IAM, STS, or any other service.
    """
    cache_repositories = f"arn:aws:ecr:*:{target.account_id}:repository/{target.cache_prefix}/*"
    repositories = [f"arn:aws:ecr:*:{target.account_id}:repository/{target.namespace}/*", cache_repositories]
    return document(
        statement(
            "ModelImagesOfTheNamespace",
            sorted({*PUSH_ACTIONS, "ecr:CreateRepository", "ecr:TagResource"}),
            resources=repositories,
        ),
        # The CI push roles pull through the registry's caches (access stack): ECR imports the upstream image
        # with the puller's permissions.
        statement("PullThroughTheCaches", PULL_THROUGH_ACTIONS, resources=[cache_repositories]),
        statement("EcrAuthorizationToken", ["ecr:GetAuthorizationToken"], resources="*"),
        statement(
            "KmsForEcrReplicaRepositories",
            ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"],
            resources=[f"arn:aws:kms:*:{target.account_id}:key/*"],
        ),
    )
