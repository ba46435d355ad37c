"""Trusted organization paths (no-wildcard-principal.trustedOrgPaths): a zone can trust some OUs of an
organization without trusting the organization. The grants are the ones a catalog's `consumers.orgPaths` makes
(the access stack's own builder, pull_statements), sent to the real pack over gRPC; a refusal carries its witness,
a request the grant lets in from outside every trusted path. The config file's check of the option is here too."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples
from model_registry.config import Consumers
from model_registry.policy_documents import document, to_json
from model_registry.policy_documents.ecr import pull_statements
from offline_preview.analyzer_client import AnalyzerClient
from offline_preview.pack_config import PackConfigError, installed_policies, read_pack_config
from registry_policies import names as policy_names
from registry_policies.pack_checks import effective_access

ROOT = Path(__file__).resolve().parents[2]
OWN, ORG = "123456789012", "o-a1b2c3d4e5"
PATH_ORG = "o-p9q8r7s6t5"  # an organization of which only one OU is trusted
TRUSTED_OU = f"{PATH_ORG}/r-cd34/ou-cd34-11111111/"
ZONE = {"trustedAccounts": [OWN], "organizationIds": [ORG], "trustedOrgPaths": [TRUSTED_OU]}
WITNESS = re.compile(r"e\.g\. a request with .*aws:principalorgpaths=([^,\s]+)")


def violations_in(zone: dict, *org_paths: str) -> list[str]:
    """The violations of a pack configured with `zone` (a pack of its own: the module's keeps ZONE)."""
    with AnalyzerClient(ROOT / "policy-pack", project="access", stack="dev") as client:
        client.configure({policy_names.NO_WILDCARD_PRINCIPAL: zone})
        return violations(client, *org_paths)


@pytest.fixture(scope="module")
def pack():
    with AnalyzerClient(ROOT / "policy-pack", project="access", stack="dev") as client:
        client.configure({policy_names.NO_WILDCARD_PRINCIPAL: ZONE})
        yield client


def violations(pack, *org_paths: str) -> list[str]:
    policy = to_json(document(*pull_statements(Consumers(org_paths=org_paths))))
    resource = {
        "type": "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "name": "modelPolicy",
        "properties": {"repository": "models/bert", "policy": policy},
    }
    found = pack.analyze(resource)
    return [v.message for v in found if v.policy_name == policy_names.NO_WILDCARD_PRINCIPAL]


@pytest.mark.parametrize(
    "org_path",
    [
        TRUSTED_OU,
        f"{PATH_ORG}/r-cd34/ou-cd34-11111111/ou-cd34-22222222/",  # an OU under the trusted one
        f"{ORG}/r-ab12/ou-ab12-abcdefgh/",  # a path of the trusted organization
    ],
)
def test_a_grant_under_a_trusted_path_passes(pack, org_path):
    assert violations(pack, org_path) == []


@pytest.mark.parametrize(
    "org_path",
    [
        f"{PATH_ORG}/r-cd34/ou-cd34-22222222/",  # a sibling OU
        f"{PATH_ORG}/r-cd34/ou-cd34-111111112/",  # a sibling whose id starts with the trusted OU's id
        f"{PATH_ORG}/r-cd34/",  # the root above it: every OU of the organization
        "o-zzzzzzzzzz/r-cd34/",  # another organization's root
        "o-zzzzzzzzzz/r-cd34/ou-cd34-11111111/",  # the same ids under another organization's root
    ],
)
def test_a_grant_outside_every_trusted_path_is_refused_with_its_witness(pack, org_path):
    (message,) = violations(pack, TRUSTED_OU, org_path)
    (witness,) = WITNESS.findall(message)
    # The witness is a principal the grant lets in (under the granted path) and the zone does not trust.
    assert witness.startswith(org_path) and not witness.startswith(TRUSTED_OU), message
    assert not witness.startswith(f"{ORG}/")


def test_the_trusted_path_is_what_lets_the_ou_in():
    """The same grant, with the option left out, is refused: the pass above is the option's doing."""
    (message,) = violations_in({"trustedAccounts": [OWN], "organizationIds": [ORG]}, TRUSTED_OU)
    assert WITNESS.findall(message)[0].startswith(TRUSTED_OU)


def test_another_root_of_a_trusted_paths_organization_reaches_no_one(pack):
    """An organization has one root (AWS Organizations), and the trusted path names it: a grant under another
    root of the same organization admits no principal, so it is not an outsider's access. The catalog refuses
    such a path all the same (tests/shared/test_catalog_zone.py): it is under no trusted path."""
    assert violations(pack, f"{PATH_ORG}/r-ef56/ou-cd34-11111111/") == []


def test_a_malformed_trusted_path_over_grpc_is_a_violation_naming_the_key_and_index():
    bad = f"{PATH_ORG}/r-cd34/ou-cd34-11111111"  # no closing '/': a prefix of the sibling ou-cd34-111111112
    (message,) = violations_in({**ZONE, "trustedOrgPaths": [TRUSTED_OU, bad]}, TRUSTED_OU)
    assert f"trustedOrgPaths[1] has the malformed id '{bad}'" in message
    assert "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (each id followed by '/')" in message


# ---- the config file (policy-pack/config/<env>.json), read against the policy's own schema ---------------------


def test_the_config_file_refuses_a_malformed_trusted_path_naming_file_line_key_and_index(tmp_path):
    path = tmp_path / "dev.json"
    bad = f"{PATH_ORG}/r-cd34/ou-cd34-11111111"
    zone = {"enforcementLevel": "mandatory", **ZONE, "trustedOrgPaths": [TRUSTED_OU, bad]}
    path.write_text(json.dumps({policy_names.NO_WILDCARD_PRINCIPAL: zone}, indent=2))
    with pytest.raises(PackConfigError) as error:
        read_pack_config(path, installed_policies())
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if bad + '"' in text)
    assert str(error.value) == (
        f"{path}:{line}: no-wildcard-principal.trustedOrgPaths[1]: '{bad}' is not an organization path such as "
        "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (each id followed by '/')"
    )


def test_the_config_file_reads_well_formed_trusted_paths(tmp_path):
    path = tmp_path / "dev.json"
    deeper = f"{TRUSTED_OU}ou-cd34-22222222/"
    path.write_text(json.dumps({policy_names.NO_WILDCARD_PRINCIPAL: {**ZONE, "trustedOrgPaths": [TRUSTED_OU, deeper]}}))
    read = read_pack_config(path, installed_policies())
    assert read[policy_names.NO_WILDCARD_PRINCIPAL]["trustedOrgPaths"] == [TRUSTED_OU, deeper]


# ---- the pure check: the same zone for every form a grant takes ---------------------------------------------------

REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def grant_under(*org_paths: str) -> dict:
    return json.loads(to_json(document(*pull_statements(Consumers(org_paths=org_paths)))))


def test_a_cloudformation_template_is_judged_with_the_trusted_paths_too():
    """A template's documents are judged in the zone plus the stack's own account: the trusted paths stay in it."""
    template = {
        "Resources": {
            "Repo": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryPolicyText": grant_under(TRUSTED_OU)}}
        }
    }
    props = {"templateBody": json.dumps(template)}
    assert effective_access("aws:cloudformation/stack:Stack", props, ZONE) == []
    sibling = f"{PATH_ORG}/r-cd34/ou-cd34-22222222/"
    template["Resources"]["Repo"]["Properties"]["RepositoryPolicyText"] = grant_under(sibling)
    (finding,) = effective_access("aws:cloudformation/stack:Stack", {"templateBody": json.dumps(template)}, ZONE)
    assert f"aws:principalorgpaths={sibling}" in finding.message


# One OU id's second part, as AWS Organizations' model allows it: 8-32 of [a-z0-9].
ou_suffix = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=32)


# Few examples: each refusal is a solver search for its witness (about 1-20 s on a loaded machine); the two OUs
# of test_a_grant_outside_every_trusted_path_is_refused_with_its_witness are its fixed cases.
@settings(max_examples=examples(2, 6), deadline=None)
@given(ou_suffix)
def test_any_ou_of_the_organization_is_inside_exactly_when_it_is_the_trusted_one(suffix):
    org_path = f"{PATH_ORG}/r-cd34/ou-cd34-{suffix}/"
    findings = effective_access(REPOSITORY_POLICY, {"policy": json.dumps(grant_under(org_path))}, ZONE)
    if suffix == "11111111":
        assert findings == []
    else:
        (finding,) = findings
        assert f"aws:principalorgpaths={org_path}" in finding.message


@settings(max_examples=30, deadline=None)
@given(ou_suffix)
def test_any_ou_under_the_trusted_one_is_inside(suffix):
    org_path = f"{TRUSTED_OU}ou-cd34-{suffix}/"
    assert effective_access(REPOSITORY_POLICY, {"policy": json.dumps(grant_under(org_path))}, ZONE) == []


@pytest.mark.parametrize(
    ("org_path", "condition", "refused"),
    [
        (f"{PATH_ORG}/r-cd34/", {"StringEquals": {"aws:PrincipalOrgID": PATH_ORG}}, False),  # the root: all of it
        (f"{PATH_ORG}/r-cd34/", {"StringEquals": {"aws:PrincipalOrgID": ORG}}, True),  # another organization
        (TRUSTED_OU, {"StringEquals": {"aws:PrincipalOrgID": PATH_ORG}}, True),  # one OU is not the organization
    ],
)
def test_a_trusted_root_path_is_its_whole_organization(org_path, condition, refused):
    """An organization has one root (AWS Organizations' concepts), so the path of its root is every account of
    it: a grant to the organization is inside a zone that trusts that path, and outside one that trusts an OU."""
    zone = {"trustedAccounts": [OWN], "trustedOrgPaths": [org_path]}
    policy = {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Condition": condition}]
    }
    properties = {"repository": "models/bert", "policy": json.dumps({"Version": "2012-10-17"} | policy)}
    findings = effective_access("aws:ecr/repositoryPolicy:RepositoryPolicy", properties, zone)
    assert bool(findings) is refused, [f.message for f in findings]


@pytest.mark.parametrize(
    ("pattern", "refused"),
    [
        (f"{PATH_ORG}/*/ou-cd34-11111111/*", False),  # the trusted OU wherever it is: it has one place
        (f"{PATH_ORG}/r-cd34/*/ou-cd34-11111111/*", False),
        (f"{PATH_ORG}/*/ou-cd34-1111111*", True),  # an OU whose id starts with the trusted one's
        ("o-*/*/ou-cd34-11111111/*", True),  # the same OU id in any organization
    ],
)
def test_a_path_pattern_through_a_trusted_ou_is_inside_since_an_ou_has_one_parent(pattern, refused):
    """AWS Organizations: an OU has one parent, so every path through `ou-cd34-11111111` of that organization
    begins with the trusted path; the proof says so without a witness search."""
    zone = {"trustedAccounts": [OWN], "trustedOrgPaths": [TRUSTED_OU]}
    condition = {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [pattern]}}
    policy = {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Condition": condition}]
    }
    properties = {"repository": "models/bert", "policy": json.dumps({"Version": "2012-10-17"} | policy)}
    findings = effective_access("aws:ecr/repositoryPolicy:RepositoryPolicy", properties, zone)
    assert bool(findings) is refused, [f.message for f in findings]
    assert not any("cannot be evaluated" in f.message for f in findings)
