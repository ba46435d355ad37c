"""Wildcards as IAM matches them: `*` any run, `?` one character, everything else literal."""

import re

import pytest
from aws_facts.iam import arn_matches, matches
from hypothesis import given, settings
from hypothesis import strategies as st


def reference(pattern: str, value: str) -> bool:
    """An independent statement of the rule: dynamic programming over pattern and value."""
    table = [[False] * (len(value) + 1) for _ in range(len(pattern) + 1)]
    table[0][0] = True
    for i, p in enumerate(pattern, 1):
        table[i][0] = table[i - 1][0] and p == "*"
        for j, v in enumerate(value, 1):
            if p == "*":
                table[i][j] = table[i - 1][j] or table[i][j - 1]
            else:
                table[i][j] = table[i - 1][j - 1] and (p == "?" or p == v)
    return table[-1][-1]


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("ecr:Get*", "ecr:GetAuthorizationToken", True),
        ("ecr:Get*", "ecr:BatchGetImage", False),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("a.c", "abc", False),
        ("*", "", True),
        ("repo:acme/*", "repo:acme/x:ref:refs/heads/main", True),
    ],
)
def test_named_wildcard_cases(pattern, value, expected):
    assert matches(pattern, value) is expected


def test_case_is_ignored_only_when_asked():
    assert matches("ECR:get*", "ecr:GetImage", ignore_case=True)
    assert not matches("ECR:get*", "ecr:GetImage")


def test_arn_wildcards_stay_inside_their_segment():
    assert arn_matches(
        "arn:aws:ecr:*:123456789012:repository/models/*", "arn:aws:ecr:eu-west-1:123456789012:repository/models/a/b"
    )
    assert not arn_matches("arn:aws:ecr:*:123456789012:repository/*", "arn:aws:ecr:eu-west-1:210987654321:repository/x")
    assert not arn_matches("arn:aws:ecr:us-?ast-1:1?:repository/x", "arn:aws:ecr:us-east-1:1::repository/x")
    assert not arn_matches("arn:aws:ecr:u*1:123456789012:repository/x", "arn:aws:ecr:us:x:1:123456789012:repository/x")


def test_a_star_that_ends_a_segment_may_run_past_the_colons():
    # "If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond
    # the colon boundaries" (IAM JSON policy elements: Resource).
    assert arn_matches("arn:aws:ecr:us-*", "arn:aws:ecr:us-east-1:123456789012:repository/x")
    assert arn_matches(
        "arn:aws:logs:*:123456789012:log-group:app:*", "arn:aws:logs:eu-west-1:123456789012:log-group:app:log-stream:s"
    )


TEXT = st.text(alphabet="ab*?[.", max_size=7)


@settings(max_examples=400, deadline=None)
@given(TEXT, st.text(alphabet="ab*?[.", max_size=7))
def test_matching_equals_the_reference_rule(pattern, value):
    assert matches(pattern, value) is reference(pattern, value)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abAB*?", max_size=6), st.text(alphabet="abAB", max_size=6))
def test_ignoring_case_equals_matching_lower_cased_strings(pattern, value):
    assert matches(pattern, value, ignore_case=True) is reference(pattern.lower(), value.lower())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab*?", max_size=6), st.text(alphabet="ab:", max_size=8))
def test_a_pattern_without_wildcards_matches_only_itself(pattern, value):
    literal = re.sub(r"[*?]", "", pattern)
    assert matches(literal, value) is (literal == value)
