"""End to end: the project's own three stacks through the whole offline preview.

Each case edits a copy of the stacks (config or program) and runs the same pipeline as
`make preview-all`: evaluation under the SDK's mocks, the policy pack over gRPC, checkov.
"""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from model_registry.contract import DEPLOY_ORDER
from model_registry.tagging import REQUIRED_TAG_KEYS
from offline_preview.diff import diff_directories, format_changes, has_blocked
from offline_preview.manifest import load_manifest
from offline_preview.run import Options, run_preview
from preview_helpers import REPO_ROOT
from registry_policies import names as policy_names

KEPT_TYPES = ("aws:ecr/repository:Repository", "aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey")


def copy_stacks(tmp_path: Path, config: dict | None = None, code: dict | None = None, catalog=None) -> list[Path]:
    """The three stacks and the catalog folder, copied; `config[project]` edits its Pulumi.local.yaml,
    `code[project]` is appended, `catalog` edits the team files ({file name: content})."""
    shutil.copytree(REPO_ROOT / "catalog", tmp_path / "catalog")  # where ../../catalog points from the copies
    if catalog:
        files = {p.name: yaml.safe_load(p.read_text()) for p in (tmp_path / "catalog").glob("*.yaml")}
        catalog(files)
        for name, content in files.items():
            (tmp_path / "catalog" / name).write_text(yaml.safe_dump(content, sort_keys=False))
    directories = []
    for project in DEPLOY_ORDER:
        source, target = REPO_ROOT / "stacks" / project, tmp_path / "stacks" / project
        target.mkdir(parents=True)
        for name in ("Pulumi.yaml", "Pulumi.local.yaml", "__main__.py"):
            shutil.copy(source / name, target / name)
        if config and project in config:
            stack_file = target / "Pulumi.local.yaml"
            document = yaml.safe_load(stack_file.read_text())
            config[project](document["config"])
            stack_file.write_text(yaml.safe_dump(document))
        if code and project in code:
            with open(target / "__main__.py", "a") as program:
                program.write(code[project])
        directories.append(target)
    return directories


def preview(tmp_path: Path, checkov: bool = False, **edits):
    return run_preview(
        Options(env="local", projects=copy_stacks(tmp_path, **edits), build_dir=tmp_path / "build", checkov=checkov)
    )


def mandatory(result, project: str) -> dict[str, list[str]]:
    stack = next(s for s in result.stacks if s.project == project)
    found: dict[str, list[str]] = {}
    for violation in stack.mandatory:
        found.setdefault(violation.policy, []).append(violation.message)
    return found


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    build = tmp_path_factory.mktemp("clean")
    return build, run_preview(Options(env="local", build_dir=build))


def test_the_three_stacks_preview_clean_with_the_pack_and_checkov(clean):
    _, result = clean
    assert [s.project for s in result.stacks] == list(DEPLOY_ORDER)
    for stack in result.stacks:
        assert (stack.error, stack.policy_error, stack.checkov_error) == ("", "", ""), stack.project
        assert stack.mandatory == [], stack.project
        assert stack.unwaived == [], stack.project
    assert result.ok
    registry = result.stacks[0]
    assert registry.resources_by_type["aws:ecr/repository:Repository"] == 4
    assert registry.resources_by_type["aws:ecr/lifecyclePolicy:LifecyclePolicy"] == 4


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_real_environments_preview_clean_under_their_stricter_pack_config(env, tmp_path):
    result = run_preview(Options(env=env, build_dir=tmp_path, checkov=False))
    assert [(s.project, s.error, s.mandatory) for s in result.stacks] == [(p, "", []) for p in DEPLOY_ORDER]


def test_every_repository_and_key_is_protected_and_retained_in_the_manifests(clean):
    build, _ = clean
    kept = [
        resource
        for project in DEPLOY_ORDER
        for resource in load_manifest(build / "preview" / "local" / f"{project}.json")["resources"]
        if resource["type"] in KEPT_TYPES
    ]
    assert len(kept) == 4 + 1  # repositories and the registry key (locally no replica keys: see Pulumi.local.yaml)
    assert [(r["name"], r["options"]["protect"], r["options"]["retainOnDelete"]) for r in kept] == [
        (r["name"], True, True) for r in kept
    ]


def test_a_catalog_entry_with_scanning_disabled_fails_on_ecr_scanning_enabled_and_checkov(tmp_path):
    def no_scan(files):
        files["speech.yaml"]["models"][0]["scanOnPush"] = False  # whisper-large-v3

    result = preview(tmp_path, checkov=True, catalog=no_scan)
    assert not result.ok
    found = mandatory(result, "registry")
    assert list(found) == [policy_names.SCANNING]
    assert "does not scan images on push" in found[policy_names.SCANNING][0]
    registry = result.stacks[0]
    assert [(f.check_id, f.urn.rsplit("::", 1)[1]) for f in registry.unwaived] == [("CKV_AWS_163", "whisper-large-v3")]


def test_a_wildcard_consumer_in_config_is_refused_naming_the_field(tmp_path):
    def everyone(config):
        config["access:consumers"]["principals"] = ["*"]

    result = preview(tmp_path, config={"access": everyone})
    access = result.stacks[2]
    assert "access:consumers.principals[0]: '*' is not an IAM principal ARN" in access.error
    assert not result.ok


def test_a_wildcard_principal_written_into_a_program_fails_on_no_wildcard_principal(tmp_path):
    # The config refuses "*" before the pack sees it; a program that writes one itself is caught by the pack.
    open_policy = (
        "\nimport json as _json\n"
        "aws.ecr.RepositoryPolicy('open-to-everyone', repository='models/resnet-50', policy=_json.dumps("
        "{'Version': '2012-10-17', 'Statement': [{'Sid': 'Everyone', 'Effect': 'Allow', 'Principal': '*',"
        " 'Action': ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']}]}))\n"
    )
    result = preview(tmp_path, code={"access": open_policy})
    found = mandatory(result, "access")
    assert list(found) == [policy_names.NO_WILDCARD_PRINCIPAL]
    assert 'statement "Everyone" grants to the wildcard Principal "*"' in found[policy_names.NO_WILDCARD_PRINCIPAL][0]


def test_a_replication_destination_outside_the_allowed_regions_fails(tmp_path):
    def to_mumbai(config):
        config["replication:rules"][0]["destinations"].append({"region": "ap-south-1"})

    result = preview(tmp_path, config={"replication": to_mumbai})
    found = mandatory(result, "replication")
    assert list(found) == [policy_names.REPLICATION_ALLOWED]
    assert (
        "replicates to region 'ap-south-1', which is not in allowedRegions"
        in found[policy_names.REPLICATION_ALLOWED][0]
    )


def test_renaming_a_model_shows_as_a_blocked_deletion_pointing_to_the_procedure(clean, tmp_path):
    base, _ = clean

    def rename(files):
        files["vision.yaml"]["models"][0]["name"] = "resnet-50-v2"

    result = preview(tmp_path, catalog=rename)
    assert result.stacks[0].error == ""
    changes = diff_directories(base / "preview" / "local", tmp_path / "build" / "preview" / "local")
    assert has_blocked(changes)
    removed = [c for c in changes["registry"] if c.kind == "removed" and c.blocked]
    # The lifecycle policy is the repository's child and inherits its `protect`.
    assert sorted(c.urn.rsplit("::", 1)[1] for c in removed) == ["resnet-50", "resnet-50-lifecycle"]
    text = format_changes("registry", changes["registry"])
    assert "BLOCKED: protected resource would be deleted" in text
    assert "Renaming or removing a model" in text


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_the_pack_requires_exactly_the_tags_the_stacks_set(env):
    config = json.loads((REPO_ROOT / "policy-pack" / "config" / f"{env}.json").read_text())
    assert tuple(config[policy_names.REQUIRED_TAGS]["requiredTags"]) == REQUIRED_TAG_KEYS


def test_a_kept_replication_rule_inside_the_namespace_fails_naming_the_file_line_and_field(tmp_path):
    def keep_ours(config):
        config["replication:keptRules"] = [
            {"destinations": [{"region": "eu-west-1"}], "repositoryFilters": [{"filter": "models/llm"}]}
        ]

    result = preview(tmp_path, config={"replication": keep_ours})
    replication = next(s for s in result.stacks if s.project == "replication")
    assert re.search(
        r"Pulumi\.local\.yaml:\d+: replication:keptRules\[0\]\.repositoryFilters\[0\]\.filter: 'models/llm' is inside "
        r"the registry namespace 'models'",
        replication.error,
    ), replication.error
    assert "Traceback" not in replication.error


def test_the_account_s_kept_rules_preview_clean_beside_the_stack_s_own(tmp_path):
    def keep_team_x(config):
        config["replication:keptRules"] = [
            {
                # A region the stack scans (its '*' rule keeps team-x's replicas scanned on push).
                "destinations": [{"region": "us-west-2"}],
                "repositoryFilters": [{"filter": "team-x/"}],
            }
        ]

    result = preview(tmp_path, config={"replication": keep_team_x})
    assert [(s.project, s.error, s.mandatory) for s in result.stacks] == [(p, "", []) for p in DEPLOY_ORDER]


def test_a_kept_registry_statement_ecr_would_refuse_fails_naming_the_file_line_and_field(tmp_path):
    def keep_a_bad_statement(config):
        config["replication:keptRegistryStatements"] = [
            {
                "Sid": "Cache",
                "Effect": "Permit",
                "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
                "Action": "ecr:*",
            }
        ]

    result = preview(tmp_path, config={"replication": keep_a_bad_statement})
    replication = next(s for s in result.stacks if s.project == "replication")
    assert re.search(
        r"Pulumi\.local\.yaml:\d+: replication:keptRegistryStatements\[0\]: Effect must be Allow or Deny \(got 'Permit'\)",
        replication.error,
    ), replication.error
