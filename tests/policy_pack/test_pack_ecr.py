"""ECR policies: scanning, tag immutability, KMS, force delete, replication, lifecycle and coverage."""

import pytest
from aws_facts import resource_types
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE
from registry_policies import ecr
from registry_policies.scanning import Place
from registry_policies.stack import StackResource, lifecycle_coverage_findings, scanning_coverage_findings

REPO = "aws:ecr/repository:Repository"


def repo(logical="models", **props):
    props.setdefault("name", logical)
    return StackResource(REPO, logical, f"urn:pulumi:dev::registry::{REPO}::{logical}", props)


def lifecycle(for_repo, by_dependency=False):
    props = {"repository": UNKNOWN_STRING_VALUE if by_dependency else for_repo.props["name"], "policy": "{}"}
    deps = {"repository": (for_repo.urn,)} if by_dependency else {}
    return StackResource(
        resource_types.ECR_LIFECYCLE_POLICY,
        f"{for_repo.name}-lc",
        f"urn:lc:{for_repo.name}",
        props,
        property_dependencies=deps,
    )


HOME = Place("111111111111", "us-east-1")


def registry_scanning(scan_type, *rules):
    return StackResource(
        resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION,
        "scanning",
        "urn:scan",
        {"scanType": scan_type, "rules": list(rules)},
    )


def rule(frequency, *filters):
    return {"scanFrequency": frequency, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters]}


@pytest.mark.parametrize("config", [None, {}, [], {"scanOnPush": False}, [{"scanOnPush": False}]])
def test_a_repository_without_scan_on_push_is_a_violation(config):
    props = {} if config is None else {"imageScanningConfiguration": config}
    [finding] = ecr.repository_scanning_findings(props)
    assert "does not scan images on push" in finding.message


@pytest.mark.parametrize("config", [{"scanOnPush": True}, [{"scanOnPush": True}]])
def test_a_repository_that_scans_on_push_passes(config):
    assert ecr.repository_scanning_findings({"imageScanningConfiguration": config}) == []


def test_an_unknown_scan_on_push_is_not_a_pass():
    [finding] = ecr.repository_scanning_findings({"imageScanningConfiguration": {"scanOnPush": UNKNOWN_BOOLEAN_VALUE}})
    assert finding.unknown


@pytest.mark.parametrize(
    ("scan_type", "rules", "expected"),
    [
        ("BASIC", [], "has no rule"),
        ("ENHANCED", None, "has no rule"),
        ("BASIC", [rule("MANUAL", "*")], "no rule of the BASIC"),
        ("BASIC", [rule("CONTINUOUS_SCAN", "*")], "no rule of the BASIC"),
        ("ENHANCED", [rule("MANUAL", "*")], "no rule of the ENHANCED"),
    ],
)
def test_a_registry_scanning_configuration_that_never_scans_is_a_violation(scan_type, rules, expected):
    props = {"scanType": scan_type} | ({} if rules is None else {"rules": rules})
    [finding] = ecr.registry_scanning_findings(props)
    assert expected in finding.message


@pytest.mark.parametrize(
    ("scan_type", "frequency"),
    [("BASIC", "SCAN_ON_PUSH"), ("ENHANCED", "SCAN_ON_PUSH"), ("ENHANCED", "CONTINUOUS_SCAN")],
)
def test_a_registry_scanning_rule_that_scans_passes(scan_type, frequency):
    assert ecr.registry_scanning_findings({"scanType": scan_type, "rules": [rule(frequency, "*")]}) == []


def test_an_unknown_repository_name_with_rules_is_not_a_pass():
    [finding] = scanning_coverage_findings(
        [repo("x", name=UNKNOWN_STRING_VALUE), registry_scanning("ENHANCED", rule("SCAN_ON_PUSH", "c/*"))], HOME
    )
    assert finding.unknown


def test_a_repository_without_lifecycle_policy_is_reported():
    [finding] = lifecycle_coverage_findings([repo("models"), lifecycle(repo("other"))])
    assert finding.name == "models" and "no lifecycle policy" in finding.message


@pytest.mark.parametrize("by_dependency", [False, True])
def test_a_lifecycle_policy_covers_its_repository_by_name_or_dependency(by_dependency):
    models = repo("models")
    assert lifecycle_coverage_findings([models, lifecycle(models, by_dependency)]) == []


def test_an_unknown_repository_without_dependencies_leaves_the_uncovered_undecided():
    orphan = StackResource(resource_types.ECR_LIFECYCLE_POLICY, "lc", "urn:lc", {"repository": UNKNOWN_STRING_VALUE})
    covered = repo("covered")
    [finding] = lifecycle_coverage_findings([repo("models"), covered, lifecycle(covered), orphan])
    assert finding.name == "models" and finding.unknown


def _covered_by_search(resources):
    """The rule as stated, one repository at a time: a lifecycle policy names it or depends on it."""
    policies = [r for r in resources if r.type == resource_types.ECR_LIFECYCLE_POLICY]
    verdicts = {}
    for r in resources:
        if r.type != REPO:
            continue
        name = r.props.get("name")
        if any(
            r.urn in p.property_dependencies.get("repository", ())
            or (isinstance(name, str) and name != UNKNOWN_STRING_VALUE and p.props.get("repository") == name)
            for p in policies
        ):
            verdicts[r.name] = "covered"
        elif any(
            p.props.get("repository") == UNKNOWN_STRING_VALUE and not p.property_dependencies.get("repository")
            for p in policies
        ):
            verdicts[r.name] = "undecided"
        else:
            verdicts[r.name] = "missing"
    return verdicts


NAMES = st.sampled_from(["a", "b", "c", UNKNOWN_STRING_VALUE])


@settings(max_examples=150)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), NAMES), max_size=5, unique_by=lambda t: t[0]),
    st.lists(st.tuples(NAMES, st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=2)), max_size=5),
)
def test_coverage_is_the_search_of_every_policy_for_every_repository(repositories, policies):
    resources = [repo(logical, name=name) for logical, name in repositories]
    resources += [
        StackResource(
            resource_types.ECR_LIFECYCLE_POLICY,
            f"lc{i}",
            f"urn:lc{i}",
            {"repository": target},
            property_dependencies={"repository": tuple(repo(d).urn for d in deps)} if deps else {},
        )
        for i, (target, deps) in enumerate(policies)
    ]
    found = {f.name: ("undecided" if f.unknown else "missing") for f in lifecycle_coverage_findings(resources)}
    expected = _covered_by_search(resources)
    assert found == {name: verdict for name, verdict in expected.items() if verdict != "covered"}


@pytest.mark.parametrize(
    ("mode", "ok"),
    [
        ("IMMUTABLE", True),
        ("IMMUTABLE_WITH_EXCLUSION", True),
        ("MUTABLE", False),
        (None, False),
        ("MUTABLE_WITH_EXCLUSION", False),
    ],
)
def test_tags_must_be_immutable(mode, ok):
    props = {} if mode is None else {"imageTagMutability": mode}
    assert (ecr.tags_immutable_findings(props) == []) is ok


@pytest.mark.parametrize(
    ("encryption", "ok"),
    [
        (None, False),
        ([{"encryptionType": "AES256"}], False),
        ([{"encryptionType": "KMS"}], False),
        ([{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:111122223333:key/abc"}], True),
        ([{"encryptionType": "KMS", "kmsKey": UNKNOWN_STRING_VALUE}], True),
    ],
)
def test_encryption_uses_a_customer_managed_kms_key(encryption, ok):
    props = {} if encryption is None else {"encryptionConfigurations": encryption}
    assert (ecr.kms_encryption_findings(props) == []) is ok


def test_force_delete_is_reported():
    assert ecr.force_delete_findings({"forceDelete": True})
    assert ecr.force_delete_findings({"forceDelete": False}) == []
    assert ecr.force_delete_findings({}) == []


def replication(*destinations):
    return {"replicationConfiguration": {"rules": [{"destinations": list(destinations)}]}}


def test_replication_to_a_region_outside_the_allow_list_is_reported():
    props = replication(
        {"region": "us-west-2", "registryId": "111122223333"}, {"region": "ap-south-1", "registryId": "999999999999"}
    )
    messages = [f.message for f in ecr.replication_findings(props, ["us-west-2"], ["111122223333"])]
    assert len(messages) == 2
    assert "'ap-south-1'" in messages[0] and "'999999999999'" in messages[1]


def test_replication_checks_only_the_configured_lists():
    props = replication({"region": "ap-south-1", "registryId": "999999999999"})
    assert ecr.replication_findings(props, None, None) == []
    assert len(ecr.replication_findings(props, ["us-west-2"], None)) == 1
