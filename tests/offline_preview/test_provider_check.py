"""The provider's Check, offline, refuses what pulumi-aws's Check refuses and passes what it passes.

Expected verdicts come from the provider's and the bridge's source, not from the tables under test:
- pulumi-terraform-bridge pkg/tfbridge/provider.go `Check`: the type checker only warns (unless
  PULUMI_ERROR_TYPE_CHECKER); the failures are the Terraform SDK's `ValidateResource` errors;
- pkg/tfbridge/schema.go `makeTerraformInput`: a bool or a number given to a string property becomes its text; a
  number given to an int property is truncated; a list given to a MaxItems-1 block is wrapped once more;
- terraform-plugin-sdk v2 helper/schema/schema.go: "Invalid or unknown key"; "Attribute must be a single value,
  not a list"; TypeInt takes an int or a string WeakDecode parses ("Attribute must be a whole number" otherwise);
  TypeBool takes what strconv.ParseBool reads; "attribute supports 1 item maximum"; "conflicts with";
- pulumi-aws 7.51 (its Python SDK states the schema): required properties, nested blocks, policy-document unions;
- terraform-provider-aws: iam/role.go, role_policy.go, policy.go, kms/alias.go `ConflictsWith: name_prefix`;
  ecr/repository.go and repository_creation_template.go `encryption_configuration` MaxItems 1; IntBetween ranges.
"""

import pytest
from aws_facts.validation.provider_rules import PROVIDER_SCHEMAS
from hypothesis import given
from hypothesis import strategies as st
from offline_preview import provider_check, provider_schema
from offline_preview.evaluate import EvaluationError, evaluate
from offline_preview.provider_check import check
from pulumi.runtime.rpc import UNKNOWN

TRUST = '{"Version":"2012-10-17","Statement":[]}'
ROLE = "aws:iam/role:Role"
REPOSITORY = "aws:ecr/repository:Repository"


def refused(type_token: str, inputs: dict) -> list[str]:
    """The properties Check refuses (empty: accepted)."""
    return [failure.property for failure in check(type_token, inputs)[1]]


@pytest.mark.parametrize(
    ("type_token", "inputs", "property_refused"),
    [
        (ROLE, {"assumeRolePolicy": TRUST, "name": "a", "namePrefix": "b"}, "name"),
        ("aws:iam/rolePolicy:RolePolicy", {"role": "r", "policy": TRUST, "name": "a", "namePrefix": "b"}, "name"),
        ("aws:iam/policy:Policy", {"policy": TRUST, "name": "a", "namePrefix": "b"}, "name"),
        ("aws:kms/alias:Alias", {"targetKeyId": "k", "name": "alias/a", "namePrefix": "alias/b"}, "name"),
        (ROLE, {"assumeRolePolicy": TRUST, "maxSesionDuration": 3600}, "maxSesionDuration"),
        (REPOSITORY, {"image_tag_mutability": "IMMUTABLE"}, "image_tag_mutability"),
        (
            "aws:ecr/repositoryPolicy:RepositoryPolicy",
            {"repository": "r", "policy": TRUST, "forceDelete": True},
            "forceDelete",
        ),
        (REPOSITORY, {"imageScanningConfiguration": [{"scanOnPush": True}]}, "imageScanningConfiguration"),
        (REPOSITORY, {"encryptionConfigurations": [{"encryptionType": "AES256"}] * 2}, "encryptionConfigurations"),
        (REPOSITORY, {"encryptionConfigurations": {"encryptionType": "AES256"}}, "encryptionConfigurations"),
        (ROLE, {"assumeRolePolicy": TRUST, "name": ["a"]}, "name"),
        (ROLE, {"assumeRolePolicy": TRUST, "tags": ["a"]}, "tags"),
        (ROLE, {"assumeRolePolicy": TRUST, "maxSessionDuration": True}, "maxSessionDuration"),
        (ROLE, {"assumeRolePolicy": TRUST, "maxSessionDuration": "abc"}, "maxSessionDuration"),
        (ROLE, {"assumeRolePolicy": TRUST, "maxSessionDuration": "43201"}, "maxSessionDuration"),
        (ROLE, {"assumeRolePolicy": TRUST, "forceDetachPolicies": "yes"}, "forceDetachPolicies"),
        (
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
            {"url": "https://x", "clientIdLists": "sts"},
            "clientIdLists",
        ),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", {"url": "https://x"}, "clientIdLists"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "r"}, "policyArn"),
        ("aws:kms/grant:Grant", {"keyId": "k", "granteePrincipal": "p"}, "operations"),
        ("aws:kms/grant:Grant", {"keyId": "k", "granteePrincipal": "p", "operations": "Decrypt"}, "operations"),
        ("aws:kms/alias:Alias", {"name": "alias/a"}, "targetKeyId"),
        ("aws:kms/replicaKey:ReplicaKey", {}, "primaryKeyArn"),
        ("aws:kms/key:Key", {"deletionWindowInDays": "31"}, "deletionWindowInDays"),
        ("aws:ecr/lifecyclePolicy:LifecyclePolicy", {"policy": "{}"}, "repository"),
        ("aws:ecr/registryPolicy:RegistryPolicy", {}, "policy"),
        ("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", {"ecrRepositoryPrefix": "x"}, "upstreamRegistryUrl"),
        ("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", {"appliedFors": ["REPLICATION"]}, "prefix"),
        (
            "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
            {"scanType": "ENHANCED", "rules": {"scanFrequency": "SCAN_ON_PUSH"}},
            "rules",
        ),
        (
            "aws:ecr/replicationConfiguration:ReplicationConfiguration",
            {"replicationConfiguration": {"rules": [{"repositoryFilters": []}]}},
            "replicationConfiguration.rules[0].destinations",
        ),
        (
            "aws:ecr/replicationConfiguration:ReplicationConfiguration",
            {"replicationConfiguration": {"rules": [{"destinations": [{"registryId": "123456789012"}]}]}},
            "replicationConfiguration.rules[0].destinations[0].region",
        ),
    ],
)
def test_check_refuses_what_the_providers_schema_refuses(type_token, inputs, property_refused):
    assert refused(type_token, inputs) == [property_refused]


@pytest.mark.parametrize(
    ("type_token", "inputs"),
    [
        (ROLE, {"assumeRolePolicy": TRUST, "name": "a"}),
        (ROLE, {"assumeRolePolicy": TRUST, "namePrefix": "b"}),
        (ROLE, {"assumeRolePolicy": {"Version": "2012-10-17", "Statement": []}}),  # PolicyDocument union
        (ROLE, {"assumeRolePolicy": TRUST, "maxSessionDuration": "7200"}),  # WeakDecode
        (ROLE, {"assumeRolePolicy": TRUST, "maxSessionDuration": "43200"}),  # the limit
        (ROLE, {"assumeRolePolicy": TRUST, "forceDetachPolicies": "true"}),
        (ROLE, {"assumeRolePolicy": TRUST, "description": True}),  # the bridge sends "true"
        (ROLE, {"assumeRolePolicy": UNKNOWN, "name": UNKNOWN, "tags": UNKNOWN}),  # unknowns are never refused
        (REPOSITORY, {"imageScanningConfiguration": {"scanOnPush": True}}),
        (REPOSITORY, {"encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": UNKNOWN}]}),
        (REPOSITORY, {"forceDelete": 1}),
        ("aws:ecr/lifecyclePolicy:LifecyclePolicy", {"repository": "r", "policy": {"rules": []}}),
        ("aws:kms/key:Key", {"deletionWindowInDays": "30", "enableKeyRotation": "false"}),
        (
            "aws:ecr/replicationConfiguration:ReplicationConfiguration",
            {"replicationConfiguration": {"rules": [{"destinations": [{"region": "eu-west-1", "registryId": "1"}]}]}},
        ),
    ],
)
def test_check_accepts_what_the_providers_schema_accepts(type_token, inputs):
    assert refused(type_token, inputs) == []


def test_a_misspelt_block_field_is_unknown_and_leaves_the_required_one_unset():
    # repository.go image_scanning_configuration: scan_on_push Required
    assert refused(REPOSITORY, {"imageScanningConfiguration": {"scanOnpush": True}}) == [
        "imageScanningConfiguration.scanOnpush",
        "imageScanningConfiguration.scanOnPush",
    ]


def test_a_type_outside_the_tables_is_still_judged_by_its_sdk_schema():
    assert refused("aws:s3/bucket:Bucket", {"bucket": "b", "anyThing": "x"}) == ["anyThing"]


def test_a_type_the_sdk_does_not_know_passes_unchanged():
    inputs = {"anything": ["at all"]}
    assert check("registry:index:Component", inputs) == (inputs, [])


@given(st.integers(min_value=-(10**6), max_value=10**6), st.sampled_from(["int", "str"]))
def test_an_int_property_is_in_range_whether_written_as_a_number_or_its_text(seconds, form):
    value = seconds if form == "int" else str(seconds)
    assert (refused(ROLE, {"assumeRolePolicy": TRUST, "maxSessionDuration": value}) == []) == (3600 <= seconds <= 43200)


def _program(tmp_path, body: str):
    (tmp_path / "Pulumi.yaml").write_text("name: checked\nruntime: python\n")
    (tmp_path / "Pulumi.local.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "__main__.py").write_text(body)


def test_a_raw_resource_with_a_list_for_a_single_block_stops_the_preview_in_one_line(tmp_path):
    _program(
        tmp_path,
        "import pulumi\n\npulumi.CustomResource('aws:ecr/repository:Repository', 'repo',\n"
        "    {'imageScanningConfiguration': [{'scanOnPush': True}]})\n",
    )
    with pytest.raises(EvaluationError) as error:
        evaluate(tmp_path, "local")
    message = str(error.value)
    assert "aws:ecr/repository:Repository 'repo': imageScanningConfiguration: the provider's Check" in message
    assert "MaxItems 1" in message and "\n" not in message


def test_a_role_with_name_and_name_prefix_stops_the_preview(tmp_path):
    _program(
        tmp_path,
        "import pulumi_aws as aws\n\naws.iam.Role('r', assume_role_policy='{}', name='a', name_prefix='b')\n",
    )
    with pytest.raises(EvaluationError, match='name: the provider\'s Check refuses it: "name": conflicts with'):
        evaluate(tmp_path, "local")


@pytest.mark.parametrize(
    ("written", "read", "says"),
    [
        ("abc", "require_int", "value 'abc' is not a valid 'int'"),
        ("plain", "require_object", "value 'plain' is not a valid 'JSON object'"),
        ("maybe", "require_bool", "value 'maybe' is not a valid 'bool'"),
    ],
)
def test_a_config_value_of_the_wrong_type_stops_the_program_as_the_sdk_does(written, read, says, tmp_path):
    # pulumi/config.py: ConfigTypeError, raised by the SDK in the program under the engine as offline.
    _program(tmp_path, f"import pulumi\n\npulumi.Config().{read}('value')\n")
    (tmp_path / "Pulumi.local.yaml").write_text(f"config:\n  aws:region: us-east-1\n  checked:value: {written}\n")
    with pytest.raises(EvaluationError, match=f"__main__.py:3: ConfigTypeError: Configuration 'checked:value' {says}"):
        evaluate(tmp_path, "local")


@pytest.mark.parametrize("read", ["get", "get_secret"])
def test_a_secret_not_decrypted_offline_that_reaches_an_input_is_reported_not_validated(read, tmp_path):
    # The engine decrypts every secret before the program runs and the pack judges the plaintext (the SDK's
    # `get` returns it unmarked; pulumi/config.py's warning is commented out); offline, without the key, the
    # program reads a placeholder, which must be named as not validated rather than judged silently.
    _program(
        tmp_path,
        "import pulumi, pulumi_aws as aws\n\n"
        f"account = pulumi.Config().{read}('account')\n"
        "aws.ecr.Repository('repo', tags={'owner': account})\n",
    )
    (tmp_path / "Pulumi.local.yaml").write_text(
        "secretsprovider: awskms://alias/x\nconfig:\n  aws:region: us-east-1\n  checked:account:\n    secure: AAAB\n"
    )
    diagnostics = evaluate(tmp_path, "local").diagnostics
    assert [d for d in diagnostics if "not validated offline" in d] == [
        f"{tmp_path}/__main__.py:4: aws:ecr/repository:Repository 'repo': tags.owner: holds a secret config value "
        "not decrypted offline (its key is not at hand; for a passphrase stack set PULUMI_CONFIG_PASSPHRASE): "
        "not validated offline; the engine's preview judges its plaintext"
    ]


def test_a_plain_config_value_is_not_reported(tmp_path):
    _program(tmp_path, "import pulumi_aws as aws\n\naws.ecr.Repository('repo', tags={'owner': 'secret-team'})\n")
    assert not [d for d in evaluate(tmp_path, "local").diagnostics if "not validated offline" in d]


SECRET = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


def test_a_secret_is_judged_by_its_value_as_check_unmarshals_it_without_its_envelope():
    def secret(value):
        return {SECRET[0]: SECRET[1], "value": value}

    assert refused("aws:ssm/parameter:Parameter", {"name": "p", "type": "String", "value": secret("text")}) == []
    assert refused(ROLE, {"assumeRolePolicy": secret(TRUST), "maxSessionDuration": secret("43201")}) == [
        "maxSessionDuration"
    ]
    assert refused(ROLE, {"assumeRolePolicy": TRUST, "name": secret(["a"])}) == ["name"]


@pytest.mark.parametrize(
    ("written", "accepted"),
    [
        ("0xA8C0", True),  # 43200 in hex: strconv.ParseInt base 0
        ("0xA8C1", False),
        ("0124300", True),  # 43200 in octal: a leading 0 is octal in Go
        ("010", False),  # 8
        ("43_200", False),  # underscores only after a base prefix: a parse error
        (43200.9, True),  # the bridge truncates a number given to an int property
        (3599.9, False),
    ],
)
def test_an_int_property_is_read_as_go_reads_it(written, accepted):
    assert (refused(ROLE, {"assumeRolePolicy": TRUST, "maxSessionDuration": written}) == []) == accepted


def test_a_null_input_is_dropped_as_check_drops_it_and_a_keyword_module_is_still_read():
    # provider.go Check: UnmarshalProperties(..., SkipNulls: true); aws:lambda/... is pulumi_aws.lambda_.
    assert refused(REPOSITORY, {"notAProperty": None}) == []
    assert refused("aws:lambda/permission:Permission", {"action": "lambda:InvokeFunction"}) == [
        "function",
        "principal",
    ]


def _replication(rules: int, destinations: int, filters: int) -> dict:
    rule = {
        "destinations": [{"region": "eu-west-1", "registryId": "123456789012"}] * destinations,
        "repositoryFilters": [{"filter": "models", "filterType": "PREFIX_MATCH"}] * filters,
    }
    return {"replicationConfiguration": {"rules": [rule] * rules}}


@pytest.mark.parametrize(
    ("rules", "destinations", "filters", "refused_at"),
    [
        (10, 25, 100, []),  # replication_configuration.go: rule MaxItems 10, destination 25, repository_filter 100
        (11, 1, 1, ["replicationConfiguration.rules"]),
        (1, 26, 1, ["replicationConfiguration.rules[0].destinations"]),
        (1, 1, 101, ["replicationConfiguration.rules[0].repositoryFilters"]),
    ],
)
def test_replication_lists_at_the_providers_max_items_and_one_over(rules, destinations, filters, refused_at):
    assert (
        refused("aws:ecr/replicationConfiguration:ReplicationConfiguration", _replication(rules, destinations, filters))
        == refused_at
    )


def test_every_type_of_the_table_has_the_sdks_input_type_which_says_what_is_required():
    # The table carries no required properties: the SDK's input type does, for every type in it (a role requires
    # its trust policy, a repository policy its repository and policy: pulumi-aws's API docs).
    assert all(provider_schema.args_class(token) is not None for token in PROVIDER_SCHEMAS)
    _, failures = provider_check.check("aws:iam/role:Role", {})
    assert [f.property for f in failures] == ["assumeRolePolicy"]
    _, failures = provider_check.check("aws:ecr/repositoryPolicy:RepositoryPolicy", {})
    assert sorted(f.property for f in failures) == ["policy", "repository"]
