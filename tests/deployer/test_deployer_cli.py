"""`python -m deployer_policies`: writes a policy and a trust policy per stack, or one error line."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from deployer_policies import cli as deployer_cli
from deployer_policies import policies as deployer
from deployer_policies.boundary import boundary_policy


def run(*args: str):
    """The module's command line, as `make deployer-policies` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "deployer_policies", *args], capture_output=True, text=True, timeout=60
    )


def run_in_process(capsys, *args: str) -> tuple[int, str, str]:
    """The same entry point without a new interpreter (importing pulumi takes seconds)."""
    code = deployer_cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_writes_each_stacks_policy_and_trust_policy(tmp_path):
    result = run(
        "--out", str(tmp_path), "--account", "123456789012", "--region", "eu-west-1", "--replica-regions", "us-west-2"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["boundary.json", *(f"{s}{suffix}" for s in deployer.POLICIES for suffix in (".json", ".trust.json"))]
    )
    *lines, boundary_line = result.stdout.splitlines()
    assert len(lines) == 3 and all("model-registry-deployer-" in line and "/6144 characters" in line for line in lines)
    assert "model-registry-role-boundary" in boundary_line
    target = deployer.Target("123456789012", "models", "eu-west-1", ("us-west-2",))
    assert json.loads((tmp_path / "boundary.json").read_text()) == boundary_policy(target)
    teams = {"registry": "registry", "replication": "platform", "access": "security"}
    for stack in deployer.POLICIES:
        assert json.loads((tmp_path / f"{stack}.json").read_text()) == deployer.deployer_policy(stack, target)
        (trust,) = json.loads((tmp_path / f"{stack}.trust.json").read_text())["Statement"]
        assert trust["Principal"] == {"AWS": f"arn:aws:iam::123456789012:role/model-registry-{teams[stack]}-team"}
        assert "Condition" not in trust  # no caller-chosen session name: the principal is the team's role


def test_cli_trusts_the_team_role_it_is_given(tmp_path, capsys):
    sso = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Platform_0123abcd"
    code, _, err = run_in_process(
        capsys, "--out", str(tmp_path), "--account", "123456789012", "--team-role", f"replication={sso}"
    )
    assert code == 0, err
    (trust,) = json.loads((tmp_path / "replication.trust.json").read_text())["Statement"]
    assert trust["Principal"] == {"AWS": sso}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("replication=arn:aws:iam::123456789012:root", "is not a role or user ARN (the account root is refused)"),
        ("billing=arn:aws:iam::123456789012:role/x", "the stack must be one of registry, replication, access"),
    ],
)
def test_cli_refuses_a_team_role_that_is_not_one(tmp_path, capsys, value, message):
    code, _, err = run_in_process(capsys, "--out", str(tmp_path), "--team-role", value)
    assert code == 2 and err.startswith("error: --team-role") and message in err and len(err.splitlines()) == 1


def test_cli_defaults_say_what_is_not_pinned(tmp_path, capsys):
    code, out, err = run_in_process(capsys, "--out", str(tmp_path))
    assert code == 0, err
    *policies, _boundary = out.splitlines()
    assert all(line.endswith("(account and region not pinned)") for line in policies)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--account", "12345"), "error: --account: '12345' is not a 12-digit AWS account id"),
        (("--namespace", "Models"), "error: --namespace: 'Models' breaks ECR's repository-name rule"),
        (("--region", "mars-1"), "error: --region: 'mars-1' is not an AWS region such as us-east-1"),
        (
            ("--region", "us-east-1", "--replica-regions", "us-east-1"),
            "error: --replica-regions: 'us-east-1' is the registry's own region",
        ),
        (("--bogus",), "error: unrecognized arguments: --bogus"),
    ],
)
def test_cli_refuses_bad_input_with_one_line(tmp_path, capsys, args, message):
    code, out, err = run_in_process(capsys, "--out", str(tmp_path / "out"), *args)
    assert (code, err.splitlines(), out) == (2, [message], "")
    assert not (tmp_path / "out").exists()


def test_cli_reports_an_unwritable_output_directory(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run_in_process(capsys, "--out", str(blocker / "sub"))
    assert (code, err.splitlines()) == (2, [f"error: --out: cannot create {blocker / 'sub'}: Not a directory"])


def test_env_pins_the_account_region_and_same_account_replica_regions_of_that_environment(tmp_path, capsys):
    stacks = Path(__file__).resolve().parents[2] / "stacks"
    target = deployer_cli.target_of_environment(stacks, "prod")
    # prod replicates to eu-central-1 and us-east-1 in its own account, and to a DR account.
    assert target == deployer.Target("222222222222", "models", "eu-west-1", ("eu-central-1", "us-east-1"))
    assert deployer_cli.main(["--env", "prod", "--out", str(tmp_path)]) == 0
    assert "not pinned" not in capsys.readouterr().out
    assert "222222222222" in (tmp_path / "registry.json").read_text()


def test_env_pins_the_cache_prefix_the_registry_config_names(tmp_path):
    stacks = tmp_path / "stacks"
    for project in ("registry", "replication"):
        (stacks / project).mkdir(parents=True)
        shutil.copy(Path(__file__).resolve().parents[2] / "stacks" / project / "Pulumi.prod.yaml", stacks / project)
    path = stacks / "registry" / "Pulumi.prod.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["registry:upstreamCachePrefix"] = "upstream"
    path.write_text(yaml.safe_dump(data))
    target = deployer_cli.target_of_environment(stacks, "prod")
    assert target.cache_prefix == "upstream"
    boundary = json.dumps(boundary_policy(target))
    assert "arn:aws:ecr:*:222222222222:repository/upstream/*" in boundary and "repository/cache/*" not in boundary
    data["config"]["registry:upstreamCachePrefix"] = "Up Stream"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(deployer_cli.UsageError, match=r"registry:upstreamCachePrefix: 'Up Stream' breaks ECR's"):
        deployer_cli.target_of_environment(stacks, "prod")


def test_env_without_stack_files_is_one_line(tmp_path, capsys):
    assert deployer_cli.main(["--env", "staging", "--out", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: --env staging: ") and line.endswith("Pulumi.staging.yaml does not exist")
