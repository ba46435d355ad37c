"""The diff: access changes per policy statement, and protected resources that would be deleted."""

import copy
import subprocess

from offline_preview.diff import (
    BLOCKED,
    README_SECTION,
    diff_manifests,
    format_changes,
)
from offline_preview.grants import Grant
from offline_preview.revisions import manifests_at_revision, resolve_revision
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


def test_the_blocked_message_points_at_a_section_that_exists():
    assert README_SECTION == 'docs/checks.md, section "Renaming or removing a model"'
    headings = (REPO_ROOT / "docs" / "checks.md").read_text().splitlines()
    assert "## Renaming or removing a model" in headings


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


# --- the command flow: revisions, folders, failures, exit codes ------------------------------------

import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402
from offline_preview.access_changes import access_broadens, by_principal, format_by_principal  # noqa: E402
from offline_preview.cli import EXIT_BROADENS, EXIT_FAILED, EXIT_OK, EXIT_USAGE, main  # noqa: E402
from offline_preview.diff import BLOCKED_REPLACE  # noqa: E402

REPOSITORY = "aws:ecr/repository:Repository"
GIT = ["git", "-c", "user.email=test@example.com", "-c", "user.name=test"]


def _resource(head, urn):
    return next(r for r in head["resources"] if r["urn"] == urn)


def test_changing_a_protected_repository_name_is_blocked_as_a_replacement(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    _resource(head, ALPHA)["inputs"]["name"] = "other/alpha"
    (change,) = diff_manifests(basic_manifest, head)
    assert change.blocked.startswith(f"{BLOCKED_REPLACE}: name changed")


def test_changing_a_protected_repository_encryption_is_blocked(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    _resource(head, ALPHA)["inputs"]["encryptionConfigurations"] = [{"encryptionType": "AES256"}]
    (change,) = diff_manifests(basic_manifest, head)
    assert "encryptionConfigurations changed" in change.blocked


def test_an_in_place_update_of_a_protected_repository_is_not_blocked(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    _resource(head, ALPHA)["inputs"]["imageTagMutability"] = "MUTABLE"
    (change,) = diff_manifests(basic_manifest, head)
    assert change.blocked == ""


def _gain_principal(manifest, principal):
    head = copy.deepcopy(manifest)
    statement = _statement(head)
    statement["Principal"]["AWS"] = [statement["Principal"]["AWS"], principal]
    return head


def test_a_gained_allow_broadens_access_and_a_lost_one_does_not(basic_manifest):
    head = _gain_principal(basic_manifest, "arn:aws:iam::444455556666:root")
    assert access_broadens({"s": diff_manifests(basic_manifest, head)})
    assert not access_broadens({"s": diff_manifests(head, basic_manifest)})


def test_grants_are_summarised_per_principal_with_a_total(basic_manifest):
    head = _gain_principal(basic_manifest, "arn:aws:iam::444455556666:root")
    summary = by_principal({"s": diff_manifests(basic_manifest, head)})
    assert [(e["principal"], e["direction"], e["access"], e["count"]) for e in summary] == [
        ("arn:aws:iam::444455556666:root", "gains", "ecr:BatchGetImage, ecr:GetDownloadUrlForLayer", 1)
    ]
    text = format_by_principal(summary)
    assert "arn:aws:iam::444455556666:root gains ecr:BatchGetImage, ecr:GetDownloadUrlForLayer on 1 repository" in text
    assert text.endswith("total: 1 principal(s) gain access, 0 lose access, 0 deny change(s), on 1 resource(s)")


def test_a_conditional_grant_is_summarised_with_its_condition_and_a_deny_is_not_counted_as_access(basic_manifest):
    head = copy.deepcopy(basic_manifest)
    document = by_name(head, "alpha-policy")["inputs"]["policy"]
    document["Statement"] = [
        {
            "Sid": "OrgPulls",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["ecr:BatchGetImage"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        },
        {"Sid": "NoDelete", "Effect": "Deny", "Principal": "*", "Action": "ecr:BatchDeleteImage"},
    ]
    summary = by_principal({"s": diff_manifests(basic_manifest, head)})
    gained = {(e["principal"], e["access"]) for e in summary if e["direction"] == "gains"}
    assert ("* if aws:PrincipalOrgID StringEquals o-a1b2c3d4e5", "ecr:BatchGetImage") in gained
    assert ("*", "deny of ecr:BatchDeleteImage") in gained
    assert format_by_principal(summary).splitlines()[-1].startswith("total: 1 principal(s) gain access")


def _manifest_dirs(tmp_path, base, head):
    dirs = []
    for name, manifest in (("base", base), ("head", head)):
        directory = tmp_path / name
        directory.mkdir()
        (directory / "fixture.json").write_text(json.dumps(manifest))
        dirs.append(str(directory))
    return ["diff", "--base-dir", dirs[0], "--head-dir", dirs[1]]


def test_exit_3_when_access_broadens_and_the_json_says_why(basic_manifest, tmp_path, capsys):
    head = _gain_principal(basic_manifest, "arn:aws:iam::444455556666:root")
    assert main([*_manifest_dirs(tmp_path, basic_manifest, head), "--json"]) == EXIT_BROADENS
    report = json.loads(capsys.readouterr().out)
    assert (report["exitCode"], report["accessBroadens"], report["verdict"]) == (3, True, "OK")
    assert report["byPrincipal"][0]["principal"] == "arn:aws:iam::444455556666:root"
    import jsonschema

    schema = json.loads((REPO_ROOT / "tools/offline_preview/schemas/diff-report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)


def test_exit_1_when_blocked_even_if_access_also_broadens(basic_manifest, tmp_path, capsys):
    head = _gain_principal(basic_manifest, "arn:aws:iam::444455556666:root")
    _resource(head, ALPHA)["inputs"]["name"] = "renamed"
    assert main(_manifest_dirs(tmp_path, basic_manifest, head)) == EXIT_FAILED
    assert "BLOCKED" in capsys.readouterr().out


def test_exit_0_when_access_only_narrows(basic_manifest, tmp_path):
    head = _gain_principal(basic_manifest, "arn:aws:iam::444455556666:root")
    assert main(_manifest_dirs(tmp_path, head, basic_manifest)) == EXIT_OK


@pytest.fixture
def repo_copy(tmp_path, monkeypatch):
    """A git repository holding this one's stacks, shared library and pack configs, committed once."""
    root = tmp_path / "repo"
    for part in ("stacks", "shared", "policy-pack/config", "catalog"):
        shutil.copytree(REPO_ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-qm", "base"], check=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return root, scratch


def _edit_stack_config(root, project, change):
    path = root / "stacks" / project / "Pulumi.local.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"].update(change)
    path.write_text(yaml.safe_dump(data))


def _diff(root, *extra):
    return main(["diff", "--base", "HEAD", "--env", "local", "--repo-root", str(root), "--quiet", *extra])


def test_a_working_tree_that_fails_to_evaluate_fails_the_diff_naming_it(repo_copy, capsys):
    root, scratch = repo_copy
    (root / "build" / "preview" / "local").mkdir(parents=True)  # a stale build/ must not stand in
    _edit_stack_config(root, "registry", {"registry:costCentre": 7})
    assert _diff(root) == EXIT_FAILED
    err = capsys.readouterr().err.strip()
    assert err.startswith("offline-preview: diff failed: working tree: registry:") and "\n" not in err
    assert list(scratch.iterdir()) == []  # both revisions' folders removed


def test_a_base_revision_that_fails_to_evaluate_fails_the_diff_naming_it(repo_copy, capsys):
    root, scratch = repo_copy
    path = root / "stacks" / "access" / "Pulumi.local.yaml"
    good = path.read_text()
    _edit_stack_config(root, "access", {"access:CI": {}})
    subprocess.run([*GIT, "-C", str(root), "commit", "-qam", "broken"], check=True)
    path.write_text(good)
    assert _diff(root) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "diff failed: base revision HEAD: access:" in err and "access:CI: unknown key" in err
    assert list(scratch.iterdir()) == []


def test_a_namespace_change_is_blocked_for_every_protected_repository(repo_copy, capsys):
    root, _ = repo_copy
    _edit_stack_config(root, "registry", {"registry:namespace": "ml-models"})
    assert _diff(root) == EXIT_FAILED
    out = capsys.readouterr().out
    catalog = [yaml.safe_load(path.read_text()) for path in (root / "catalog").glob("*.yaml")]
    repositories = sum(len(team["models"]) for team in catalog)
    assert out.count(f"{BLOCKED_REPLACE}: name changed") == repositories


def test_base_is_a_git_revision_never_a_shell_command(repo_copy, capsys):
    root, _ = repo_copy
    marker = root / "injected"
    status = main(["diff", "--base", f"HEAD; touch {marker}", "--env", "local", "--repo-root", str(root), "--quiet"])
    assert status == EXIT_USAGE and not marker.exists()
    assert "is not a commit of" in capsys.readouterr().err


def test_an_unknown_environment_is_a_usage_error(repo_copy, capsys):
    root, _ = repo_copy
    assert main(["diff", "--base", "HEAD", "--env", "staging", "--repo-root", str(root), "--quiet"]) == EXIT_USAGE
    assert "unknown environment 'staging'" in capsys.readouterr().err


def test_an_environment_is_any_with_its_files(repo_copy, capsys):
    root, _ = repo_copy
    for project in ("registry", "replication", "access"):
        shutil.copy(root / "stacks" / project / "Pulumi.local.yaml", root / "stacks" / project / "Pulumi.qa.yaml")
    shutil.copy(root / "policy-pack/config/local.json", root / "policy-pack/config/qa.json")
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-qm", "qa"], check=True)
    assert main(["diff", "--base", "HEAD", "--env", "qa", "--repo-root", str(root), "--quiet"]) == EXIT_OK
    assert "no changes" in capsys.readouterr().out


def test_pull_and_push_in_the_summary_mean_what_the_access_matrix_columns_mean():
    from model_registry.policy_documents.ecr import PULL_ACTIONS, PUSH_ONLY_ACTIONS
    from offline_preview.access_changes import access_verb
    from offline_preview.access_rows import CAPABILITIES

    assert set(CAPABILITIES["pull"]) == set(PULL_ACTIONS) and set(CAPABILITIES["push"]) == set(PUSH_ONLY_ACTIONS)
    assert access_verb(set(PULL_ACTIONS)) == "pull"
    assert access_verb(set(PUSH_ONLY_ACTIONS)) == "push"  # what the deny-push guard denies
    assert access_verb(set(PULL_ACTIONS) | set(PUSH_ONLY_ACTIONS)) == "pull and push"
    assert access_verb({"ecr:BatchGetImage", "ecr:PutImage"}) == "ecr:BatchGetImage, ecr:PutImage"


# --- what broadens access: an existing principal gaining on an existing resource, or a new principal ---


def _new_model(manifest, name: str, principals: list[str]) -> dict:
    """`manifest` plus a model `name`: its repository and a repository policy granting `principals` pull."""
    head = copy.deepcopy(manifest)
    repository = copy.deepcopy(_resource(head, ALPHA))
    repository["urn"] = ALPHA.removesuffix("alpha") + name
    repository["inputs"]["name"] = repository["inputs"]["name"].removesuffix("alpha") + name
    policy = copy.deepcopy(by_name(head, "alpha-policy"))
    policy["urn"] = POLICY_URN.replace("alpha-policy", f"{name}-policy")
    policy["inputs"]["repository"] = repository["inputs"]["name"]
    statement = policy["inputs"]["policy"]["Statement"][0]
    statement["Principal"] = {"AWS": principals}
    head["resources"] += [repository, policy]
    return head


def _alpha_principals(manifest) -> list[str]:
    principal = _statement(manifest)["Principal"]["AWS"]
    return principal if isinstance(principal, list) else [principal]


def test_a_new_model_granting_the_principals_every_repository_grants_does_not_broaden(basic_manifest, tmp_path, capsys):
    head = _new_model(basic_manifest, "zeta", _alpha_principals(basic_manifest))
    assert main([*_manifest_dirs(tmp_path, basic_manifest, head), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert (report["accessBroadens"], report["broadening"]) == (False, [])
    assert report["byPrincipal"][0]["direction"] == "gains"  # the grants are shown all the same


def test_a_new_model_granting_a_new_principal_broadens(basic_manifest, tmp_path, capsys):
    head = _new_model(basic_manifest, "zeta", [*_alpha_principals(basic_manifest), "arn:aws:iam::444455556666:root"])
    assert main([*_manifest_dirs(tmp_path, basic_manifest, head), "--json"]) == EXIT_BROADENS
    reasons = json.loads(capsys.readouterr().out)["broadening"]
    assert reasons and all(r.startswith("new principal arn:aws:iam::444455556666:root gains ecr:") for r in reasons)


def test_an_existing_principal_gaining_on_an_existing_repository_broadens(basic_manifest, tmp_path, capsys):
    head = copy.deepcopy(basic_manifest)
    statement = _statement(head)
    statement["Action"] = [*statement["Action"], "ecr:PutImage"]
    assert main(_manifest_dirs(tmp_path, basic_manifest, head)) == EXIT_BROADENS
    out = capsys.readouterr().out
    assert f"{_alpha_principals(basic_manifest)[0]} gains ecr:PutImage on " in out and "which already existed" in out


def test_a_new_policy_on_a_repository_that_existed_broadens_even_for_known_principals(basic_manifest, tmp_path):
    head = _new_model(basic_manifest, "zeta", _alpha_principals(basic_manifest))  # zeta's grants make them known
    base = copy.deepcopy(head)
    base["resources"] = [r for r in base["resources"] if r["urn"] != POLICY_URN]  # alpha had no policy yet
    assert main(_manifest_dirs(tmp_path, base, head)) == EXIT_BROADENS


def test_the_real_stacks_adding_a_catalog_model_for_the_standard_consumers_do_not_broaden(tmp_path, capsys):
    """The stacks themselves: a new model in a team's catalog file, with no consumers of its own."""
    repo = tmp_path / "repo"
    shutil.copytree(
        REPO_ROOT,
        repo,
        ignore=shutil.ignore_patterns(".venv", ".git", "build", ".bootstrap", ".tools", ".pulumi-state", ".moto"),
    )
    catalog = repo / "catalog" / "nlp.yaml"
    data = yaml.safe_load(catalog.read_text())
    base_out, head_out = tmp_path / "base", tmp_path / "head"
    assert (
        main(
            [
                "--env",
                "dev",
                "--repo-root",
                str(repo),
                "--build-dir",
                str(base_out),
                "--no-policy",
                "--no-checkov",
                "--quiet",
                "--json",
            ]
        )
        == 0
    )
    models = data["models"]
    models.append({"name": "adoption-probe", "description": "a model added by a test"})
    catalog.write_text(yaml.safe_dump(data, sort_keys=False))
    assert (
        main(
            [
                "--env",
                "dev",
                "--repo-root",
                str(repo),
                "--build-dir",
                str(head_out),
                "--no-policy",
                "--no-checkov",
                "--quiet",
                "--json",
            ]
        )
        == 0
    )
    capsys.readouterr()
    status = main(
        [
            "diff",
            "--base-dir",
            str(base_out / "preview" / "dev"),
            "--head-dir",
            str(head_out / "preview" / "dev"),
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert (status, report["broadening"]) == (EXIT_OK, [])
    gained = {e["principal"] for e in report["byPrincipal"] if e["direction"] == "gains"}
    assert gained  # the new repository's consumers are listed, as gains that broaden nothing


# --- the picture ------------------------------------------------------------------------------------


def test_the_mermaid_picture_marks_added_edges_and_keeps_unchanged_ones_thin(basic_manifest, tmp_path, capsys):
    head = _gain_principal(basic_manifest, "arn:aws:iam::444455556666:root")
    picture = tmp_path / "graph.md"
    assert main([*_manifest_dirs(tmp_path, basic_manifest, head), "--mermaid", str(picture)]) == EXIT_BROADENS
    text = picture.read_text()
    assert "```mermaid\nflowchart LR\n" in text
    added = [line for line in text.splitlines() if " ==>|" in line]
    assert added and all('|"+ pull"|' in line for line in added)
    (node,) = [line for line in text.splitlines() if "444455556666" in line]
    assert node.strip().startswith("p") and '["arn:aws:iam::444455556666:root"]' in node
    assert "linkStyle" in text and "1 edge(s) added (thick, +), 0 removed (dotted, -)" in text


def test_the_mermaid_picture_marks_removed_edges(basic_manifest, tmp_path):
    head = _gain_principal(basic_manifest, "arn:aws:iam::444455556666:root")
    picture = tmp_path / "graph.md"
    main([*_manifest_dirs(tmp_path, head, basic_manifest), "--mermaid", str(picture)])
    removed = [line for line in picture.read_text().splitlines() if " -.->|" in line]
    assert removed == [next(line for line in removed if '|"- pull"|' in line)]


def test_a_principal_is_never_mermaid_syntax():
    from offline_preview.mermaid import graph

    text = graph({('evil"]-->x[("', "models/a", "pull"): "added"})
    node = next(line for line in text.splitlines() if line.strip().startswith("p0["))
    assert node == '  p0["evil#34;#93;--#62;x#91;(#34;"]'


def test_a_large_picture_keeps_the_changed_edges_and_says_what_it_left_out():
    from offline_preview.mermaid import graph

    states = {(f"role-{i}", f"models/m{i}", "pull"): "kept" for i in range(200)}
    states[("newcomer", "models/m0", "push")] = "added"
    text = graph(states, max_edges=50)
    assert text.count("-->|") == 0 and text.count("==>|") == 1
    assert "200 unchanged or surplus edge(s) left out of the picture" in text
