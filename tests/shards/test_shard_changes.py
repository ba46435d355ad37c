"""A pull request previews only the stacks its change touches, and the stacks that read them (docs/shards.md)."""

from pathlib import Path

import pytest
import yaml
from model_registry.catalog import load_catalog
from model_registry.shards import plan
from offline_preview.shard_plan import changed_stacks, shard_moves

TEAMS = {
    "nlp": {
        "team": "nlp",
        "ci": {"pushers": [{"repository": "acme/nlp"}]},
        "models": [{"name": "bert"}, {"name": "llama"}],
    },
    "speech": {"team": "speech", "models": [{"name": "whisper"}]},
}


def snapshot(folder: Path, teams: dict):
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.yaml"):
        stale.unlink()
    for name, content in teams.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(content, sort_keys=False))
    catalog = load_catalog(folder)
    return catalog, plan(catalog)


def keys(base, head, paths=()):
    stacks, reasons = changed_stacks(base, head, list(paths), "dev")
    assert [s.key for s in stacks] == list(reasons)  # every stack says why, in deploy order
    return list(reasons)


@pytest.fixture
def base(tmp_path):
    return snapshot(tmp_path / "base", TEAMS)


def changed(tmp_path, edit):
    teams = yaml.safe_load(yaml.safe_dump(TEAMS))
    edit(teams)
    return snapshot(tmp_path / "head", teams)


def test_one_model_added_previews_its_shard_in_both_projects_only(tmp_path, base):
    head = changed(tmp_path, lambda t: t["nlp"]["models"].append({"name": "t5"}))
    assert keys(base, head, ["catalog/nlp.yaml"]) == ["registry/dev.nlp", "access/dev.nlp"]


def test_a_new_teams_file_previews_its_new_shard(tmp_path, base):
    head = changed(tmp_path, lambda t: t.update(vision={"team": "vision", "models": [{"name": "resnet"}]}))
    assert keys(base, head, ["catalog/vision.yaml"]) == ["registry/dev.vision", "access/dev.vision"]


def test_a_consumer_change_previews_the_shard(tmp_path, base):
    head = changed(tmp_path, lambda t: t["speech"]["models"][0].update(consumers={"accounts": ["210987654321"]}))
    assert keys(base, head, ["catalog/speech.yaml"]) == ["registry/dev.speech", "access/dev.speech"]


def test_mutable_tags_change_what_replicas_look_like_so_the_core_and_replication_too(tmp_path, base):
    head = changed(tmp_path, lambda t: t["speech"]["models"][0].update(mutableTags=["latest"]))
    assert keys(base, head, ["catalog/speech.yaml"]) == [
        "registry/dev.core",
        "replication/dev.core",
        "registry/dev.speech",
        "access/dev.speech",
    ]


def test_a_teams_pull_through_upstreams_are_the_registry_cores_cache_rules(tmp_path, base):
    head = changed(tmp_path, lambda t: t["speech"].update(upstreams=[{"registry": "k8s"}]))
    assert keys(base, head, ["catalog/speech.yaml"]) == ["registry/dev.core", "replication/dev.core"]


def test_a_teams_ci_pushers_are_the_access_cores(tmp_path, base):
    head = changed(tmp_path, lambda t: t["nlp"]["ci"]["pushers"].append({"repository": "acme/other"}))
    assert keys(base, head, ["catalog/nlp.yaml"]) == ["access/dev.core", "registry/dev.nlp", "access/dev.nlp"]


def test_a_stacks_code_previews_all_of_its_stacks_and_their_readers(base):
    assert keys(base, base, ["stacks/access/access_stack/access.py"]) == [
        "access/dev.core",
        "access/dev.nlp",
        "access/dev.speech",
    ]
    registry = keys(base, base, ["stacks/registry/__main__.py"])
    assert registry == [
        "registry/dev.core",
        "registry/dev.nlp",
        "access/dev.nlp",
        "registry/dev.speech",
        "access/dev.speech",
    ]


@pytest.mark.parametrize(
    "path", ["shared/model_registry/naming.py", "aws-facts/aws_facts/iam/quotas.py", "policy-pack/x.py"]
)
def test_the_shared_library_or_the_pack_previews_everything(base, path):
    assert len(keys(base, base, [path])) == 3 + 2 * 2


def test_an_unloadable_base_previews_everything(base):
    assert len(keys(None, base, [])) == 7


def test_nothing_changed_previews_nothing(base):
    assert keys(base, base, ["README.md", "docs/shards.md"]) == []


def moves(base, head):
    return shard_moves(base[1], head[1], "dev")


def test_a_renamed_team_file_says_its_models_move_between_shard_stacks(tmp_path, base):
    # docs/shards.md: a shard is a team file; a repository in the state of dev.speech is not created by dev.voice.
    head = snapshot(tmp_path / "head", {"nlp": TEAMS["nlp"], "voice": TEAMS["speech"] | {"team": "voice"}})
    assert moves(base, head) == [
        "models whisper move from stack dev.speech to dev.voice: before deploying, run `make shard-moves ENV=dev "
        "BASE=<this base>`: the `pulumi state move --source dev.speech --dest dev.voice` commands with their "
        "repositories' URNs in stacks/registry and their policies' in stacks/access; without them the new shard "
        "cannot create repositories that exist",
        "stack dev.speech (base/speech.yaml) leaves the layout: its 1 repositories and their policies stay "
        "deployed in it until moved (pulumi state move) or the stack is destroyed (protected repositories are kept)",
    ]


def test_a_model_moved_to_another_team_is_a_state_move_and_an_added_model_is_not(tmp_path, base):
    nlp = TEAMS["nlp"] | {"models": [{"name": "bert"}, {"name": "new"}]}
    speech = TEAMS["speech"] | {"models": [{"name": "whisper"}, {"name": "llama"}]}
    head = snapshot(tmp_path / "head", {"nlp": nlp, "speech": speech})
    [line] = moves(base, head)
    assert line.startswith("models llama move from stack dev.nlp to dev.speech: ")
    assert moves(base, base) == []
