"""The diff: access changes per policy statement, and protected resources that would be deleted."""

import copy
import subprocess

from offline_preview.diff import (
    BLOCKED,
    README_SECTION,
    Grant,
    diff_manifests,
    format_changes,
    manifests_at_revision,
    resolve_revision,
)
from preview_helpers import REPO_ROOT, by_name

POLICY_URN = "urn:pulumi:local::fixture-basic::aws:ecr/repositoryPolicy:RepositoryPolicy::alpha-policy"
ALPHA = "urn:pulumi:local::fixture-basic::fixture:index:ModelRepository$aws:ecr/repository:Repository::alpha"


def _statement(manifest):
    return by_name(manifest, "alpha-policy")["inputs"]["policy"]["Statement"][0]


def test_an_added_principal_and_a_removed_action_are_reported(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    statement = _statement(head)
    role = statement["Principal"]["AWS"]
    statement["Principal"]["AWS"] = [role, "arn:aws:iam::444455556666:root"]
    statement["Action"] = ["ecr:BatchGetImage"]
    (change,) = diff_manifests(basic_manifest, head)
    assert (change.urn, change.kind) == (POLICY_URN, "changed")
    assert change.gained == [Grant("Allow", "arn:aws:iam::444455556666:root", "ecr:BatchGetImage")]
    assert change.lost == [Grant("Allow", role, "ecr:GetDownloadUrlForLayer")]
    text = format_changes("fixture-basic", [change])
    assert "+ gains: arn:aws:iam::444455556666:root may ecr:BatchGetImage" in text
    assert f"- loses: {role} may ecr:GetDownloadUrlForLayer" in text


def test_reordering_a_policy_is_not_an_access_change(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    _statement(head)["Action"].reverse()
    (change,) = diff_manifests(basic_manifest, head)
    assert change.gained == [] and change.lost == []
    assert change.changed_inputs == ["policy: policy reworded, same grants"]


def test_a_changed_input_is_shown_old_and_new(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    next(r for r in head["resources"] if r["urn"] == ALPHA)["inputs"]["imageTagMutability"] = "MUTABLE"
    (change,) = diff_manifests(basic_manifest, head)
    assert change.changed_inputs == ['imageTagMutability: "IMMUTABLE" -> "MUTABLE"']


def test_removing_a_protected_resource_is_blocked(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    head["resources"] = [r for r in head["resources"] if r["urn"] != ALPHA]
    (change,) = diff_manifests(basic_manifest, head)
    assert change.kind == "removed"
    assert change.blocked == f"{BLOCKED} (see {README_SECTION})"
    assert "Renaming or removing a model" in format_changes("fixture-basic", [change])


def test_renaming_a_protected_resource_is_blocked_unless_aliased(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    renamed = next(r for r in head["resources"] if r["urn"] == ALPHA)
    renamed["urn"] = ALPHA.replace("::alpha", "::alpha-v2")
    blocked = {c.kind: c.blocked for c in diff_manifests(basic_manifest, head)}
    assert blocked == {"added": "", "removed": f"{BLOCKED} (see {README_SECTION})"}
    renamed["options"]["aliases"] = [ALPHA]
    assert all(not c.blocked for c in diff_manifests(basic_manifest, head))


def test_removing_an_unprotected_resource_lists_the_access_lost(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    head["resources"] = [r for r in head["resources"] if r["urn"] != POLICY_URN]
    (change,) = diff_manifests(basic_manifest, head)
    assert change.blocked == ""
    assert {g.action for g in change.lost} == {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}


def test_the_base_revision_is_built_in_a_worktree_that_is_removed(tmp_path):
    seen = {}

    def build(root, out):
        seen["root"] = root
        seen["has_tools"] = (root / "tools" / "offline_preview" / "__init__.py").is_file()
        (out / "marker.json").write_text("{}")

    out = manifests_at_revision(REPO_ROOT, resolve_revision(REPO_ROOT, "HEAD"), build, tmp_path)
    assert seen["has_tools"] and (out / "marker.json").is_file()
    assert not seen["root"].exists()
    worktrees = subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "list"], capture_output=True, text=True)
    assert str(seen["root"]) not in worktrees.stdout
