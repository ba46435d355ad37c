"""Separate owners, enforced by action and resource: each deployer can change only its own stack.

Every check asks the evaluator whether a deployer policy allows an action on a concrete ARN (the
ARNs the stacks really create, from the local config), never whether a name looks right.
"""

import pytest
from deployer_policies import policies as deployer
from deployer_policies.scope import deployer_role_name
from deployer_targets import ACCOUNT, HOME, REPLICAS
from iam_eval import allows
from model_registry import naming

MODELS = ("llama-3-8b-instruct", "resnet-50", "sdxl-base", "whisper-large-v3")
HOME_REPOSITORIES = [f"arn:aws:ecr:{HOME}:{ACCOUNT}:repository/models/{m}" for m in MODELS]
REGIONS = (HOME, *REPLICAS)
OTHER_ROLES = ("admin", "OrganizationAccountAccessRole", "model-registry-anything-else", "model-registry-ci-pusher")
# The team push roles of the local catalog, and of teams that may come.
TEAM_PUSH_ROLES = tuple(naming.ci_push_role(team) for team in ("nlp", "speech", "vision", "genai", "a-new-team"))
ALL_ROLES = (
    *TEAM_PUSH_ROLES,
    naming.INFERENCE_PULL_ROLE,
    naming.REPLICA_TEMPLATE_ROLE,
    *(deployer_role_name(s) for s in deployer.POLICIES),
    *OTHER_ROLES,
)
# Everything that changes a role, its policies or who may use it.
ROLE_CHANGES = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
)
REGISTRY_SETTINGS = (
    "ecr:PutReplicationConfiguration",
    "ecr:PutRegistryScanningConfiguration",
    "ecr:PutRegistryPolicy",
    "ecr:DeleteRegistryPolicy",
    "ecr:CreateRepositoryCreationTemplate",
    "ecr:UpdateRepositoryCreationTemplate",
    "ecr:DeleteRepositoryCreationTemplate",
    "ecr:CreatePullThroughCacheRule",
    "ecr:PutAccountSetting",
    "ecr:PutSigningConfiguration",
    "ecr:DeleteSigningConfiguration",
    "inspector2:Disable",
)
# Cloud Control (aws-native's way to AWS): only the registry deployer, for its signing configuration.
CLOUD_CONTROL = ("cloudformation:CreateResource", "cloudformation:UpdateResource", "cloudformation:DeleteResource")
KEY_CHANGES = (
    "kms:CreateGrant",
    "kms:DescribeKey",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UpdateKeyDescription",
)
REPOSITORY_POLICY_CHANGES = ("ecr:SetRepositoryPolicy", "ecr:DeleteRepositoryPolicy")


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def key(region: str, project: str) -> tuple[str, dict[str, str]]:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/mrk-0123456789", {"aws:ResourceTag/pulumi-project": project}


def allowed(policy, actions, resources, context_of=lambda r: {}) -> list[tuple[str, str]]:
    """The (action, resource) pairs of the product that `policy` allows."""
    return [(a, r) for a in actions for r in resources if allows(policy, a, r, context_of(r))]


def region_of(arn: str) -> str:
    return arn.split(":")[3] if arn != "*" else HOME


def in_every_region(resource: str = "*"):
    return [(resource, {"aws:RequestedRegion": region}) for region in REGIONS]


def allowed_in_regions(policy, actions) -> list[tuple[str, str]]:
    return [
        (a, ctx["aws:RequestedRegion"]) for a in actions for r, ctx in in_every_region() if allows(policy, a, r, ctx)
    ]


# --- access ---------------------------------------------------------------------------------------


def test_access_deployer_cannot_change_replication_or_registry_settings(policies):
    assert allowed_in_regions(policies["access"], REGISTRY_SETTINGS) == []


def test_access_deployer_cannot_create_delete_or_reconfigure_repositories(policies):
    changes = (
        "ecr:CreateRepository",
        "ecr:DeleteRepository",
        "ecr:PutLifecyclePolicy",
        "ecr:PutImageTagMutability",
        "ecr:PutImageScanningConfiguration",
        "ecr:BatchDeleteImage",
        "ecr:PutImage",
    )
    assert allowed(policies["access"], changes, HOME_REPOSITORIES) == []


def test_access_deployer_touches_no_key(policies):
    for region, project in [(HOME, "registry"), (REPLICAS[0], "replication"), (HOME, "access")]:
        arn, context = key(region, project)
        assert allowed(policies["access"], KEY_CHANGES, [arn], lambda _, context=context: context) == []


def test_access_deployer_changes_only_its_own_roles(policies):
    own = {role(name) for name in TEAM_PUSH_ROLES} | {role(naming.INFERENCE_PULL_ROLE)}
    others = [role(name) for name in ALL_ROLES if role(name) not in own]
    assert allowed(policies["access"], ROLE_CHANGES, others) == []
    # Positive control: the same check does see its own roles (every team's), and it may pass them to no service.
    bounded = {"iam:PermissionsBoundary": naming.role_boundary_arn(ACCOUNT)}
    assert [
        r
        for r in sorted(own)
        if ("iam:PutRolePolicy", r) not in allowed(policies["access"], ROLE_CHANGES, own, lambda _: bounded)
    ] == []
    assert allowed(policies["access"], ["iam:PassRole"], own) == []


def test_access_deployer_manages_repository_policies_of_the_namespace_only(policies):
    assert allowed(policies["access"], REPOSITORY_POLICY_CHANGES, HOME_REPOSITORIES) == [
        (a, r) for a in REPOSITORY_POLICY_CHANGES for r in HOME_REPOSITORIES
    ]
    outside = [f"arn:aws:ecr:{HOME}:{ACCOUNT}:repository/other/app", f"arn:aws:ecr:{HOME}:{ACCOUNT}:repository/models"]
    assert allowed(policies["access"], REPOSITORY_POLICY_CHANGES, outside) == []


# --- replication ----------------------------------------------------------------------------------


def test_replication_deployer_cannot_change_repository_policies(policies):
    assert allowed(policies["replication"], REPOSITORY_POLICY_CHANGES, HOME_REPOSITORIES) == []


def test_replication_deployer_cannot_change_iam_outside_its_template_role(policies):
    others = [role(name) for name in ALL_ROLES if name != naming.REPLICA_TEMPLATE_ROLE]
    assert allowed(policies["replication"], ROLE_CHANGES, others) == []
    oidc = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    assert (
        allowed(
            policies["replication"],
            ("iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"),
            [oidc],
        )
        == []
    )


def test_replication_deployer_passes_its_template_role_to_ecr_only(policies):
    template_role = role(naming.REPLICA_TEMPLATE_ROLE)
    policy = policies["replication"]
    assert allows(policy, "iam:PassRole", template_role, {"iam:PassedToService": "ecr.amazonaws.com"})
    assert not allows(policy, "iam:PassRole", template_role, {"iam:PassedToService": "lambda.amazonaws.com"})


def test_replication_deployer_changes_registry_scanning_in_replica_regions_only(policies):
    actions = ["ecr:PutRegistryScanningConfiguration", "inspector2:Disable"]
    assert sorted(allowed_in_regions(policies["replication"], actions)) == sorted(
        (action, region) for action in actions for region in REPLICAS
    )


def test_replication_deployer_owns_replication_in_the_home_region_and_templates_in_replica_regions(policies):
    policy = policies["replication"]
    assert allowed_in_regions(policy, ["ecr:PutReplicationConfiguration"]) == [
        ("ecr:PutReplicationConfiguration", HOME)
    ]
    assert allowed_in_regions(policy, ["ecr:CreateRepositoryCreationTemplate"]) == [
        ("ecr:CreateRepositoryCreationTemplate", region) for region in REPLICAS
    ]


def test_replication_deployer_cannot_administer_or_take_over_the_registry_key(policies):
    arn, context = key(HOME, "registry")
    changes = ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:UntagResource", "kms:CreateGrant")
    assert allowed(policies["replication"], changes, [arn], lambda _, context=context: context) == []
    # Re-tagging the registry's key as its own would hand it every key permission: refused.
    retag = {**context, "aws:RequestTag/pulumi-project": "replication"}
    assert not allows(policies["replication"], "kms:TagResource", arn, retag)
    # What it needs of that key: replicate it, to the replica regions only.
    assert allows(policies["replication"], "kms:ReplicateKey", arn, {**context, "kms:ReplicaRegion": REPLICAS[0]})
    assert not allows(policies["replication"], "kms:ReplicateKey", arn, {**context, "kms:ReplicaRegion": "ap-south-1"})


# --- registry -------------------------------------------------------------------------------------


def test_registry_deployer_cannot_change_iam_roles(policies):
    assert allowed(policies["registry"], ROLE_CHANGES, [role(name) for name in ALL_ROLES]) == []


def test_registry_deployer_creates_only_inspectors_service_linked_role(policies):
    inspector = role("aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2")
    replication = role("aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication")
    policy = policies["registry"]
    assert allows(policy, "iam:CreateServiceLinkedRole", inspector, {"iam:AWSServiceName": "inspector2.amazonaws.com"})
    assert not allows(
        policy, "iam:CreateServiceLinkedRole", replication, {"iam:AWSServiceName": "replication.ecr.amazonaws.com"}
    )
    assert not allows(
        policy, "iam:CreateServiceLinkedRole", role("admin"), {"iam:AWSServiceName": "inspector2.amazonaws.com"}
    )


def test_registry_deployer_cannot_change_repository_policies(policies):
    assert allowed(policies["registry"], REPOSITORY_POLICY_CHANGES, HOME_REPOSITORIES) == []


# The registry stack's own registry settings: scanning, and the upstream caches (docs/features.md): their
# pull-through cache rules and PULL_THROUGH_CACHE creation templates, in the home region only.
REGISTRY_OWN_SETTINGS = ("ecr:PutRegistryScanningConfiguration", "inspector2:Disable")
CACHE_SETTINGS = (
    "ecr:CreateRepositoryCreationTemplate",
    "ecr:UpdateRepositoryCreationTemplate",
    "ecr:DeleteRepositoryCreationTemplate",
    "ecr:CreatePullThroughCacheRule",
)


SIGNING_SETTINGS = ("ecr:PutSigningConfiguration", "ecr:DeleteSigningConfiguration")


def test_registry_deployer_cannot_change_replication_or_the_registry_policy(policies):
    settings = [a for a in REGISTRY_SETTINGS if a not in REGISTRY_OWN_SETTINGS + CACHE_SETTINGS + SIGNING_SETTINGS]
    assert allowed_in_regions(policies["registry"], settings) == []
    for setting in ("REGISTRY_POLICY_SCOPE", "BASIC_SCAN_TYPE_VERSION"):
        context = {"aws:RequestedRegion": HOME, "ecr:AccountSetting": setting}
        assert not allows(policies["registry"], "ecr:PutAccountSetting", "*", context)


def test_registry_deployer_manages_the_signing_configuration_through_cloud_control_in_the_home_region_only(policies):
    assert sorted(set(allowed_in_regions(policies["registry"], SIGNING_SETTINGS + CLOUD_CONTROL))) == sorted(
        (action, HOME) for action in SIGNING_SETTINGS + CLOUD_CONTROL
    )


@pytest.mark.parametrize("stack", ["replication", "access"])
def test_only_the_registry_deployer_signs_or_uses_cloud_control(policies, stack):
    assert allowed_in_regions(policies[stack], SIGNING_SETTINGS + CLOUD_CONTROL) == []


def test_replication_deployer_puts_only_the_account_settings_it_pins_in_the_home_region(policies):
    policy = policies["replication"]
    for setting in ("REGISTRY_POLICY_SCOPE", "BASIC_SCAN_TYPE_VERSION"):
        for action in ("ecr:PutAccountSetting", "ecr:GetAccountSetting"):
            assert allows(policy, action, "*", {"aws:RequestedRegion": HOME, "ecr:AccountSetting": setting})
            assert not allows(policy, action, "*", {"aws:RequestedRegion": REPLICAS[0], "ecr:AccountSetting": setting})
    assert not allows(
        policy, "ecr:PutAccountSetting", "*", {"aws:RequestedRegion": HOME, "ecr:AccountSetting": "BLOB_MOUNTING"}
    )
    assert not allows(policy, "ecr:PutAccountSetting", "*", {"aws:RequestedRegion": HOME})


def test_registry_deployer_manages_cache_rules_and_templates_in_the_home_region_only(policies):
    """The replica regions' creation templates stay the replication deployer's. (IAM cannot tell a
    PULL_THROUGH_CACHE template from a REPLICATION one in the home region: see docs/features.md.)"""
    assert sorted({region for _, region in allowed_in_regions(policies["registry"], CACHE_SETTINGS)}) == [HOME]


def test_registry_deployer_cannot_touch_replica_keys(policies):
    arn, context = key(REPLICAS[0], "replication")
    assert (
        allowed(
            policies["registry"],
            ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource"),
            [arn],
            lambda _: context,
        )
        == []
    )


# --- all ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", list(deployer.POLICIES))
def test_no_deployer_can_delete_model_images_or_their_keys(policies, stack):
    """Repositories and keys are retained on delete, so no deployer needs, or has, these actions."""
    destructive = ("ecr:DeleteRepository", "ecr:BatchDeleteImage")
    assert allowed(policies[stack], destructive, HOME_REPOSITORIES) == []
    for region, project in [(HOME, "registry"), *((r, "replication") for r in REPLICAS)]:
        arn, context = key(region, project)
        assert not allows(policies[stack], "kms:ScheduleKeyDeletion", arn, context)


@pytest.mark.parametrize("stack", list(deployer.POLICIES))
def test_no_deployer_policy_grants_a_whole_service(policies, stack):
    allows_ = [s for s in policies[stack]["Statement"] if s["Effect"] == "Allow"]
    wide = [a for s in allows_ for a in s["Action"] if a.endswith(":*") or a == "*"]
    assert wide == []


TEMPLATE_WRITES = (
    "ecr:CreateRepositoryCreationTemplate",
    "ecr:UpdateRepositoryCreationTemplate",
    "ecr:DeleteRepositoryCreationTemplate",
)


def test_the_registry_deployer_cannot_write_any_creation_template_the_replication_stack_creates(runs, policies):
    """Replication's templates are in its replica regions, where the registry deployer has no template action.
    (In the home region it has them, for its pull-through cache templates: IAM gives these actions neither a
    resource nor a condition key that tells a PULL_THROUGH_CACHE template from a REPLICATION one.)"""
    templates = runs["replication"].of_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    regions = sorted({t.inputs["region"] for t in templates})
    assert regions == sorted(REPLICAS) and HOME not in regions
    for region in regions:
        context = {"aws:RequestedRegion": region}
        assert [a for a in TEMPLATE_WRITES if allows(policies["registry"], a, "*", context)] == []
        assert [a for a in TEMPLATE_WRITES if allows(policies["replication"], a, "*", context)] == list(TEMPLATE_WRITES)
