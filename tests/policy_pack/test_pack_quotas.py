"""aws-quotas and aws-quotas-aggregate: every quota at AWS's limit (accepted) and one over (refused).

The pure functions first (one boundary case per quota of QUOTA_TABLE), then the counting rule as a
property, then the real pack over gRPC. The offline preview of a program whose role is too big:
tests/offline_preview/test_e2e_oversized_role.py.
"""

import json
import re
import string
from pathlib import Path

import pytest
from aws_facts.resource_types import (
    ECR_LIFECYCLE_POLICY,
    ECR_REGISTRY_POLICY,
    ECR_REGISTRY_SCANNING_CONFIGURATION,
    ECR_REPLICATION_CONFIGURATION,
    ECR_REPOSITORY,
    ECR_REPOSITORY_CREATION_TEMPLATE,
    ECR_REPOSITORY_POLICY,
    IAM_GROUP,
    IAM_GROUP_POLICY,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_USER,
    IAM_USER_POLICY,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from offline_preview.analyzer_client import AnalyzerClient
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE
from registry_policies.quota_aggregates import QUOTAS_AGGREGATE, aggregate_quota_findings
from registry_policies.quota_measures import iam_policy_size
from registry_policies.quota_tags import is_tag_text
from registry_policies.quotas import QUOTA_TABLE, QUOTAS, resource_quota_findings
from registry_policies.stack import StackResource

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policy-pack"
ONE_LINE = re.compile(
    r"^(?P<where>[^\n]+?): (?P<what>[^\n]+) is (?P<measured>[\d,]+) (?P<unit>[^\n]+), "
    r"above AWS's limit of (?P<limit>[\d,]+) \((?P<url>https://docs\.aws\.amazon\.com/[^\s)]+)\)(; [^\n]+)?$"
)


# ------------------------------------------------------------------------------------ documents of a size


def iam_document(size: int) -> str:
    """A policy of exactly `size` characters as IAM counts them, pretty-printed (its whitespace is free)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Pad", "Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": ""}],
    }
    document["Statement"][0]["Resource"] = "a" * (size - len(json.dumps(document, separators=(",", ":"))))
    return json.dumps(document, indent=4)


def compact_document(length: int) -> str:
    """A resource policy of exactly `length` characters, compact with sorted keys: as written and as the
    provider sends it (nothing Go would escape)."""
    document = {"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Principal": {"AWS": "1"}}]}
    document["Statement"][0]["Sid"] = "a" * (length - len(_go_compact(document)))
    return _go_compact(document)


def _go_compact(document) -> str:
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def utf8_document(size: int) -> str:
    """A key policy of exactly `size` UTF-8 bytes, padded with two-byte characters (é) where possible."""
    document = {"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Principal": {"AWS": "1"}}]}
    pad = size - len(json.dumps(document))
    document["Statement"][0]["Sid"] = "é" * (pad // 2) + "a" * (pad % 2)
    text = json.dumps(document, ensure_ascii=False)
    assert len(text.encode()) == size
    return text


def lifecycle_rule(priority: int, description: str = "") -> dict:
    return {
        "rulePriority": priority,
        "description": description,
        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
        "action": {"type": "expire"},
    }


def lifecycle_of_length(length: int) -> str:
    document = {"rules": [lifecycle_rule(1)]}
    document["rules"][0]["description"] = "d" * (length - len(_go_compact(document)))
    return _go_compact(document)


def lifecycle_with_rules(count: int) -> str:
    return json.dumps({"rules": [lifecycle_rule(priority) for priority in range(1, count + 1)]})


def destination(index: int) -> dict:
    return {"region": f"region-{index}", "registryId": "111122223333"}


def replication(rules: list[dict]) -> dict:
    return {"replicationConfiguration": {"rules": rules}}


def prefix_filters(count: int) -> list[dict]:
    return [{"filter": f"models/f{index}", "filterType": "PREFIX_MATCH"} for index in range(count)]


def wildcard_filters(count: int) -> list[dict]:
    return [{"filter": f"models/f{index}*", "filterType": "WILDCARD"} for index in range(count)]


# Quota key -> (the field a finding names, a builder of (resource type, props) measuring exactly n).
BOUNDARIES = {
    "iam-role-trust-policy-length": ("assumeRolePolicy", lambda n: (IAM_ROLE, {"assumeRolePolicy": iam_document(n)})),
    "iam-managed-policy-length": ("policy", lambda n: (IAM_POLICY, {"policy": iam_document(n)})),
    "iam-role-name": ("name", lambda n: (IAM_ROLE, {"name": "r" * n})),
    "iam-user-name": ("name", lambda n: (IAM_USER, {"name": "u" * n})),
    "iam-group-name": ("name", lambda n: (IAM_GROUP, {"name": "g" * n})),
    "iam-policy-name": ("name", lambda n: (IAM_ROLE_POLICY, {"name": "p" * n, "role": "r"})),
    "iam-path": ("path", lambda n: (IAM_ROLE, {"path": "/" + "p" * (n - 2) + "/"})),
    "ecr-repository-policy-length": ("policy", lambda n: (ECR_REPOSITORY_POLICY, {"policy": compact_document(n)})),
    "ecr-registry-policy-length": ("policy", lambda n: (ECR_REGISTRY_POLICY, {"policy": compact_document(n)})),
    "ecr-lifecycle-policy-length": ("policy", lambda n: (ECR_LIFECYCLE_POLICY, {"policy": lifecycle_of_length(n)})),
    "ecr-lifecycle-rules": ("policy.rules", lambda n: (ECR_LIFECYCLE_POLICY, {"policy": lifecycle_with_rules(n)})),
    "ecr-repository-name": ("name", lambda n: (ECR_REPOSITORY, {"name": "m" * n})),
    "ecr-template-prefix": ("prefix", lambda n: (ECR_REPOSITORY_CREATION_TEMPLATE, {"prefix": "p" * n})),
    "ecr-template-description": ("description", lambda n: (ECR_REPOSITORY_CREATION_TEMPLATE, {"description": "d" * n})),
    "ecr-replication-rules": (
        "replicationConfiguration.rules",
        lambda n: (ECR_REPLICATION_CONFIGURATION, replication([{"destinations": [destination(0)]}] * n)),
    ),
    "ecr-replication-destinations": (
        "replicationConfiguration.rules[*].destinations",
        # Split over two rules, with the first destination repeated: a destination counts once.
        lambda n: (
            ECR_REPLICATION_CONFIGURATION,
            replication(
                [
                    {"destinations": [destination(i) for i in range(n // 2)]},
                    {"destinations": [destination(i) for i in range(n // 2, n)] + [destination(0)]},
                ]
            ),
        ),
    ),
    "ecr-replication-filters": (
        "replicationConfiguration.rules[0].repositoryFilters",
        lambda n: (
            ECR_REPLICATION_CONFIGURATION,
            replication([{"destinations": [destination(0)], "repositoryFilters": prefix_filters(n)}]),
        ),
    ),
    "ecr-scanning-rules": (
        "rules",
        lambda n: (
            ECR_REGISTRY_SCANNING_CONFIGURATION,
            {"scanType": "ENHANCED", "rules": [{"scanFrequency": "SCAN_ON_PUSH"}] * n},
        ),
    ),
    "ecr-scanning-filters": (
        "rules[0].repositoryFilters",
        lambda n: (
            ECR_REGISTRY_SCANNING_CONFIGURATION,
            {"rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": wildcard_filters(n)}]},
        ),
    ),
    "kms-key-policy-length": ("policy", lambda n: ("aws:kms/key:Key", {"policy": utf8_document(n)})),
    "tags-per-resource": ("tags", lambda n: (ECR_REPOSITORY, {"tags": {f"key{i}": "v" for i in range(n)}})),
    "tag-key": ("tags['kkkk", lambda n: (ECR_REPOSITORY, {"tags": {"k" * n: "v"}})),
    "tag-value": ("tags['k']", lambda n: (ECR_REPOSITORY, {"tags": {"k": "v" * n}})),
}
AGGREGATES = {
    "iam-role-inline-policies": (IAM_ROLE, IAM_ROLE_POLICY, "role"),
    "iam-user-inline-policies": (IAM_USER, IAM_USER_POLICY, "user"),
    "iam-group-inline-policies": (IAM_GROUP, IAM_GROUP_POLICY, "group"),
}

IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
# ECR_API below is https://docs.aws.amazon.com/AmazonECR/latest/APIReference, ECR_QUOTAS
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html.
# AWS's documented limits, written here from AWS's pages (never read from the table under test), each with
# the page that states it. These are the expected values: the boundary tests build documents of exactly these
# sizes, so a wrong number in the table fails here.
DOCUMENTED = {
    # IAM and AWS STS quotas: "Role policy size cannot exceed 10,240 characters", users 2,048, groups 5,120
    # (all inline policies together, white space not counted); managed policy 6,144; role trust policy 2,048
    # by default (adjustable); role and user names 64, group and policy names 128, path 512.
    "iam-role-inline-policies": 10_240,  # IAM_QUOTAS
    "iam-user-inline-policies": 2_048,  # IAM_QUOTAS
    "iam-group-inline-policies": 5_120,  # IAM_QUOTAS
    "iam-managed-policy-length": 6_144,  # IAM_QUOTAS
    "iam-role-trust-policy-length": 2_048,  # IAM_QUOTAS
    "iam-role-name": 64,  # IAM_QUOTAS; IAM API reference, RoleName: "Maximum length of 64"
    "iam-user-name": 64,  # IAM_QUOTAS
    "iam-group-name": 128,  # IAM_QUOTAS
    "iam-policy-name": 128,  # IAM_QUOTAS; IAM API reference, PolicyName: "Maximum length of 128"
    "iam-path": 512,  # IAM_QUOTAS
    "ecr-repository-policy-length": 10_240,  # ECR_API/API_SetRepositoryPolicy.html: "Maximum length of 10240"
    "ecr-registry-policy-length": 10_240,  # ECR_API/API_PutRegistryPolicy.html: policyText, 10240
    "ecr-lifecycle-policy-length": 30_720,  # ECR_QUOTAS: "Lifecycle policy length ... 30,720"
    "ecr-lifecycle-rules": 50,  # ECR_QUOTAS: rules per lifecycle policy
    "ecr-repository-name": 256,  # ECR_API/API_CreateRepository.html: repositoryName 2 to 256
    "ecr-template-prefix": 256,  # ECR_API/API_CreateRepositoryCreationTemplate.html: prefix
    "ecr-template-description": 256,  # ECR_API/API_CreateRepositoryCreationTemplate.html: description
    "ecr-replication-rules": 10,  # ECR_API/API_ReplicationConfiguration.html: rules "Maximum number of 10 items"
    "ecr-replication-destinations": 25,  # ECR user guide, replication.html: unique destinations over all rules
    "ecr-replication-filters": 100,  # ECR_QUOTAS: "Filters per rule in a replication configuration ... 100"
    "ecr-scanning-rules": 2,  # ECR_API/API_RegistryScanningConfiguration.html: "Maximum number of 2 items"
    "ecr-scanning-filters": 100,  # ECR_API/API_RegistryScanningRule.html: repositoryFilters, 100 items
    # KMS resource quotas, "Key policy document size": 32 KB (32,768 bytes).
    "kms-key-policy-length": 32_768,  # https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html
    # Tagging AWS resources, tag restrictions: 50 tags per resource, keys 128 and values 256 Unicode characters.
    "tags-per-resource": 50,  # https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
    "tag-key": 128,  # same page
    "tag-value": 256,  # same page
}


def test_every_quota_of_the_table_has_a_boundary_test_and_a_documented_number():
    assert set(BOUNDARIES) | set(AGGREGATES) == set(QUOTA_TABLE) == set(DOCUMENTED)


@pytest.mark.parametrize("key", sorted(DOCUMENTED))
def test_every_quota_of_the_table_is_the_number_aws_documents(key):
    assert QUOTA_TABLE[key].limit == DOCUMENTED[key]


def test_the_packs_readme_lists_every_quota_with_its_documented_limit_and_link():
    lines = (PACK_DIR / "README.md").read_text().splitlines()
    for key, quota in QUOTA_TABLE.items():
        [row] = [line for line in lines if line.startswith(f"| `{key}` |")]
        assert f"| {DOCUMENTED[key]:,} {quota.unit} |" in row and f"({quota.url})" in row


@pytest.mark.parametrize("key", sorted(BOUNDARIES))
def test_every_quota_accepts_its_limit(key):
    _field, build = BOUNDARIES[key]
    resource_type, props = build(DOCUMENTED[key])
    assert resource_quota_findings(resource_type, props, {}) == []


@pytest.mark.parametrize("key", sorted(BOUNDARIES))
def test_every_quota_refuses_one_over_in_one_line_naming_field_number_limit_and_link(key):
    field, build = BOUNDARIES[key]
    limit = DOCUMENTED[key]
    resource_type, props = build(limit + 1)
    [finding] = resource_quota_findings(resource_type, props, {})
    match = ONE_LINE.match(finding.message)
    assert match, finding.message
    assert match["where"].startswith(field)
    assert match["what"] == QUOTA_TABLE[key].what
    assert match["measured"] == f"{limit + 1:,}" and match["limit"] == f"{limit:,}"
    assert match["url"].startswith("https://docs.aws.amazon.com/")
    assert not finding.unknown


@pytest.mark.parametrize(
    "kms_type", ["aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/keyPolicy:KeyPolicy"]
)
def test_every_kind_of_key_policy_is_measured_in_utf8_bytes(kms_type):
    limit = 32_768  # KMS resource quotas: key policy document size, 32 KB
    assert resource_quota_findings(kms_type, {"policy": utf8_document(limit)}, {}) == []
    [finding] = resource_quota_findings(kms_type, {"policy": utf8_document(limit + 1)}, {})
    assert "32,769 bytes (UTF-8)" in finding.message
    # The same policy in characters is far below the limit: bytes, not characters, are counted.
    assert len(utf8_document(limit + 1)) < limit


@pytest.mark.parametrize(
    ("field", "key", "document"),
    [
        ("repositoryPolicy", "ecr-repository-policy-length", compact_document),
        ("lifecyclePolicy", "ecr-lifecycle-policy-length", lifecycle_of_length),
        ("lifecyclePolicy", "ecr-lifecycle-rules", lifecycle_with_rules),
    ],
)
def test_a_creation_templates_documents_have_the_limits_of_the_documents_it_copies(field, key, document):
    limit = DOCUMENTED[key]
    assert resource_quota_findings(ECR_REPOSITORY_CREATION_TEMPLATE, {field: document(limit)}, {}) == []
    [finding] = resource_quota_findings(ECR_REPOSITORY_CREATION_TEMPLATE, {field: document(limit + 1)}, {})
    assert finding.message.startswith(field) and f"{limit + 1:,}" in finding.message


def test_a_creation_templates_resource_tags_follow_ecrs_tag_rules():
    [finding] = resource_quota_findings(ECR_REPOSITORY_CREATION_TEMPLATE, {"resourceTags": {"k": "v" * 257}}, {})
    assert finding.message.startswith("resourceTags['k']")
    assert "ecr-using-tags.html" in finding.message


def test_an_inline_policy_name_of_a_role_is_named_by_its_place():
    ok = {"name": "p" * 128, "policy": iam_document(100)}
    long = {"name": "p" * 129, "policy": iam_document(100)}
    [finding] = resource_quota_findings(IAM_ROLE, {"inlinePolicies": [ok, long]}, {})
    assert finding.message.startswith("inlinePolicies[1].name: the policy name is 129 characters")


def test_a_name_prefix_leaves_room_for_the_providers_26_character_suffix():
    assert resource_quota_findings(IAM_ROLE, {"namePrefix": "r" * 38}, {}) == []
    [finding] = resource_quota_findings(IAM_ROLE, {"namePrefix": "r" * 39}, {})
    assert finding.message.startswith("namePrefix: the role name is 65 characters")
    assert "at most 38 characters" in finding.message


# ------------------------------------------------------------------------------------- trust policy quota


def test_the_trust_policy_quota_follows_the_accounts_raised_quota_in_the_pack_config():
    config = {"roleTrustPolicyLength": 4096.0}  # pack config numbers arrive as floats
    assert resource_quota_findings(IAM_ROLE, {"assumeRolePolicy": iam_document(4096)}, config) == []
    [finding] = resource_quota_findings(IAM_ROLE, {"assumeRolePolicy": iam_document(4097)}, config)
    assert "is 4,097 characters (whitespace not counted), above AWS's limit of 4,096" in finding.message


@pytest.mark.parametrize("bad", [1024, 2048.5, "4096", True, [4096]])
def test_a_trust_policy_quota_below_awss_default_or_not_a_whole_number_is_refused(bad):
    with pytest.raises(ValueError, match=r"aws-quotas\.roleTrustPolicyLength must be a whole number of at least 2048"):
        resource_quota_findings(IAM_ROLE, {"assumeRolePolicy": iam_document(10)}, {"roleTrustPolicyLength": bad})


# ------------------------------------------------------------------------------------------- counting rule


def test_iam_does_not_count_whitespace_between_tokens_but_counts_it_inside_strings():
    assert iam_policy_size('{\n  "Sid" : "a b",\t"x": [ 1 , 2 ]\r\n}') == len('{"Sid":"a b","x":[1,2]}')


def test_an_escaped_quote_does_not_end_a_string():
    assert iam_policy_size('{"Sid": "say \\" hi  "}') == len('{"Sid":"say \\" hi  "}')


@settings(deadline=None, max_examples=300)
@given(text=st.text(alphabet=st.sampled_from('"\\ \t\nab{}:,')))
def test_any_text_even_malformed_is_measured_and_never_above_its_length(text):
    assert 0 <= iam_policy_size(text) <= len(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def as_sent_length(value) -> int:
    """The length of a value as the provider sends it to IAM, written from Go's encoding/json rules: compact,
    UTF-8 kept (not \\u-escaped), and each of & < > U+2028 U+2029 written as a six-character \\uXXXX escape."""
    compact = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(compact) + 5 * sum(compact.count(c) for c in "&<>\u2028\u2029")


@settings(deadline=None, max_examples=200)
@given(value=JSON_VALUES, indent=st.none() | st.integers(0, 8), ascii_only=st.booleans())
def test_a_documents_iam_size_is_its_length_as_sent_however_it_is_indented_or_escaped(value, indent, ascii_only):
    pretty = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    assert iam_policy_size(pretty) == as_sent_length(value)


@settings(deadline=None, max_examples=200)
@given(value=JSON_VALUES)
def test_an_object_document_is_measured_as_its_json_as_sent(value):
    assert iam_policy_size({"v": value}) == as_sent_length({"v": value})


@pytest.mark.parametrize("character", ["&", "<", ">"])
def test_an_iam_policy_at_the_managed_policy_quota_with_an_html_character_is_over_it_as_sent(character):
    # The provider sends IAM policies through Go's json.Marshal (policy.go: structure.NormalizeJsonString), which
    # writes & < > as six characters: 6,144 written with one of them is 6,149 sent, above the 6,144 quota.
    statement = {"Effect": "Allow", "Action": "ecr:*", "Resource": "*", "Sid": ""}
    base = len(json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":")))
    statement["Sid"] = "S" * (6_144 - base)
    fits = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":"))
    assert len(fits) == 6_144 and resource_quota_findings(IAM_POLICY, {"policy": fits}, {}) == []
    statement["Sid"] = character + statement["Sid"][1:]
    written = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":"))
    [finding] = resource_quota_findings(IAM_POLICY, {"policy": written}, {})
    assert len(written) == 6_144 and "is 6,149 characters" in finding.message


TAG_TEXT = st.text(st.characters(categories=("L", "N", "Z")) | st.sampled_from("_.:/=+-@"), max_size=40)


@settings(deadline=None, max_examples=200)
@given(text=TAG_TEXT)
def test_letters_digits_spaces_and_the_seven_symbols_are_tag_text(text):
    assert is_tag_text(text)


@settings(deadline=None, max_examples=200)
@given(text=TAG_TEXT, bad=st.sampled_from(sorted(set(string.punctuation) - set("_.:/=+-@"))), at=st.integers(0, 40))
def test_any_other_punctuation_is_refused_in_a_tag(text, bad, at):
    tagged = text[:at] + bad + text[at:]
    assert not is_tag_text(tagged)
    findings = resource_quota_findings(ECR_REPOSITORY, {"tags": {"k": tagged}}, {})
    assert any("which AWS does not accept in tags" in f.message for f in findings)


# ------------------------------------------------------------------------------------------------ tags


def test_provider_default_tags_in_tags_all_count_toward_the_50():
    tags = {f"own{i}": "v" for i in range(25)}
    defaults = {f"default{i}": "v" for i in range(26)}
    [finding] = resource_quota_findings(IAM_ROLE, {"tags": tags, "tagsAll": {**defaults, **tags}}, {})
    assert "the number of tags is 51 tags, above AWS's limit of 50" in finding.message
    assert "id_tags.html" in finding.message  # an IAM resource: IAM's tag page


def test_aws_prefixed_tags_are_refused_and_not_counted_toward_the_50():
    tags = {f"key{i}": "v" for i in range(50)} | {"aws:cloudformation:stack-name": "x"}
    [finding] = resource_quota_findings(ECR_REPOSITORY, {"tags": tags}, {})
    assert "starts with the prefix 'aws:', which AWS reserves" in finding.message


def test_an_empty_tag_key_is_refused_and_an_empty_value_accepted():
    assert resource_quota_findings(ECR_REPOSITORY, {"tags": {"k": ""}}, {}) == []
    [finding] = resource_quota_findings(ECR_REPOSITORY, {"tags": {"": "v"}}, {})
    assert "a tag key must not be empty" in finding.message


def test_ec2_tags_may_hold_any_character_but_keep_their_lengths():
    assert resource_quota_findings("aws:ec2/vpc:Vpc", {"tags": {"Name": "a#b!"}}, {}) == []
    [finding] = resource_quota_findings("aws:ec2/vpc:Vpc", {"tags": {"Name": "#" * 257}}, {})
    assert "the tag value is 257 characters" in finding.message


def test_tags_of_resources_of_other_providers_are_not_aws_tags():
    assert resource_quota_findings("kubernetes:core/v1:Namespace", {"tags": {"k": "#" * 300}}, {}) == []


def test_a_tag_key_and_value_count_unicode_characters_not_bytes():
    assert resource_quota_findings(ECR_REPOSITORY, {"tags": {"é" * 128: "ü" * 256}}, {}) == []


# --------------------------------------------------------------------------------------------- unknowns


def test_an_unknown_trust_policy_cannot_be_measured_and_is_reported():
    [finding] = resource_quota_findings(IAM_ROLE, {"assumeRolePolicy": UNKNOWN_STRING_VALUE}, {})
    assert finding.unknown and "aws-quotas could not be evaluated during preview" in finding.message
    assert "assumeRolePolicy" in finding.message


def test_an_unknown_tag_value_cannot_be_measured_and_is_reported():
    [finding] = resource_quota_findings(ECR_REPOSITORY, {"tags": {"owner": UNKNOWN_STRING_VALUE}}, {})
    assert finding.unknown and "the value of tag 'owner'" in finding.message


def test_an_unknown_replication_destination_is_reported_unless_the_known_ones_already_break_the_limit():
    unknown = {"region": UNKNOWN_STRING_VALUE, "registryId": "111122223333"}
    [finding] = resource_quota_findings(ECR_REPLICATION_CONFIGURATION, replication([{"destinations": [unknown]}]), {})
    assert finding.unknown
    over = replication([{"destinations": [destination(i) for i in range(26)] + [unknown]}])
    [finding] = resource_quota_findings(ECR_REPLICATION_CONFIGURATION, over, {})
    assert not finding.unknown and "is 27 destinations" in finding.message


# ------------------------------------------------------------------------------------------- aggregates


def stack_resource(resource_type: str, name: str, props: dict, dependencies: dict | None = None) -> StackResource:
    urn = f"urn:pulumi:dev::access::{resource_type}::{name}"
    deps = {k: tuple(v) for k, v in (dependencies or {}).items()}
    return StackResource(resource_type, name, urn, props, property_dependencies=deps)


def split_over(total: int, parts: int) -> list[str]:
    """`parts` documents whose IAM sizes add up to exactly `total`."""
    sizes = [total // parts] * parts
    sizes[0] += total - sum(sizes)
    return [iam_document(size) for size in sizes]


def principal_with_policies(owner_type: str, policy_type: str, field: str, total: int) -> list[StackResource]:
    documents = split_over(total, 3)
    props: dict = {"name": "ci-push"}
    if owner_type == IAM_ROLE:  # a role also carries inline policies of its own
        props["inlinePolicies"] = [{"name": "own", "policy": documents.pop()}]
    owner = stack_resource(owner_type, "ciPush", props)
    attached = [
        stack_resource(policy_type, f"ciPush-{index}", {field: "ci-push", "name": f"p{index}", "policy": document})
        for index, document in enumerate(documents)
    ]
    return [owner, *attached]


@pytest.mark.parametrize("key", sorted(AGGREGATES))
def test_the_inline_policies_of_a_principal_together_may_reach_the_limit(key):
    owner_type, policy_type, field = AGGREGATES[key]
    resources = principal_with_policies(owner_type, policy_type, field, DOCUMENTED[key])
    assert aggregate_quota_findings(resources) == []


@pytest.mark.parametrize("key", sorted(AGGREGATES))
def test_the_inline_policies_of_a_principal_together_one_over_the_limit_are_refused_on_the_principal(key):
    owner_type, policy_type, field = AGGREGATES[key]
    limit = DOCUMENTED[key]
    resources = principal_with_policies(owner_type, policy_type, field, limit + 1)
    [finding] = aggregate_quota_findings(resources)
    assert (finding.urn, finding.name) == (resources[0].urn, "ciPush")
    match = ONE_LINE.match(finding.message)
    assert match, finding.message
    assert match["where"] == f"{field} ciPush (ci-push), 3 inline policy documents"
    assert (match["measured"], match["limit"]) == (f"{limit + 1:,}", f"{limit:,}")
    assert match["url"] == IAM_QUOTAS


def test_a_role_policy_whose_role_is_unknown_at_preview_is_attributed_by_its_property_dependency():
    role = stack_resource(IAM_ROLE, "ciPush", {"name": UNKNOWN_STRING_VALUE})
    policies = [
        stack_resource(IAM_ROLE_POLICY, f"p{i}", {"role": UNKNOWN_STRING_VALUE, "policy": doc}, {"role": [role.urn]})
        for i, doc in enumerate(split_over(10_241, 2))
    ]
    [finding] = aggregate_quota_findings([role, *policies])
    assert finding.urn == role.urn and "is 10,241 characters" in finding.message


def test_a_role_policy_whose_role_cannot_be_told_is_reported_as_not_evaluable():
    policy = stack_resource(IAM_ROLE_POLICY, "orphan", {"role": UNKNOWN_STRING_VALUE, "policy": iam_document(100)})
    [finding] = aggregate_quota_findings([policy])
    assert finding.unknown and finding.name == "orphan"
    assert "aws-quotas-aggregate could not be evaluated during preview" in finding.message


def test_the_policies_attached_to_a_role_outside_the_stack_are_summed_by_its_name():
    policies = [
        stack_resource(IAM_ROLE_POLICY, f"p{i}", {"role": "existing-role", "policy": doc})
        for i, doc in enumerate(split_over(10_241, 2))
    ]
    [finding] = aggregate_quota_findings(policies)
    assert finding.message.startswith("role existing-role, 2 inline policy documents: the total size")


def test_an_unknown_inline_policy_is_reported_unless_the_known_ones_already_break_the_limit():
    role = stack_resource(IAM_ROLE, "ciPush", {"name": "ci-push"})
    unknown = stack_resource(IAM_ROLE_POLICY, "later", {"role": "ci-push", "policy": UNKNOWN_STRING_VALUE})
    known = stack_resource(IAM_ROLE_POLICY, "now", {"role": "ci-push", "policy": iam_document(10_240)})
    [finding] = aggregate_quota_findings([role, unknown, known])
    assert finding.unknown and "later.policy" in finding.message
    too_big = stack_resource(IAM_ROLE_POLICY, "now", {"role": "ci-push", "policy": iam_document(10_241)})
    [finding] = aggregate_quota_findings([role, unknown, too_big])
    assert not finding.unknown
    assert finding.message.startswith("role ciPush (ci-push), 1 inline policy document: the total size")
    assert "is 10,241 characters" in finding.message


def test_two_roles_are_summed_separately():
    first = principal_with_policies(IAM_ROLE, IAM_ROLE_POLICY, "role", 10_240)
    second = [
        stack_resource(
            IAM_ROLE, "other", {"name": "other", "inlinePolicies": [{"name": "a", "policy": iam_document(6000)}]}
        ),
        stack_resource(IAM_ROLE_POLICY, "other-1", {"role": "other", "policy": iam_document(4240)}),
    ]
    assert aggregate_quota_findings(first + second) == []


# --------------------------------------------------------------------------------- the pack over gRPC


def grpc_resource(resource: StackResource) -> dict:
    return {
        "type": resource.type,
        "name": resource.name,
        "urn": resource.urn,
        "properties": resource.props,
        "propertyDependencies": {k: list(v) for k, v in resource.property_dependencies.items()},
    }


@pytest.fixture(scope="module")
def pack():
    with AnalyzerClient(PACK_DIR, project="access", stack="dev", config={"aws:region": "us-east-1"}) as client:
        client.configure({})
        yield client


def test_a_role_whose_inline_policies_together_break_the_quota_is_a_mandatory_stack_violation(pack):
    resources = principal_with_policies(IAM_ROLE, IAM_ROLE_POLICY, "role", 10_241)
    violations = [
        v for v in pack.analyze_stack([grpc_resource(r) for r in resources]) if v.policy_name == QUOTAS_AGGREGATE
    ]
    [violation] = violations
    assert violation.enforcement_level == "mandatory"
    assert violation.urn == resources[0].urn and violation.resource_name == "ciPush"
    assert "is 10,241 characters (whitespace not counted), above AWS's limit of 10,240" in violation.message
    assert "reference_iam-quotas.html" in violation.message


def test_a_role_whose_inline_policies_reach_the_quota_passes_the_stack_policies(pack):
    resources = principal_with_policies(IAM_ROLE, IAM_ROLE_POLICY, "role", 10_240)
    violations = pack.analyze_stack([grpc_resource(r) for r in resources])
    assert [v for v in violations if v.policy_name == QUOTAS_AGGREGATE] == []


def test_a_trust_policy_over_the_configured_quota_is_a_mandatory_resource_violation(pack):
    role = {"type": IAM_ROLE, "name": "wide", "properties": {"name": "wide", "assumeRolePolicy": iam_document(2049)}}
    [violation] = [v for v in pack.analyze(role) if v.policy_name == QUOTAS]
    assert violation.enforcement_level == "mandatory" and violation.resource_name == "wide"
    assert "assumeRolePolicy: the role trust policy is 2,049 characters" in violation.message
    pack.configure({QUOTAS: {"roleTrustPolicyLength": 4096}})
    try:
        assert [v for v in pack.analyze(role) if v.policy_name == QUOTAS] == []
    finally:
        pack.configure({})


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_every_environment_makes_both_quota_policies_mandatory(env):
    config = json.loads((PACK_DIR / "config" / f"{env}.json").read_text())
    assert config[QUOTAS]["enforcementLevel"] == "mandatory"
    assert config[QUOTAS_AGGREGATE]["enforcementLevel"] == "mandatory"


# ------------------------------------------------------------------ ECR policies: the size as the provider sends it


@pytest.mark.parametrize("resource_type", [ECR_REPOSITORY_POLICY, ECR_REGISTRY_POLICY])
def test_a_pretty_printed_ecr_policy_is_measured_compacted_as_the_provider_sends_it(resource_type):
    limit = 10_240  # SetRepositoryPolicy and PutRegistryPolicy: policyText "Maximum length of 10240"
    pretty = json.dumps(json.loads(compact_document(limit)), indent=4)
    assert len(pretty) > limit  # AWS never sees this text: the provider compacts it first
    assert resource_quota_findings(resource_type, {"policy": pretty}, {}) == []
    over = json.dumps(json.loads(compact_document(limit + 1)), indent=4)
    [finding] = resource_quota_findings(resource_type, {"policy": over}, {})
    assert f"is {limit + 1:,} characters" in finding.message


@pytest.mark.parametrize("character", ["&", "<", ">"])
def test_each_html_character_counts_six_as_gos_json_marshal_escapes_it(character):
    limit = 10_240  # SetRepositoryPolicy and PutRegistryPolicy: policyText "Maximum length of 10240"
    # One character swapped in: 1 character as written, \\u0026-style 6 characters as sent.
    document = json.loads(compact_document(limit - 5))
    document["Statement"][0]["Sid"] = character + document["Statement"][0]["Sid"][1:]
    written = json.dumps(document, separators=(",", ":"), sort_keys=True)
    assert len(written) == limit - 5
    assert resource_quota_findings(ECR_REPOSITORY_POLICY, {"policy": written}, {}) == []
    document["Statement"][0]["Sid"] = character + document["Statement"][0]["Sid"]
    written = json.dumps(document, separators=(",", ":"), sort_keys=True)
    [finding] = resource_quota_findings(ECR_REPOSITORY_POLICY, {"policy": written}, {})
    # Two escaped characters: limit - 4 written, limit - 4 + 2 * 5 sent.
    assert len(written) == limit - 4 and f"is {limit + 6:,} characters" in finding.message
