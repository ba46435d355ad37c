"""Scanning coverage in the pack: verdicts per repository, and one configuration per account and region (how
a filter matches and which frequency wins: the leaf's, tests/validation/test_ecr_scanning.py)."""

import pytest
from aws_facts import resource_types
from registry_policies import ecr
from registry_policies import names as policy_names
from registry_policies.scanning import Configuration, Place, Rule, repository_verdict
from registry_policies.stack import StackResource, default_place, scanning_coverage_findings

HOME = Place("111111111111", "us-east-1")
REPO = "aws:ecr/repository:Repository"


def repo(name, scan_on_push=False, provider=None, **props):
    props = {"name": name, "imageScanningConfiguration": {"scanOnPush": scan_on_push}, **props}
    return StackResource(REPO, name, f"urn:pulumi:dev::registry::{REPO}::{name}", props, provider=provider)


def configuration(logical, scan_type, *rules, provider=None, **props):
    props = {"scanType": scan_type, "rules": list(rules), **props}
    return StackResource(
        resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION, logical, f"urn:{logical}", props, provider=provider
    )


def rule(frequency, *filters):
    return {"scanFrequency": frequency, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters]}


def test_enhanced_scanning_disables_a_repository_no_rule_matches_whatever_its_scan_on_push():
    verdict = repository_verdict(Configuration("ENHANCED", (Rule("CONTINUOUS_SCAN", ("c/*",)),)), "a/b", True)
    assert verdict.frequency == "DISABLED" and not verdict.scanned


def test_continuous_scanning_wins_over_scan_on_push_when_both_rules_match():
    config = Configuration("ENHANCED", (Rule("SCAN_ON_PUSH", ("a/*",)), Rule("CONTINUOUS_SCAN", ("*b",))))
    assert repository_verdict(config, "a/b", False).frequency == "CONTINUOUS_SCAN"
    assert repository_verdict(config, "a/c", False).frequency == "SCAN_ON_PUSH"


def test_basic_rules_set_every_unmatched_repository_to_manual_whatever_its_scan_on_push():
    config = Configuration("BASIC", (Rule("SCAN_ON_PUSH", ("c/*",)),))
    assert repository_verdict(config, "a/b", True).frequency == "MANUAL"
    assert repository_verdict(config, "c/b", False).frequency == "SCAN_ON_PUSH"


@pytest.mark.parametrize("config", [None, Configuration("BASIC", ())], ids=["no configuration", "BASIC, no rules"])
def test_without_rules_the_repository_scan_on_push_decides(config):
    assert repository_verdict(config, "a/b", True).frequency == "SCAN_ON_PUSH"
    assert repository_verdict(config, "a/b", False).frequency == "MANUAL"


def test_a_configuration_in_another_region_covers_nothing_here():
    findings = scanning_coverage_findings(
        [
            repo("models/llm", region="us-west-2"),
            configuration("home", "ENHANCED", rule("CONTINUOUS_SCAN", "models/*")),
        ],
        HOME,
    )
    assert [f.name for f in findings] == ["models/llm"]
    assert "us-west-2 of account 111111111111" in findings[0].message


def test_each_region_is_covered_by_its_own_configuration():
    resources = [
        repo("models/a"),
        repo("models/b", region="us-west-2"),
        configuration("home", "ENHANCED", rule("CONTINUOUS_SCAN", "models/*")),
        configuration("west", "ENHANCED", rule("CONTINUOUS_SCAN", "models/*"), region="us-west-2"),
    ]
    assert scanning_coverage_findings(resources, HOME) == []


def test_two_configurations_in_one_place_are_a_violation_and_the_weaker_one_counts():
    findings = scanning_coverage_findings(
        [
            repo("models/llm"),
            configuration("first", "ENHANCED", rule("CONTINUOUS_SCAN", "models/*")),
            configuration("second", "ENHANCED", rule("CONTINUOUS_SCAN", "other/*")),
        ],
        HOME,
    )
    messages = sorted(f.message for f in findings)
    assert any("2 registry scanning configurations in us-east-1" in m and "keep one" in m for m in messages)
    assert any(m.startswith("repository models/llm") and "'second'" in m for m in messages)


def test_a_provider_decides_region_and_account():
    west = {"region": "eu-west-1"}
    other_account = {"region": "us-east-1", "assumeRoles": '[{"roleArn": "arn:aws:iam::222222222222:role/x"}]'}
    resources = [
        repo("models/west", provider=west),
        repo("models/other", provider=other_account),
        configuration("west", "ENHANCED", rule("CONTINUOUS_SCAN", "models/*"), provider=west),
        configuration("home", "ENHANCED", rule("CONTINUOUS_SCAN", "models/*")),
    ]
    findings = scanning_coverage_findings(resources, HOME)
    assert [f.name for f in findings] == ["models/other"]
    assert "account 222222222222" in findings[0].message


def test_a_role_written_as_a_python_dict_literal_names_the_account():
    # `assume_roles=[{"role_arn": ...}]` reaches the provider with the Python key, which the bridge takes (the
    # Terraform name): the configuration is put in that account, not the stack's.
    partner = {"region": "us-east-1", "assumeRoles": '[{"role_arn": "arn:aws:iam::222222222222:role/x"}]'}
    resources = [repo("models/a"), configuration("partner", "ENHANCED", rule("CONTINUOUS_SCAN", "*"), provider=partner)]
    (finding,) = scanning_coverage_findings(resources, HOME)
    assert finding.name == "models/a" and "never scanned" in finding.message


@pytest.mark.parametrize(
    "credentials",
    [{"profile": "partner"}, {"accessKey": "AKIAEXAMPLE", "secretKey": "x"}, {"sharedCredentialsFiles": '["/c"]'}],
    ids=["profile", "keys", "shared file"],
)
def test_a_provider_with_credentials_of_its_own_and_no_account_is_another_account(credentials):
    # An explicit provider does not read the stack's aws:* config: with a profile or keys of its own, and no
    # allowedAccountIds or role naming the account, it may act in any account. Its configuration covers only
    # its own repositories, and the stack's are not covered by it.
    own = {"region": "us-east-1", **credentials}
    resources = [
        repo("models/stack"),
        repo("models/own", provider=own),
        configuration("elsewhere", "ENHANCED", rule("CONTINUOUS_SCAN", "*"), provider=own),
    ]
    (finding,) = scanning_coverage_findings(resources, HOME)
    assert finding.name == "models/stack" and "never scanned" in finding.message


def test_a_provider_with_the_default_providers_credentials_is_the_stacks_account():
    config = {"aws:region": "us-east-1", "aws:allowedAccountIds": '["111111111111"]', "aws:profile": "registry"}
    default = default_place(config)
    same = {"region": "us-east-1", "profile": "registry"}
    resources = [repo("models/a"), configuration("same", "ENHANCED", rule("CONTINUOUS_SCAN", "*"), provider=same)]
    assert scanning_coverage_findings(resources, default) == []
    other = {"region": "us-east-1", "profile": "partner"}
    resources = [repo("models/a"), configuration("other", "ENHANCED", rule("CONTINUOUS_SCAN", "*"), provider=other)]
    assert [f.name for f in scanning_coverage_findings(resources, default)] == ["models/a"]


def test_a_plain_filter_covers_every_name_containing_it():
    resources = [repo("team/models-x/llm"), configuration("home", "ENHANCED", rule("SCAN_ON_PUSH", "models"))]
    assert scanning_coverage_findings(resources, HOME) == []


def test_basic_rules_leave_an_unmatched_repository_unscanned_despite_its_scan_on_push():
    resources = [repo("a/b", scan_on_push=True), configuration("home", "BASIC", rule("SCAN_ON_PUSH", "c/*"))]
    [finding] = scanning_coverage_findings(resources, HOME)
    assert "manual scanning" in finding.message


def test_without_any_configuration_scan_on_push_covers_the_repository():
    assert scanning_coverage_findings([repo("a/b", scan_on_push=True)], HOME) == []
    [finding] = scanning_coverage_findings([repo("a/b")], HOME)
    assert "never scanned" in finding.message


def test_the_stack_place_comes_from_the_aws_config():
    config = {"aws:region": "eu-west-1", "aws:allowedAccountIds": '["333333333333"]', "registry:x": "y"}
    assert default_place(config) == Place("333333333333", "eu-west-1")
    roles = '[{"roleArn": "arn:aws:iam::444444444444:role/deployer"}]'
    assert default_place({"aws:region": "eu-west-1", "aws:assumeRoles": roles}).account == "444444444444"


# ECR API reference, RegistryScanningConfiguration: rules "Maximum number of 2 items"; RegistryScanningRule:
# repositoryFilters "Maximum number of 100 items"
# (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RegistryScanningConfiguration.html,
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RegistryScanningRule.html).
@pytest.mark.parametrize(("count", "ok"), [(2, True), (3, False)])
def test_at_most_two_rules(count, ok):
    findings = ecr.registry_scanning_findings({"scanType": "ENHANCED", "rules": [rule("SCAN_ON_PUSH", "*")] * count})
    assert (findings == []) is ok
    assert ok or "at most 2" in findings[0].message


@pytest.mark.parametrize(("count", "ok"), [(100, True), (101, False)])
def test_at_most_one_hundred_filters_per_rule(count, ok):
    filters = [f"team{n}/*" for n in range(count)]
    findings = ecr.registry_scanning_findings({"scanType": "ENHANCED", "rules": [rule("SCAN_ON_PUSH", *filters)]})
    assert (findings == []) is ok
    assert ok or "at most 100" in findings[0].message


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ({"filter": "Models/*", "filterType": "WILDCARD"}, "breaks ECR's filter pattern"),
        ({"filter": "models//x", "filterType": "WILDCARD"}, "breaks ECR's filter pattern"),
        ({"filter": "x" * 256, "filterType": "WILDCARD"}, "1-255 characters"),
        ({"filter": "models", "filterType": "PREFIX_MATCH"}, "use WILDCARD"),
    ],
)
def test_a_filter_ecr_refuses_is_reported(entry, named):
    props = {"scanType": "ENHANCED", "rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [entry]}]}
    assert any(named in f.message for f in ecr.registry_scanning_findings(props))


def test_the_pack_over_grpc_reports_a_repository_whose_region_has_no_scanning():
    """The real pack, started as the engine starts it: the stack's region comes from PULUMI_CONFIG, so the
    configuration covers models/home (eu-west-1) and not models/away (us-west-2, where none is put)."""
    from pathlib import Path

    from offline_preview.analyzer_client import AnalyzerClient

    pack_dir = Path(__file__).resolve().parents[2] / "policy-pack"

    def repository(name, **extra):
        props = {"name": name, "imageScanningConfiguration": {"scanOnPush": False}, **extra}
        return {"type": REPO, "name": name, "urn": f"urn:pulumi:dev::registry::{REPO}::{name}", "properties": props}

    scanning_config = {
        "type": resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION,
        "name": "home",
        "urn": f"urn:pulumi:dev::registry::{resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION}::home",
        "properties": {"scanType": "ENHANCED", "rules": [rule("CONTINUOUS_SCAN", "models/*")]},
    }
    config = {"aws:region": "eu-west-1"}
    with AnalyzerClient(pack_dir, project="registry", stack="dev", config=config) as pack:
        pack.configure({})
        found = pack.analyze_stack(
            [repository("models/home"), repository("models/away", region="us-west-2"), scanning_config]
        )
    coverage = [v for v in found if v.policy_name == policy_names.SCANNING_COVERAGE]
    assert [v.urn.rsplit("::", 1)[1] for v in coverage] == ["models/away"]
    assert "us-west-2" in coverage[0].message and coverage[0].enforcement_level == "mandatory"


def replication(*rules, **props):
    config = {
        "rules": [
            {"destinations": d, "repositoryFilters": [{"filter": p, "filterType": "PREFIX_MATCH"} for p in f]}
            for d, f in rules
        ]
    }
    return StackResource(
        resource_types.ECR_REPLICATION_CONFIGURATION,
        "replication",
        "urn:replication",
        {"replicationConfiguration": config, **props},
    )


WEST = {"region": "us-west-2", "registryId": HOME.account}


def test_a_same_account_replica_region_without_scanning_is_a_violation():
    [finding] = scanning_coverage_findings([replication(([WEST], ["models"]))], HOME)
    assert finding.name == "replication" and "replicas in us-west-2 of account 111111111111" in finding.message
    assert "prefix 'models'" in finding.message


def test_replica_regions_scanned_on_every_replicated_prefix_pass():
    west_scanning = configuration("west", "ENHANCED", rule("CONTINUOUS_SCAN", "models*"), region="us-west-2")
    assert scanning_coverage_findings([replication(([WEST], ["models/llm", "models"])), west_scanning], HOME) == []


def test_a_replica_filter_narrower_than_the_replicated_prefix_is_a_violation():
    west_scanning = configuration("west", "ENHANCED", rule("CONTINUOUS_SCAN", "models/llm*"), region="us-west-2")
    [finding] = scanning_coverage_findings([replication(([WEST], ["models"])), west_scanning], HOME)
    assert "no scanning rule whose filters match all repositories starting with 'models'" in finding.message


def test_replicas_in_another_account_are_that_accounts_to_scan():
    other = {"region": "us-west-2", "registryId": "333333333333"}
    assert scanning_coverage_findings([replication(([other], ["models"]))], HOME) == []


def test_replicas_from_a_provider_whose_account_is_unknown_may_be_its_own_and_must_be_scanned():
    # A profile of its own and no allowedAccountIds: 333333333333 may be the account it acts in.
    profile = {"region": "us-east-1", "profile": "partner"}
    other = {"region": "us-west-2", "registryId": "333333333333"}
    source = replication(([other], ["models"]))
    source = StackResource(source.type, source.name, source.urn, source.props, provider=profile)
    (finding,) = scanning_coverage_findings([source], HOME)
    assert finding.name == "replication" and "replicas in us-west-2 of account (unknown: " in finding.message
