"""The access matrix: who can pull, push or administer each repository, from the policy documents."""

import json

from offline_preview.access_format import format_matrix
from offline_preview.access_matrix import access_matrix
from offline_preview.cli import main

ARN = "arn:aws:ecr:us-east-1:123456789012:repository/models/bert"
CI = "arn:aws:iam::123456789012:role/ci"
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
PUSH = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]


def _repository():
    return {"type": "aws:ecr/repository:Repository", "inputs": {"name": "models/bert"}, "outputs": {"arn": ARN}}


def _repository_policy(*statements):
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return {
        "type": "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "inputs": {"repository": "models/bert", "policy": policy},
    }


def _role_policy(role, *statements):
    return {
        "type": "aws:iam/rolePolicy:RolePolicy",
        "inputs": {"role": role, "policy": json.dumps({"Statement": list(statements)})},
    }


def test_a_pull_grant_shows_pull_only():
    matrix = access_matrix(
        [_repository(), _repository_policy({"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": PULL})]
    )
    assert matrix == {"models/bert": {"111111111111": {"pull": ["repository policy #0"]}}}


def test_an_org_wide_grant_carries_its_condition():
    statement = {
        "Sid": "Org",
        "Effect": "Allow",
        "Principal": "*",
        "Action": PULL,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    }
    matrix = access_matrix([_repository(), _repository_policy(statement)])
    assert list(matrix["models/bert"]) == ["* if aws:PrincipalOrgID=o-a1b2c3d4e5"]


def test_a_deny_except_the_ci_role_takes_push_from_everyone_else():
    only_ci = {
        "Sid": "OnlyCi",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": PUSH,
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": CI}},
    }
    matrix = access_matrix(
        [
            _repository(),
            _repository_policy(
                {"Sid": "Team", "Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": PULL + PUSH},
                {"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": CI}, "Action": PULL + PUSH},
                only_ci,
            ),
        ]
    )
    rows = matrix["models/bert"]
    assert rows["111111111111"]["push"] == ["DENIED by repository policy OnlyCi"]
    assert rows[CI]["push"] == ["repository policy Ci"]
    assert rows["111111111111"]["pull"] == ["repository policy Team"]


def test_an_iam_role_policy_grants_through_its_resource_pattern_only():
    role = {"type": "aws:iam/role:Role", "inputs": {"name": "admin"}, "outputs": {"arn": "arn:aws:iam::1:role/admin"}}
    namespace = {"Sid": "All", "Effect": "Allow", "Action": "ecr:*", "Resource": "arn:aws:ecr:*:*:repository/models/*"}
    elsewhere = {"Effect": "Allow", "Action": "ecr:*", "Resource": "arn:aws:ecr:*:*:repository/other/*"}
    rows = access_matrix([_repository(), role, _role_policy("admin", namespace), _role_policy("admin", elsewhere)])
    [admin] = rows["models/bert"].values()
    assert list(rows["models/bert"]) == ["arn:aws:iam::1:role/admin"]
    assert {c: admin[c] for c in ("pull", "push", "admin")} == {
        c: ["IAM policy All"] for c in ("pull", "push", "admin")
    }
    assert admin["other"][0].startswith("IAM policy All (ecr:")


def test_the_table_marks_granted_partial_denied_and_absent():
    matrix = {
        "models/bert": {
            "p": {
                "pull": ["x"],
                "push": ["DENIED by repository policy OnlyCi"],
                "admin": ["y (only ecr:BatchDeleteImage)"],
            }
        }
    }
    assert format_matrix(matrix).splitlines() == [
        "  models/bert",
        "    pull push admin other  principal",
        "     ✔    ✘    ◐    ·    p",
    ]


def test_repositories_with_the_same_access_share_one_block():
    same = {"p": {"pull": ["x"]}}
    matrix = {f"models/m{i}": same for i in range(5)} | {"models/special": {"q": {"push": ["y"]}}}
    assert format_matrix(matrix).splitlines() == [
        "  models/m0, models/m1, models/m2 and 2 more",
        "    pull push admin other  principal",
        "     ✔    ·    ·    ·    p",
        "  models/special",
        "    pull push admin other  principal",
        "     ·    ✔    ·    ·    q",
    ]


def test_the_preview_report_shows_the_matrix_of_the_stacks(tmp_path, capsys):
    argv = ["--env", "local", "--no-checkov", "--no-policy", "--quiet", "--build-dir", str(tmp_path)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    block = text[text.index("== access matrix") :].splitlines()
    assert block[1] == "  models/llama-3-8b-instruct"  # each team's repositories differ by its push role
    assert "     ✔    ·    ·    ·    arn:aws:iam::210987654321:role/chat-inference" in block
    assert "     ✔    ✔    ·    ·    arn:aws:iam::123456789012:role/model-registry-ci-push-nlp" in block
    assert main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    vision = "arn:aws:iam::123456789012:role/model-registry-ci-push-vision"
    assert report["accessMatrix"]["models/resnet-50"][vision] == {
        "pull": ["repository policy PushByTeamCiRole", "IAM policy PushToTeamRepositories"],
        "push": ["repository policy PushByTeamCiRole", "IAM policy PushToTeamRepositories"],
    }


def test_the_matrix_shows_each_team_push_role_on_its_own_team_repositories_only(tmp_path, capsys):
    argv = ["--env", "local", "--no-checkov", "--no-policy", "--quiet", "--build-dir", str(tmp_path), "--json"]
    assert main(argv) == 0
    matrix = json.loads(capsys.readouterr().out)["accessMatrix"]
    owners = {"models/llama-3-8b-instruct": "nlp", "models/resnet-50": "vision", "models/sdxl-base": "genai"}
    owners["models/whisper-large-v3"] = "speech"
    for repository, team in owners.items():
        pushers = sorted(
            p for p, c in matrix[repository].items() if "push" in c and not c["push"][0].startswith("DENIED")
        )
        role = f"arn:aws:iam::123456789012:role/model-registry-ci-push-{team}"
        assert pushers == [role], repository
        # The deny-push guard is shown as its own row: everyone but the team's role.
        assert matrix[repository][f"DENY * if aws:PrincipalArn ArnNotEquals {role}"] == {
            "push": ["DENIED by repository policy DenyPushExceptTeamCiRole"]
        }


FOREIGN = "444455556666"


def test_a_foreign_account_granted_only_batch_delete_image_appears_as_a_partial_admin():
    grant = {"Sid": "Cleanup", "Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": "ecr:BatchDeleteImage"}
    matrix = access_matrix([_repository(), _repository_policy(grant)])
    assert matrix["models/bert"] == {FOREIGN: {"admin": ["repository policy Cleanup (only ecr:BatchDeleteImage)"]}}
    assert "     ·    ·    ◐    ·    444455556666" in format_matrix(matrix).splitlines()


def test_a_grant_of_an_action_outside_the_capabilities_shows_under_other():
    grant = {"Sid": "Look", "Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": "ecr:DescribeImages"}
    matrix = access_matrix([_repository(), _repository_policy(grant)])
    assert matrix["models/bert"] == {FOREIGN: {"other": ["repository policy Look (ecr:DescribeImages)"]}}


def test_lower_case_element_names_grant_like_their_canonical_spelling():
    grant = {"sid": "Lower", "effect": "Allow", "principal": {"AWS": FOREIGN}, "action": PULL}
    matrix = access_matrix([_repository(), _repository_policy(grant)])
    assert matrix["models/bert"] == {FOREIGN: {"pull": ["repository policy Lower"]}}


def test_not_action_grants_every_other_repository_action():
    grant = {"Sid": "AllBut", "Effect": "Allow", "Principal": {"AWS": FOREIGN}, "NotAction": "ecr:Delete*"}
    row = access_matrix([_repository(), _repository_policy(grant)])["models/bert"][FOREIGN]
    assert row["pull"] == ["repository policy AllBut"] and row["push"] == ["repository policy AllBut"]
    assert (
        row["admin"][0].startswith("repository policy AllBut (only ") and "ecr:DeleteRepository" not in row["admin"][0]
    )


def test_a_deny_of_part_of_a_capability_leaves_the_rest_partial():
    grant = {"Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": PULL}
    deny = {"Sid": "NoLayers", "Effect": "Deny", "Principal": "*", "Action": "ecr:GetDownloadUrlForLayer"}
    row = access_matrix([_repository(), _repository_policy(grant, deny)])["models/bert"][FOREIGN]
    assert row == {"pull": ["repository policy Pull (only ecr:BatchCheckLayerAvailability, ecr:BatchGetImage)"]}


def _tagged_repository(name, team):
    arn = f"arn:aws:ecr:us-east-1:123456789012:repository/{name}"
    return {
        "type": "aws:ecr/repository:Repository",
        "inputs": {"name": name, "tags": {"team": team}},
        "outputs": {"arn": arn},
    }


def test_a_team_push_role_reaches_only_the_repositories_tagged_with_its_team():
    role = {
        "type": "aws:iam/role:Role",
        "inputs": {"name": "push-nlp"},
        "outputs": {"arn": "arn:aws:iam::123456789012:role/push-nlp"},
    }
    push = {
        "Sid": "TeamPush",
        "Effect": "Allow",
        "Action": PULL + PUSH,
        "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/models/*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "nlp"}},
    }
    matrix = access_matrix(
        [
            _tagged_repository("models/llama", "nlp"),
            _tagged_repository("models/resnet", "vision"),
            role,
            _role_policy("push-nlp", push),
        ]
    )
    assert matrix["models/llama"] == {
        "arn:aws:iam::123456789012:role/push-nlp": {"pull": ["IAM policy TeamPush"], "push": ["IAM policy TeamPush"]}
    }
    assert matrix["models/resnet"] == {}


def test_a_deny_in_one_of_a_role_s_policies_removes_what_another_allows():
    role = {"type": "aws:iam/role:Role", "inputs": {"name": "ci"}, "outputs": {"arn": CI}}
    allow_all = {"Sid": "Push", "Effect": "Allow", "Action": PULL + PUSH, "Resource": "*"}
    deny_push = {"Sid": "NoPush", "Effect": "Deny", "Action": "ecr:PutImage", "Resource": "*"}
    rows = access_matrix([_repository(), role, _role_policy("ci", allow_all), _role_policy("ci", deny_push)])[
        "models/bert"
    ]
    assert rows[CI]["push"] == [
        "IAM policy Push (only ecr:CompleteLayerUpload, ecr:InitiateLayerUpload, ecr:UploadLayerPart)"
    ]


def test_a_managed_policy_attached_to_a_role_grants_like_an_inline_one():
    policy_arn = "arn:aws:iam::123456789012:policy/pull"
    managed = {
        "type": "aws:iam/policy:Policy",
        "inputs": {
            "policy": json.dumps({"Statement": [{"Sid": "Pull", "Effect": "Allow", "Action": PULL, "Resource": ARN}]})
        },
        "outputs": {"arn": policy_arn},
    }
    role = {
        "type": "aws:iam/role:Role",
        "inputs": {"name": "reader"},
        "outputs": {"arn": "arn:aws:iam::123456789012:role/reader"},
    }
    attachment = {
        "type": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "inputs": {"role": "reader", "policyArn": policy_arn},
    }
    rows = access_matrix([_repository(), managed, role, attachment])["models/bert"]
    assert rows == {"arn:aws:iam::123456789012:role/reader": {"pull": ["IAM policy Pull"]}}


ORG = "o-a1b2c3d4e5"


def test_a_grant_to_anyone_that_a_deny_keeps_inside_the_organization_names_the_deny_in_its_row():
    anyone = {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": PULL}
    outside = {
        "Sid": "Outside",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    }
    rows = access_matrix([_repository(), _repository_policy(anyone, outside)])["models/bert"]
    deny = f"DENY * if aws:PrincipalOrgID StringNotEquals {ORG}"
    assert rows == {
        f"* if no Deny applies ({deny})": {"pull": ["repository policy Anyone"]},
        deny: {c: ["DENIED by repository policy Outside"] for c in ("pull", "push", "admin")},
    }


def test_a_not_principal_row_carries_the_statement_s_condition():
    grant = {
        "Sid": "OrgButOwn",
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "123456789012"},
        "Action": PULL,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    }
    rows = access_matrix([_repository(), _repository_policy(grant)])["models/bert"]
    assert rows == {
        f"everyone except 123456789012 if aws:PrincipalOrgID={ORG}": {"pull": ["repository policy OrgButOwn"]}
    }


def test_a_grant_from_a_source_range_or_below_a_numeric_bound_is_shown_with_its_condition():
    ranged = {"Sid": "Net", "Effect": "Allow", "Principal": "*", "Action": PULL}
    ranged["Condition"] = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    bounded = {"Sid": "Few", "Effect": "Allow", "Principal": "*", "Action": PULL}
    bounded["Condition"] = {"NumericLessThan": {"ecr:maxresults": "10"}}
    rows = access_matrix([_repository(), _repository_policy(ranged, bounded)])["models/bert"]
    assert rows == {
        "* if aws:SourceIp=10.0.0.0/8": {"pull": ["repository policy Net"]},
        "* if ecr:maxresults=10": {"pull": ["repository policy Few"]},
    }


def test_a_statement_on_another_repository_grants_here_only_while_the_repository_s_arn_is_unknown():
    grant = {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": PULL}
    grant["Resource"] = "arn:aws:ecr:us-east-1:123456789012:repository/other"
    assert access_matrix([_repository(), _repository_policy(grant)])["models/bert"] == {}
    unknown = {"type": "aws:ecr/repository:Repository", "inputs": {"name": "models/bert"}, "outputs": {}}
    rows = access_matrix([unknown, _repository_policy(grant)])["models/bert"]
    assert rows == {FOREIGN: {"pull": ["repository policy Other"]}}


def test_a_deny_unless_tagged_removes_everything_from_an_untagged_repository_only():
    anyone = {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": PULL}
    untagged = {"Sid": "Untagged", "Effect": "Deny", "Principal": "*", "Action": "*"}
    untagged["Condition"] = {"StringNotEquals": {"aws:ResourceTag/team": "nlp"}}
    policy = _repository_policy(anyone, untagged)
    rows = access_matrix([_repository(), policy])["models/bert"]
    assert rows["*"] == {"pull": ["DENIED by repository policy Untagged"]}
    tagged = _tagged_repository("models/bert", "nlp")
    assert access_matrix([tagged, policy])["models/bert"]["*"] == {"pull": ["repository policy Anyone"]}


def test_a_policy_the_library_cannot_evaluate_shows_its_grants_as_not_evaluated():
    grant = {"Sid": "Odd", "Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": PULL}
    grant["Condition"] = {"StringEqualsSometimes": {"aws:SourceVpc": "vpc-1"}}
    rows = access_matrix([_repository(), _repository_policy(grant)])["models/bert"]
    [(label, row)] = rows.items()
    assert label.startswith(FOREIGN) and row["pull"][0].startswith("repository policy Odd (not evaluated: ")
    assert "StringEqualsSometimes" in row["pull"][0]


# --- rows beyond the repositories: the registry policy, replica templates, KMS key policies ----------

from offline_preview.access_resource_policies import KMS_CAPABILITIES, resource_policy_rows  # noqa: E402

SOURCE_ACCOUNT = "arn:aws:iam::210987654321:root"


def _registry_policy(principal: str = SOURCE_ACCOUNT) -> dict:
    return {
        "urn": "urn:pulumi:dev::replication::aws:ecr/registryPolicy:RegistryPolicy::registry-policy",
        "name": "registry-policy",
        "type": "aws:ecr/registryPolicy:RegistryPolicy",
        "inputs": {
            "policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReplicateInto",
                        "Effect": "Allow",
                        "Principal": {"AWS": principal},
                        "Action": ["ecr:ReplicateImage", "ecr:CreateRepository"],
                        "Resource": "arn:aws:ecr:eu-west-1:111111111111:repository/models/*",
                    }
                ],
            }
        },
    }


def test_the_registry_policy_is_a_row_naming_who_may_replicate_into_the_repositories():
    rows = resource_policy_rows([_registry_policy()])
    assert list(rows) == ["(registry policy) registry-policy"]
    assert rows["(registry policy) registry-policy"] == {
        SOURCE_ACCOUNT: {"other": ["registry policy ReplicateInto (ecr:CreateRepository, ecr:ReplicateImage)"]}
    }


def test_a_key_policy_reads_decrypt_as_pull_encrypt_as_push_and_key_policy_changes_as_admin():
    key = {
        "urn": "urn:pulumi:dev::registry::aws:kms/key:Key::model-registry-key",
        "name": "model-registry-key",
        "type": "aws:kms/key:Key",
        "inputs": {
            "policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Use",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:role/ci"},
                        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                        "Resource": "*",
                    },
                    {
                        "Sid": "Admin",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:role/admin"},
                        "Action": list(KMS_CAPABILITIES["admin"]),
                        "Resource": "*",
                    },
                    {
                        "Sid": "Half",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:role/half"},
                        "Action": ["kms:PutKeyPolicy"],
                        "Resource": "*",
                    },
                ],
            }
        },
    }
    rows = resource_policy_rows([key])["(KMS key) model-registry-key"]
    assert rows["arn:aws:iam::111111111111:role/ci"] == {"pull": ["key policy Use"], "push": ["key policy Use"]}
    assert rows["arn:aws:iam::111111111111:role/admin"] == {"admin": ["key policy Admin"]}
    assert rows["arn:aws:iam::111111111111:role/half"] == {"admin": ["key policy Half (only kms:PutKeyPolicy)"]}


def test_the_real_dev_stacks_show_their_key_policies_and_the_replica_template(tmp_path):
    from offline_preview.cli import main

    report = tmp_path / "report.json"
    args = ["--env", "dev", "--build-dir", str(tmp_path), "--no-checkov", "--no-policy", "--quiet"]
    assert main([*args, "--json-file", str(report)]) == 0
    matrix = json.loads(report.read_text())["accessMatrix"]
    keys = sorted(k for k in matrix if k.startswith("(KMS key) "))
    templates = [k for k in matrix if k.startswith("(replica template) models/ ")]
    assert keys and templates
    (consumers,) = matrix[templates[0]]
    assert consumers.startswith("* if aws:PrincipalOrgID=") and set(matrix[templates[0]][consumers]) == {"pull"}
    for key in keys:  # the account administers each key; ECR in the account reads and writes through it
        assert any(row.get("admin") for row in matrix[key].values())
        assert any({"pull", "push"} <= set(row) and "kms:ViaService=ecr." in who for who, row in matrix[key].items())
