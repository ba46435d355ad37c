"""A long-lived checkov process: imports checkov once, then scans the plan files it is sent.

Run with checkov's own interpreter (its isolated tool environment), never imported by the preview:
    <checkov-python> checkov_worker.py
Importing checkov takes several seconds; doing it once, while the stacks are still being evaluated,
is what lets the scan overlap the other phases. Protocol, one JSON object per line:
    -> {"ready": true, "version": "3.3.30", "checks": [...]}   once imported; `checks`: every check id
                                                        the terraform_plan runner has (to validate skips)
    <- {"files": ["plan-0000.json", ...]}               a request
    -> {"failed": [...], "passed": N} or {"error": "..."}
It runs checkov's terraform_plan runner exactly as `checkov --framework terraform_plan
--skip-download -f ...` does (no platform, no downloads).
"""

import importlib.util
import json
import sys
from pathlib import Path


def _collector():
    """collector.py beside this file, loaded by its path: checkov's interpreter runs isolated (-I), with neither
    this directory nor the workspace's packages on its path."""
    spec = importlib.util.spec_from_file_location("offline_preview_collector", Path(__file__).with_name("collector.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.checks.resource.registry import resource_registry
    from checkov.terraform.plan_runner import Runner
    from checkov.version import version

    # The plan runner's checks: resource checks (by type and wildcard) and graph checks (CKV2_*).
    graph = Runner().graph_registry
    graph.load_checks()
    checks = {c.id for per_type in resource_registry.checks.values() for c in per_type}
    checks |= {c.id for per_type in resource_registry.wildcard_checks.values() for c in per_type}
    checks |= {c.id for c in graph.checks}

    # checkov's modules and check registries live as long as the worker: out of every collection's way.
    _collector().tune_for_the_process()
    print(json.dumps({"ready": True, "version": version, "checks": sorted(checks)}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            runner_filter = RunnerFilter(framework=["terraform_plan"], download_external_modules=False)
            report = Runner().run(root_folder=None, files=request["files"], runner_filter=runner_filter)
            failed = [
                {
                    "check_id": r.check_id,
                    "check_name": r.check_name,
                    "resource": r.resource_address or r.resource,
                    "file": r.file_abs_path,
                    "guideline": r.guideline,
                }
                for r in report.failed_checks
            ]
            reply = {"failed": failed, "passed": len(report.passed_checks)}
        except Exception as exc:  # noqa: BLE001 - reported to the caller, the worker keeps serving
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
