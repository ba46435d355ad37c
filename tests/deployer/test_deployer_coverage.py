"""Coverage: every action that the stacks' resources need is allowed, on those very resources.

The resources come from running the three stacks under mocks; the resource types each action is
authorized on come from parliament's copy of the IAM definitions; the ARNs and the request context
(region, tags, the service a role is passed to) come from the recorded resource inputs.
"""

from __future__ import annotations

import parliament
import pytest
from aws_facts import provider_actions
from deployer_policies import policies as deployer
from deployer_policies import stack_types
from deployer_targets import ACCOUNT, HOME
from iam_eval import allows
from model_registry.contract import REGISTRY

REPOSITORY = "aws:ecr/repository:Repository"
KEY = "aws:kms/key:Key"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ACCOUNT_SETTING = "aws:ecr/accountSetting:AccountSetting"

# action -> the resource types IAM authorizes it on: the required ones (marked `*` in the definition);
# an action without one takes no resource ("" here, `*` in a policy).
RESOURCE_TYPES = {
    f"{service['prefix']}:{p['privilege']}": [
        r["resource_type"].rstrip("*") for r in p["resource_types"] if r["resource_type"].endswith("*")
    ]
    for service in parliament.iam_definition
    for p in service["privileges"]
}


def tags(tag_map: dict[str, str], kind: str) -> dict[str, str]:
    return {f"aws:{kind}/{k}": v for k, v in tag_map.items()}


def requests(resource, registry_key_tags: dict[str, str], boundaries=None) -> list[tuple[str, str, dict]]:
    """(action, ARN, context) for every call the provider makes for this recorded resource.

    `boundaries` maps a role name to the permissions boundary it carries (the iam:PermissionsBoundary
    of a call on that role, from the recorded Role inputs).
    """
    inputs = resource.inputs
    region = inputs.get("region", HOME)
    calls = []
    for action in provider_actions.required_actions(resource.type, retained=resource.retain_on_delete):
        for kind in RESOURCE_TYPES[action] or [""]:
            for arn, context in _targets(resource, action, kind, region, registry_key_tags):
                boundary = (boundaries or {}).get(arn.rpartition("/")[2]) if kind == "role" else None
                extra = {"iam:PermissionsBoundary": boundary} if boundary else {}
                calls.append((action, arn, {"aws:RequestedRegion": region, **context, **extra}))
    return calls


def role_boundaries(run) -> dict[str, str]:
    return {r.inputs["name"]: r.inputs["permissionsBoundary"] for r in run.of_type("aws:iam/role:Role")}


def _targets(resource, action, kind, region, registry_key_tags):
    inputs = resource.inputs
    if kind == "":
        if action == "kms:CreateKey":  # a new key, with the tags of the request
            return [("*", tags(inputs["tags"], "RequestTag"))]
        if resource.type == ACCOUNT_SETTING:  # Put/GetAccountSetting name the setting (ecr:AccountSetting)
            return [("*", {"ecr:AccountSetting": inputs["name"]})]
        return [("*", {})]
    if kind == "repository":
        name = {
            REPOSITORY: inputs.get("name"),
            TEMPLATE: f"{inputs.get('prefix')}/some-model",
        }.get(resource.type, inputs.get("repository"))
        return [(f"arn:aws:ecr:{region}:{ACCOUNT}:repository/{name}", {})]
    if kind == "role" and action == "iam:CreateServiceLinkedRole":
        service, path = provider_actions.SERVICE_LINKED_ROLES[resource.type]
        return [(f"arn:aws:iam::{ACCOUNT}:role/{path}", {"iam:AWSServiceName": service})]
    if kind == "role":
        name = inputs.get("role") or inputs.get("name") or inputs.get("customRoleArn", "").rpartition("/")[2]
        context = {"iam:PassedToService": "ecr.amazonaws.com"} if action == "iam:PassRole" else {}
        return [(f"arn:aws:iam::{ACCOUNT}:role/{name}", context)]
    if kind == "oidc-provider":
        return [(f"arn:aws:iam::{ACCOUNT}:oidc-provider/{inputs['url'].removeprefix('https://')}", {})]
    if kind == "alias":
        return [(f"arn:aws:kms:{region}:{ACCOUNT}:{inputs['name']}", {})]
    if kind == "key":
        return _key_targets(resource, action, region, registry_key_tags)
    raise AssertionError(f"{action} takes a {kind!r} resource that this test cannot name")


def _key_targets(resource, action, region, registry_key_tags):
    inputs = resource.inputs
    if resource.type in (KEY, REPLICA_KEY) and action != "kms:ReplicateKey":
        own_tags = inputs["tags"]
        arn = f"arn:aws:kms:{region}:{ACCOUNT}:key/{resource.name}"
        if action == "kms:TagResource":  # on create (a key without tags yet), and later
            return [
                (arn, tags(own_tags, "RequestTag")),
                (arn, tags(own_tags, "RequestTag") | tags(own_tags, "ResourceTag")),
            ]
        return [(arn, tags(own_tags, "ResourceTag"))]
    # The registry's key, used by a repository, an alias, or replicated by a replica key.
    arn = inputs.get("primaryKeyArn") or f"arn:aws:kms:{HOME}:{ACCOUNT}:key/registry-key"
    context = tags(registry_key_tags, "ResourceTag")
    if action == "kms:ReplicateKey":
        context["kms:ReplicaRegion"] = region
    if action == "kms:CreateGrant":
        context["kms:GrantIsForAWSResource"] = "true"
    return [(arn, context)]


def test_each_stack_creates_exactly_the_resource_types_the_deployer_module_lists(runs):
    assert {stack: sorted({r.type for r in run.resources}) for stack, run in runs.items()} == {
        stack: sorted(types) for stack, types in stack_types.STACK_RESOURCE_TYPES.items()
    }


def test_retained_types_are_those_the_stacks_retain_on_delete(runs):
    """If a stack stops retaining a type, its delete actions must come back into the policy."""
    retained = {r.type for run in runs.values() for r in run.resources if r.retain_on_delete}
    assert retained == set(stack_types.RETAINED_TYPES)


@pytest.mark.parametrize("stack", list(deployer.POLICIES))
def test_deployer_policy_allows_every_call_its_stack_needs(runs, policies, stack):
    registry_key_tags = runs[REGISTRY].of_type(KEY)[0].inputs["tags"]
    boundaries = role_boundaries(runs[stack])
    calls = [call for r in runs[stack].resources for call in requests(r, registry_key_tags, boundaries)]
    assert len(calls) > 20  # the derivation found the calls (a broken one would vacuously pass)
    denied = sorted(
        {(action, arn) for action, arn, context in calls if not allows(policies[stack], action, arn, context)}
    )
    assert denied == []


def test_coverage_check_catches_a_missing_action(runs, policies):
    """Remove one action from the registry policy: the same check reports it, on the repositories."""
    registry_key_tags = runs[REGISTRY].of_type(KEY)[0].inputs["tags"]
    weakened = {**policies[REGISTRY], "Statement": [dict(s) for s in policies[REGISTRY]["Statement"]]}
    first = weakened["Statement"][0]
    first["Action"] = [a for a in first["Action"] if a != "ecr:PutImageTagMutability"]
    calls = [c for r in runs[REGISTRY].resources for c in requests(r, registry_key_tags)]
    denied = {(a, arn) for a, arn, ctx in calls if not allows(weakened, a, arn, ctx)}
    assert {a for a, _ in denied} == {"ecr:PutImageTagMutability"}
    assert len(denied) == len(runs[REGISTRY].of_type(REPOSITORY))
