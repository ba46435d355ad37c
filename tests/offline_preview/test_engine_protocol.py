"""The offline preview talks to a pack as the engine does (pkg/resource/deploy/step_generator.go, pkg/resource/plugin/
analyzer_plugin.go), through the real gRPC protocol: Handshake and ConfigureStack at start, then per resource Remediate
and Analyze on the provider-checked inputs with the default provider, and AnalyzeStack on the outputs; a first
preview leaves computed ids and ARNs unknown; `--state` previews against deployed state.

A recording pack (written below, pulumi-policy 1.21) reports what it was given as its violations' messages.
"""

import json
import textwrap

import pytest
from offline_preview.analyzer_client import AnalyzerClient
from offline_preview.evaluate import DEPLOYED, PREVIEW, EvaluationError, evaluate
from offline_preview.manifest import build_manifest
from offline_preview.state import StateError, load_state
from offline_preview.streams import analyzer_resources

ACCOUNT = "123456789012"
REGION = "eu-west-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/puller"

RECORDING_PACK = '''
import json
from pulumi_policy import (
    EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy,
)
from pulumi.runtime import is_dry_run


def plain(value):
    """The value with every unknown as "<unknown>" (touching one through the pack's proxy raises)."""
    from pulumi_policy.policy import UnknownValueError  # noqa: F401 - the proxy's error
    try:
        if isinstance(value, dict) or hasattr(value, "keys"):
            return {k: plain(value[k]) for k in value.keys()}
        if isinstance(value, (list, tuple)) or (hasattr(value, "__len__") and not isinstance(value, str)):
            return [plain(value[i]) for i in range(len(value))]
    except Exception as error:  # the proxy's UnknownValueError
        return "<unknown>" if "unknown" in type(error).__name__.lower() else repr(error)
    return value


def seen(args, report_violation):
    props = {}
    for key in args.props.keys():
        try:
            props[key] = plain(args.props[key])
        except Exception:
            props[key] = "<unknown>"
    provider = args.provider
    report_violation(json.dumps({
        "call": "Analyze", "type": args.resource_type, "name": args.name, "props": props,
        "provider": provider and {"type": provider.resource_type, "name": provider.name,
                                  "region": provider.props.get("region"), "version": provider.props.get("version")},
        "stackTags": dict(args.stack_tags), "dryRun": is_dry_run(),
    }, sort_keys=True, default=str))


def named_arn(args, report_violation):
    if args.resource_type == "aws:ecr/repositoryPolicy:RepositoryPolicy":
        report_violation("policy names " + str(args.props["policy"]))  # unknown in a first preview


def stack(args, report_violation):
    for resource in args.resources:
        props = {}
        for key in resource.props.keys():
            try:
                props[key] = plain(resource.props[key])
            except Exception:
                props[key] = "<unknown>"
        report_violation(json.dumps({"call": "AnalyzeStack", "name": resource.name, "props": props},
                                    sort_keys=True, default=str), resource.urn)


def tag(args):
    if args.resource_type == "aws:ecr/repository:Repository":
        return {**{k: args.props[k] for k in args.props.keys() if k != "encryptionConfigurations"},
                "tags": {"remediated": "yes"}}
    return None


PolicyPack(name="recording", enforcement_level=EnforcementLevel.ADVISORY, policies=[
    ResourceValidationPolicy(name="seen", description="what Analyze was given", validate=seen),
    ResourceValidationPolicy(name="named-arn", description="reads a policy", validate=named_arn),
    ResourceValidationPolicy(name="add-tag", description="tags repositories", remediate=tag,
                             enforcement_level=EnforcementLevel.REMEDIATE),
    StackValidationPolicy(name="stack", description="what AnalyzeStack was given", validate=stack),
])
'''

PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", description="images")
repository = aws.ecr.Repository(
    "models", name="models/one", encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}]
)
role = aws.iam.Role("puller", name="puller", assume_role_policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                            "Action": "sts:AssumeRole"}]}))
aws.ecr.RepositoryPolicy("models-policy", repository=repository.name, policy=role.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "ecr:BatchGetImage"}]})))
pulumi.export("repositoryArn", repository.arn)
"""


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("recording-pack")
    (directory / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (directory / "__main__.py").write_text(textwrap.dedent(RECORDING_PACK))
    return directory


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    directory = tmp_path_factory.mktemp("protocol-program")
    (directory / "Pulumi.yaml").write_text("name: protocol\nruntime: python\n")
    (directory / "Pulumi.local.yaml").write_text(
        f'config:\n  aws:region: {REGION}\n  aws:allowedAccountIds: ["{ACCOUNT}"]\n'
    )
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


def _run_pack(pack_dir, manifest, tags=None):
    with AnalyzerClient(pack_dir, project="protocol", stack="local", tags=tags or {}) as pack:
        pack.configure({})
        per_resource, of_stack = pack.analyze_all(analyzer_resources(manifest))
        calls = (pack.handshake_supported, pack.configure_stack_supported, list(pack.remediations))
    return [v for vs in per_resource for v in vs], of_stack, calls


def _recorded(violations, call, name):
    found = []
    for violation in violations:
        detail = violation.message.split("\n", 1)[1] if "\n" in violation.message else ""
        if detail.startswith("{"):
            record = json.loads(detail)
            if record["call"] == call and record["name"] == name:
                found.append(record)
    assert len(found) == 1, f"expected one {call} record of {name}, got {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def first_preview(project, pack_dir):
    manifest = build_manifest(evaluate(project, "local", mode=PREVIEW), reveal_secrets=True)
    return manifest, *_run_pack(pack_dir, manifest, tags={"owner": "platform"})


def test_the_pack_is_handshaken_and_its_stack_configured_as_the_engine_does(first_preview):
    _, per_resource, _, (handshake, configure_stack, _) = first_preview
    # pulumi-policy 1.21 leaves Handshake UNIMPLEMENTED (the engine accepts that); it implements ConfigureStack.
    assert handshake is False
    assert configure_stack is True
    assert _recorded(per_resource, "Analyze", "puller")["stackTags"] == {"owner": "platform"}
    assert _recorded(per_resource, "Analyze", "puller")["dryRun"] is True


def test_analyze_gets_the_provider_checked_inputs_with_the_schemas_defaults(first_preview):
    _, per_resource, _, _ = first_preview
    role = _recorded(per_resource, "Analyze", "puller")["props"]
    assert role["path"] == "/" and role["maxSessionDuration"] == 3600 and role["forceDetachPolicies"] is False
    key = _recorded(per_resource, "Analyze", "key")["props"]
    assert key["keyUsage"] == "ENCRYPT_DECRYPT" and key["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"


def test_every_resource_is_sent_with_the_default_provider_and_its_region(first_preview):
    manifest, per_resource, _, _ = first_preview
    provider = _recorded(per_resource, "Analyze", "puller")["provider"]
    assert provider["type"] == "pulumi:providers:aws"
    assert provider["name"].startswith("default_") and provider["name"].endswith(provider["version"].replace(".", "_"))
    assert provider["region"] == REGION
    (entry,) = [r for r in manifest["resources"] if r["type"] == "pulumi:providers:aws"]
    # A new provider's id is unknown in a first preview: the reference carries the engine's unknown id.
    assert all(
        r["provider"] == f"{entry['urn']}::04da6b54-80e4-46f7-96ec-b56ff0331ba9"
        for r in manifest["resources"]
        if r["custom"] and not r["type"].startswith("pulumi:")
    )


def test_a_new_resources_computed_arn_and_id_are_unknown_in_a_first_preview(first_preview):
    manifest, per_resource, of_stack, _ = first_preview
    role = next(r for r in manifest["resources"] if r["name"] == "puller")
    assert role["id"] == "" and role["unknownOutputs"] == ["/arn", "/uniqueId"]
    repository = next(r for r in manifest["resources"] if r["name"] == "models")
    assert repository["unknownInputs"] == ["/encryptionConfigurations/0/kmsKey"]  # the new key's ARN
    assert _recorded(per_resource, "Analyze", "models-policy")["props"]["policy"] == "<unknown>"
    # A policy naming the new role's ARN cannot be evaluated: the pack's server says so, as advisory.
    (cannot,) = [v for v in per_resource if v.policy_name == "named-arn"]
    assert cannot.enforcement_level == "advisory" and "can't run policy 'named-arn'" in cannot.message


def test_analyze_stack_gets_each_resources_outputs(first_preview):
    _, _, of_stack, _ = first_preview
    repository = _recorded(of_stack, "AnalyzeStack", "models")["props"]
    assert repository["arn"] == "<unknown>" and repository["repositoryUrl"] == "<unknown>"
    assert repository["name"] == "models/one"  # the inputs are part of the outputs
    assert repository["tags"] == {"remediated": "yes"}  # created from the remediated inputs


def test_remediate_runs_before_analyze_which_sees_the_remediated_properties(first_preview):
    _, per_resource, _, (_, _, remediations) = first_preview
    (remediation,) = remediations
    assert remediation.policy_name == "add-tag" and remediation.properties["tags"] == {"remediated": "yes"}
    assert _recorded(per_resource, "Analyze", "models")["props"]["tags"] == {"remediated": "yes"}
    assert "tags" not in _recorded(per_resource, "Analyze", "puller")["props"]


def _export(evaluation) -> dict:
    """`pulumi stack export` of a deployed stack (version 3), from an evaluation as after `pulumi up`."""
    stack_urn = f"urn:pulumi:{evaluation.stack}::{evaluation.project}::pulumi:pulumi:Stack::x"
    resources = [{"urn": stack_urn, "type": "pulumi:pulumi:Stack", "custom": False, "outputs": evaluation.outputs}]
    resources += [
        {"urn": r.urn, "type": r.type, "id": r.id, "custom": r.custom, "inputs": r.inputs, "outputs": r.outputs}
        for r in evaluation.resources
    ]
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def test_against_deployed_state_its_resources_keep_their_ids_and_outputs(project, pack_dir, tmp_path):
    deployed = evaluate(project, "local", mode=DEPLOYED)
    path = tmp_path / "protocol-local.json"
    path.write_text(json.dumps(_export(deployed)))
    state = load_state(path)
    assert state.key == "protocol/local"
    manifest = build_manifest(evaluate(project, "local", state=state), reveal_secrets=True)
    role = next(r for r in manifest["resources"] if r["name"] == "puller")
    assert role["id"] == "puller" and role["unknownOutputs"] == [] and role["outputs"]["arn"] == ROLE_ARN
    per_resource, of_stack, _ = _run_pack(pack_dir, manifest)
    assert not [v for v in per_resource if "can't run policy" in v.message]
    (named,) = [v for v in per_resource if v.policy_name == "named-arn"]
    assert ROLE_ARN in named.message
    assert _recorded(of_stack, "AnalyzeStack", "models")["props"]["arn"].endswith(":repository/models/one")


def test_a_state_file_with_encrypted_secrets_is_refused_in_one_line(tmp_path):
    path = tmp_path / "s.json"
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}
    stack = {"urn": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", "type": "pulumi:pulumi:Stack", "outputs": {}}
    role = {"urn": "urn:pulumi:dev::p::aws:iam/role:Role::r", "type": "aws:iam/role:Role", "inputs": {"x": secret}}
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": [stack, role]}}))
    with pytest.raises(StateError) as error:
        load_state(path)
    message = str(error.value)
    assert "deployment.resources[1].inputs.x" in message and "--show-secrets" in message and "\n" not in message


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"version": 2, "deployment": {}}, "not a `pulumi stack export` file"),
        ({"version": 3, "deployment": {"resources": []}}, "no pulumi:pulumi:Stack resource"),
    ],
)
def test_a_file_that_is_no_stack_export_is_refused(document, says, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document))
    with pytest.raises(StateError, match=says):
        load_state(path)


@pytest.mark.parametrize(
    ("days", "refused"), [(6, True), (7, False), (30, False), (31, True)], ids=["6", "7", "30", "31"]
)
def test_check_refuses_a_value_out_of_the_schemas_range_at_the_limit_and_one_over(days, refused, tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: ranged\nruntime: python\n")
    (tmp_path / "Pulumi.local.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "__main__.py").write_text(
        f"import pulumi_aws as aws\n\naws.kms.Key('key', deletion_window_in_days={days})\n"
    )
    if not refused:
        evaluate(tmp_path, "local")
        return
    with pytest.raises(EvaluationError) as error:
        evaluate(tmp_path, "local")
    message = str(error.value)
    assert f"{tmp_path}/__main__.py:3: aws:kms/key:Key 'key': deletionWindowInDays: the provider's Check" in message
    assert f"range (7 - 30), got {days}" in message and "\n" not in message
