"""The pack, the access matrix and the diff read every document of the corpus alike.

Corpus: every repository policy of the three stacks' offline previews (local, dev, prod), of the fixture
programs, of the pack's seed program, and a set of repository policies covering the issue's categories.
For each: the statements the pack refuses are the statements through which the matrix shows a grant to a
principal outside the zone, and every principal the matrix shows is a principal the diff lists as granted.
"""

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


STACKS: dict[str, list] = {}  # env -> every resource of the three stacks' manifests
HOMES: dict[str, tuple[str, str]] = {}  # env -> the registry's (account, region), from its exports


def _corpus():
    """(name, zone config, resources of one repository and its policy)."""
    build = Path(tempfile.mkdtemp(prefix="agreement-"))
    for env in ("local", "dev", "prod"):
        assert main(["--env", env, "--no-checkov", "--no-policy", "--quiet", "--build-dir", str(build / env)]) == 0
        resources = [
            r for path in sorted((build / env).rglob("*.json")) for r in json.loads(path.read_text())["resources"]
        ]
        STACKS[env] = resources
        exports = json.loads((build / env / "preview" / env / "registry.json").read_text())["outputs"]
        HOMES[env] = (exports["registryId"], exports["region"])
        yield from _per_repository(f"stacks/{env}", zone_of(env), resources)
    shutil.rmtree(build, ignore_errors=True)
    for name in ("basic", "public_registry"):
        manifest = build_manifest(evaluate(ROOT / "tests/fixtures/programs" / name, "local"))
        yield from _per_repository(f"fixture {name}", zone_of("local"), manifest["resources"])
    seed = json.loads((ROOT / "tests/fixtures/policy_pack_seed_program.json").read_text())["resources"]
    seed = [{"type": r["type"], "inputs": r["properties"], "outputs": {"arn": ARN}} for r in seed]
    yield from _per_repository("seed program", zone_of("local"), seed)
    for index, statements in enumerate(CATEGORIES):
        policy = {"type": POLICY, "inputs": {"repository": "models/x", "policy": {"Statement": statements}}}
        repository = {"type": REPOSITORY, "inputs": {"name": "models/x"}, "outputs": {"arn": ARN}}
        yield f"category {index}", zone_of("local"), [repository, policy]


def _per_repository(name, zone, resources):
    repositories = {
        r["inputs"].get("name"): r for r in resources if r["type"] == REPOSITORY and r["inputs"].get("name")
    }
    for r in resources:
        if r["type"] == POLICY and r["inputs"].get("repository") in repositories:
            repository = dict(repositories[r["inputs"]["repository"]])
            repository.setdefault("outputs", {}).setdefault("arn", ARN)
            yield f"{name}: {r['inputs']['repository']}", zone, [repository, r]


CORPUS = list(_corpus())


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


@pytest.mark.parametrize(("name", "zone", "resources"), CORPUS, ids=[c[0] for c in CORPUS])
def test_the_pack_the_matrix_and_the_diff_agree(name, zone, resources):
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
    rows = access_matrix(resources)[repository["inputs"]["name"]]
    outside = {
        reason.split(" (only ")[0].removeprefix("repository policy ")
        for label, capabilities in rows.items()
        if _outside(label, zone)
        for reasons in capabilities.values()
        for reason in reasons
        if not reason.startswith("DENIED")
    }
    assert outside == refused
    granted = {
        g.principal.split(":", 1)[1] if g.principal.startswith(("Service:", "Federated:")) else g.principal
        for g in grants(document)
        if g.effect == "Allow"
    }
    # Deny rows (the deny-push guard) are shown too; they grant nothing.
    shown = {label.partition(" if ")[0].removeprefix("service:") for label in rows if not label.startswith("DENY ")}
    shown = {s.removeprefix("everyone except ") for s in shown}
    assert shown <= granted | {p.removeprefix("everyone but ") for p in granted}


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_every_role_grant_the_matrix_shows_is_a_grant_the_diff_lists(env):
    resources = STACKS[env]
    # A first preview leaves a new repository's ARN unknown: the ARN ECR gives it, from the registry's exports.
    account, region = HOMES[env]
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
