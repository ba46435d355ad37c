"""Stack config the Pulumi CLI reads otherwise than YAML 1.1 is refused offline, naming the line: the CLI reads
Pulumi.<stack>.yaml with Go's yaml.v3 (YAML 1.2 core schema: true/false only; ints by strconv.ParseInt with
base 0, so 0-prefixed digits are octal; no dates, no base-60), the offline preview with PyYAML (YAML 1.1)."""

import pytest
from offline_preview.cli_yaml import ambiguous_scalars
from offline_preview.project import ProjectError, load_project


@pytest.mark.parametrize(
    "value",
    ["012345678901", "0123", "-007", "0o17", "yes", "No", "ON", "off", "1:20", "190:20:30", "2024-01-31"],
)
def test_a_plain_scalar_read_otherwise_by_the_cli_is_found_with_its_line(value):
    (found,) = ambiguous_scalars(f"config:\n  aws:region: us-east-1\n  x:value: {value}\n")
    assert found[:2] == (3, value)


@pytest.mark.parametrize(
    "text",
    [
        "x:value: '012345678901'",
        'x:value: "yes"',
        "x:value: 123456789012",
        "x:value: 0",
        "x:value: true",
        "x:value: 1.5",
        "x:value: 0x1F",
        "x:value: y",
        "x:value: us-east-1",
        "x:value: [\"012345678901\", '0123']",
    ],
)
def test_quoted_values_and_scalars_both_read_alike_pass(text):
    assert ambiguous_scalars(f"config:\n  {text}\n") == []


def test_a_stack_file_with_an_unquoted_zero_prefixed_account_is_refused(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: accounts\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.local.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  aws:allowedAccountIds: [012345678901]\n"
    )
    with pytest.raises(ProjectError) as error:
        load_project(tmp_path, "local")
    assert str(error.value).startswith(f"{tmp_path / 'Pulumi.local.yaml'}:3: 012345678901 is read by the Pulumi CLI")
    assert "quote it ('012345678901')" in str(error.value)
