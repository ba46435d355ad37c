"""`ignoreChanges` against the deployed state (`--state`), as the engine's step generator applies it before the
provider's Check and the policy pack: an ignored property of a deployed resource keeps its old input. Expected
values follow pulumi/pulumi's processIgnoreChanges (PropertyPath.Reset) as its documentation states it."""

import json

import pytest
from offline_preview.cli import main
from offline_preview.ignore_changes import IgnoreChangesError, ignored_inputs
from registry_policies import names as policy_names


def test_an_ignored_property_takes_its_old_value():
    assert ignored_inputs({"a": 1, "b": 2}, {"a": 9, "b": 8}, ["a"]) == {"a": 9, "b": 2}


def test_an_ignored_property_missing_from_the_old_inputs_is_removed():
    assert ignored_inputs({"a": 1, "b": 2}, {"b": 8}, ["a"]) == {"b": 2}


def test_nested_indexed_and_quoted_paths():
    old = {"a": {"b": [1, 2], "c.d": "old"}}
    new = {"a": {"b": [5, 6], "c.d": "new"}}
    assert ignored_inputs(new, old, ["a.b[1]"]) == {"a": {"b": [5, 2], "c.d": "new"}}
    assert ignored_inputs(new, old, ['a["c.d"]']) == {"a": {"b": [5, 6], "c.d": "old"}}


def test_a_wildcard_stands_for_every_element():
    old = {"rules": [{"f": "x", "n": 1}, {"f": "y", "n": 2}]}
    new = {"rules": [{"f": "p", "n": 3}, {"f": "q", "n": 4}]}
    assert ignored_inputs(new, old, ["rules[*].f"]) == {"rules": [{"f": "x", "n": 3}, {"f": "y", "n": 4}]}


def test_a_path_missing_from_both_is_no_change():
    assert ignored_inputs({"a": 1}, {"a": 2}, ["x.y"]) == {"a": 1}


def test_a_path_whose_parent_is_missing_from_the_new_inputs_stops_the_deployment():
    with pytest.raises(IgnoreChangesError, match=r"one or more elements of the path are missing: \"a.b\""):
        ignored_inputs({}, {"a": {"b": "old"}}, ["a.b"])


# ---- through the offline preview and the real pack ------------------------------------------------------

PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
RESTRICTED = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": PULL}]})
ignore = pulumi.ResourceOptions(ignore_changes=["policy"])
aws.ecr.RepositoryPolicy("deployedOpen", repository="models/a", policy=RESTRICTED, opts=ignore)
aws.ecr.RepositoryPolicy("newRestricted", repository="models/b", policy=RESTRICTED, opts=ignore)
aws.ecr.RepositoryPolicy("deployedOpenNotIgnored", repository="models/c", policy=RESTRICTED)
# Renamed, with an alias to its deployed name: the step generator finds its old state through the alias.
renamed = pulumi.ResourceOptions(ignore_changes=["policy"], aliases=[pulumi.Alias(name="deployedOpenOldName")])
aws.ecr.RepositoryPolicy("renamedOpen", repository="models/d", policy=RESTRICTED, opts=renamed)
"""
OPEN = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]}
)
TYPE = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def _state(path):
    urn = "urn:pulumi:local::ignoring::{}::{}"
    resources = [
        {"urn": urn.format("pulumi:pulumi:Stack", "ignoring-local"), "type": "pulumi:pulumi:Stack", "outputs": {}}
    ]
    deployed = (
        ("deployedOpen", "models/a"),
        ("deployedOpenNotIgnored", "models/c"),
        ("deployedOpenOldName", "models/d"),
    )
    for name, repository in deployed:
        inputs = {"repository": repository, "policy": OPEN}
        resources.append(
            {"urn": urn.format(TYPE, name), "type": TYPE, "id": repository, "inputs": inputs, "outputs": inputs}
        )
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
    return path


def test_a_deployed_open_policy_kept_by_ignore_changes_is_refused(tmp_path, capsys):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: ignoring\nruntime: python\n")
    (project / "Pulumi.local.yaml").write_text(
        'config:\n  aws:region: us-east-1\n  aws:allowedAccountIds: ["123456789012"]\n'
    )
    (project / "__main__.py").write_text(PROGRAM)
    argv = ["--project", str(project), "--env", "local", "--build-dir", str(tmp_path / "build"), "--json", "--quiet"]
    main([*argv, "--no-checkov", "--state", str(_state(tmp_path / "state.json"))])
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    assert stack["error"] is None, stack["error"]
    refused = {
        v["urn"].split("::")[-1] for v in stack["policyViolations"] if v["policy"] == policy_names.NO_WILDCARD_PRINCIPAL
    }
    # The engine keeps the deployed open policy where changes to it are ignored (also under an alias); the new and
    # the not-ignored resources get the program's restricted one.
    assert refused == {"deployedOpen", "renamedOpen"}
