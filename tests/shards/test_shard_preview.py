"""The sharded layout previewed: the same repositories and policies as the whole layout, spread over stacks that
each hold one team's models; account-wide resources only in the core stacks; the bound enforced per shard."""

import json
import re
from collections import Counter
from pathlib import Path

from offline_preview.run import Options, run_preview
from offline_preview.shard_plan import sharded_options, stack_bound
from shard_helpers import REPO

REPOSITORY = "aws:ecr/repository:Repository"
POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ACCOUNT_WIDE = {
    "aws:kms/key:Key",
    "aws:kms/alias:Alias",
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
}
TEAM_OF = {"llama-3-8b-instruct": "nlp", "whisper-large-v3": "speech", "resnet-50": "vision", "sdxl-base": "genai"}


def resources(result, kind):
    return {(s.project, s.stack): [r for r in s.resources if r["type"] == kind] for s in result.stacks}


def test_every_stack_of_the_sharded_layout_previews_clean_in_dependency_order(sharded_run):
    assert sharded_run.ok, [(s.project, s.stack, s.error, s.policy_error) for s in sharded_run.stacks if not s.ok]
    assert [(s.project, s.stack) for s in sharded_run.stacks][:3] == [
        ("registry", "local.core"),
        ("replication", "local.core"),
        ("access", "local.core"),
    ]
    shards = [s.stack for s in sharded_run.stacks[3:]]
    assert shards == [x for team in ("genai", "nlp", "speech", "vision") for x in (f"local.{team}",) * 2]


def test_each_shard_holds_its_teams_repository_and_policy_and_nothing_account_wide(sharded_run):
    for stack in sharded_run.stacks[3:]:
        team = stack.stack.split(".", 1)[1]
        kinds = Counter(r["type"] for r in stack.resources)
        assert not set(kinds) & ACCOUNT_WIDE, (stack.project, stack.stack, kinds)
        kind = REPOSITORY if stack.project == "registry" else POLICY
        names = [
            r["inputs"]["name" if kind == REPOSITORY else "repository"] for r in stack.resources if r["type"] == kind
        ]
        assert [TEAM_OF[n.split("/", 1)[1]] for n in names] == [team]


def test_account_wide_resources_live_only_in_the_core_stacks(sharded_run, whole_run):
    core = Counter(r["type"] for s in sharded_run.stacks[:3] for r in s.resources if r["type"] in ACCOUNT_WIDE)
    whole = Counter(r["type"] for s in whole_run.stacks for r in s.resources if r["type"] in ACCOUNT_WIDE)
    assert core == whole and core["aws:kms/key:Key"] == 1


def test_the_same_repositories_and_policies_as_the_whole_layout_but_the_stack_tag(sharded_run, whole_run):
    def by_name(result, kind, key):
        # Each layout encrypts with its own registry key (the mocks derive a key's id from its URN, which names
        # the stack): every repository must name that key; its ARN is then compared as "the registry key".
        # In a first preview the key's ARN is unknown where the key is created (the whole layout's registry); a
        # shard reads the core's deployed outputs, where it is the ARN the key was created with (multi-Region).
        keys = [r for s in result.stacks for r in s.resources if r["type"] == "aws:kms/key:Key"]
        assert len(keys) == 1
        found = {}
        for s in result.stacks:
            for r in s.resources:
                if r["type"] == kind:
                    text = re.sub(
                        r'"kmsKey": "(\[unknown\]|arn:aws:kms:us-east-1:123456789012:key/mrk-[0-9a-f]{32})"',
                        '"kmsKey": "<the registry key>"',
                        json.dumps(r["inputs"]),
                    )
                    inputs = json.loads(text)
                    assert inputs.pop("tags", {}).get("pulumi-stack") in (None, s.stack)
                    found[inputs[key]] = (inputs, r["options"]["protect"])
        return found

    whole = by_name(whole_run, REPOSITORY, "name")
    assert by_name(sharded_run, REPOSITORY, "name") == whole
    assert all(inputs["encryptionConfigurations"][0]["kmsKey"] == "<the registry key>" for inputs, _ in whole.values())
    assert by_name(sharded_run, POLICY, "repository") == by_name(whole_run, POLICY, "repository")
    assert len(whole) == 4 and all(protect for _, protect in whole.values())


def test_shard_manifests_are_written_per_stack(sharded_run):
    for stack in sharded_run.stacks:
        path = Path(stack.manifest)
        assert path.parent.name == stack.stack and path.name == f"{stack.project}.json"
        assert json.loads(path.read_text())["stack"] == stack.stack


def test_a_shard_over_the_bound_fails_in_one_line_and_blocks_only_what_reads_it(tmp_path):
    options = sharded_options(Options(env="local", build_dir=tmp_path, policy=False, checkov=False), REPO / "stacks")
    # The bound at 5: a registry shard holds 6 entries in the manifest (component, repository, lifecycle policy,
    # the core's reference, ...), an access shard fewer. Measured at the limit below.
    sizes = {}

    def check(project, stack, count):
        sizes[(project, stack)] = count
        return stack_bound(project, stack, count, bound=3 if stack == "local.nlp" else 1_000)

    options.stack_check = check
    result = run_preview(options)
    by_stack = {(s.project, s.stack): s for s in result.stacks}
    failed = by_stack[("registry", "local.nlp")]
    assert failed.error == stack_bound("registry", "local.nlp", sizes[("registry", "local.nlp")], bound=3)
    assert failed.error.startswith("registry stack local.nlp: ")
    assert by_stack[("access", "local.nlp")].error == "not evaluated: upstream stack 'registry/local.nlp' failed"
    assert all(s.ok for key, s in by_stack.items() if key[1] != "local.nlp")
    # At the limit: the same stack passes.
    assert (
        stack_bound("registry", "local.nlp", sizes[("registry", "local.nlp")], bound=sizes[("registry", "local.nlp")])
        is None
    )
