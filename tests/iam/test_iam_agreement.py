"""The pack, the access matrix and the diff read every document of the corpus alike.

Corpus: every repository policy of the three stacks' offline previews (local, dev, prod), of the fixture
programs, of the pack's seed program, and a set of repository policies covering the issue's categories.
For each: the statements the pack refuses are the statements through which the matrix shows a grant to a
principal outside the zone, and every principal the matrix shows is a principal the diff lists as granted.
"""

import functools
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from aws_facts.iam import account_of, arn_matches, matches
from offline_preview.access_matrix import access_matrix
from offline_preview.access_rows import CAPABILITIES
from offline_preview.cli import main
from offline_preview.evaluate import evaluate
from offline_preview.grants import grants
from offline_preview.manifest import build_manifest
from registry_policies.pack_checks import effective_access

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = "aws:ecr/repository:Repository"
POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
OWN, PARTNER, FOREIGN, ORG = "123456789012", "210987654321", "444455556666", "o-a1b2c3d4e5"
ARN = f"arn:aws:ecr:us-east-1:{OWN}:repository/models/x"
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]


def zone_of(env):
    config = json.loads((ROOT / f"policy-pack/config/{env}.json").read_text())["no-wildcard-principal"]
    return {k: v for k, v in config.items() if k != "enforcementLevel"}


def statement(sid, principal, action=PULL, effect="Allow", condition=None):
    s = {"Sid": sid, "Effect": effect, "Principal": principal, "Action": action}
    return s | ({"Condition": condition} if condition else {})


CATEGORIES = [
    [statement("Open", "*")],
    [statement("Org", "*", condition={"StringEquals": {"aws:PrincipalOrgID": ORG}})],
    [statement("Any", "*"), statement("NotOrg", "*", PULL, "Deny", {"StringNotEquals": {"aws:PrincipalOrgID": ORG}})],
    [statement("Foreign", {"AWS": f"arn:aws:iam::{FOREIGN}:root"})],
    [statement("Cleanup", {"AWS": FOREIGN}, "ecr:BatchDeleteImage")],
    [statement("Partner", {"AWS": PARTNER}, ["ecr:*"])],
    [statement("Svc", {"Service": "sagemaker.amazonaws.com"})],
    [
        statement(
            "SvcBound",
            {"Service": "sagemaker.amazonaws.com"},
            condition={"StringEquals": {"aws:SourceAccount": PARTNER}},
        )
    ],
    [{"sid": "Lower", "effect": "Allow", "principal": {"AWS": FOREIGN}, "action": PULL}],
    [{"Sid": "AllBut", "Effect": "Allow", "NotPrincipal": {"AWS": OWN}, "Action": PULL}],
    [statement("Pull", "*"), statement("NoPull", "*", PULL, "Deny")],
]


@functools.cache
def _previews() -> dict[str, tuple[list, tuple[str, str]]]:
    """env -> (every resource of the three stacks' manifests, the registry's (account, region) from its exports).
    Computed once, by the first test that needs it (not at collection, where every xdist worker would pay it)."""
    build = Path(tempfile.mkdtemp(prefix="agreement-"))
    try:
        previews = {}
        for env in ("local", "dev", "prod"):
            argv = ["--env", env, "--no-checkov", "--no-policy", "--quiet", "--build-dir", str(build / env)]
            assert main(argv) == 0
            resources = [
                r for path in sorted((build / env).rglob("*.json")) for r in json.loads(path.read_text())["resources"]
            ]
            exports = json.loads((build / env / "preview" / env / "registry.json").read_text())["outputs"]
            previews[env] = (resources, (exports["registryId"], exports["region"]))
        return previews
    finally:
        shutil.rmtree(build, ignore_errors=True)


# Where the corpus's repository policies come from: each source's repositories are tried by one test.
SOURCES = [
    *(f"stacks/{env}" for env in ("local", "dev", "prod")),
    *(f"fixture {name}" for name in ("basic", "public_registry")),
    "seed program",
    *(f"category {index}" for index in range(len(CATEGORIES))),
]


def _corpus(source):
    """(name, zone config, resources of one repository and its policy) of one source."""
    if source.startswith("stacks/"):
        env = source.removeprefix("stacks/")
        yield from _per_repository(source, zone_of(env), _previews()[env][0])
    elif source.startswith("fixture "):
        manifest = build_manifest(evaluate(ROOT / "tests/fixtures/programs" / source.removeprefix("fixture "), "local"))
        yield from _per_repository(source, zone_of("local"), manifest["resources"])
    elif source == "seed program":
        seed = json.loads((ROOT / "tests/fixtures/policy_pack_seed_program.json").read_text())["resources"]
        seed = [{"type": r["type"], "inputs": r["properties"], "outputs": {"arn": ARN}} for r in seed]
        yield from _per_repository(source, zone_of("local"), seed)
    else:
        statements = CATEGORIES[int(source.removeprefix("category "))]
        policy = {"type": POLICY, "inputs": {"repository": "models/x", "policy": {"Statement": statements}}}
        repository = {"type": REPOSITORY, "inputs": {"name": "models/x"}, "outputs": {"arn": ARN}}
        yield source, zone_of("local"), [repository, policy]


def _name(repository):
    """The repository's name: the program's, or the one the engine gave it (auto-named, in its outputs)."""
    return repository["inputs"].get("name") or repository.get("outputs", {}).get("name")


def _per_repository(name, zone, resources):
    repositories = {_name(r): r for r in resources if r["type"] == REPOSITORY and _name(r)}
    for r in resources:
        if r["type"] == POLICY and r["inputs"].get("repository") in repositories:
            repository = dict(repositories[r["inputs"]["repository"]])
            repository.setdefault("outputs", {}).setdefault("arn", ARN)
            yield f"{name}: {r['inputs']['repository']}", zone, [repository, r]


def _outside(label, zone):
    """Whether a matrix row's principal may be outside the zone: its account is not trusted, or it is
    not pinned to one (a `*` or a service without a source condition)."""
    principal, _, condition = label.partition(" if ")
    if principal.startswith("everyone except") or (principal == "*" and not condition):
        return True
    accounts = {account_of(v) for v in re.findall(r"arn:aws:[^;,\s]+|\b\d{12}\b", label)} - {None}
    if principal.startswith("service:") and not accounts:
        return True
    if principal == "*" and ORG in condition:
        return False
    return bool(accounts - set(zone["trustedAccounts"]))


def _statement_of(message):
    """The statement a pack message names, as the matrix names it: its Sid, or #<index>."""
    sid = re.search(r'statement "([^"]+)"', message)
    return sid.group(1) if sid else "#" + re.search(r"Statement\[(\d+)\]", message).group(1)


@pytest.mark.parametrize("source", SOURCES)
def test_the_pack_the_matrix_and_the_diff_agree(source):
    corpus = list(_corpus(source))
    assert corpus, f"{source}: no repository policy to compare"
    for name, zone, resources in corpus:
        _agree(name, zone, resources)


def _agree(name, zone, resources):
    repository, policy = resources
    document = policy["inputs"]["policy"]
    props = {"repository": policy["inputs"]["repository"], "policy": json.dumps(document)}
    refused = {
        m.group(1)
        for f in effective_access(POLICY, props, zone)
        if (m := re.search(r'statement "([^"]+)"|Statement\[(\d+)\]', f.message))
    } | {
        f"#{m.group(1)}"
        for f in effective_access(POLICY, props, zone)
        if (m := re.search(r"Statement\[(\d+)\]", f.message))
    }
    refused.discard(None)
    rows = access_matrix(resources)[_name(repository)]
    outside = {
        reason.split(" (only ")[0].removeprefix("repository policy ")
        for label, capabilities in rows.items()
        if _outside(label, zone)
        for reasons in capabilities.values()
        for reason in reasons
        if not reason.startswith("DENIED")
    }
    assert outside == refused, name
    granted = {
        g.principal.split(":", 1)[1] if g.principal.startswith(("Service:", "Federated:")) else g.principal
        for g in grants(document)
        if g.effect == "Allow"
    }
    # Deny rows (the deny-push guard) are shown too; they grant nothing.
    shown = {label.partition(" if ")[0].removeprefix("service:") for label in rows if not label.startswith("DENY ")}
    shown = {s.removeprefix("everyone except ") for s in shown}
    assert shown <= granted | {p.removeprefix("everyone but ") for p in granted}, name


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_every_role_grant_the_matrix_shows_is_a_grant_the_diff_lists(env):
    # A first preview leaves a new repository's ARN unknown: the ARN ECR gives it, from the registry's exports.
    resources, (account, region) = _previews()[env]
    arns = {
        r["inputs"]["name"]: f"arn:aws:ecr:{region}:{account}:repository/{r['inputs']['name']}"
        for r in resources
        if r["type"] == REPOSITORY
    }
    policies = [r["inputs"]["policy"] for r in resources if r["type"] == "aws:iam/rolePolicy:RolePolicy"]
    listed = [g for policy in policies for g in grants(policy) if g.effect == "Allow"]
    shown = 0
    for name, rows in access_matrix(resources).items():
        for capabilities in rows.values():
            for capability, reasons in capabilities.items():
                for reason in (r for r in reasons if r.startswith("IAM policy ")):
                    actions = CAPABILITIES.get(capability) or ()
                    assert (
                        any(
                            arn_matches(g.resource, arns[name])
                            and any(matches(g.action, a, ignore_case=True) for a in actions)
                            for g in listed
                        )
                        or capability == "other"
                    ), (name, capability, reason)
                    shown += 1
    assert shown  # the stacks' roles do reach the repositories
