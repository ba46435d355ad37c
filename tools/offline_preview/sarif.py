"""SARIF 2.1.0 for the policy pack's and checkov's findings, located in the stack source (`file:line`).

One run per tool (GitHub code scanning keeps runs apart by tool and `automationDetails.id`). A result's
location is where the program declared the resource (the manifest's `source`); the resource itself is a
logical location (its URN). Waived checkov failures are results with an external suppression carrying the
waiver's reason, so code scanning shows them as dismissed rather than dropping them. The document is
validated in the tests against the SARIF 2.1.0 JSON schema vendored in `schemas/vendor/`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from .report import Source
from .run import RunResult

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
PACK_TOOL = "model-registry-policy-pack"
CHECKOV_TOOL = "checkov"
# mandatory blocks a deployment (error); advisory and remediate are reported (warning).
LEVELS = {"mandatory": "error", "advisory": "warning", "remediate": "warning"}


def sarif_report(
    result: RunResult,
    sources: Mapping[str, Source],
    fallback: Mapping[str, Source] | None = None,
    pack_version: str = "",
    checkov_version: str = "",
) -> dict:
    """The SARIF log of a preview run.

    `sources` maps each URN to where it is declared; `fallback` maps a project name to a location used
    when a finding has no URN or no known source (the project's Pulumi.yaml), since code scanning needs one.
    """
    fallback = fallback or {}
    pack_rules: dict[str, dict] = {}
    pack_results: list[dict] = []
    checkov_rules: dict[str, dict] = {}
    checkov_results: list[dict] = []
    for stack in result.stacks:
        where = fallback.get(stack.project)
        for v in stack.violations:
            pack_rules.setdefault(v.policy, _rule(v.policy, v.policy, None))
            message = " ".join(v.message.split())
            pack_results.append(
                _result(
                    v.policy,
                    LEVELS.get(v.level, "warning"),
                    f"{message} [{v.level}]",
                    v.urn,
                    sources.get(v.urn) or where,
                    stack.project,
                )
            )
        for f in stack.checkov:
            checkov_rules.setdefault(f.check_id, _rule(f.check_id, f.check_name, f.guideline))
            entry = _result(
                f.check_id,
                "error",
                f"{f.check_name} ({f.address})",
                f.urn,
                sources.get(f.urn) or where,
                stack.project,
            )
            if f.waived is not None:
                entry["suppressions"] = [{"kind": "external", "justification": " ".join(f.waived.split())}]
            checkov_results.append(entry)
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            _run(PACK_TOOL, pack_version, pack_rules, pack_results, f"offline-preview/policy-pack/{result.env}/"),
            _run(
                CHECKOV_TOOL, checkov_version, checkov_rules, checkov_results, f"offline-preview/checkov/{result.env}/"
            ),
        ],
    }


def _rule(rule_id: str, name: str, help_uri: str | None) -> dict:
    rule = {"id": rule_id, "name": rule_id, "shortDescription": {"text": name}}
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def _result(rule_id: str, level: str, message: str, urn: str, where: Source | None, project: str) -> dict:
    result: dict = {
        "ruleId": rule_id,
        "level": level,
        "message": {"text": message},
        # Stable across runs and line moves: the rule and the resource.
        "partialFingerprints": {"ruleAndResource/v1": hashlib.sha256(f"{rule_id}\0{urn}".encode()).hexdigest()},
    }
    location: dict = {}
    if where is not None:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": where.file, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": where.line},
        }
    location["logicalLocations"] = [
        {"fullyQualifiedName": urn or f"{project} (stack)", "kind": "resource" if urn else "module"}
    ]
    result["locations"] = [location]
    return result


def _run(name: str, version: str, rules: dict[str, dict], results: list[dict], category: str) -> dict:
    driver: dict = {"name": name, "rules": [rules[k] for k in sorted(rules)]}
    if version:
        driver["version"] = version
    index = {rule_id: i for i, rule_id in enumerate(sorted(rules))}
    for r in results:
        r["ruleIndex"] = index[r["ruleId"]]
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": category},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the repository root"}}},
        "results": results,
    }


def project_fallbacks(result: RunResult, repo_root: Path) -> dict[str, Source]:
    """Each project's Pulumi.yaml, line 1: where a finding without a resource source is shown."""
    fallback = {}
    for stack in result.stacks:
        directory = Path(stack.directory)
        for name in ("Pulumi.yaml", "Pulumi.yml"):
            path = directory / name
            if path.is_file():
                try:
                    shown = path.resolve().relative_to(repo_root.resolve()).as_posix()
                except ValueError:
                    shown = path.resolve().as_posix()
                fallback[stack.project] = Source(shown, 1)
                break
    return fallback
