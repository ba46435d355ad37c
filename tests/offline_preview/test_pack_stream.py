"""The preview feeds each stack's pack while the stack evaluates; its verdicts are those of the finished manifest."""

import json

import pytest
from offline_preview.analyzer_client import AnalyzerClient
from offline_preview.options import PACK_DIR, REPO_ROOT
from offline_preview.run import Options, run_preview
from offline_preview.streams import analyzer_resources
from preview_helpers import program


def _verdicts(violations) -> set[tuple[str, str, str, str]]:
    return {(v[0], v[1], v[2], v[3]) for v in violations}


@pytest.mark.parametrize("name", ["public_registry", "secret_public_policy", "merged_public_policy", "basic"])
def test_the_streamed_pack_finds_what_the_pack_finds_on_the_finished_manifest(name, tmp_path):
    result = run_preview(Options(projects=[program(name)], build_dir=tmp_path, checkov=False))
    (stack,) = result.stacks
    assert not stack.error and not stack.policy_error
    streamed = _verdicts((v.policy, v.level, v.urn, v.message) for v in stack.violations)

    manifest = {"resources": stack.resources}  # the revealed entries the run kept
    config = json.loads((REPO_ROOT / PACK_DIR / "config" / "local.json").read_text())
    written = json.loads((tmp_path / "preview" / "local" / f"{stack.project}.json").read_text())
    with AnalyzerClient(
        REPO_ROOT / PACK_DIR,
        project=stack.project,
        stack="local",
        organization="organization",
        config=written["config"],
    ) as pack:
        pack.configure(config)
        per_resource, of_stack = pack.analyze_all(analyzer_resources(manifest))
    finished = _verdicts(
        (v.policy_name, v.enforcement_level, v.urn, v.message) for v in [*sum(per_resource, []), *of_stack]
    )
    assert streamed == finished
    if name != "basic":
        assert streamed  # these programs have findings: the comparison is not between two empty sets


def test_a_program_that_fails_stops_its_pack_and_reports_the_failure(tmp_path):
    result = run_preview(Options(projects=[program("broken_attribute")], build_dir=tmp_path, checkov=False))
    (stack,) = result.stacks
    assert stack.error and not stack.violations
