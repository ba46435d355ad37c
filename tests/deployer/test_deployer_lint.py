"""The deployer policies are lint-clean in parliament, and parliament does catch a broken one."""

import copy
import json

import parliament
import pytest
from deployer_policies import policies as deployer
from deployer_targets import ACCOUNT, HOME, REPLICAS

STACKS = tuple(deployer.POLICIES)
UNPINNED = deployer.Target()
PINNED = deployer.Target(ACCOUNT, "models", HOME, REPLICAS)


def lint(document: dict) -> list[str]:
    """parliament's findings (unknown actions, resource mismatches, bad conditions, ...), one line each."""
    return [f"{f.issue}: {f.detail}" for f in parliament.analyze_policy_string(json.dumps(document)).findings]


@pytest.mark.parametrize("target", [PINNED, UNPINNED], ids=["pinned", "defaults"])
@pytest.mark.parametrize("stack", STACKS)
def test_deployer_policy_is_lint_clean(stack, target):
    assert lint(deployer.deployer_policy(stack, target)) == []


def test_lint_reports_an_unknown_action_and_a_resource_mismatch(policies):
    """The check above can fail: a misspelt action and a repository action on a role ARN are findings."""
    broken = copy.deepcopy(policies["access"])
    broken["Statement"][0]["Action"].append("ecr:SetRepositoryPolicies")
    broken["Statement"].append(
        {"Effect": "Allow", "Action": ["ecr:SetRepositoryPolicy"], "Resource": f"arn:aws:iam::{ACCOUNT}:role/x"}
    )
    findings = lint(broken)
    assert any(f.startswith("UNKNOWN_ACTION") and "ecr:SetRepositoryPolicies" in f for f in findings)
    assert any(f.startswith("RESOURCE_MISMATCH") and "ecr:SetRepositoryPolicy" in f for f in findings)


def test_every_required_action_exists_in_iam():
    """Action names are checked against parliament's copy of the IAM service definitions, not memory."""
    known = {
        f"{service['prefix']}:{privilege['privilege']}".lower()
        for service in parliament.iam_definition
        for privilege in service["privileges"]
    }
    required = {action for crud in deployer.REQUIRED_ACTIONS.values() for phase in crud for action in phase}
    assert sorted(a for a in required if a.lower() not in known) == []


@pytest.mark.parametrize("stack", STACKS)
def test_deployer_policy_fits_a_managed_policy(stack):
    """Even with many replica regions pinned, each policy stays under IAM's 6,144-character limit."""
    regions = tuple(f"{area}-{side}-{n}" for area in ("us", "eu", "ap") for side in ("east", "west") for n in (1, 2))
    target = deployer.Target(ACCOUNT, "models", "sa-east-1", regions)
    # IAM and AWS STS quotas: a managed policy is at most 6,144 characters, white space not counted.
    assert deployer.policy_size(deployer.deployer_policy(stack, target)) <= 6_144
