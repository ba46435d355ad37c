"""Lifecycle by use (archive storage): pure checks over lifecycle policies, read with aws_facts.grammars.lifecycle.

- `ecr-lifecycle-grammar`: every lifecycle policy (a LifecyclePolicy's `policy`, a creation template's
  `lifecyclePolicy`) is one ECR accepts: the archive fields (`storageClass`, `sinceImagePulled`,
  `sinceImageTransitioned`, `transition`/`targetStorageClass`) and the 90-day archive minimum included.
- `ecr-releases-kept`: no rule can delete a release image (`releaseTagPrefixes`) from standard storage;
  archiving releases, and deleting them from the archive after the minimum, is allowed.
"""

from __future__ import annotations

from typing import Any

from aws_facts import resource_types
from aws_facts.grammars import lifecycle as grammar

from .findings import Finding, cannot_evaluate
from .names import LIFECYCLE_GRAMMAR, RELEASES_KEPT
from .values import is_unknown

GRAMMAR = LIFECYCLE_GRAMMAR
RELEASES_KEPT = RELEASES_KEPT
RELEASE_PREFIXES_OPTION = "releaseTagPrefixes"

# Where each resource type carries lifecycle policy text.
POLICY_FIELDS = {
    resource_types.ECR_LIFECYCLE_POLICY: "policy",
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: "lifecyclePolicy",
}


def _policy(resource_type: str, props: dict[str, Any]) -> tuple[str, Any] | None:
    field = POLICY_FIELDS.get(resource_type)
    if field is None or props.get(field) in (None, ""):
        return None
    return field, props[field]


def grammar_findings(resource_type: str, props: dict[str, Any], _config: dict[str, Any]) -> list[Finding]:
    found = _policy(resource_type, props)
    if found is None:
        return []
    field, policy = found
    if is_unknown(policy):
        return [cannot_evaluate(GRAMMAR, field)]
    return [Finding(f"{field}: {problem} (ECR refuses this lifecycle policy)") for problem in grammar.problems(policy)]


def release_prefixes(config: dict[str, Any]) -> list[str] | None:
    value = config.get(RELEASE_PREFIXES_OPTION)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"the pack config option {RELEASE_PREFIXES_OPTION} must be a list of non-empty strings")
    return value


def releases_kept_findings(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    prefixes = release_prefixes(config)
    found = _policy(resource_type, props)
    if found is None or not prefixes:  # not configured: nothing to compare with
        return []
    field, policy = found
    if is_unknown(policy):
        return [cannot_evaluate(RELEASES_KEPT, field)]
    try:
        rules = grammar.parse(policy)
    except ValueError:
        return []  # ecr-lifecycle-grammar reports it
    return [
        Finding(
            f"{field}: {where} can delete release images from standard storage; keep releases (a rule whose tag "
            "selection takes every release tag first: a transition to the archive, or a count above the image quota)"
        )
        for where in grammar.release_deletions(rules, prefixes)
    ]
