"""`python -m audit --state <export.json> [--state ...] --env <env> [--endpoint-url URL] [--region R] [--report F]`: see audit/__init__.py."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import AuditError, Report, analyzer_resource, drift, resources_of

REPO = Path(__file__).resolve().parents[2]


def audit(state_files: list[Path], env: str, endpoint_url: str | None, region: str | None) -> Report:
    """Each stack's state through the pack (AnalyzeStack per stack, as a preview does); the access matrix and
    drift over all of them together (a repository and its policy live in different stacks)."""
    from model_registry.sources import SourceError, load_json
    from offline_preview.access_matrix import access_matrix
    from offline_preview.analyzer_client import AnalyzerClient, AnalyzerError

    stacks = []
    for state_file in state_files:
        try:
            state = load_json(state_file, what="a `pulumi stack export` JSON file")
        except SourceError as error:
            raise AuditError(str(error)) from None
        stacks.append(resources_of(state, str(state_file)))
    pack_config_file = REPO / "policy-pack" / "config" / f"{env}.json"
    if not pack_config_file.is_file():
        known = ", ".join(sorted(p.stem for p in pack_config_file.parent.glob("*.json")))
        raise AuditError(f"--env {env!r}: no policy-pack/config/{env}.json (known: {known})")
    report = Report(", ".join(str(f) for f in state_files))
    for resources in stacks:
        try:
            with AnalyzerClient(REPO / "policy-pack", project="audit", stack=env) as pack:
                pack.configure(json.loads(pack_config_file.read_text()))
                per_resource, stack_violations = pack.analyze_all([analyzer_resource(r) for r in resources])
        except AnalyzerError as error:
            raise AuditError(f"the policy pack failed: {error}") from None
        for violation in [v for vs in per_resource for v in vs] + stack_violations:
            report.violations.append(
                {
                    "policy": violation.policy_name,
                    "level": violation.enforcement_level,
                    "urn": violation.urn,
                    "message": violation.message.splitlines()[-1],
                }
            )
    everything = [r for resources in stacks for r in resources]
    report.matrix = access_matrix(
        {"type": r["type"], "inputs": r.get("inputs") or {}, "outputs": r.get("outputs") or {}} for r in everything
    )
    import boto3

    drift(everything, boto3.client("ecr", endpoint_url=endpoint_url, region_name=region), report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="audit", description="Drift and policy audit of a deployed stack's state.")
    parser.add_argument(
        "--state", type=Path, action="append", required=True, help="a stack's `pulumi stack export` (repeat per stack)"
    )
    parser.add_argument("--env", required=True, help="the environment: the pack config policy-pack/config/<env>.json")
    parser.add_argument("--endpoint-url", help="the ECR endpoint to read live values from (ENV=local: the emulator)")
    parser.add_argument("--region", help="default: the AWS SDK's")
    parser.add_argument("--report", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    try:
        report = audit(args.state, args.env, args.endpoint_url, args.region)
    except AuditError as error:
        print(f"audit: {error}", file=sys.stderr)
        return 2
    if args.report:
        args.report.write_text(json.dumps(report.as_dict(), indent=2, default=str) + "\n")
    print("\n".join(report.lines()), file=sys.stderr if report.failed else sys.stdout)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
