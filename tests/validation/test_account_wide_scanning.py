"""Do no harm outside the namespace: a registry scanning configuration is the account's (one per region), so one
whose filters name only the stack's repositories turns scanning off (ENHANCED) or to manual (BASIC) for every
other repository. account-wide-scanning refuses it unless a rule keeps the rest scanned or an exemption with a
reason acknowledges it; the stacks keep the rest scanned."""

from pathlib import Path

import pytest
from aws_facts.singletons import scanning_leaves_out, scanning_rules
from offline_preview.analyzer_client import AnalyzerClient
from registry_policies.validation import ACCOUNT_WIDE, account_wide_scanning_findings

SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
PACK_DIR = Path(__file__).resolve().parents[2] / "policy-pack"


def rule(frequency, *filters):
    return {"scanFrequency": frequency, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters]}


def test_an_enhanced_configuration_naming_only_the_namespace_turns_the_rest_off():
    assert "OFF" in scanning_leaves_out("ENHANCED", [rule("CONTINUOUS_SCAN", "models/*")])


def test_a_basic_configuration_naming_only_the_namespace_sets_the_rest_to_manual():
    assert "manual" in scanning_leaves_out("BASIC", [rule("SCAN_ON_PUSH", "models/*")])


@pytest.mark.parametrize(
    ("scan_type", "rules"),
    [
        ("ENHANCED", [rule("CONTINUOUS_SCAN", "models/*"), rule("SCAN_ON_PUSH", "*")]),
        ("ENHANCED", [rule("CONTINUOUS_SCAN", "**")]),
        ("BASIC", [rule("SCAN_ON_PUSH", "models/*", "*")]),
    ],
)
def test_a_rule_whose_filter_matches_every_repository_keeps_the_rest_scanned(scan_type, rules):
    assert scanning_leaves_out(scan_type, rules) is None


def test_under_basic_only_a_scan_on_push_rule_keeps_the_rest_scanned():
    assert scanning_leaves_out("BASIC", [rule("CONTINUOUS_SCAN", "*")]) is not None


@pytest.mark.parametrize("frequency", ["CONTINUOUS_SCAN", "SCAN_ON_PUSH"])
def test_the_stacks_rules_keep_the_rest_scanned(frequency):
    rules = scanning_rules(frequency, [{"filter": "models/*", "filter_type": "WILDCARD"}])
    as_sent = [
        {
            "scanFrequency": r["scan_frequency"],
            "repositoryFilters": [{"filter": f["filter"]} for f in r["repository_filters"]],
        }
        for r in rules
    ]
    assert len(as_sent) <= 2 and scanning_leaves_out("ENHANCED", as_sent) is None


def test_the_finding_says_what_it_does_and_how_to_acknowledge_it():
    (finding,) = account_wide_scanning_findings(
        SCANNING, {"scanType": "ENHANCED", "rules": [rule("CONTINUOUS_SCAN", "models/*")]}, {}
    )
    assert "turns image scanning OFF for every other repository" in finding.message
    assert f"an exemption of {ACCOUNT_WIDE} and a reason" in finding.message


def test_through_the_pack_it_blocks_and_an_exemption_with_a_reason_acknowledges_it():
    resource = {
        "type": SCANNING,
        "name": "scanning",
        "urn": f"urn:pulumi:dev::registry::{SCANNING}::scanning",
        "properties": {"scanType": "ENHANCED", "rules": [rule("CONTINUOUS_SCAN", "models/*")]},
    }
    acknowledged = {
        "policy-exemptions": {
            "exemptions": [
                {"policy": ACCOUNT_WIDE, "resource": "scanning", "reason": "this account holds only our models"}
            ]
        }
    }
    with AnalyzerClient(PACK_DIR, project="registry", stack="dev", config={"aws:region": "us-east-1"}) as client:
        client.configure({})
        blocked = [v for v in client.analyze(resource) if v.policy_name == ACCOUNT_WIDE]
        client.configure(acknowledged)
        after = [v for v in client.analyze(resource) if v.policy_name == ACCOUNT_WIDE]
    assert [v.enforcement_level for v in blocked] == ["mandatory"] and after == []
