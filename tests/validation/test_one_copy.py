"""Each AWS fact is written once, in the leaf package: the readers that used to keep their own copy (and two of
them disagreed) now give the same answers, and no reader outside aws-facts/ spells an identifier pattern again."""

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import pytest
from aws_facts import names, resource_types, tags
from model_registry import catalog_model, naming, rules
from registry_policies import quota_tags, quotas
from registry_policies.stack import StackResource
from registry_policies.validation import validation_findings

ROOT = Path(__file__).resolve().parents[2]

# ECR's RepositoryName (API reference): lowercase runs joined by '.', '_', '__' or dashes, '/' between parts.
NAMES = {
    "models/llama-3": True,
    "models/a__b": True,  # the typed copy in naming.py refused this; ECR accepts it
    "models/a--b": True,
    "Models/x": False,
    "models/a___b": False,
    "m": False,
}


@pytest.mark.parametrize(("name", "accepted"), sorted(NAMES.items()))
def test_every_reader_of_the_repository_name_rule_agrees_with_ecr(name, accepted):
    pack = not validation_findings([StackResource("aws:ecr/repository:Repository", "r", "urn:r", {"name": name})])
    assert (naming.is_repository_name(name), rules.is_repository_name(name), names.is_repository_name(name), pack) == (
        accepted,
    ) * 4


# IAM's tag pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]: a no-break space is a separator (Z), a tab is not.
TAG_VALUES = {"ml platform": True, "ml\u00a0platform": True, "équipe": True, "a\tb": False, "cost!": False}


@pytest.mark.parametrize(("value", "accepted"), sorted(TAG_VALUES.items()))
def test_every_reader_of_the_tag_value_rule_agrees_with_iam(value, accepted):
    try:
        catalog_model.checked_tag_value(value)
        in_catalog = True
    except ValueError:
        in_catalog = False
    answers = (
        in_catalog,
        rules.tag_value_problem(value) is None,
        quota_tags.is_tag_text(value),
        tags.is_tag_text(value),
    )
    assert answers == (accepted,) * 4


def test_the_tag_and_name_limits_are_the_ones_aws_documents():
    assert (tags.MAX_TAG_KEY, tags.MAX_TAG_VALUE, names.MAX_REPOSITORY_NAME) == (128, 256, 256)
    assert quotas.QUOTA_TABLE["tag-value"].limit == rules.MAX_TAG_VALUE == 256


IDENTIFIER_PATTERNS = (r"\d{12}", r"o-[a-z0-9]{10,32}", r"[a-z0-9]+(?:[._-][a-z0-9]+)*", r"[\w .:/=+@-]")


def test_no_reader_outside_the_leaf_spells_an_identifier_or_name_pattern_again():
    offenders = []
    for folder in ("shared", "policy-pack", "tools", "stacks"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            offenders += [f"{path.relative_to(ROOT)}: {p}" for p in IDENTIFIER_PATTERNS if p in text]
    assert offenders == []


# ECR's scan types and frequencies (botocore's ScanType and ScanFrequency; aws_facts.ecr_scanning defines them).
SCANNING_VALUES = {"BASIC", "ENHANCED", "SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"}


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, value) of each plain string literal of a Python file (f-strings are left out: their words are prose)."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type == tokenize.STRING:
            try:
                value = ast.literal_eval(token.string)
            except ValueError:
                continue
            found.append((token.start[0], value))
    return found


def test_no_reader_outside_the_leaf_spells_a_scan_type_or_frequency_again():
    offenders = []
    for folder in ("shared", "policy-pack", "tools", "stacks"):
        for path in (ROOT / folder).rglob("*.py"):
            offenders += [
                f"{path.relative_to(ROOT)}:{line}: {value}"
                for line, value in _string_literals(path)
                if value in SCANNING_VALUES
            ]
    assert offenders == []


def test_the_leaf_spells_the_account_id_pattern_nowhere_it_reads_it_from_organizations_model():
    leaf = ROOT / "aws-facts" / "aws_facts"
    offenders = [
        str(path.relative_to(ROOT))
        for path in leaf.rglob("*.py")
        if any(p in path.read_text() for p in (r"\d{12}", "[0-9]{12}"))
    ]
    assert offenders == []
    assert names.ACCOUNT_ID.fullmatch("123456789012") and not names.ACCOUNT_ID.fullmatch("12345678901")


def test_the_leaf_reads_the_partitions_from_botocore_and_spells_them_nowhere():
    # AWS's partitions (the ARN reference's "partition" field: aws, aws-cn, aws-us-gov, and the isolated ones such
    # as aws-iso and aws-iso-b) are botocore's partitions.json: no module of the leaf lists them by hand.
    leaf = ROOT / "aws-facts" / "aws_facts"
    offenders = [str(p.relative_to(ROOT)) for p in leaf.rglob("*.py") if '"aws-us-gov"' in p.read_text()]
    assert offenders == []
    assert {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"} <= set(names.partitions())
    for partition in ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"):
        assert names.IAM_PRINCIPAL_ARN.fullmatch(f"arn:{partition}:iam::123456789012:role/x")
        assert names.arn_partition(f"arn:{partition}:iam::123456789012:role/x") == partition
    assert not names.IAM_PRINCIPAL_ARN.fullmatch("arn:aws-moon:iam::123456789012:role/x")
    assert names.arn_partition("arn:aws:iam") is None


# ECR lifecycle policies, as ECR judges them (lifecycle_policy_parameters.html, archive-image.html).
ARCHIVE_EXPIRY = {
    "tagStatus": "any",
    "storageClass": "archive",
    "countType": "sinceImageTransitioned",
    "countUnit": "days",
}
LIFECYCLE_POLICIES = {
    "archive expiry at the 90-day minimum": ({**ARCHIVE_EXPIRY, "countNumber": 90}, {"type": "expire"}, True),
    "archive expiry one day under it": ({**ARCHIVE_EXPIRY, "countNumber": 89}, {"type": "expire"}, False),
    "expire by last pull": (
        {"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 30},
        {"type": "expire"},
        False,
    ),
    "five wildcards": (
        {"tagStatus": "tagged", "tagPatternList": ["a*b*c*d*e*"], "countType": "imageCountMoreThan", "countNumber": 1},
        {"type": "expire"},
        False,
    ),
    "transition without its storage class": (
        {"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 30},
        {"type": "transition"},
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(LIFECYCLE_POLICIES))
def test_the_validation_layer_and_the_packs_lifecycle_grammar_agree(case):
    """One lifecycle grammar: the request validation and the pack's ecr-lifecycle-grammar give one verdict."""
    from registry_policies.lifecycle_by_use import grammar_findings

    selection, action, accepted = LIFECYCLE_POLICIES[case]
    text = json.dumps(
        {"rules": [{"rulePriority": 1, "description": "d" * 100, "selection": selection, "action": action}]}
    )
    props = {"repository": "models/x", "policy": text}
    resource = StackResource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lc", "urn:lc", props)
    validated = not validation_findings([resource])
    pack = not grammar_findings("aws:ecr/lifecyclePolicy:LifecyclePolicy", props, {})
    assert (validated, pack) == (accepted, accepted)


# pulumi-aws's and aws-native's type tokens (`aws:<service>/<module>:<Type>`, `aws-native:<service>:<Type>`): every
# module of the code names them through aws_facts/resource_types.py, the one place they are spelled.
TOKEN = re.compile(r"aws(-native)?:[a-z0-9]+(/[a-zA-Z0-9]+)?:[a-zA-Z0-9]+")
TOKEN_HOME = ROOT / "aws-facts" / "aws_facts" / "resource_types.py"
CODE = ("aws-facts", "shared", "policy-pack", "tools", "stacks")


def _code_files():
    for folder in CODE:
        yield from (p for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)


def test_no_module_but_the_token_home_spells_a_type_token():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {value}"
        for path in _code_files()
        if path != TOKEN_HOME
        for line, value in _string_literals(path)
        if isinstance(value, str) and TOKEN.fullmatch(value)
    ]
    assert offenders == []


def test_the_token_home_spells_each_token_once():
    tokens = [value for _, value in _string_literals(TOKEN_HOME) if TOKEN.fullmatch(value)]
    assert len(tokens) == len(set(tokens)) > 0


def test_the_scan_finds_a_token_typed_again(tmp_path):
    # The scan above reads string literals: a token typed in a module is one of them, an f-string's words are not.
    path = tmp_path / "probe.py"
    path.write_text(
        'ROLE = "aws:iam/role:Role"\nNATIVE = "aws-native:ecr:SigningConfiguration"\nKEY = f"aws:kms/{x}"\n'
    )
    found = [value for _, value in _string_literals(path) if TOKEN.fullmatch(value)]
    assert found == ["aws:iam/role:Role", "aws-native:ecr:SigningConfiguration"]


def test_the_token_home_spells_the_tokens_pulumi_aws_uses():
    # written from pulumi-aws's API docs, not read from the module
    assert (resource_types.IAM_ROLE, resource_types.IAM_POLICY, resource_types.IAM_ROLE_POLICY_ATTACHMENT) == (
        "aws:iam/role:Role",
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    )
    assert (resource_types.KMS_KEY, resource_types.KMS_REPLICA_KEY, resource_types.KMS_GRANT) == (
        "aws:kms/key:Key",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:kms/grant:Grant",
    )


# The provider's ranges (validation.IntBetween) are written once, in aws_facts.validation.provider_rules: the Check
# emulation and the validation policy both read that entry, and no module types the pair of bounds again.
def _int_pairs(path: Path) -> list[tuple[int, int, int]]:
    """(line, low, high) of each two whole numbers side by side in a tuple, a list or a call's arguments."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        items = node.elts if isinstance(node, ast.Tuple | ast.List) else node.args if isinstance(node, ast.Call) else []
        for first, second in zip(items, items[1:], strict=False):
            if all(isinstance(n, ast.Constant) and type(n.value) is int for n in (first, second)):
                found.append((first.lineno, first.value, second.value))
    return found


def test_each_provider_range_is_written_once_in_the_code():
    from aws_facts.validation.provider_rules import PROVIDER_SCHEMAS

    ranges = {(span.low, span.high) for schema in PROVIDER_SCHEMAS.values() for span in schema.int_ranges.values()}
    # terraform-provider-aws: kms key.go deletion_window_in_days IntBetween(7, 30), rotation_period_in_days
    # IntBetween(90, 2560); iam role.go max_session_duration IntBetween(3600, 43200)
    assert ranges == {(7, 30), (90, 2560), (3600, 43200)}
    places: dict[tuple[int, int], list[str]] = {bounds: [] for bounds in ranges}
    for path in _code_files():
        for line, low, high in _int_pairs(path):
            if (low, high) in places:
                places[(low, high)].append(f"{path.relative_to(ROOT)}:{line}")
    assert {bounds: len(where) for bounds, where in places.items()} == dict.fromkeys(ranges, 1), places


def test_the_range_scan_finds_a_pair_typed_again(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text('RANGES = {"deletionWindowInDays": (7, 30)}\nrule = between(3600, 43200)\nDAYS = [1, 2]\n')
    assert sorted(_int_pairs(path)) == [(1, 7, 30), (2, 3600, 43200), (3, 1, 2)]
