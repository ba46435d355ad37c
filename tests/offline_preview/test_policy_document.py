"""`aws.iam.get_policy_document` answered as the provider computes it (terraform-provider-aws,
aws_iam_policy_document): merge order, Sid rules, rendering, and the checks seeing merged statements."""

import json
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from offline_preview.evaluate import EvaluationError, evaluate
from offline_preview.policy_document import PolicyDocumentError, get_policy_document
from preview_helpers import preview_one_project, program


def _doc(*statements, **fields):
    return json.dumps({"Version": "2012-10-17", **fields, "Statement": list(statements)})


def _statements(result):
    return json.loads(result["json"]).get("Statement", [])


def test_source_statements_come_first_and_the_own_statement_replaces_a_same_sid_one_in_place():
    result = get_policy_document(
        {
            "sourcePolicyDocuments": [
                _doc({"Sid": "A", "Effect": "Allow", "Action": "s3:Get*"}, {"Sid": "B", "Action": "s3:Put*"}),
                _doc({"Effect": "Deny", "Action": "*"}),
            ],
            "statements": [{"sid": "A", "actions": ["ecr:BatchGetImage"]}, {"actions": ["kms:Decrypt"]}],
        }
    )
    assert _statements(result) == [
        {"Sid": "A", "Effect": "Allow", "Action": "ecr:BatchGetImage"},
        {"Sid": "B", "Action": "s3:Put*"},
        {"Effect": "Deny", "Action": "*"},
        {"Effect": "Allow", "Action": "kms:Decrypt"},
    ]


def test_override_documents_replace_same_sid_statements_and_append_the_others_in_order():
    result = get_policy_document(
        {
            "statements": [{"sid": "Keep", "actions": ["a:b"]}, {"sid": "Swap", "actions": ["c:d"]}],
            "overridePolicyDocuments": [
                _doc({"Sid": "Swap", "Effect": "Allow", "Principal": "*", "Action": "ecr:*"}),
                _doc({"Sid": "New", "Effect": "Deny", "Action": "x:y"}),
            ],
        }
    )
    assert _statements(result) == [
        {"Sid": "Keep", "Effect": "Allow", "Action": "a:b"},
        {"Sid": "Swap", "Effect": "Allow", "Action": "ecr:*", "Principal": "*"},
        {"Sid": "New", "Effect": "Deny", "Action": "x:y"},
    ]


def test_a_sid_repeated_across_source_documents_is_refused():
    with pytest.raises(PolicyDocumentError, match=r"merging source document 1: duplicate Sid \(A\)"):
        get_policy_document({"sourcePolicyDocuments": [_doc({"Sid": "A"}), _doc({"Sid": "A"})]})


def test_a_sid_repeated_among_the_own_statements_is_refused():
    with pytest.raises(PolicyDocumentError, match=r"duplicate Sid \(S\)"):
        get_policy_document({"statements": [{"sid": "S", "actions": ["a:b"]}, {"sid": "S", "actions": ["c:d"]}]})


def test_a_sid_repeated_in_one_override_document_keeps_the_last():
    result = get_policy_document(
        {"overridePolicyDocuments": [_doc({"Sid": "S", "Action": "a"}, {"Sid": "S", "Action": "b"})]}
    )
    assert _statements(result) == [{"Sid": "S", "Action": "b"}]


def test_the_merged_document_adopts_a_later_id_and_the_greater_version():
    result = get_policy_document(
        {
            "version": "2008-10-17",
            "policyId": "mine",
            "sourcePolicyDocuments": [json.dumps({"Version": "2012-10-17", "Id": "src", "Statement": []})],
            "overridePolicyDocuments": [json.dumps({"Id": "over", "Statement": []})],
        }
    )
    assert json.loads(result["json"]) == {"Version": "2012-10-17", "Id": "over"}
    assert result["version"] == "2008-10-17"  # the argument, as the data source keeps it


def test_several_values_are_reverse_sorted_and_duplicates_collapse_one_value_is_a_string():
    (statement,) = _statements(
        get_policy_document(
            {
                "statements": [
                    {
                        "actions": ["ecr:BatchGetImage", "ecr:PutImage", "ecr:BatchGetImage"],
                        "resources": ["arn:aws:ecr:us-east-1:1:repository/x"],
                        "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]}],
                    }
                ]
            }
        )
    )
    assert statement["Action"] == ["ecr:PutImage", "ecr:BatchGetImage"]
    assert statement["Resource"] == "arn:aws:ecr:us-east-1:1:repository/x"
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"]}


def test_only_a_lone_star_star_principal_renders_as_star():
    lone = _statements(get_policy_document({"statements": [{"principals": [{"type": "*", "identifiers": ["*"]}]}]}))
    aws = _statements(get_policy_document({"statements": [{"principals": [{"type": "AWS", "identifiers": ["*"]}]}]}))
    assert lone[0]["Principal"] == "*" and aws[0]["Principal"] == {"AWS": "*"}


def test_a_string_principal_in_a_source_document_is_read_as_everyone():
    result = get_policy_document({"sourcePolicyDocuments": [_doc({"Principal": "arn:aws:iam::1:root", "Action": "a"})]})
    assert _statements(result)[0]["Principal"] == "*"


def test_conditions_merge_by_test_and_variable_and_policy_variables_are_unescaped():
    (statement,) = _statements(
        get_policy_document(
            {
                "statements": [
                    {
                        "resources": ["arn:aws:s3:::bucket/&{aws:username}/*"],
                        "conditions": [
                            {"test": "StringLike", "variable": "aws:PrincipalArn", "values": ["a", "b"]},
                            {"test": "Bool", "variable": "aws:SecureTransport", "values": ["true"]},
                        ],
                    }
                ]
            }
        )
    )
    assert statement["Resource"] == "arn:aws:s3:::bucket/${aws:username}/*"
    assert statement["Condition"] == {
        "Bool": {"aws:SecureTransport": "true"},
        "StringLike": {"aws:PrincipalArn": ["a", "b"]},
    }


def test_a_policy_variable_with_version_2008_is_refused():
    with pytest.raises(PolicyDocumentError, match="not supported in document version 2008-10-17"):
        get_policy_document({"version": "2008-10-17", "statements": [{"resources": ["arn:aws:s3:::b/&{aws:userid}"]}]})


def test_json_is_gos_indented_html_safe_text_minified_json_its_compact_form_and_id_its_crc32():
    result = get_policy_document(
        {
            "statements": [
                {"actions": ["a:b"], "conditions": [{"test": "StringEquals", "variable": "k", "values": ["<&>"]}]}
            ]
        }
    )
    assert result["json"] == (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "a:b",\n'
        '      "Condition": {\n        "StringEquals": {\n          "k": "\\u003c\\u0026\\u003e"\n        }\n      }\n'
        "    }\n  ]\n}"
    )
    assert result["minifiedJson"] == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b",'
        '"Condition":{"StringEquals":{"k":"\\u003c\\u0026\\u003e"}}}]}'
    )
    assert result["id"] == str(zlib.crc32(result["json"].encode()))


def test_no_statements_render_no_statement_key():
    assert get_policy_document({})["json"] == '{\n  "Version": "2012-10-17"\n}'


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({"sourcePolicyDocuments": ["not json"]}, "merging source document 0: Expecting value"),
        ({"overridePolicyDocuments": ['{"Statement": {"Effect": "Allow"}}']}, "cannot unmarshal object"),
        ({"statements": [{"effect": "allow"}]}, "expected statement effect"),
        ({"statements": [{"sid": "has space"}]}, "must only include alphanumeric characters"),
        ({"version": "2010-01-01"}, "expected version to be one of"),
        ({"statements": [{"principals": [{"identifiers": ["*"]}]}]}, 'the argument "type" is required'),
        (
            {"statements": [{"conditions": [{"test": "Bool", "values": ["true"]}]}]},
            'the argument "variable" is required',
        ),
    ],
)
def test_arguments_the_provider_refuses_are_refused_with_its_reason(args, reason):
    with pytest.raises(PolicyDocumentError, match=reason):
        get_policy_document(args)


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "sid": st.sampled_from(["", "A", "B", "C"]),
                "actions": st.lists(st.sampled_from(["a:x", "b:y"]), min_size=1),
            }
        ),
        max_size=4,
    ),
    st.lists(st.sampled_from(["A", "B", "C", "D", ""]), max_size=4),
)
def test_every_override_sid_appears_once_with_the_overriding_statement(own, override_sids):
    own = [s for i, s in enumerate(own) if not s["sid"] or s["sid"] not in [o["sid"] for o in own[:i]]]
    overrides = [{"Sid": sid, "Action": f"override:{i}"} for i, sid in enumerate(override_sids)]
    statements = _statements(get_policy_document({"statements": own, "overridePolicyDocuments": [_doc(*overrides)]}))
    for sid in {s for s in override_sids if s}:
        matching = [s for s in statements if s.get("Sid") == sid]
        last = max(i for i, s in enumerate(override_sids) if s == sid)
        assert matching == [{"Sid": sid, "Action": f"override:{last}"}]
    named = {s["sid"] for s in own if s["sid"]} | {sid for sid in override_sids if sid}
    unnamed = sum(1 for s in own if not s["sid"]) + override_sids.count("")
    assert len(statements) == len(named) + unnamed


@pytest.mark.parametrize("function", ["get_policy_document", "get_policy_document_output"])
def test_a_refused_policy_document_stops_the_preview_naming_the_invoke_and_the_program_line(tmp_path, function):
    (tmp_path / "Pulumi.yaml").write_text("name: dup\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import json\nimport pulumi_aws as aws\n"
        'doc = json.dumps({"Statement": [{"Sid": "A"}]})\n'
        f"aws.iam.{function}(source_policy_documents=[doc, doc])\n"
    )
    with pytest.raises(EvaluationError) as failure:
        evaluate(tmp_path, "local")
    message = str(failure.value)
    assert "__main__.py:4: InvokeError: invoke 'aws:iam/getPolicyDocument:getPolicyDocument' refused" in message
    assert "duplicate Sid (A)" in message and "\n" not in message


def test_a_public_statement_merged_through_source_or_override_documents_is_refused_by_the_pack_and_checkov(
    tmp_path, capsys
):
    status, report, stack = preview_one_project(program("merged_public_policy"), tmp_path, capsys)
    assert status == 1
    mandatory = {
        (v["policy"], v["urn"].split("::")[-1]) for v in stack["policyViolations"] if v["level"] == "mandatory"
    }
    assert {("no-wildcard-principal", "viaSourcePolicy"), ("no-wildcard-principal", "viaOverridePolicy")} <= mandatory
    failed = {(f["checkId"], f["address"]) for f in stack["checkovFailures"] if not f["waived"]}
    assert {
        ("CKV_AWS_32", "aws_ecr_repository_policy.viaSourcePolicy"),
        ("CKV_AWS_32", "aws_ecr_repository_policy.viaOverridePolicy"),
    } <= failed
    for rows in report["accessMatrix"].values():
        # Two of the three pull actions: a partial pull, shown as such.
        assert rows["*"] == {
            "pull": ["repository policy AnyonePulls (only ecr:BatchGetImage, ecr:GetDownloadUrlForLayer)"]
        }


# -- dict statements: the bridge keeps the Terraform names not_principals, not_actions, not_resources ------


@pytest.mark.parametrize(
    ("key", "element"),
    [("not_principals", "NotPrincipal"), ("not_actions", "NotAction"), ("not_resources", "NotResource")],
)
def test_a_dict_statement_keeps_its_snake_case_not_elements(key, element):
    value = [{"type": "AWS", "identifiers": ["210987654321"]}] if key == "not_principals" else ["ecr:Put*"]
    (statement,) = _statements(get_policy_document({"statements": [{"effect": "Deny", key: value}]}))
    expected = {"AWS": "210987654321"} if key == "not_principals" else "ecr:Put*"
    assert statement == {"Effect": "Deny", element: expected}


def test_a_dict_statement_giving_both_spellings_of_one_element_is_refused():
    with pytest.raises(PolicyDocumentError, match="both 'not_actions' and 'notActions'"):
        get_policy_document({"statements": [{"not_actions": ["a:b"], "notActions": ["c:d"]}]})


def test_a_deny_except_outsider_stays_that_and_an_allow_not_action_to_an_outsider_is_refused(tmp_path, capsys):
    status, _report, stack = preview_one_project(program("dict_not_elements"), tmp_path, capsys)
    outputs = json.loads(Path(stack["manifest"]).read_text())["outputs"]
    outsider = {"AWS": "arn:aws:iam::444455556666:root"}
    assert json.loads(outputs["denyExceptOutsider"])["Statement"][1] == {
        "Sid": "DenyAllButOutsider",
        "Effect": "Deny",
        "Action": "ecr:BatchGetImage",
        "NotPrincipal": outsider,
    }
    assert json.loads(outputs["allowNotAction"])["Statement"][0] == {
        "Sid": "OutsiderAllButDelete",
        "Effect": "Allow",
        "NotAction": "ecr:DeleteRepository",
        "Principal": outsider,
    }
    refused = {
        v["urn"].split("::")[-1]
        for v in stack["policyViolations"]
        if v["policy"] == "no-wildcard-principal" and v["level"] == "mandatory"
    }
    # Everything but DeleteRepository to an account outside the zone: refused (it grants push and pull).
    assert "allowNotActionPolicy" in refused
    assert status == 1
