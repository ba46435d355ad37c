"""The deploy model counts what a self-managed backend writes during a first `pulumi up`: the whole checkpoint at
every step (a create or read twice: pending, then done; a component's outputs once more; once at the end)."""

import json

from offline_preview.deploy_model import checkpoint_bytes, first_up, state_entries, summarize


def manifest(project="registry", stack="dev", repositories=3, secret=False):
    """A small manifest as the offline preview writes it: a component and `repositories` repositories."""
    root = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    component = f"urn:pulumi:{stack}::{project}::modelregistry:registry:ModelRegistry::model-registry"

    def entry(urn, kind, custom, parent, inputs, outputs, protect=False, read=False):
        return {
            "urn": urn,
            "type": kind,
            "name": urn.rsplit("::", 1)[1],
            "id": "id-" + urn.rsplit("::", 1)[1] if custom else "",
            "custom": custom,
            "read": read,
            "parent": parent,
            "provider": "",
            "dependencies": [],
            "propertyDependencies": {},
            "options": {"protect": protect, "retainOnDelete": protect},
            "inputs": inputs,
            "jsonStrings": {},
            "secretInputs": [],
            "unknownInputs": [],
            "outputs": outputs,
        }

    resources = [entry(component, "modelregistry:registry:ModelRegistry", False, root, {}, {})]
    for index in range(repositories):
        name = f"model-{index}-é"  # non-ASCII: counted in UTF-8 bytes, as Go writes it
        resources.append(
            entry(
                f"{component.rsplit('::', 1)[0]}$aws:ecr/repository:Repository::{name}",
                "aws:ecr/repository:Repository",
                True,
                component,
                {"name": f"models/{name}", "tags": {"team": "nlp"}, "policy": "<a & b>" if secret else ""},
                {"arn": f"arn:aws:ecr:us-east-1:123456789012:repository/models/{name}"},
                protect=True,
            )
        )
    return {
        "project": project,
        "stack": stack,
        "config": {"aws:region": "us-east-1"},
        "outputs": {},
        "resources": resources,
    }


def written_one_by_one(document):
    """The same writes, each checkpoint serialized whole (the slow way the model avoids)."""
    stack = f"organization/{document['project']}/{document['stack']}"
    entries = state_entries(document)
    total, writes = 0, 0
    for index, entry in enumerate(entries):
        pending = {k: v for k, v in entry.items() if k not in ("outputs", "created", "modified")}
        kind = "reading" if entry.get("external") else "creating"
        total += checkpoint_bytes(stack, entries[:index], [{"resource": pending, "type": kind}])
        total += checkpoint_bytes(stack, entries[: index + 1], [])
        writes += 2
        if not entry["custom"]:
            total += checkpoint_bytes(stack, entries[: index + 1], [])
            writes += 1
    final = checkpoint_bytes(stack, entries, [])
    return writes + 1, total + final, final


def test_the_model_counts_the_bytes_of_every_whole_checkpoint_the_backend_writes():
    for size in (0, 1, 7):
        document = manifest(repositories=size, secret=True)
        model = first_up(document)
        assert (model.writes, model.bytes_written, model.final_bytes) == written_one_by_one(document)


def test_state_entries_are_the_export_format_with_the_root_stack_and_its_default_provider():
    entries = state_entries(manifest(repositories=1))
    assert [e["type"] for e in entries] == [
        "pulumi:pulumi:Stack",
        "pulumi:providers:aws",
        "modelregistry:registry:ModelRegistry",
        "aws:ecr/repository:Repository",
    ]
    repository = entries[-1]
    assert repository["protect"] is True and repository["retainOnDelete"] is True
    assert repository["outputs"]["name"] == repository["inputs"]["name"]  # outputs carry the inputs
    assert repository["provider"].startswith("urn:pulumi:dev::registry::pulumi:providers:aws::default::")
    json.dumps(entries)  # serializable as the backend writes it


def test_the_bytes_written_grow_with_the_square_of_a_stack_and_linearly_over_shards():
    one = first_up(manifest(repositories=100)).bytes_written
    two = first_up(manifest(repositories=200)).bytes_written
    assert 3.5 < two / one < 4.1  # quadratic: twice the stack, about four times the bytes
    halves = [first_up(manifest(stack=f"dev.part{i}", repositories=100)).bytes_written for i in (1, 2)]
    assert sum(halves) < two * 0.55  # the same 200 repositories in two stacks: about half


def test_the_summary_gives_the_bench_columns():
    models = [first_up(manifest(repositories=n)) for n in (2, 5)]
    summary = summarize(models)
    assert summary["stacks"] == 2 and summary["largest stack"] == 3 + 5
    assert summary["state writes"] == sum(m.writes for m in models)
