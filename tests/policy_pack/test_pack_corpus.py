"""The red-team corpus (tests/policy_pack/corpus/*.json, written by corpus/generate.py): every document gets
its verdict from the pure entry point, and for repository policies the offline preview's access matrix and
diff agree with the pack. test_pack_corpus_grpc.py asks the real pack over its gRPC protocol for every class of
document (the pack's policy is this pure function, which it shows).

A document: {"category", "resourceType", "properties", "zone": {"trustedAccounts", "organizationIds"},
"verdict": "refuse" | "accept", "why": <the AWS documentation or rule the verdict is read from>}.
"""

import json
import re

import pytest
from aws_facts.iam import Zone, account_of, external_access, parse, resource_tag_context
from corpus_documents import CORPUS
from offline_preview.access_matrix import access_matrix
from offline_preview.grants import grants
from registry_policies.pack_checks import effective_access

REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def test_the_corpus_covers_every_category_with_both_verdicts():
    categories: dict[str, set[str]] = {}
    for document in CORPUS.values():
        assert set(document) == {"category", "resourceType", "properties", "zone", "verdict", "why"}
        assert document["verdict"] in ("refuse", "accept") and document["why"]
        categories.setdefault(document["category"], set()).add(document["verdict"])
    assert len(CORPUS) >= 150
    assert set(categories) == {"federated", "principals", "deputy", "types", "restricted", "readers", "proof"}
    assert all(verdicts == {"refuse", "accept"} for verdicts in categories.values()), categories


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_corpus_document_gets_its_verdict_from_the_pure_function(name):
    document = CORPUS[name]
    findings = effective_access(document["resourceType"], document["properties"], document["zone"])
    verdict = "refuse" if findings else "accept"
    assert verdict == document["verdict"], [f.message for f in findings] or document["why"]


# Where the matrix knows more than the pack: the repository's ARN (a Resource naming another repository
# grants nothing on this one) and its tags (this one has none: an Allow on aws:ResourceTag does not apply, a Deny
# unless tagged does). The pack judges the policy alone and tries them like any requester key. For each: a
# repository on which the pack's finding holds.
MATRIX_KNOWS_MORE = {
    "principals-foreign-on-other-repository-resource": {"name": "other"},
    "restricted-star-deny-resource-tag": {"tags": {"team": "nlp"}},
    "restricted-star-resource-tag": {"tags": {"team": "nlp"}},
}
REPOSITORY_DOCUMENTS = [
    n for n, d in sorted(CORPUS.items()) if d["resourceType"] == REPOSITORY_POLICY and n not in MATRIX_KNOWS_MORE
]
ARN = "arn:aws:ecr:us-east-1:123456789012:repository/models/x"


def _unconditional_outsider(label: str, zone: dict) -> bool:
    """A matrix row that, whatever the request, stands for someone outside the zone: anyone, everyone but
    a list, an unbound service, or a principal of an account outside the zone (no condition shown)."""
    if " if " in label:
        return False
    if label == "*" or label.startswith("everyone except"):
        return True
    if label.startswith("service:"):
        return True
    account = account_of(label)
    trusted = zone.get("trustedAccounts")
    return account is not None and trusted is not None and account not in trusted


def _matrix_rows(policy: dict, name: str = "models/x", tags: dict | None = None) -> dict:
    arn = f"arn:aws:ecr:us-east-1:123456789012:repository/{name}"
    repository = {"type": "aws:ecr/repository:Repository", "inputs": {"name": name}, "outputs": {"arn": arn}}
    if tags:
        repository["inputs"]["tags"] = tags
    resources = [repository, {"type": REPOSITORY_POLICY, "inputs": {"repository": name, "policy": policy}}]
    return access_matrix(resources).get(name, {})


def _granted_by(rows: dict) -> set[str]:
    return {
        reason.split(" (only ")[0].split(" (")[0].removeprefix("repository policy ")
        for capabilities in rows.values()
        for reasons in capabilities.values()
        for reason in reasons
        if not reason.startswith("DENIED")
    }


def _refused(document: dict) -> set[str]:
    findings = effective_access(REPOSITORY_POLICY, document["properties"], document["zone"])
    return {
        match.group(1) or f"#{match.group(2)}"
        for f in findings
        if "is malformed" not in f.message
        and (match := re.search(r'statement "([^"]+)"|Statement\[(\d+)\]', f.message))
    }


@pytest.mark.parametrize("name", REPOSITORY_DOCUMENTS)
def test_the_access_matrix_agrees_with_the_pack_on_every_repository_policy(name):
    document = CORPUS[name]
    rows = _matrix_rows(json.loads(document["properties"]["policy"]))
    # Every statement the pack refuses is one through which the matrix shows a grant ...
    assert _refused(document) <= _granted_by(rows), rows
    # ... and a policy the pack accepts shows no row that is outside the zone whatever the request.
    if document["verdict"] == "accept":
        outside = [
            label
            for label, capabilities in rows.items()
            if _unconditional_outsider(label, document["zone"])
            and any(not r.startswith("DENIED") for reasons in capabilities.values() for r in reasons)
        ]
        assert outside == [], rows


@pytest.mark.parametrize("name", sorted(MATRIX_KNOWS_MORE))
def test_the_matrix_differs_from_the_pack_only_by_what_it_knows_of_the_repository(name):
    document = CORPUS[name]
    policy = json.loads(document["properties"]["policy"])
    refused = _refused(document)
    assert refused and document["verdict"] == "refuse"
    # The untagged models/x: the matrix shows no grant through the statements the pack refuses ...
    assert not refused & _granted_by(_matrix_rows(policy)), _matrix_rows(policy)
    # ... and the library's search, given the same ARN and tags, answers alike: no outsider gets in.
    statements = parse(policy).statements
    tags = resource_tag_context({}, {c.lower_key for s in statements for c in s.conditions})
    zone = Zone(frozenset(document["zone"]["trustedAccounts"]), frozenset(document["zone"]["organizationIds"]))
    assert external_access(statements, zone, tags, ARN).accesses == []
    assert external_access(statements, zone).accesses != []  # what the pack, knowing neither, finds
    # On a repository where the pack's finding holds, the matrix agrees with the pack.
    assert refused <= _granted_by(_matrix_rows(policy, **MATRIX_KNOWS_MORE[name]))


def _element(statement: dict, name: str):
    return next((v for k, v in statement.items() if k.lower() == name), None)


def _principal_values(element) -> set[str]:
    if isinstance(element, str):
        return {element}
    values: set[str] = set()
    for value in (element or {}).values():
        values |= {value} if isinstance(value, str) else {v for v in value if isinstance(v, str)}
    return values


@pytest.mark.parametrize("name", [n for n, d in sorted(CORPUS.items()) if d["resourceType"] == REPOSITORY_POLICY])
def test_the_diff_lists_a_grant_for_every_statement_the_pack_refuses(name):
    document = CORPUS[name]
    policy = json.loads(document["properties"]["policy"])
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    findings = effective_access(REPOSITORY_POLICY, document["properties"], document["zone"])
    listed = set()
    for grant in grants(policy):
        if grant.effect == "Allow":
            principal = grant.principal.removeprefix("everyone but ")
            listed.add(
                principal.split(":", 1)[1]
                if principal.startswith(("Service:", "Federated:", "CanonicalUser:"))
                else principal
            )
    for finding in findings:
        match = re.search(r'statement "([^"]+)"|Statement\[(\d+)\]', finding.message)
        if "is malformed" in finding.message or match is None:
            continue
        index = (
            int(match.group(2))
            if match.group(2)
            else next(i for i, s in enumerate(statements) if _element(s, "sid") == match.group(1))
        )
        statement = statements[index]
        named = _principal_values(_element(statement, "principal") or _element(statement, "notprincipal"))
        assert named & listed, (named, listed)
