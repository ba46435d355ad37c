"""ECR's registry scanning, written once in the leaf (aws_facts.ecr_scanning): its values are botocore's, its
filters match as ECR's user guide says, and of the rules that match a repository the documented one wins."""

import fnmatch
import re

import botocore.session
import pytest
from aws_facts.ecr_scanning import (
    DEFAULT_SCAN_TYPE,
    MAX_FILTERS_PER_RULE,
    MAX_RULES,
    SCANNING_FREQUENCIES,
    FilterType,
    ScanFrequency,
    ScanType,
    applied_frequency,
    filter_covers_prefix,
    filter_matches,
    filter_problem,
)
from hypothesis import given, settings
from hypothesis import strategies as st

ECR = botocore.session.get_session().get_service_model("ecr")


@pytest.mark.parametrize(
    ("leaf", "shape", "values"),
    [
        (ScanType, "ScanType", {"BASIC", "ENHANCED"}),
        (ScanFrequency, "ScanFrequency", {"SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"}),
        (FilterType, "ScanningRepositoryFilterType", {"WILDCARD"}),
    ],
)
def test_the_leaf_enums_are_botocores(leaf, shape, values):
    # Fails when a botocore upgrade adds, drops or renames a value: the leaf is then to be brought in line.
    assert {member.value for member in leaf} == set(ECR.shape_for(shape).enum) == values


def _frequencies_documented() -> dict[str, set[str]]:
    """RegistryScanningRule.scanFrequency's documentation: `When the <code>T</code> scan type is specified, ...`,
    the frequencies each sentence names for its scan type."""
    text = ECR.shape_for("RegistryScanningRule").members["scanFrequency"].documentation
    found = {}
    for sentence in text.split(". "):
        if match := re.search(r"When the <code>(\w+)</code> scan type is specified(.*)", sentence):
            found[match[1]] = set(re.findall(r"<code>(\w+)</code>", match[2]))
    return found


def test_the_frequencies_each_scan_type_takes_are_the_ones_botocore_documents():
    taken = {scan_type: set(frequencies) for scan_type, frequencies in SCANNING_FREQUENCIES.items()}
    assert (
        taken
        == _frequencies_documented()
        == {"ENHANCED": {"CONTINUOUS_SCAN", "SCAN_ON_PUSH"}, "BASIC": {"SCAN_ON_PUSH"}}
    )


def test_a_registry_without_a_configuration_is_basic_as_botocore_documents():
    text = ECR.shape_for("PutRegistryScanningConfigurationRequest").members["scanType"].documentation
    assert DEFAULT_SCAN_TYPE == "BASIC"
    assert "by default the <code>BASIC</code> scan type is used" in text


def test_the_limits_are_the_ones_the_api_reference_states():
    # RegistryScanningConfiguration.rules: at most 2; RegistryScanningRule.repositoryFilters: at most 100.
    assert (MAX_RULES, MAX_FILTERS_PER_RULE) == (2, 100)


# --- filters -------------------------------------------------------------------------------------------

# ECR user guide, "Filters to choose which repositories are scanned": names across, filters down.
NAMES = ("prod", "repo-prod", "prod-repo", "repo-prod-repo", "prodrepo")
DOCUMENTED = {
    "prod": (True, True, True, True, True),
    "*prod": (True, True, False, False, False),
    "prod*": (True, False, True, False, True),
    "*prod*": (True, True, True, True, True),
    "prod*repo": (False, False, True, False, True),
}


@pytest.mark.parametrize(("pattern", "expected"), DOCUMENTED.items())
def test_filters_match_as_the_ecr_user_guide_table_says(pattern, expected):
    assert tuple(filter_matches(pattern, name) for name in NAMES) == expected


def test_a_filter_without_wildcard_matches_any_name_containing_it():
    assert filter_matches("models", "team/models/llm") and not filter_matches("models", "model")


NAME = st.from_regex(r"[a-z0-9]{1,4}(?:[-/._][a-z0-9]{1,4}){0,4}", fullmatch=True)
PATTERN = st.from_regex(r"[a-z0-9*]{1,3}(?:[-/._]?[a-z0-9*]{1,3}){0,3}", fullmatch=True)


@settings(deadline=None, max_examples=300)
@given(pattern=PATTERN, name=NAME)
def test_a_wildcard_filter_is_a_whole_name_glob_and_a_plain_one_a_substring(pattern, name):
    # Independent statements of the rule: fnmatch for `*` (the filter alphabet has no other glob
    # character), `in` for plain filters, and the guide's "prod" row equal to its "*prod*" row.
    if "*" in pattern:
        assert filter_matches(pattern, name) is fnmatch.fnmatchcase(name, pattern)
    else:
        assert filter_matches(pattern, name) is (pattern in name)
        assert filter_matches(pattern, name) is filter_matches(f"*{pattern}*", name)


SUFFIX = st.from_regex(r"[a-z0-9._/-]{0,8}", fullmatch=True)


@settings(deadline=None, max_examples=300)
@given(pattern=PATTERN, prefix=NAME, suffix=SUFFIX)
def test_a_filter_that_covers_a_prefix_matches_every_name_with_that_prefix(pattern, prefix, suffix):
    if filter_covers_prefix(pattern, prefix):
        assert filter_matches(pattern, prefix + suffix)
    else:
        # Not covering: the prefix itself, or the prefix with some suffix, escapes the filter.
        assert not filter_matches(pattern, prefix) or not filter_matches(pattern, prefix + "~")


@pytest.mark.parametrize(
    ("pattern", "prefix", "covers"),
    [
        ("*", "", True),
        ("models*", "models", True),
        ("mo*ls*", "models/x", True),
        ("models", "team/models", True),
        ("models/*", "models", False),
        ("models", "", False),
        ("*llm", "models", False),
    ],
)
def test_filters_covering_a_replication_prefix(pattern, prefix, covers):
    assert filter_covers_prefix(pattern, prefix) is covers


@pytest.mark.parametrize(
    ("pattern", "accepted"),
    [("x" * 255, True), ("x" * 256, False), ("x", True), ("", False), ("Models/*", False), ("models//x", False)],
)
def test_a_filter_ecr_refuses_is_named_at_the_length_limits_and_the_pattern(pattern, accepted):
    assert (filter_problem(pattern) is None) is accepted


# --- which frequency a repository gets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("scan_type", "matching", "applied"),
    [
        ("ENHANCED", ["SCAN_ON_PUSH", "CONTINUOUS_SCAN"], "CONTINUOUS_SCAN"),
        ("ENHANCED", ["SCAN_ON_PUSH"], "SCAN_ON_PUSH"),
        ("ENHANCED", [], "DISABLED"),
        ("ENHANCED", ["MANUAL"], "DISABLED"),
        ("BASIC", ["CONTINUOUS_SCAN", "SCAN_ON_PUSH"], "SCAN_ON_PUSH"),
        ("BASIC", ["CONTINUOUS_SCAN"], "MANUAL"),
        ("BASIC", [], "MANUAL"),
    ],
)
def test_continuous_wins_over_on_push_and_an_unmatched_repository_is_disabled_or_manual(scan_type, matching, applied):
    assert applied_frequency(scan_type, matching) == applied


@settings(deadline=None, max_examples=200)
@given(
    scan_type=st.sampled_from(["ENHANCED", "BASIC", "OTHER"]),
    matching=st.lists(st.sampled_from(["SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL", "OTHER"]), max_size=5),
)
def test_the_applied_frequency_is_the_documented_one_whatever_the_order_of_the_rules(scan_type, matching):
    if scan_type == "ENHANCED":
        expected = (
            "CONTINUOUS_SCAN"
            if "CONTINUOUS_SCAN" in matching
            else "SCAN_ON_PUSH"
            if "SCAN_ON_PUSH" in matching
            else "DISABLED"
        )
    elif scan_type == "BASIC":
        expected = "SCAN_ON_PUSH" if "SCAN_ON_PUSH" in matching else "MANUAL"
    else:  # a scan type ECR does not know scans nothing
        expected = "MANUAL"
    assert applied_frequency(scan_type, matching) == expected
    assert applied_frequency(scan_type, list(reversed(matching))) == expected
