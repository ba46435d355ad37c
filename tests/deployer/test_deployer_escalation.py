"""No deployer can make itself (or anyone) more powerful than the permissions boundary allows.

Proved with the IAM evaluator (`iam_eval.decide`, the same one the separation tests use) on concrete
requests, and the boundary linted by parliament. A role's effective permissions are what both its
identity policy and its permissions boundary allow (IAM's documented evaluation for boundaries).
"""

import json

import pytest
from deployer_policies import policies as deployer
from deployer_policies.boundary import boundary_policy
from deployer_policies.scope import deployer_role_name
from deployer_targets import ACCOUNT
from iam_eval import allows, decide
from model_registry import naming
from parliament_lint import lint

BOUNDARY = naming.role_boundary_arn(ACCOUNT)
BOUNDED = {"iam:PermissionsBoundary": BOUNDARY}
OTHER_BOUNDARY = {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"}
MANAGED_ROLES = {
    "access": (naming.ci_push_role("nlp"), naming.ci_push_role("a-new-team"), naming.INFERENCE_PULL_ROLE),
    "replication": (naming.REPLICA_TEMPLATE_ROLE,),
}
DEPLOYER_ROLES = [f"arn:aws:iam::{ACCOUNT}:role/{deployer_role_name(s)}" for s in deployer.POLICIES]
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def effective(identity: dict, boundary: dict, action: str, resource: str, context=None) -> bool:
    """IAM's rule for a role with a permissions boundary: both must allow, neither may deny."""
    return allows(identity, action, resource, context) and allows(boundary, action, resource, context)


@pytest.fixture(scope="module")
def boundary(target):
    return boundary_policy(target)


MANAGED = [(stack, name) for stack, names in MANAGED_ROLES.items() for name in names]


@pytest.mark.parametrize(("stack", "name"), MANAGED)
def test_a_deployer_creates_its_roles_only_with_the_boundary(policies, stack, name):
    policy = policies[stack]
    assert allows(policy, "iam:CreateRole", role(name), BOUNDED)
    assert decide(policy, "iam:CreateRole", role(name)) == "Deny"  # no boundary at all
    assert decide(policy, "iam:CreateRole", role(name), OTHER_BOUNDARY) == "Deny"


@pytest.mark.parametrize(("stack", "name"), MANAGED)
def test_a_deployer_writes_policies_only_into_roles_that_carry_the_boundary(policies, stack, name):
    policy = policies[stack]
    assert allows(policy, "iam:PutRolePolicy", role(name), BOUNDED)
    assert not allows(policy, "iam:PutRolePolicy", role(name))
    assert not allows(policy, "iam:PutRolePolicy", role(name), OTHER_BOUNDARY)


@pytest.mark.parametrize(("stack", "name"), MANAGED)
def test_a_deployer_cannot_remove_or_replace_the_boundary(policies, stack, name):
    policy = policies[stack]
    assert decide(policy, "iam:DeleteRolePermissionsBoundary", role(name), BOUNDED) == "Deny"
    assert decide(policy, "iam:PutRolePermissionsBoundary", role(name), OTHER_BOUNDARY) == "Deny"


@pytest.mark.parametrize(("stack", "name"), MANAGED)
def test_a_deployer_cannot_attach_managed_policies_such_as_administrator_access(policies, stack, name):
    assert not allows(policies[stack], "iam:AttachRolePolicy", role(name), BOUNDED)


@pytest.mark.parametrize("stack", list(deployer.POLICIES))
@pytest.mark.parametrize(
    "action",
    ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary"],
)
def test_no_deployer_can_change_any_deployer_role_including_its_own(policies, stack, action):
    assert [decide(policies[stack], action, arn, BOUNDED) for arn in DEPLOYER_ROLES] == ["Deny"] * len(DEPLOYER_ROLES)


@pytest.mark.parametrize("stack", list(deployer.POLICIES))
@pytest.mark.parametrize(
    "action", ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion"]
)
def test_no_deployer_can_rewrite_the_boundary_policy(policies, stack, action):
    assert decide(policies[stack], action, BOUNDARY) == "Deny"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:CreateRole", role("escalated")),
        ("iam:PutRolePolicy", role("model-registry-deployer-access")),
        ("iam:AttachRolePolicy", role(naming.ci_push_role("nlp"))),
        ("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/admin"),
        ("sts:AssumeRole", role("OrganizationAccountAccessRole")),
        ("kms:PutKeyPolicy", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/registry"),
        ("ecr:SetRepositoryPolicy", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/models/llama"),
        ("ecr:PutRegistryPolicy", "*"),
        ("s3:GetObject", "arn:aws:s3:::secrets/key"),
    ],
)
def test_a_role_with_the_boundary_cannot_escalate_whatever_policy_it_is_given(boundary, action, resource):
    """The worst a deployer can write into a role it manages is Allow * on *: the boundary still caps it."""
    assert not effective(ADMIN, boundary, action, resource)


def test_the_boundary_still_lets_the_stacks_roles_do_their_work(boundary):
    """Positive control: pull, push, ECR's token and replica repositories, under an Allow * policy."""
    repository = f"arn:aws:ecr:us-west-2:{ACCOUNT}:repository/models/llama"
    for action in ("ecr:BatchGetImage", "ecr:PutImage", "ecr:CreateRepository", "ecr:TagResource"):
        assert effective(ADMIN, boundary, action, repository)
    assert effective(ADMIN, boundary, "ecr:GetAuthorizationToken", "*")
    assert effective(ADMIN, boundary, "kms:CreateGrant", f"arn:aws:kms:us-west-2:{ACCOUNT}:key/mrk-1")
    assert not effective(ADMIN, boundary, "ecr:PutImage", f"arn:aws:ecr:us-west-2:{ACCOUNT}:repository/other/app")


def test_every_role_the_stacks_create_carries_the_boundary(runs):
    roles = [r for run in runs.values() for r in run.of_type("aws:iam/role:Role")]
    assert roles  # the stacks do create roles
    assert {r.inputs["name"]: r.inputs.get("permissionsBoundary") for r in roles} == {
        r.inputs["name"]: BOUNDARY for r in roles
    }


def test_every_inline_policy_of_the_stacks_fits_inside_the_boundary(runs, boundary):
    """What the stacks grant their roles is not cut off by the boundary (each action on each resource)."""
    cut = []
    for run in runs.values():
        for policy in run.of_type("aws:iam/rolePolicy:RolePolicy"):
            document = policy.inputs["policy"]
            document = json.loads(document) if isinstance(document, str) else document
            for statement in document["Statement"]:
                resources = statement.get("Resource", "*")
                for action in [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]:
                    for resource in [resources] if isinstance(resources, str) else resources:
                        if not allows(boundary, action, resource):
                            cut.append((policy.name, action, resource))
    assert cut == []


@pytest.mark.parametrize("pinned", [True, False], ids=["pinned", "defaults"])
def test_the_boundary_is_lint_clean(target, pinned):
    doc = boundary_policy(target if pinned else deployer.Target())
    assert lint(doc) == []


def test_each_deployer_role_trusts_only_its_owning_team(target):
    principals = {}
    for stack in deployer.POLICIES:
        (statement,) = deployer.trust_policy(stack, ACCOUNT)["Statement"]
        assert statement["Action"] == ["sts:AssumeRole"] and "Condition" not in statement
        principals[stack] = statement["Principal"]["AWS"]
    assert all(naming.IAM_PRINCIPAL_ARN.fullmatch(p) and ":role/" in p for p in principals.values())
    assert not any(p.endswith(":root") for p in principals.values())
    assert len(set(principals.values())) == len(principals)  # one team per stack
