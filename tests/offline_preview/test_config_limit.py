"""The engine's limit on stack config: the whole config travels as ONE environment string,
`PULUMI_CONFIG=<json>`, to the program and to the policy pack, and Linux refuses any string over
MAX_ARG_STRLEN (131,072 bytes with its NUL). The offline preview refuses such a stack in one line."""

import errno
import subprocess

import pytest
from offline_preview.analyzer_client import AnalyzerClient, AnalyzerError
from offline_preview.cli import main
from offline_preview.project import MAX_ARG_STRLEN, ProjectError, config_variable, load_project
from preview_helpers import REPO_ROOT

# `PULUMI_CONFIG={"p:data":"` + value + `"}` + NUL: the bytes execve counts for a one-key config.
OVERHEAD = len('PULUMI_CONFIG={"p:data":"') + len('"}') + 1


def _project(directory, value_length: int):
    (directory / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (directory / "__main__.py").write_text("import pulumi\n")
    (directory / "Pulumi.local.yaml").write_text(f"config:\n  p:data: {'a' * value_length}\n")
    return directory


def test_linux_refuses_one_environment_string_one_byte_over_max_arg_strlen():
    at_limit = "X=" + "a" * (MAX_ARG_STRLEN - len("X=") - 1)
    subprocess.run(["true"], env={"X": at_limit[2:]}, check=True)
    with pytest.raises(OSError) as refused:
        subprocess.run(["true"], env={"X": at_limit[2:] + "a"}, check=True)
    assert refused.value.errno == errno.E2BIG


def test_a_stack_config_exactly_at_the_limit_loads(tmp_path):
    project = load_project(_project(tmp_path, MAX_ARG_STRLEN - OVERHEAD), "local")
    assert len(config_variable(project.config).encode()) + 1 == MAX_ARG_STRLEN


def test_a_stack_config_one_byte_over_the_limit_is_refused_naming_the_file_the_size_and_the_fix(tmp_path):
    with pytest.raises(ProjectError) as refused:
        load_project(_project(tmp_path, MAX_ARG_STRLEN - OVERHEAD + 1), "local")
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'Pulumi.local.yaml'}: the stack config is 131,073 bytes")
    assert "131,072-byte limit (MAX_ARG_STRLEN)" in message and "move large data" in message
    assert "\n" not in message


def test_the_preview_of_an_over_limit_stack_exits_2_with_one_line_and_no_traceback(tmp_path, capsys):
    status = main(["--project", str(_project(tmp_path, MAX_ARG_STRLEN)), "--no-checkov", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "Traceback" not in err and "MAX_ARG_STRLEN" in err


def test_config_is_encoded_as_gos_json_marshal_sorted_compact_html_safe():
    variable = config_variable({"p:b": "<&>", "p:a": "é\u2028"})
    assert variable == 'PULUMI_CONFIG={"p:a":"é\\u2028","p:b":"\\u003c\\u0026\\u003e"}'


def test_object_config_reaches_the_program_as_gos_json_of_it(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import pulumi\n")
    (tmp_path / "Pulumi.local.yaml").write_text("config:\n  p:obj: {b: 1, a: [x, '<']}\n")
    assert load_project(tmp_path, "local").config["p:obj"] == '{"a":["x","\\u003c"],"b":1}'


def test_the_pack_starts_with_a_config_exactly_at_the_limit():
    with AnalyzerClient(REPO_ROOT / "policy-pack", config={"p:data": "a" * (MAX_ARG_STRLEN - OVERHEAD)}) as pack:
        assert pack.info().policies  # the pack process got the variable, started and answers


def test_the_pack_is_not_started_with_a_config_one_byte_over_the_limit():
    config = {"p:data": "a" * (MAX_ARG_STRLEN - OVERHEAD + 1)}
    with (
        pytest.raises(AnalyzerError, match="over Linux's 131,072-byte limit"),
        AnalyzerClient(REPO_ROOT / "policy-pack", config=config),
    ):
        pass


def test_the_pack_gets_the_config_variable_the_engine_would_set_and_none_for_an_empty_config():
    assert AnalyzerClient(REPO_ROOT / "policy-pack", config={"p:k": "v"})._env["PULUMI_CONFIG"] == '{"p:k":"v"}'
    assert "PULUMI_CONFIG" not in AnalyzerClient(REPO_ROOT / "policy-pack", config={})._env
