"""The upstream stacks as deployed, evaluated in their own process while the preview runs (deployed_views):
the same outputs as the evaluation in the preview's process, its failures as one line on the stack that failed."""

import textwrap

import pulumi
import pytest
from offline_preview import deployed_views, supervise
from offline_preview.deployed_views import DeployedViews, StackInOrder, UpstreamViews
from offline_preview.evaluate import DEPLOYED, EvaluationError, evaluate
from offline_preview.run import Options, run_preview
from preview_helpers import program


def _project(path, name: str, main: str):
    path.mkdir()
    (path / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (path / "__main__.py").write_text(textwrap.dedent(main))
    return path


def test_the_worker_gives_the_outputs_an_evaluation_as_deployed_gives(tmp_path):
    upstream = _project(
        tmp_path / "upstream",
        "upstream",
        """\
        import pulumi
        import pulumi_aws as aws

        print("a program's own output goes to its preview, not into the worker's answers")
        repository = aws.ecr.Repository("shared", name="models/shared", image_tag_mutability="IMMUTABLE")
        pulumi.export("arn", repository.arn)
        pulumi.export("token", pulumi.Output.secret("s3cr3t"))
        pulumi.export("nested", {"count": 3, "names": ["a", "b"], "ratio": 0.25})
        """,
    )
    views = DeployedViews({0: StackInOrder(upstream, "local")})
    try:
        view = views.view(0, 60, "upstream")
    finally:
        views.close()
    expected = evaluate(upstream, "local", mode=DEPLOYED).outputs
    assert view.key == "upstream/local"
    assert view.outputs == expected
    assert view.outputs["arn"] == "arn:aws:ecr:us-east-1:123456789012:repository/models/shared"
    assert pulumi.runtime.rpc.is_rpc_secret(view.outputs["token"])  # still a secret to the stack that reads it
    assert supervise.tracked() == []


def test_the_worker_starts_once_the_upstream_previews_register_100_resources(tmp_path):
    views = UpstreamViews({0: StackInOrder(tmp_path, "local"), 2: StackInOrder(tmp_path, "local")})
    assert views.counter(1) is None  # a stack no later one reads is not counted
    first, third = views.counter(0), views.counter(2)
    try:
        for _ in range(60):
            first(None)
        for _ in range(39):
            third(None)
        assert views.worker is None  # 99: evaluated again in this process, after each preview
        third(None)
        assert views.worker is not None  # 100: the worker evaluates them meanwhile
    finally:
        views.close()


@pytest.mark.parametrize("start_from", [1, 10_000], ids=["in a worker", "in this process"])
def test_a_stack_that_fails_only_as_deployed_fails_with_its_line_and_skips_its_readers(
    tmp_path, monkeypatch, start_from
):
    monkeypatch.setattr(deployed_views, "WORKER_FROM_RESOURCES", start_from)
    started = []
    monkeypatch.setattr(deployed_views, "DeployedViews", lambda stacks: started.append(stacks) or DeployedViews(stacks))
    upstream = _project(
        tmp_path / "upstream",
        "fixture-upstream",
        """\
        import pulumi
        import pulumi_aws as aws

        aws.ecr.Repository("shared", name="models/shared", image_tag_mutability="IMMUTABLE")
        pulumi.export("repositoryName", "models/shared")
        if not pulumi.runtime.is_dry_run():
            raise ValueError("only pulumi up gets here")
        """,
    )
    result = run_preview(
        Options(
            env="local",
            projects=[upstream, program("downstream")],
            build_dir=tmp_path / "build",
            policy=False,
            checkov=False,
        )
    )
    first, second = result.stacks
    assert first.error.startswith("as deployed: ")
    assert "__main__.py:7" in first.error and "only pulumi up gets here" in first.error
    assert second.error == "not evaluated: upstream stack 'fixture-upstream' failed"
    assert len(started) == (1 if start_from == 1 else 0)


def test_a_reader_of_a_failed_stack_is_not_evaluated_by_the_worker(tmp_path):
    broken = _project(tmp_path / "broken", "broken", "raise ValueError('broken')\n")
    reader = _project(
        tmp_path / "reader", "reader", "import pulumi\npulumi.StackReference('organization/broken/local')\n"
    )
    views = DeployedViews(
        {0: StackInOrder(broken, "local", frozenset()), 1: StackInOrder(reader, "local", frozenset({"broken/local"}))}
    )
    try:
        errors = []
        for index, name in ((0, "broken"), (1, "reader")):
            try:
                views.view(index, 60, name)
            except EvaluationError as exc:
                errors.append(str(exc))
    finally:
        views.close()
    assert len(errors) == 2
    assert "__main__.py:1" in errors[0] and "broken" in errors[0]
    assert errors[1] == "not evaluated: upstream stack 'broken/local' failed"


def test_a_worker_that_dies_is_one_line_naming_the_stack(tmp_path):
    upstream = _project(tmp_path / "upstream", "upstream", "import pulumi\npulumi.export('a', 1)\n")
    views = DeployedViews({0: StackInOrder(upstream, "local")})
    views._process.kill()  # the worker's end, whatever its cause (out of memory, a signal)
    try:
        views.view(0, 60, "upstream")
    except EvaluationError as exc:
        message = str(exc)
    finally:
        views.close()
    assert message.startswith("the upstream stacks' evaluation as deployed ended (exit status -9) before upstream")


@pytest.mark.parametrize("start_from, where", [(1, " (its own process)"), (10_000, "")], ids=["worker", "in-process"])
def test_the_progress_line_says_where_the_upstream_was_evaluated_as_deployed(tmp_path, monkeypatch, start_from, where):
    monkeypatch.setattr(deployed_views, "WORKER_FROM_RESOURCES", start_from)
    lines = []
    result = run_preview(
        Options(
            env="local",
            projects=[program("upstream"), program("downstream")],
            build_dir=tmp_path,
            policy=False,
            checkov=False,
        ),
        lines.append,
    )
    assert result.ok
    (line,) = [line for line in lines if "evaluated as deployed" in line]
    assert line.startswith("fixture-upstream: evaluated as deployed in ")
    assert line.endswith("s" + where)
