"""Evaluating a program under the mock monitor: what is captured, what is derived, how it fails."""

import gc
import sys

import pytest
from offline_preview.evaluate import DEPLOYED, EvaluationError, evaluate
from offline_preview.manifest import build_manifest, manifest_bytes
from offline_preview.project import ProjectError
from preview_helpers import REFERENCE, as_project, by_name, program
from pulumi.runtime import rpc

STACK = "urn:pulumi:local::fixture-basic::pulumi:pulumi:Stack::fixture-basic-local"
COMPONENT = "urn:pulumi:local::fixture-basic::fixture:index:ModelRepository::alpha"
ALPHA_REPOSITORY = "urn:pulumi:local::fixture-basic::fixture:index:ModelRepository$aws:ecr/repository:Repository::alpha"


def test_children_of_a_component_have_it_as_parent_and_a_qualified_urn(basic_manifest):
    repository = next(r for r in basic_manifest["resources"] if r["urn"] == ALPHA_REPOSITORY)
    assert repository["parent"] == COMPONENT
    assert by_name(basic_manifest, "alpha-lifecycle")["parent"] == COMPONENT


def test_top_level_resources_are_children_of_the_stack_with_engine_urns(basic_manifest):
    key = by_name(basic_manifest, "models-key")
    assert key["parent"] == STACK
    assert key["urn"] == "urn:pulumi:local::fixture-basic::aws:kms/key:Key::models-key"


def test_resource_options_are_captured(basic_manifest):
    repository = next(r for r in basic_manifest["resources"] if r["urn"] == ALPHA_REPOSITORY)
    assert repository["options"]["protect"] is True
    assert repository["options"]["retainOnDelete"] is True
    assert by_name(basic_manifest, "models-key")["options"]["protect"] is False


def test_dependencies_and_property_dependencies_are_captured(basic_manifest):
    policy = by_name(basic_manifest, "alpha-policy")
    role = "urn:pulumi:local::fixture-basic::aws:iam/role:Role::puller"
    assert policy["dependencies"] == sorted([role, ALPHA_REPOSITORY])
    assert policy["propertyDependencies"] == {"policy": [role], "repository": [ALPHA_REPOSITORY]}
    component = next(r for r in basic_manifest["resources"] if r["urn"] == COMPONENT)
    assert component["dependencies"] == ["urn:pulumi:local::fixture-basic::aws:ecr/repository:Repository::scratch"]


def test_source_position_points_at_the_program_line(basic_manifest):
    assert by_name(basic_manifest, "models-key")["source"].endswith("tests/fixtures/programs/basic/__main__.py:36")


def test_outputs_are_derived_from_account_region_and_name(basic_manifest):
    repository = next(r for r in basic_manifest["resources"] if r["urn"] == ALPHA_REPOSITORY)
    assert repository["id"] == "models/alpha"
    assert repository["outputs"]["arn"] == "arn:aws:ecr:eu-west-1:111122223333:repository/models/alpha"
    assert repository["outputs"]["repositoryUrl"] == "111122223333.dkr.ecr.eu-west-1.amazonaws.com/models/alpha"
    role = by_name(basic_manifest, "puller")
    assert role["outputs"]["arn"] == f"arn:aws:iam::111122223333:role/models/{role['outputs']['name']}"


def test_auto_names_are_the_logical_name_and_a_stable_suffix(basic_manifest):
    name = by_name(basic_manifest, "scratch")["outputs"]["name"]
    assert name.startswith("scratch-") and len(name) == len("scratch-") + 7 and name == name.lower()


def test_kms_key_arn_has_a_placeholder_id_from_the_urn(basic_manifest):
    key = by_name(basic_manifest, "models-key")
    assert key["outputs"]["arn"] == f"arn:aws:kms:eu-west-1:111122223333:key/{key['id']}"
    repository = next(r for r in basic_manifest["resources"] if r["urn"] == ALPHA_REPOSITORY)
    assert repository["inputs"]["encryptionConfigurations"][0]["kmsKey"] == key["outputs"]["arn"]


def test_invokes_and_structured_config_reach_the_program(basic_evaluation):
    outputs = basic_evaluation.outputs
    assert outputs["accountId"] == "111122223333"
    assert outputs["region"] == "eu-west-1"
    assert outputs["repositoryArns"] == [
        "arn:aws:ecr:eu-west-1:111122223333:repository/models/alpha",
        "arn:aws:ecr:eu-west-1:111122223333:repository/models/beta",
    ]


def test_config_defaults_ints_and_secrets(basic_manifest):
    config = basic_manifest["config"]
    assert config["fixture-basic:team"] == "platform"  # default from Pulumi.yaml
    assert config["fixture-basic:maxImages"] == "30"  # an unqualified key gets the project's namespace
    assert config["fixture-basic:apiToken"] == "[secret]"
    lifecycle = by_name(basic_manifest, "alpha-lifecycle")
    assert lifecycle["inputs"]["policy"]["rules"][0]["selection"]["countNumber"] == 30


def test_secrets_are_masked_and_listed(basic_manifest):
    role = by_name(basic_manifest, "puller")
    assert role["inputs"]["tags"] == "[secret]"
    assert role["secretInputs"] == ["/tags"]
    assert basic_manifest["outputs"]["token"] == "[secret]"
    assert b"AAABAKDeRw2c9yM3Uh1Ff5y8xqRTzYKe3w" not in manifest_bytes(basic_manifest)


def test_the_same_program_gives_the_same_manifest_bytes(basic_manifest):
    again = build_manifest(evaluate(program("basic"), "local", mode=DEPLOYED))
    assert manifest_bytes(again) == manifest_bytes(basic_manifest)


def test_program_local_modules_do_not_leak_into_the_next_evaluation(basic_evaluation):
    assert "naming" not in sys.modules
    assert str(program("basic")) not in sys.path


def test_a_stack_reference_resolves_to_the_upstream_outputs(upstreams):
    evaluation = evaluate(program("downstream"), "local", upstream=upstreams)
    assert evaluation.outputs["upstreamArn"] == "arn:aws:ecr:us-east-1:123456789012:repository/models/shared"
    manifest = build_manifest(evaluation)
    policy = by_name(manifest, "shared-policy")
    assert policy["inputs"]["repository"] == "models/shared"
    assert policy["inputs"]["policy"]["Statement"][0]["Resource"] == evaluation.outputs["upstreamArn"]
    reference = by_name(manifest, "organization/fixture-upstream/local")
    assert reference["type"] == "pulumi:pulumi:StackReference" and reference["read"] is True


def test_a_missing_output_names_the_stack_and_the_key(upstreams):
    with pytest.raises(EvaluationError) as failure:
        evaluate(program("missing_output"), "local", upstream=upstreams)
    message = str(failure.value)
    assert message.startswith("tests/fixtures/programs/missing_output/__main__.py:5: MissingStackOutput: ")
    assert "'fixture-upstream/local'" in message and "'repositoryArnn'" in message
    assert "repositoryArn, repositoryName" in message  # what it does export
    assert "\n" not in message


def test_a_reference_to_a_stack_not_evaluated_names_it(upstreams):
    with pytest.raises(EvaluationError) as failure:
        evaluate(program("unknown_stack"), "local", upstream=upstreams)
    message = str(failure.value)
    assert message.startswith("tests/fixtures/programs/unknown_stack/__main__.py:3: ")
    assert "'never-evaluated/local' was not evaluated" in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken_attribute", "__main__.py:5: AttributeError: module 'pulumi' has no attribute 'json'"),
        ("syntax_error", "__main__.py:3: SyntaxError: "),
        ("missing_module", "__main__.py:2: ModuleNotFoundError: No module named 'pulumi_gcp_that_is_not_installed'"),
    ],
)
def test_a_failing_program_ends_in_one_line_naming_file_and_line(name, expected):
    with pytest.raises(EvaluationError) as failure:
        evaluate(program(name), "local")
    message = str(failure.value)
    assert message.startswith(f"tests/fixtures/programs/{name}/{expected}")
    assert "\n" not in message and "Traceback" not in message


def test_a_missing_project_directory_is_an_input_error():
    with pytest.raises(ProjectError, match="no-such-project: no such project directory"):
        evaluate(program("no-such-project"), "local")


def test_a_directory_without_pulumi_yaml_is_an_input_error(tmp_path):
    with pytest.raises(ProjectError, match="not a Pulumi project"):
        evaluate(tmp_path, "local")


def test_malformed_pulumi_yaml_names_the_file_and_line(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: x\ndescription: Owner: someone\nruntime: python\n")
    with pytest.raises(ProjectError, match=r"Pulumi.yaml:2: not valid YAML"):
        evaluate(tmp_path, "local")


def test_an_unknown_invoke_names_the_function(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: invokes\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import pulumi_aws as aws\n\naws.get_availability_zones()\n")
    with pytest.raises(EvaluationError) as failure:
        evaluate(tmp_path, "local")
    assert "__main__.py:3: UnknownInvokeError: " in str(failure.value)
    assert "'aws:index/getAvailabilityZones:getAvailabilityZones'" in str(failure.value)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"{REFERENCE} (the origin programs) is not present")
def test_the_origin_program_ends_naming_its_file_line_and_pulumi_json():
    with pytest.raises(EvaluationError) as failure:
        evaluate(REFERENCE / "seed-program.py", "local")
    message = str(failure.value)
    assert message == f"{REFERENCE / 'seed-program.py'}:41: AttributeError: module 'pulumi' has no attribute 'json'"


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"{REFERENCE} (the origin programs) is not present")
def test_the_repaired_origin_program_stops_at_get_caller_identity_when_no_account_is_configured():
    with pytest.raises(EvaluationError) as failure:
        evaluate(REFERENCE / "seed-program-repaired.py", "local")
    assert str(failure.value).startswith(
        f"{REFERENCE / 'seed-program-repaired.py'}:52: InvokeError: invoke "
        "'aws:index/getCallerIdentity:getCallerIdentity': the account is not known offline"
    )


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"{REFERENCE} (the origin programs) is not present")
def test_the_repaired_origin_program_evaluates(tmp_path):
    evaluation = evaluate(as_project(REFERENCE / "seed-program-repaired.py", tmp_path), "local")
    # The engine registers the default provider too (pulumi:providers:aws), as a real preview does.
    assert sorted(r.type for r in evaluation.resources if not r.type.startswith("pulumi:providers:")) == [
        "aws:ecr/replicationConfiguration:ReplicationConfiguration",
        "aws:ecr/repository:Repository",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
    ]


def test_contract_require_keeps_the_upstreams_secrets_secret_and_nothing_else(tmp_path, basic_evaluation):
    (tmp_path / "Pulumi.yaml").write_text("name: reader\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nfrom model_registry.contract import require\n"
        'basic = pulumi.StackReference("fixture-basic/local")\n'
        'pulumi.export("token", require(basic, "token"))\n'
        'pulumi.export("region", require(basic, "region"))\n'
    )
    outputs = evaluate(tmp_path, "local", upstream={basic_evaluation.key: basic_evaluation}).outputs
    assert rpc.is_rpc_secret(basic_evaluation.outputs["token"])
    assert rpc.is_rpc_secret(outputs["token"])
    assert outputs["region"] == "eu-west-1"


def test_a_missing_contract_output_names_the_program_line_under_pulumi_up_too():
    from model_registry.contract import MissingStackOutput

    failure = MissingStackOutput("/p/__main__.py:7", "organization/registry/dev", "kmsKeyArn", ["namespace", "region"])
    assert str(failure) == (
        "/p/__main__.py:7: stack 'organization/registry/dev' does not export output 'kmsKeyArn' "
        "(it exports: namespace, region)"
    )


@pytest.mark.parametrize("ending", ["", "raise ValueError('the program fails')\n"], ids=["finishes", "fails"])
def test_the_collector_is_paused_while_the_program_runs_and_restored_after(tmp_path, ending):
    (tmp_path / "Pulumi.yaml").write_text("name: collector\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import gc\nimport pulumi\npulumi.export('collecting', gc.isenabled())\n" + ending
    )
    gc.enable()
    try:
        evaluation = evaluate(tmp_path, "local")
    except EvaluationError:
        assert ending
    else:
        assert evaluation.outputs == {"collecting": False}
    assert gc.isenabled()


def test_each_package_gets_its_own_default_provider_configured_from_its_own_namespace(tmp_path):
    # The engine registers a default provider per package: an aws-native resource without a provider runs on
    # `pulumi:providers:aws-native`, configured from `aws-native:*` (its region is aws-native:region, not
    # aws:region), as an aws resource runs on `pulumi:providers:aws`.
    (tmp_path / "Pulumi.yaml").write_text("name: packages\nruntime: python\n")
    (tmp_path / "Pulumi.local.yaml").write_text("config:\n  aws:region: us-east-1\n  aws-native:region: us-west-2\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n\n"
        "aws.ecr.Repository('classic', name='models/a')\n"
        "pulumi.CustomResource('aws-native:ecr:Repository', 'native', {'repositoryName': 'models/b'})\n"
    )
    manifest = build_manifest(evaluate(tmp_path, "local"))
    providers = {r["type"]: r for r in manifest["resources"] if r["type"].startswith("pulumi:providers:")}
    assert set(providers) == {"pulumi:providers:aws", "pulumi:providers:aws-native"}
    assert providers["pulumi:providers:aws"]["inputs"]["region"] == "us-east-1"
    assert providers["pulumi:providers:aws-native"]["inputs"]["region"] == "us-west-2"
    assert by_name(manifest, "classic")["provider"].startswith(providers["pulumi:providers:aws"]["urn"] + "::")
    assert by_name(manifest, "native")["provider"].startswith(providers["pulumi:providers:aws-native"]["urn"] + "::")


def _disabled_program(tmp_path, disabled: str, body: str):
    (tmp_path / "Pulumi.yaml").write_text("name: disabled\nruntime: python\n")
    (tmp_path / "Pulumi.local.yaml").write_text(
        f"config:\n  aws:region: us-east-1\n  pulumi:disable-default-providers: {disabled}\n"
    )
    (tmp_path / "__main__.py").write_text("import pulumi\nimport pulumi_aws as aws\n\n" + body)
    return tmp_path


@pytest.mark.parametrize("disabled", ['["aws"]', '["*"]'])
def test_a_resource_needing_a_disabled_default_provider_stops_the_program_as_the_engine_does(tmp_path, disabled):
    # pulumi/pulumi diag.GetDefaultProviderDenied: "Default provider for '<package>' disabled. '<type>' must use
    # an explicit provider."
    program = _disabled_program(tmp_path, disabled, "aws.ecr.Repository('models', name='models/a')\n")
    with pytest.raises(EvaluationError) as failure:
        evaluate(program, "local")
    message = str(failure.value)
    assert "__main__.py:4: Default provider for 'aws' disabled." in message
    assert "'aws:ecr/repository:Repository' must use an explicit provider" in message


def test_an_invoke_needing_a_disabled_default_provider_stops_the_program(tmp_path):
    body = "aws.iam.get_policy_document(statements=[{'actions': ['ecr:BatchGetImage'], 'resources': ['*']}])\n"
    with pytest.raises(EvaluationError) as failure:
        evaluate(_disabled_program(tmp_path, '["aws"]', body), "local")
    assert "'aws:iam/getPolicyDocument:getPolicyDocument' must use an explicit provider" in str(failure.value)


def test_explicit_providers_and_other_packages_are_not_affected_by_disabled_default_providers(tmp_path):
    body = (
        "east = aws.Provider('east', region='us-east-1')\n"
        "aws.ecr.Repository('models', name='models/a', opts=pulumi.ResourceOptions(provider=east))\n"
        "pulumi.CustomResource('aws-native:ecr:Repository', 'native', {'repositoryName': 'models/b'})\n"
    )
    manifest = build_manifest(evaluate(_disabled_program(tmp_path, '["aws"]', body), "local"))
    assert by_name(manifest, "models")["provider"].startswith(
        "urn:pulumi:local::disabled::pulumi:providers:aws::east::"
    )
    assert not any(
        r["type"] == "pulumi:providers:aws" and r["name"].startswith("default") for r in manifest["resources"]
    )


def test_two_resources_with_one_urn_stop_the_program_as_the_engine_does(tmp_path):
    # pulumi/pulumi diag.GetDuplicateResourceURNError: "Duplicate resource URN '<urn>'; try giving it a unique name".
    (tmp_path / "Pulumi.yaml").write_text("name: twice\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n\naws.ecr.Repository('models', name='models/a')\naws.ecr.Repository('models', name='models/b')\n"
    )
    with pytest.raises(EvaluationError) as failure:
        evaluate(tmp_path, "local")
    assert str(failure.value).endswith(
        "__main__.py:4: Duplicate resource URN 'urn:pulumi:local::twice::aws:ecr/repository:Repository::models'; "
        "try giving it a unique name"
    )
