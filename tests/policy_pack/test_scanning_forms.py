"""Scanning coverage for every repository the stacks or ECR can create, in every form the engine can receive:
aws-native, CloudFormation templates and Cloud Control desired states; repositories ECR creates under a
pull-through-cache rule's prefix or on push under a creation template's prefix; each provider's real account
(also from assume_role_with_web_identity)."""

import json

import pytest
from aws_facts import resource_types
from registry_policies.scanning import Place
from registry_policies.stack import StackResource, scanning_coverage_findings

HOME = Place("111111111111", "us-east-1")
REPO = "aws:ecr/repository:Repository"
PTC = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"


def resource(type_, logical, provider=None, **props):
    return StackResource(type_, logical, f"urn:pulumi:dev::registry::{type_}::{logical}", props, provider=provider)


def repo(name, scan_on_push=False, provider=None):
    props = {"name": name, "imageScanningConfiguration": {"scanOnPush": scan_on_push}}
    return StackResource(REPO, name, f"urn:pulumi:dev::registry::{REPO}::{name}", props, provider=provider)


def enhanced(logical, *filters, provider=None):
    rules = [
        {
            "scanFrequency": "CONTINUOUS_SCAN",
            "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters],
        }
    ]
    return resource(
        resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION, logical, provider, scanType="ENHANCED", rules=rules
    )


def template(logical, **resources):
    body = {"Resources": {k: {"Type": t, "Properties": p} for k, (t, p) in resources.items()}}
    return resource("aws:cloudformation/stack:Stack", logical, templateBody=json.dumps(body))


def cloudcontrol(logical, type_name, **state):
    return resource("aws:cloudcontrol/resource:Resource", logical, typeName=type_name, desiredState=json.dumps(state))


def messages(resources):
    return [f.message for f in scanning_coverage_findings(resources, HOME)]


CFN_ENHANCED_MODELS = {
    "ScanType": "ENHANCED",
    "Rules": [
        {"ScanFrequency": "SCAN_ON_PUSH", "RepositoryFilters": [{"Filter": "models/*", "FilterType": "WILDCARD"}]}
    ],
}


def test_a_cloudformation_repository_without_scanning_is_refused_and_with_scan_on_push_passes():
    unscanned = template(
        "stack",
        Repo=(
            "AWS::ECR::Repository",
            {"RepositoryName": "models/a", "ImageScanningConfiguration": {"ScanOnPush": False}},
        ),
    )
    scanned = template(
        "stack",
        Repo=(
            "AWS::ECR::Repository",
            {"RepositoryName": "models/a", "ImageScanningConfiguration": {"ScanOnPush": True}},
        ),
    )
    (message,) = messages([unscanned])
    assert "repository stack/Repo" in message and "never scanned" in message
    assert messages([scanned]) == []


def test_an_aws_native_repository_without_scanning_is_refused():
    native = resource(
        "aws-native:ecr:Repository",
        "nativeRepo",
        repositoryName="models/b",
        imageScanningConfiguration={"scanOnPush": False},
    )
    (message,) = messages([native])
    assert "repository nativeRepo" in message and "never scanned" in message


def test_a_cloud_control_scanning_configuration_decides_for_the_stacks_repositories():
    config = cloudcontrol("ccScanning", "AWS::ECR::RegistryScanningConfiguration", **CFN_ENHANCED_MODELS)
    assert messages([config, repo("models/a")]) == []
    (message,) = messages([config, repo("datasets/a", scan_on_push=True)])
    assert "datasets/a" in message and "no scanning rule whose filter matches" in message


def test_a_scanning_configuration_in_a_template_beside_one_in_pulumi_aws_is_a_conflict():
    config = template("stack", Scanning=("AWS::ECR::RegistryScanningConfiguration", CFN_ENHANCED_MODELS))
    found = messages([config, enhanced("home", "models/*"), repo("models/a")])
    assert any(m.startswith("2 registry scanning configurations in us-east-1 of account 111111111111") for m in found)


def test_an_aws_native_scanning_configuration_that_scans_nothing_leaves_repositories_unscanned():
    native = resource(
        "aws-native:ecr:RegistryScanningConfiguration",
        "nativeScanning",
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "CONTINUOUS_SCAN",
                "repositoryFilters": [{"filter": "nothing-*", "filterType": "WILDCARD"}],
            }
        ],
    )
    (message,) = messages([native, repo("models/a", scan_on_push=True)])
    assert "models/a" in message and "ECR disables scanning" in message


def test_a_template_the_pack_cannot_read_cannot_be_evaluated_for_scanning():
    at_url = resource("aws:cloudformation/stack:Stack", "remote", templateUrl="https://example.com/t.json")
    (message,) = messages([at_url])
    assert "cannot be evaluated for scanning" in message and "URL" in message


@pytest.mark.parametrize(
    ("filters", "scanned"),
    [
        (("docker-hub/*",), True),
        (("*",), True),
        (("models/*",), False),
        (("docker-hub",), True),
        (("docker-hub/library/*",), False),
    ],
)
def test_pull_through_cache_repositories_need_a_filter_covering_their_prefix(filters, scanned):
    rule = resource(PTC, "dockerHub", ecrRepositoryPrefix="docker-hub", upstreamRegistryUrl="registry-1.docker.io")
    found = messages([rule, enhanced("home", *filters)])
    assert (found == []) is scanned
    if not scanned:
        assert "pull-through-cache repositories that ECR creates under 'docker-hub'" in found[0]


def test_pull_through_cache_repositories_without_any_scanning_configuration_are_never_scanned():
    (message,) = messages([resource(PTC, "quay", ecrRepositoryPrefix="quay")])
    assert "no registry scanning configuration is put there" in message
    assert "pull-through-cache repositories do not scan on push by themselves" in message


def test_a_cloudformation_pull_through_cache_rule_counts_too():
    rule = template(
        "stack",
        Cache=("AWS::ECR::PullThroughCacheRule", {"EcrRepositoryPrefix": "ghcr", "UpstreamRegistryUrl": "ghcr.io"}),
    )
    (message,) = messages([rule, enhanced("home", "models/*")])
    assert "under 'ghcr'" in message


def test_create_on_push_templates_need_coverage_and_replication_only_templates_do_not():
    on_push = resource(TEMPLATE, "onPush", prefix="scratch", appliedFors=["CREATE_ON_PUSH"])
    replication = resource(TEMPLATE, "replicas", prefix="scratch", appliedFors=["REPLICATION"])
    (message,) = messages([on_push, enhanced("home", "models/*")])
    assert "create-on-push repositories that ECR creates under 'scratch'" in message
    assert messages([replication, enhanced("home", "models/*")]) == []
    assert messages([on_push, enhanced("home", "scratch/*")]) == []


def test_the_root_prefix_stands_for_every_repository():
    root = resource(TEMPLATE, "everything", prefix="ROOT", appliedFors=["CREATE_ON_PUSH"])
    (message,) = messages([root, enhanced("home", "models/*")])
    assert "anywhere in the registry (ROOT)" in message
    assert messages([root, enhanced("home", "*")]) == []


WEB_IDENTITY_HOME = {
    "region": "us-east-1",
    "assumeRoleWithWebIdentity": json.dumps({"roleArn": "arn:aws:iam::111111111111:role/deployer"}),
}
WEB_IDENTITY_OTHER = {
    "region": "us-east-1",
    "assumeRoleWithWebIdentity": json.dumps({"roleArn": "arn:aws:iam::222222222222:role/deployer"}),
}


def test_a_web_identity_provider_in_the_stack_account_and_region_is_a_second_configuration_there():
    found = messages([enhanced("home", "*"), enhanced("viaWebIdentity", "*", provider=WEB_IDENTITY_HOME)])
    assert any(m.startswith("2 registry scanning configurations in us-east-1 of account 111111111111") for m in found)


def test_a_web_identity_provider_of_another_account_is_not_merged_with_the_stack_account():
    other_config = enhanced("viaWebIdentity", "nothing-*", provider=WEB_IDENTITY_OTHER)
    found = messages([enhanced("home", "*"), other_config, repo("models/a")])
    assert found == []
    (message,) = messages([enhanced("home", "*"), other_config, repo("models/b", provider=WEB_IDENTITY_OTHER)])
    assert "models/b (us-east-1 of account 222222222222) is never scanned" in message


def test_a_cloudformation_replication_configuration_needs_its_destination_region_scanned():
    replication = template(
        "stack",
        Replication=(
            "AWS::ECR::ReplicationConfiguration",
            {
                "ReplicationConfiguration": {
                    "Rules": [
                        {
                            "Destinations": [{"Region": "eu-west-1", "RegistryId": "111111111111"}],
                            "RepositoryFilters": [{"Filter": "models", "FilterType": "PREFIX_MATCH"}],
                        }
                    ]
                }
            },
        ),
    )
    (message,) = messages([replication, enhanced("home", "*")])
    assert message.startswith(
        "replicas in eu-west-1 of account 111111111111 (rules[0], prefix 'models') are never scanned"
    )


def test_ecr_scanning_enabled_reads_the_other_forms_too():
    from registry_policies.pack_checks import scanning_check

    native = scanning_check(
        "aws-native:ecr:Repository", {"repositoryName": "m", "imageScanningConfiguration": {"scanOnPush": False}}, {}
    )
    assert [f.message for f in native] == [
        "the repository does not scan images on push (scanOnPush=False); set imageScanningConfiguration.scanOnPush to true"
    ]
    body = json.dumps({"Resources": {"Repo": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryName": "m"}}}})
    (finding,) = scanning_check("aws:cloudformation/stack:Stack", {"templateBody": body}, {})
    assert finding.message.startswith("template resource Repo: the repository does not scan images on push (missing)")
    scanning_nothing = {
        "ScanType": "ENHANCED",
        "Rules": [{"ScanFrequency": "MANUAL", "RepositoryFilters": [{"Filter": "*", "FilterType": "WILDCARD"}]}],
    }
    state = {"typeName": "AWS::ECR::RegistryScanningConfiguration", "desiredState": json.dumps(scanning_nothing)}
    assert any(
        "no rule of the ENHANCED registry scanning configuration scans" in f.message
        for f in scanning_check("aws:cloudcontrol/resource:Resource", state, {})
    )
    assert (
        scanning_check(
            "aws-native:ecr:Repository", {"repositoryName": "m", "imageScanningConfiguration": {"scanOnPush": True}}, {}
        )
        == []
    )


STACK_SET_TEMPLATE = json.dumps(
    {
        "Resources": {
            "Cache": {
                "Type": "AWS::ECR::PullThroughCacheRule",
                "Properties": {"EcrRepositoryPrefix": "ghcr", "UpstreamRegistryUrl": "ghcr.io"},
            }
        }
    }
)


@pytest.mark.parametrize(
    "stack_set",
    [
        resource("aws:cloudformation/stackSet:StackSet", "set", templateBody=STACK_SET_TEMPLATE),
        resource("aws-native:cloudformation:StackSet", "set", templateBody=STACK_SET_TEMPLATE),
        template("outer", Set=("AWS::CloudFormation::StackSet", {"TemplateBody": STACK_SET_TEMPLATE})),
    ],
)
def test_ecr_resources_in_a_stack_set_land_in_accounts_and_regions_the_pack_does_not_model(stack_set):
    # A stack set deploys its template to each of its instances (account x region), which may be added outside
    # the stack: even a scanning rule covering 'ghcr/' at home says nothing of those places.
    (message,) = messages([stack_set, enhanced("home", "*")])
    assert "cannot be evaluated for scanning" in message and "AWS::ECR::PullThroughCacheRule" in message


def test_a_stack_set_without_ecr_resources_says_nothing_about_scanning():
    body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}})
    assert messages([resource("aws:cloudformation/stackSet:StackSet", "set", templateBody=body)]) == []
