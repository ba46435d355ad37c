"""The pack's requests built once (registry_policies/sdk_internals.py), pinned to pulumi-policy==1.21.0: Analyze and
Remediate answer what the SDK's own methods answer, the runtime settings are configured once per thread, and no
check changes what every check of a request shares (the properties, the parsed documents, the stack's resources)."""

import hashlib
import inspect
import json
import re
import sys
import threading
from pathlib import Path

import pulumi_policy.policy as policy_module
import pytest
from registry_policies import sdk_internals

sys.path.insert(0, str(Path(__file__).parents[1] / "stacks"))  # the stacks' harness, for the real stacks' resources


def _real_stacks() -> tuple:
    """The three stacks evaluated as deployed, the registry with every optional feature on: (registry, replication,
    access) runs of tests/stacks/harness.py (on sys.path above)."""
    import harness

    profile = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/models"
    config = harness.stack_config("registry") | {
        "registry:upstreamCaches": True,
        "registry:signing": {"signingProfileArn": profile},
    }
    registry = harness.run_stack("registry", config=config)
    replication = harness.run_stack("replication", upstream=harness.upstream_of(registry))
    access = harness.run_stack("access", upstream=harness.upstream_of(registry, replication))
    return registry, replication, access


def test_no_stack_check_changes_the_resources_it_is_given():
    # analyze_stack and pack._stack_policy hand every stack check the same resources: a check that changed them
    # would change what the next check reads. The real stacks' resources, with every optional feature on.
    import copy

    from registry_policies.pack_specs import SPECS
    from registry_policies.stack import StackResource

    resources = [
        StackResource(r.type, r.name, r.urn, r.inputs, (), {}, {"region": "us-east-1"})
        for run in _real_stacks()[:2]
        for r in run.resources
    ]
    assert len({r.type for r in resources}) >= 10
    before = copy.deepcopy(resources)
    checks = [spec.stack_check for spec in SPECS if spec.stack_check is not None]
    assert len(checks) == 7
    for check in checks:
        check(resources, {})
        assert resources == before, check


# -- Analyze with the resource's properties, options and provider built once per request --


def test_analyze_and_remediate_are_the_pinned_methods():
    # sdk_internals.analyze is Analyze with the request's conversion hoisted out of the policies' loop, and
    # remediate answers Remediate's empty response when no policy is at the remediate level: a change to either
    # must be carried over by hand, and so must a change to what _configure_runtime_settings reads.
    for method, digest in (
        (sdk_internals._analyze, "75db9cf8fc9d1585"),
        (sdk_internals._remediate, "c4060524d4ad777f"),
        (sdk_internals._configure_runtime_settings, "da0923ff3a404f36"),
    ):
        assert hashlib.sha256(inspect.getsource(method).encode()).hexdigest()[:16] == digest, method


def _resource_request() -> policy_module.proto.AnalyzeRequest:
    request = policy_module.proto.AnalyzeRequest(type="aws:ecr/repository:Repository", urn="urn:repo", name="repo")
    # an unknown string (the engine's sentinel) under "policy"
    request.properties.update(
        {"name": "models/a", "tags": {"team": "nlp"}, "policy": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}
    )
    request.options.protect = True
    request.options.ignoreChanges.append("tags")
    request.options.parent = "urn:component"
    request.provider.type, request.provider.urn, request.provider.name = "pulumi:providers:aws", "urn:p", "p"
    request.provider.properties.update({"region": "eu-west-1"})
    return request


def _resource_servicer(log: list, *, remediating: bool = False):
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

    def reads(args, report_violation):
        log.append(
            (
                args.resource_type,
                args.urn,
                args.name,
                args.props["name"],
                dict(args.props["tags"]),
                args.opts.protect,
                list(args.opts.ignore_changes),
                args.opts.parent,
                args.provider.props["region"],
                args.get_config(),
            )
        )
        report_violation("a resource finding")

    async def awaits(args, report_violation):
        report_violation(f"{args.name}, asynchronously")

    def unknown(args, report_violation):
        report_violation(args.props["policy"])  # raises UnknownValueError

    def not_applicable(args, _report_violation):
        args.not_applicable("nothing to check here")

    def tags(args):
        return {**args.props, "tags": {"team": "nlp", "remediated": "yes"}}

    policies = [
        ResourceValidationPolicy("reads", "reads the resource", reads, EnforcementLevel.MANDATORY),
        ResourceValidationPolicy("advisory", "reads again", reads, EnforcementLevel.ADVISORY),
        ResourceValidationPolicy("off", "never runs", reads, EnforcementLevel.DISABLED),
        ResourceValidationPolicy("awaits", "an async policy", awaits, EnforcementLevel.MANDATORY),
        ResourceValidationPolicy("unknown", "reads an unknown", unknown, EnforcementLevel.MANDATORY),
        ResourceValidationPolicy("not-applicable", "declares itself not applicable", not_applicable),
        ResourceValidationPolicy("remediation-only", "remediates, never validates", None, remediate=tags),
        StackValidationPolicy("per-stack", "not a resource policy", lambda args, report: report("no")),
    ]
    if remediating:
        policies.append(
            ResourceValidationPolicy(
                "remediates", "a remediation at its level", reads, EnforcementLevel.REMEDIATE, remediate=tags
            )
        )
    return policy_module._PolicyAnalyzerServicer("pack", "1.0.0", policies, EnforcementLevel.ADVISORY)


@pytest.mark.parametrize("remediating", [False, True])
def test_analyze_answers_as_the_sdk_answers_and_every_policy_sees_the_same_resource(remediating):
    sdk_log: list = []
    sdk_answer = sdk_internals._analyze(_resource_servicer(sdk_log, remediating=remediating), _resource_request(), None)
    log: list = []
    answer = sdk_internals.analyze(_resource_servicer(log, remediating=remediating), _resource_request(), None)
    assert answer == sdk_answer
    # Violations and the unknown's diagnostic are all diagnostics, in the policies' order.
    named = ["reads", "advisory", "awaits", "unknown"] + (["remediates"] if remediating else [])
    assert [d.policyName for d in answer.diagnostics] == named
    assert "can't run policy 'unknown'" in answer.diagnostics[3].message
    assert [n.policy_name for n in answer.not_applicable] == ["not-applicable", "remediation-only"]
    seen = ("aws:ecr/repository:Repository", "urn:repo", "repo", "models/a", {"team": "nlp"}, True, ["tags"])
    assert log == sdk_log
    assert [entry[:7] for entry in log] == [seen] * (3 if remediating else 2)
    assert {(entry[7], entry[8]) for entry in log} == {("urn:component", "eu-west-1")}


@pytest.mark.parametrize("remediating", [False, True])
def test_remediate_answers_as_the_sdk_answers(remediating):
    sdk_answer = sdk_internals._remediate(_resource_servicer([], remediating=remediating), _resource_request(), None)
    answer = sdk_internals.remediate(_resource_servicer([], remediating=remediating), _resource_request(), None)
    assert answer == sdk_answer
    # Only a policy at the remediate level remediates: then the SDK's own method answers, with its new tags.
    assert [r.policyName for r in answer.remediations] == (["remediates"] if remediating else [])


def test_once_per_request_builds_once_per_analyze_request():
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

    built: list[int] = []
    seen: list[int] = []

    def build() -> int:
        built.append(len(built))
        return built[-1]

    def asks(_args, _report_violation):
        seen.append(sdk_internals.once_per_request("key", build))

    policies = [ResourceValidationPolicy(f"p{i}", "asks", asks, EnforcementLevel.MANDATORY) for i in range(3)]
    servicer = policy_module._PolicyAnalyzerServicer("pack", "1.0.0", policies, EnforcementLevel.MANDATORY)
    sdk_internals.analyze(servicer, _resource_request(), None)
    sdk_internals.analyze(servicer, _resource_request(), None)
    assert (built, seen) == ([0, 1], [0, 0, 0, 1, 1, 1])


def test_no_resource_check_changes_the_properties_or_documents_it_is_given():
    # analyze and pack._resource_policy hand every resource check of a request the same plain properties, and
    # documents.parse_document the same parsed policy document: a check that changed either would change what the
    # next check reads. The real stacks' resources, each given to every resource check.
    import copy

    from registry_policies import iam
    from registry_policies.pack_specs import SPECS

    resources = [(r.type, r.inputs) for run in _real_stacks() for r in run.resources]
    assert len({kind for kind, _ in resources}) >= 10
    # Each check with its policy's options from the local environment's pack config (where cross-account, for one,
    # reads the documents only when allowedAccounts is set), or the accounts of the stacks' config where unset.
    pack_config = json.loads((Path(__file__).parents[2] / "policy-pack" / "config" / "local.json").read_text())
    options = {name: {k: v for k, v in entry.items() if k != "enforcementLevel"} for name, entry in pack_config.items()}
    options.setdefault(iam.CROSS_ACCOUNT, {"allowedAccounts": ["123456789012", "210987654321"]})
    checks = [
        (spec.resource_check, options.get(spec.name, {}))
        for spec in SPECS
        if spec.resource_check is not None and spec.reads_props
    ]
    assert len(checks) >= 15
    from registry_policies.documents import parse_document

    documents = 0
    for kind, props in resources:
        before = copy.deepcopy(props)
        sdk_internals._request.scratch = {}  # one request: the checks share its parsed policy documents too
        try:
            for check, options in checks:
                check(kind, props, options)
                assert props == before, (check, kind)
            shared = {
                key[1]: value for key, value in sdk_internals._request.scratch.items() if key[0] == "policy document"
            }
        finally:
            del sdk_internals._request.scratch
        for text, document in shared.items():
            assert document == parse_document(text), kind  # outside a request: parsed afresh
            documents += 1
    assert documents >= 10  # the repository, registry, role and trust policies of the three stacks


def test_the_runtime_settings_are_configured_once_per_thread_and_again_when_the_environment_changes(monkeypatch):
    import pulumi.runtime

    # What the pinned method reads from the environment: the list sdk_internals watches.
    source = inspect.getsource(sdk_internals._configure_runtime_settings)
    read = set(re.findall(r'"(PULUMI_[A-Z_]+)"', source)) | {"PULUMI_CONFIG"}  # get_config_env reads PULUMI_CONFIG
    assert read == set(sdk_internals.SETTINGS_ENVIRONMENT)
    assert 'os.environ["PULUMI_CONFIG"]' in inspect.getsource(pulumi.runtime.config.get_config_env)

    calls: list[str] = []
    monkeypatch.setattr(sdk_internals, "_configure_runtime_settings", lambda servicer: calls.append(servicer))
    for name, value in (("PULUMI_PROJECT", "registry"), ("PULUMI_STACK", "dev"), ("PULUMI_DRY_RUN", "true")):
        monkeypatch.setenv(name, value)

    def serve(servicer: str, requests: int) -> None:
        for _ in range(requests):
            sdk_internals.configure_runtime_settings(servicer)

    serve("first thread", 3)
    assert calls == ["first thread"]
    worker = threading.Thread(target=serve, args=("second thread", 2))
    worker.start()
    worker.join()
    assert calls == ["first thread", "second thread"]  # its context variables are its own
    monkeypatch.setenv("PULUMI_STACK", "prod")
    serve("first thread", 2)
    assert calls == ["first thread", "second thread", "first thread"]


def test_settings_configured_once_serve_every_later_request_of_the_thread(monkeypatch):
    # The SDK's method run once, then skipped: what a policy reads from pulumi.runtime is what the SDK's method would
    # have set at that request.
    import pulumi
    import pulumi.runtime

    for name, value in (("PULUMI_PROJECT", "registry"), ("PULUMI_STACK", "dev"), ("PULUMI_DRY_RUN", "true")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PULUMI_CONFIG", '{"registry:catalog": "catalog"}')
    servicer = _resource_servicer([])
    seen = []

    def read() -> tuple:
        return (
            pulumi.get_project(),
            pulumi.get_stack(),
            pulumi.runtime.is_dry_run(),
            pulumi.runtime.config.get_config("registry:catalog"),
        )

    monkeypatch.setattr(sdk_internals, "_configured", threading.local())
    for _ in range(3):
        sdk_internals.configure_runtime_settings(servicer)
        seen.append(read())
    sdk_internals._configure_runtime_settings(servicer)
    assert seen == [read()] * 3 == [("registry", "dev", True, "catalog")] * 3
