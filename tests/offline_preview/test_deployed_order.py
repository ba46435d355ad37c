"""The stacks evaluated as deployed, in order (deployed_views.evaluate_in_order): the one loop of the worker, of
`--deployed REV` and of a sharded preview's read stacks. Each stack reads the views of those before it; no
stack's evaluation outlives its step (a 10,000-model registry is collected before the next stack runs); a
failure is the stack's outcome, and what happens next is the caller's."""

import subprocess
import sys
import textwrap
import types
import weakref
from pathlib import Path

import pytest
from evaluations_kept import alive, record_evaluations
from offline_preview.deployed_outputs import deployed_outputs
from offline_preview.deployed_views import StackInOrder, evaluate_in_order
from offline_preview.evaluate import EvaluationError
from offline_preview.options import Options
from offline_preview.project import ProjectError

UPSTREAM = """\
import pulumi
import pulumi_aws as aws

repository = aws.ecr.Repository("shared", name="models/shared")
pulumi.export("name", repository.name)
pulumi.export("arn", repository.arn)
"""
READER = """\
import pulumi

upstream = pulumi.StackReference("organization/upstream/local")
pulumi.export("read", upstream.get_output("arn").apply(lambda arn: "read " + arn))
"""


def _project(path: Path, name: str, main: str) -> Path:
    path.mkdir(parents=True)
    (path / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (path / "__main__.py").write_text(textwrap.dedent(main))
    return path


@pytest.fixture
def evaluations(monkeypatch) -> list[weakref.ref]:
    """A weak reference to each evaluation the loop makes, in order."""
    return record_evaluations(monkeypatch)


@pytest.fixture
def program_objects(monkeypatch) -> list[weakref.ref]:
    """A weak reference to an object of each program that runs PROGRAM_OBJECT (in a cycle, as a program's are)."""
    box = types.ModuleType("program_objects")
    box.made = []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "program_objects", box)
    return box.made  # type: ignore[attr-defined]


PROGRAM_OBJECT = """\
import weakref
import program_objects

class Catalog:
    def __init__(self):
        self.itself = self

catalog = Catalog()
program_objects.made.append(weakref.ref(catalog))
"""


def test_each_stack_reads_the_ones_before_it_and_no_evaluation_outlives_its_step(
    tmp_path, evaluations, program_objects
):
    upstream = _project(tmp_path / "upstream", "upstream", PROGRAM_OBJECT + UPSTREAM)
    reader = _project(tmp_path / "reader", "reader", PROGRAM_OBJECT + READER)
    alive_at_start = []

    def starting(stack: StackInOrder) -> None:
        alive_at_start.append((alive(evaluations), [made() is not None for made in program_objects]))

    stacks = [StackInOrder(upstream, "local"), StackInOrder(reader, "local")]
    outcomes = []
    for stack, outcome in evaluate_in_order(stacks, starting):
        outcomes.append((stack.directory.name, outcome.key, outcome.error, outcome.view and outcome.view.outputs))
        assert alive(evaluations) == []
        assert [made() is not None for made in program_objects] == [False] * len(outcomes)
    arn = "arn:aws:ecr:us-east-1:123456789012:repository/models/shared"
    assert outcomes == [
        ("upstream", "upstream/local", None, {"name": "models/shared", "arn": arn}),
        ("reader", "reader/local", None, {"read": f"read {arn}"}),
    ]
    assert len(evaluations) == 2
    assert alive_at_start == [([], []), ([], [False])]


def test_a_failure_is_the_stacks_outcome_and_a_caller_that_stops_there_evaluates_no_more(tmp_path):
    broken = _project(tmp_path / "broken", "broken", "raise ValueError('broken at the top')\n")
    upstream = _project(tmp_path / "upstream", "upstream", UPSTREAM)
    started = []
    outcomes = []
    for _, outcome in evaluate_in_order(
        [StackInOrder(broken, "local"), StackInOrder(upstream, "local")], lambda stack: started.append(stack.stack)
    ):
        outcomes.append(outcome)
        if outcome.error is not None:
            break
    (outcome,) = outcomes
    assert started == ["local"]
    assert outcome.key == "broken/local" and outcome.view is None
    assert isinstance(outcome.error, EvaluationError)
    assert "__main__.py:1" in str(outcome.error) and "broken at the top" in str(outcome.error)


def test_a_caller_that_goes_on_skips_only_the_readers_of_a_failed_stack(tmp_path):
    broken = _project(tmp_path / "broken", "broken", "raise ValueError('broken')\n")
    reader = _project(
        tmp_path / "reader", "reader", "import pulumi\npulumi.StackReference('organization/broken/local')\n"
    )
    upstream = _project(tmp_path / "upstream", "upstream", UPSTREAM)
    stacks = [
        StackInOrder(broken, "local", frozenset()),
        StackInOrder(reader, "local", frozenset({"broken/local"})),
        StackInOrder(upstream, "local", frozenset()),
        StackInOrder(reader, "local"),  # None: every stack before it, the failed one too
    ]
    started = []
    outcomes = [outcome for _, outcome in evaluate_in_order(stacks, lambda stack: started.append(stack.directory.name))]
    assert started == ["broken", "upstream"]
    assert [outcome.key for outcome in outcomes] == ["broken/local", "reader/local", "upstream/local", "reader/local"]
    assert [str(outcome.error) for outcome in outcomes[1::2]] == [
        "not evaluated: upstream stack 'broken/local' failed"
    ] * 2
    assert outcomes[2].view is not None and outcomes[2].error is None


def test_a_directory_that_is_no_project_is_an_outcome_only_where_the_caller_says_so(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ProjectError, match="not a Pulumi project"):
        list(evaluate_in_order([StackInOrder(empty, "local")]))
    ((_, outcome),) = evaluate_in_order([StackInOrder(empty, "local")], failures=(EvaluationError, ProjectError))
    assert outcome.key == "empty/local"
    assert str(outcome.error) == f"{empty}: not a Pulumi project (no Pulumi.yaml)"


def test_deployed_at_a_revision_evaluates_through_the_loop_and_keeps_no_evaluation(tmp_path, evaluations):
    root = tmp_path / "repository"
    upstream = _project(root / "stacks" / "upstream", "upstream", UPSTREAM)
    reader = _project(root / "stacks" / "reader", "reader", READER)
    new = root / "stacks" / "new"  # not at the revision: nothing of it is deployed
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "deployed"], check=True)
    _project(new, "new", "import pulumi\n")
    progress = []
    options = Options(env="local", repo_root=root, deployed_revision="HEAD")
    found = deployed_outputs(options, [upstream, new, reader, root / "stacks" / "last"], {}, progress.append)
    arn = "arn:aws:ecr:us-east-1:123456789012:repository/models/shared"
    assert found == {
        "upstream/local": ({"name": "models/shared", "arn": arn}, "revision HEAD, as deployed"),
        "reader/local": ({"read": f"read {arn}"}, "revision HEAD, as deployed"),
    }
    assert progress == [
        "upstream: evaluating at HEAD (its deployed outputs)",
        "reader: evaluating at HEAD (its deployed outputs)",
    ]
    assert len(evaluations) == 2
    assert alive(evaluations) == []
