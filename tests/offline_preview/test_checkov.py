"""The Terraform-plan translation, judged by checkov itself (one CLI run and one worker run)."""

import json

import pytest
from offline_preview import checkov
from offline_preview.checkov_plan import attribute_values, terraform_type, write_plans
from offline_preview.evaluate import evaluate
from offline_preview.manifest import build_manifest
from preview_helpers import program


def _installed() -> bool:
    try:
        checkov.find_checkov()
    except checkov.CheckovError:
        return False
    return True


needs_checkov = pytest.mark.skipif(not _installed(), reason=checkov.INSTALL_HINT)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("aws:ecr/repository:Repository", "aws_ecr_repository"),
        ("aws:ecr/repositoryPolicy:RepositoryPolicy", "aws_ecr_repository_policy"),
        (
            "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
            "aws_ecr_registry_scanning_configuration",
        ),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws_iam_role_policy_attachment"),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws_iam_openid_connect_provider"),
        ("aws:kms/key:Key", "aws_kms_key"),
        ("pulumi:pulumi:StackReference", None),
        ("modelregistry:registry:ModelRegistry", None),
    ],
)
def test_terraform_types_come_from_the_type_token(token, expected):
    assert terraform_type(token) == expected


def test_inputs_become_snake_case_attributes_and_blocks():
    values = attribute_values(
        {
            "imageTagMutability": "IMMUTABLE",
            "imageScanningConfiguration": {"scanOnPush": True},
            "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:k"}],
            "tags": {"costCentre": "ml"},
            "clientIdLists": ["sts.amazonaws.com"],
        }
    )
    assert values == {
        "image_tag_mutability": "IMMUTABLE",
        "image_scanning_configuration": [{"scan_on_push": True}],
        "encryption_configuration": [{"encryption_type": "KMS", "kms_key": "arn:k"}],
        "tags": {"costCentre": "ml"},
        "client_id_list": ["sts.amazonaws.com"],
    }


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    manifest = build_manifest(evaluate(program("checkov_cases"), "local"))
    return write_plans(manifest, tmp_path_factory.mktemp("plans"), per_file=4)


@pytest.fixture(scope="module")
def cli_verdicts(cases):
    paths, planned = cases
    return {(f.address, f.check_id) for f in checkov.findings(checkov.run_cli(paths), planned, [])}


def test_plans_are_split_into_files_and_policies_are_json_strings(cases):
    paths, planned = cases
    assert len(paths) == 3  # 10 resources, 4 per file
    policy = planned["aws_ecr_repository_policy.policy-public"]["values"]["policy"]
    assert json.loads(policy)["Statement"][0]["Principal"] == "*"
    assert planned["aws_ecr_repository.repo-secure"]["urn"].endswith("::repo-secure")


@needs_checkov
@pytest.mark.parametrize(
    ("address", "check"),
    [
        ("aws_ecr_repository.repo-no-scan", "CKV_AWS_163"),
        ("aws_ecr_repository.repo-mutable", "CKV_AWS_51"),
        ("aws_ecr_repository.repo-aes", "CKV_AWS_136"),
        ("aws_ecr_repository_policy.policy-public", "CKV_AWS_32"),
        ("aws_iam_role.role-trust-anyone", "CKV_AWS_60"),
    ],
)
def test_each_insecure_resource_fails_its_check_in_checkov(cli_verdicts, address, check):
    assert (address, check) in cli_verdicts


@needs_checkov
@pytest.mark.parametrize(
    "address",
    [
        "aws_ecr_repository.repo-secure",
        "aws_ecr_repository_policy.policy-account",
        "aws_iam_role.role-trust-service",
    ],
)
def test_the_secure_versions_pass(cli_verdicts, address):
    assert [check for failed, check in cli_verdicts if failed == address] == []


@needs_checkov
def test_each_insecure_repository_fails_only_its_own_check(cli_verdicts):
    repositories = sorted((a, c) for a, c in cli_verdicts if a.startswith("aws_ecr_repository."))
    assert repositories == [
        ("aws_ecr_repository.repo-aes", "CKV_AWS_136"),
        ("aws_ecr_repository.repo-mutable", "CKV_AWS_51"),
        ("aws_ecr_repository.repo-no-scan", "CKV_AWS_163"),
    ]


@needs_checkov
def test_the_worker_gives_the_same_verdicts_as_the_command(cases, cli_verdicts):
    paths, planned = cases
    with checkov.CheckovWorker() as worker:
        assert worker.wait_ready() == "3.3.30"
        found = {(f.address, f.check_id) for f in checkov.findings(worker.scan(paths), planned, [])}
    assert found == cli_verdicts


def test_a_skip_waives_only_what_it_names(tmp_path):
    skip_file = tmp_path / "skips.yaml"
    skip_file.write_text(
        "skips:\n  - check: CKV_AWS_51\n    resource_types: [aws_ecr_repository]\n"
        "    where: {image_tag_mutability: IMMUTABLE_WITH_EXCLUSION}\n"
        "    reason: latest stays movable on purpose\n"
    )
    skips = checkov.load_skips(skip_file)
    failed = [
        {"check_id": "CKV_AWS_51", "check_name": "immutable", "resource": address, "guideline": None}
        for address in ("aws_ecr_repository.a", "aws_ecr_repository.b")
    ]
    planned = {
        "aws_ecr_repository.a": {"urn": "urn:a", "values": {"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION"}},
        "aws_ecr_repository.b": {"urn": "urn:b", "values": {"image_tag_mutability": "MUTABLE"}},
    }
    result = {f.urn: f.waived for f in checkov.findings(failed, planned, skips)}
    assert result == {"urn:a": "latest stays movable on purpose", "urn:b": None}


def test_a_skip_without_a_real_reason_is_refused(tmp_path):
    skip_file = tmp_path / "skips.yaml"
    skip_file.write_text("skips:\n  - check: CKV_AWS_51\n    reason: because\n")
    with pytest.raises(checkov.CheckovError, match="at least 10 characters"):
        checkov.load_skips(skip_file)


def test_the_checked_in_skip_file_is_valid_and_every_entry_has_a_reason():
    for skip in checkov.load_skips():
        assert len(skip.reason) >= checkov.MIN_REASON_LENGTH


def test_missing_checkov_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("OFFLINE_PREVIEW_CHECKOV", str(tmp_path / "absent"))
    monkeypatch.setattr(checkov, "REPO_ROOT", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(checkov.CheckovError, match="run `make tools`"):
        checkov.find_checkov()
