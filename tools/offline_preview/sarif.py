"""SARIF 2.1.0 for the policy pack's and checkov's findings, located where a reviewer fixes them.

One run per tool (GitHub code scanning keeps runs apart by tool and `automationDetails.id`), each driver
with its version. A finding on a resource born of a catalog entry (a model's repository, its policy, its
lifecycle policy) is located at the catalog line that declares the model, so a catalog pull request gets
the annotation inline; the stack source line that declared the resource is a related location. Other
findings are located where the program declared the resource (the manifest's `source`); the resource is
always a logical location (its URN). Waived checkov failures are notes with an external suppression
carrying the waiver's reason, so code scanning shows them as dismissed rather than dropping them. Rules
carry a full description, help and a `security-severity` (GitHub's scale: 9.0+ critical, 7.0+ high, 4.0+
medium): mandatory pack policies 8.0, advisory ones 5.0, checkov's checks 7.0 (an unwaived one fails the
preview). The document is validated in the tests against the SARIF 2.1.0 JSON schema vendored in
`schemas/vendor/`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from aws_facts import resource_types
from model_registry.catalog import load_catalog
from model_registry.errors import ConfigError
from registry_policies.pack_specs import SPECS

from .checkov import find_checkov
from .report import Source
from .results import RunResult

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
PACK_TOOL = "model-registry-policy-pack"
CHECKOV_TOOL = "checkov"
# mandatory blocks a deployment (error); advisory and remediate are reported (warning).
LEVELS = {"mandatory": "error", "advisory": "warning", "remediate": "warning"}
SEVERITY = {"mandatory": "8.0", "advisory": "5.0", "remediate": "5.0", "checkov": "7.0"}
PACK_README = "policy-pack/README.md"
_DESCRIPTIONS = {
    spec.name: (spec.description, str(spec.level.value if hasattr(spec.level, "value") else spec.level))
    for spec in SPECS
}
# Resource types a catalog entry gives birth to, and the input that names the model's repository.
CATALOG_BORN = {
    resource_types.ECR_REPOSITORY: "name",
    resource_types.ECR_REPOSITORY_POLICY: "repository",
    resource_types.ECR_LIFECYCLE_POLICY: "repository",
}


def sarif_report(
    result: RunResult,
    sources: Mapping[str, Source],
    fallback: Mapping[str, Source] | None = None,
    pack_version: str | None = None,
    checkov_version: str | None = None,
    catalog: Mapping[str, Source] | None = None,
) -> dict:
    """The SARIF log of a preview run.

    `sources` maps each URN to where it is declared; `fallback` maps a project name to a location used
    when a finding has no URN or no known source (the project's Pulumi.yaml), since code scanning needs one;
    `catalog` maps the URN of a catalog-born resource to its model's catalog line (`catalog_locations`).
    Versions default to the installed pack's and checkov's.
    """
    fallback = fallback or {}
    catalog = catalog or {}
    pack_version = pack_version if pack_version is not None else _pack_version()
    checkov_version = checkov_version if checkov_version is not None else _checkov_version()
    pack_rules: dict[str, dict] = {}
    pack_results: list[dict] = []
    checkov_rules: dict[str, dict] = {}
    checkov_results: list[dict] = []
    for stack in result.stacks:
        where = fallback.get(stack.project)
        for v in stack.violations:
            pack_rules.setdefault(v.policy, _pack_rule(v.policy))
            message = " ".join(v.message.split())
            pack_results.append(
                _result(
                    v.policy,
                    LEVELS.get(v.level, "warning"),
                    f"{message} [{v.level}]",
                    v.urn,
                    _located(v.urn, sources, catalog, where),
                    stack.project,
                )
            )
        for f in stack.checkov:
            checkov_rules.setdefault(f.check_id, _checkov_rule(f.check_id, f.check_name, f.guideline))
            entry = _result(
                f.check_id,
                "error" if f.waived is None else "note",
                f"{f.check_name} ({f.address})",
                f.urn,
                _located(f.urn, sources, catalog, where),
                stack.project,
            )
            if f.waived is not None:
                reason = " ".join(f.waived.split())
                entry["suppressions"] = [{"kind": "external", "status": "accepted", "justification": reason}]
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


def _pack_rule(policy: str) -> dict:
    description, level = _DESCRIPTIONS.get(policy, (policy, "advisory"))
    text = " ".join(description.split())
    return {
        "id": policy,
        "name": policy,
        "shortDescription": {"text": text.split(". ")[0][:200]},
        "fullDescription": {"text": text},
        "help": {
            "text": f"{text} Default enforcement: {level}. Every policy, its options and how to exempt a resource: "
            f"{PACK_README}.",
            "markdown": f"{text}\n\nDefault enforcement: **{level}**. Every policy, its options and how to exempt "
            f"a resource: [`{PACK_README}`]({PACK_README}).",
        },
        "defaultConfiguration": {"level": LEVELS.get(level, "warning")},
        "properties": {"security-severity": SEVERITY.get(level, "5.0"), "tags": ["security", "policy-pack", level]},
    }


def _checkov_rule(check_id: str, name: str, help_uri: str | None) -> dict:
    rule = {
        "id": check_id,
        "name": check_id,
        "shortDescription": {"text": name},
        "fullDescription": {"text": f"checkov {check_id}: {name}"},
        "help": {
            "text": f"{name}. "
            + (f"Guideline: {help_uri}. " if help_uri else "")
            + "A justified waiver goes in checkov-skips.yaml.",
            "markdown": f"{name}.\n\n"
            + (f"Guideline: <{help_uri}>\n\n" if help_uri else "")
            + "A justified waiver goes in `checkov-skips.yaml`.",
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {"security-severity": SEVERITY["checkov"], "tags": ["security", "checkov"]},
    }
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def _located(urn: str, sources: Mapping[str, Source], catalog: Mapping[str, Source], where: Source | None):
    """(primary location, related location): the catalog line first where there is one."""
    declared = sources.get(urn) or where
    if urn in catalog:
        return catalog[urn], declared
    return declared, None


def _pack_version() -> str:
    try:
        return metadata.version("model-registry-policy-pack")
    except metadata.PackageNotFoundError:
        return ""


def _checkov_version() -> str:
    """The version of the checkov the preview runs (its environment's dist-info), "" if none is found."""
    try:
        command = find_checkov()
    except Exception:  # noqa: BLE001 - no checkov: the run has no checkov findings either
        return ""
    for info in command.resolve().parents[1].glob("lib/python*/site-packages/checkov-*.dist-info"):
        return info.name.removeprefix("checkov-").removesuffix(".dist-info")
    return ""


def catalog_locations(resources: Iterable[Mapping], catalog_dir: Path, repo_root: Path) -> dict[str, Source]:
    """URN -> the catalog line of its model, for the resources a catalog entry gives birth to (matched by
    the repository name `<namespace>/<model>`). A catalog that does not load locates nothing."""
    try:
        models = load_catalog(catalog_dir).models
    except (ConfigError, OSError):
        return {}
    lines = {}
    for model in models:
        file, _, line = model.where.rpartition(":")
        path = catalog_dir.parent / file
        try:
            shown = path.resolve().relative_to(repo_root.resolve()).as_posix()
        except ValueError:
            shown = path.resolve().as_posix()
        lines[model.name] = Source(shown, int(line))
    found = {}
    for resource in resources:
        key = CATALOG_BORN.get(resource.get("type", ""))
        name = resource.get("inputs", {}).get(key) if key else None
        if isinstance(name, str) and name.rsplit("/", 1)[-1] in lines:
            found[resource["urn"]] = lines[name.rsplit("/", 1)[-1]]
    return found


def _result(rule_id: str, level: str, message: str, urn: str, located, project: str) -> dict:
    where, related = located
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
    if related is not None:
        result["relatedLocations"] = [
            {
                "id": 1,
                "message": {"text": "where the stack declares the resource"},
                "physicalLocation": {
                    "artifactLocation": {"uri": related.file, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": related.line},
                },
            }
        ]
    return result


def _run(name: str, version: str, rules: dict[str, dict], results: list[dict], category: str) -> dict:
    driver: dict = {"name": name, "rules": [rules[k] for k in sorted(rules)]}
    if version:
        driver["version"] = version
        driver["semanticVersion"] = version
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
