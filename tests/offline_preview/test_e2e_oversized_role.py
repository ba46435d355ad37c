"""A program of our own whose CI role grows with the catalog, through the whole offline preview: refused by
aws-quotas-aggregate (IAM sums a role's inline policies; each document alone would fit)."""

import json
import re
from pathlib import Path

from preview_helpers import preview_one_project, program
from registry_policies import names as policy_names

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def test_the_preview_refuses_a_program_whose_role_carries_too_many_inline_policy_characters(tmp_path, capsys):
    status, _report, stack = preview_one_project(program("oversized_role"), tmp_path, capsys)
    assert status == 1 and stack["ok"] is False
    mandatory = [v for v in stack["policyViolations"] if v["level"] == "mandatory"]
    assert [(v["policy"], v["urn"].split("::")[-1]) for v in mandatory] == [(policy_names.QUOTAS_AGGREGATE, "ciPush")]
    # The expected size, measured independently: the program's documents hold no whitespace in strings.
    manifest = json.loads(Path(stack["manifest"]).read_text())
    documents = [r["inputs"]["policy"] for r in manifest["resources"] if r["type"] == ROLE_POLICY]
    sizes = [len(re.sub(r"\s", "", d if isinstance(d, str) else json.dumps(d))) for d in documents]
    assert len(sizes) == 3 and max(sizes) <= 10_240  # each document alone would fit
    expected = sum(sizes)
    [message] = [v["message"] for v in mandatory]
    # The policy server puts the policy's description on a line before the finding, itself one line.
    description, finding = message.split("\n")
    assert description == "The inline policies of each IAM role, user and group, together, fit IAM's quota."
    assert finding.startswith(
        f"role ciPush (model-registry-ci-push), 3 inline policy documents: the total size of the role's inline "
        f"policies is {expected:,} characters (whitespace not counted), above AWS's limit of 10,240 "
        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)"
    )
