"""The offline preview runs a program's transforms as the engine's resource monitor does
(pulumi/pulumi pkg/resource/deploy/source_eval.go): a resource's own transforms, then its parent's and each
ancestor's, then the stack transforms in registration order; stack invoke transforms before an invoke is
answered. The SDK's mock monitor alone does not run them (first test), which is why the preview must."""

import json
import subprocess
import sys
import textwrap

import pytest
from offline_preview.evaluate import EvaluationError, evaluate
from pulumi.runtime import mocks


def _project(tmp_path, body: str):
    (tmp_path / "Pulumi.yaml").write_text("name: transforms\nruntime: python\n")
    (tmp_path / "Pulumi.local.yaml").write_text(
        'config:\n  aws:region: us-east-1\n  aws:allowedAccountIds: ["123456789012"]\n'
    )
    header = "import pulumi\nimport pulumi_aws as aws\n\n"
    (tmp_path / "__main__.py").write_text(header + textwrap.dedent(body))
    return tmp_path


def _inputs(evaluation, name):
    (resource,) = [r for r in evaluation.resources if r.name == name]
    return resource.inputs


MARK = """
def mark(label):
    def transform(args):
        tags = dict(args.props.get("tags") or {})
        tags["order"] = (tags.get("order", "") + "," + label).lstrip(",")
        return pulumi.ResourceTransformResult({**args.props, "tags": tags}, args.opts)
    return transform
"""


SDK_ALONE = """
import json
import pulumi
import pulumi_aws as aws

seen = {}

class Recording(pulumi.runtime.Mocks):
    def new_resource(self, args):
        seen[args.name] = {"tags": args.inputs.get("tags"), "transforms": len(args.transforms)}
        return f"{args.name}-id", args.inputs

    def call(self, args):
        return {}

def change(args):
    return pulumi.ResourceTransformResult({**args.props, "tags": {"changed": "yes"}}, args.opts)

@pulumi.runtime.test
def run():
    aws.ecr.Repository("r", tags={"changed": "no"}, opts=pulumi.ResourceOptions(transforms=[change]))

pulumi.runtime.set_mocks(Recording(), preview=True)
run()
print(json.dumps(seen["r"]))
"""


def test_the_sdks_mock_monitor_does_not_run_transforms():
    # What the SDK alone gives (a fresh process: set_mocks changes process-wide SDK state): the mock monitor
    # hands the transforms to Mocks.new_resource and does not run them ("The mock monitor does not run them").
    done = subprocess.run([sys.executable, "-c", SDK_ALONE], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"tags": {"changed": "no"}, "transforms": 1}
    assert "does not run" in (mocks.MockResourceArgs.__init__.__doc__ or "")


def test_transforms_run_own_then_ancestors_then_stack_in_registration_order(tmp_path):
    project = _project(
        tmp_path,
        MARK
        + """
pulumi.runtime.register_resource_transform(mark("stack1"))

class Outer(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Outer", name, None, opts)
        Inner(f"{name}-inner", pulumi.ResourceOptions(parent=self, transforms=[mark("parent")]))

class Inner(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Inner", name, None, opts)
        aws.ecr.Repository(f"{name}-repo", opts=pulumi.ResourceOptions(parent=self, transforms=[mark("own")]))

pulumi.runtime.register_resource_transform(mark("stack2"))
Outer("outer", pulumi.ResourceOptions(transforms=[mark("grandparent")]))
aws.ecr.Repository("plain")
""",
    )
    evaluation = evaluate(project, "local")
    assert _inputs(evaluation, "outer-inner-repo")["tags"] == {"order": "own,parent,grandparent,stack1,stack2"}
    assert _inputs(evaluation, "plain")["tags"] == {"order": "stack1,stack2"}


def test_a_stack_transform_applies_only_to_resources_registered_after_it(tmp_path):
    project = _project(
        tmp_path,
        MARK
        + """
aws.ecr.Repository("before")
pulumi.runtime.register_resource_transform(mark("stack"))
aws.ecr.Repository("after")
""",
    )
    evaluation = evaluate(project, "local")
    assert "tags" not in _inputs(evaluation, "before")
    assert _inputs(evaluation, "after")["tags"] == {"order": "stack"}


def test_a_transform_can_turn_scanning_off_and_the_recorded_inputs_say_so(tmp_path):
    project = _project(
        tmp_path,
        """
def scanning_off(args):
    if args.type_ == "aws:ecr/repository:Repository":
        return pulumi.ResourceTransformResult(
            {**args.props, "imageScanningConfiguration": {"scanOnPush": False}}, args.opts
        )

pulumi.runtime.register_resource_transform(scanning_off)
aws.ecr.Repository("models", image_scanning_configuration={"scan_on_push": True})
""",
    )
    evaluation = evaluate(project, "local")
    assert _inputs(evaluation, "models")["imageScanningConfiguration"] == {"scanOnPush": False}


def test_options_changed_by_a_transform_are_the_ones_recorded(tmp_path):
    project = _project(
        tmp_path,
        """
def unprotect(args):
    return pulumi.ResourceTransformResult(args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=False, retain_on_delete=False)))

aws.ecr.Repository("models", opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True, transforms=[unprotect]))
""",
    )
    (resource,) = [r for r in evaluate(project, "local").resources if r.name == "models"]
    assert (resource.protect, resource.retain_on_delete) == (False, False)


def test_an_invoke_transform_changes_the_arguments_the_invoke_is_answered_with(tmp_path):
    project = _project(
        tmp_path,
        """
def everyone(args):
    if args.token == "aws:iam/getPolicyDocument:getPolicyDocument":
        statements = [{**s, "principals": [{"type": "*", "identifiers": ["*"]}]} for s in args.args["statements"]]
        return pulumi.InvokeTransformResult({**args.args, "statements": statements}, args.opts)

pulumi.runtime.register_invoke_transform(everyone)
document = aws.iam.get_policy_document_output(
    statements=[{"principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::210987654321:root"]}], "actions": ["ecr:BatchGetImage"]}]
)
aws.ecr.RepositoryPolicy("policy", repository="models/x", policy=document.json)
""",
    )
    policy = _inputs(evaluate(project, "local"), "policy")["policy"]
    assert '"Principal":"*"' in policy.replace(" ", "")


def test_a_failing_transform_stops_the_preview_in_one_line_naming_the_resource(tmp_path):
    project = _project(
        tmp_path,
        """
def broken(args):
    raise ValueError("no tags here")

aws.ecr.Repository("models", opts=pulumi.ResourceOptions(transforms=[broken]))
""",
    )
    with pytest.raises(EvaluationError) as failure:
        evaluate(project, "local")
    message = str(failure.value)
    assert "\n" not in message
    assert "__main__.py:" in message and "models: a transform failed" in message and "no tags here" in message
