"""Pull-through caches: every cache rule's repositories get the models' settings and are scanned.

`ecr-pull-through-cache` (stack policy): for each aws.ecr.PullThroughCacheRule of the stack,
- the upstream needs credentials (Docker Hub, GHCR) exactly when a `credentialArn` is set, and that is a
  Secrets Manager secret ARN `ecr-pullthroughcache/<name>` (credentials are never a value in config) in the
  rule's own account and region (ECR refuses a secret elsewhere; the rule's place is its provider's or the stack's);
- a RepositoryCreationTemplate with the rule's prefix, applied for PULL_THROUGH_CACHE, gives the cache
  repositories a customer-managed KMS key, immutable tags, a lifecycle policy and a repository policy;
- the stack's registry scanning configuration scans the cache repositories (`<prefix>/<image>`).
"""

from __future__ import annotations

from typing import Any

from aws_facts import resource_types
from aws_facts.ecr_pull_through import UPSTREAMS, credential_place_problem, credential_problem
from aws_facts.ecr_scanning import SCANNING_FREQUENCIES

from . import scanning
from .ecr import IMMUTABLE_MODES, KMS_TYPES, scanning_configuration
from .findings import Finding, cannot_evaluate
from .names import PULL_THROUGH_CACHE
from .providers import is_unknown_account
from .stack import StackResource, default_place
from .values import first_block, get_path, is_unknown

CACHE = PULL_THROUGH_CACHE
BY_URL = {upstream.url: name for name, upstream in UPSTREAMS.items()}


def _template_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    encryption = first_block(template.get("encryptionConfigurations"))
    kind = get_path(encryption, "encryptionType")
    key = get_path(encryption, "kmsKey")
    if not is_unknown(kind) and (kind not in KMS_TYPES or not (is_unknown(key) or key)):
        problems.append("encrypts with a customer-managed KMS key")
    mode = template.get("imageTagMutability")
    if not is_unknown(mode) and mode not in IMMUTABLE_MODES:
        problems.append(f"keeps tags immutable (it has {mode or 'MUTABLE'})")
    if not template.get("lifecyclePolicy"):
        problems.append("has a lifecycle policy")
    if not template.get("repositoryPolicy"):
        problems.append("has a repository policy (pull for the build roles only)")
    return problems


def _place_problem(rule: StackResource, credential: str, default: scanning.Place) -> str | None:
    """The secret outside the rule's account or region (an unknown account or region is not compared)."""
    region, provider_region = rule.props.get("region"), (rule.provider or {}).get("region")
    place = scanning.place_of(rule.props, rule.provider, default)
    account = None if not place.account or is_unknown_account(place.account) else place.account
    known_region = None if is_unknown(region) or (not region and is_unknown(provider_region)) else place.region
    return credential_place_problem(credential, account, str(known_region) if known_region else None)


def cache_findings(resources: list[StackResource], default: scanning.Place | None = None) -> list[Finding]:
    findings: list[Finding] = []
    default = default if default is not None else default_place()
    templates = {
        r.props.get("prefix"): r
        for r in resources
        if r.type == resource_types.ECR_REPOSITORY_CREATION_TEMPLATE
        and "PULL_THROUGH_CACHE" in (r.props.get("appliedFors") or [])
    }
    configurations = [
        scanning_configuration(r.props)
        for r in resources
        if r.type == resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION
    ]
    for rule in (r for r in resources if r.type == resource_types.ECR_PULL_THROUGH_CACHE_RULE):
        prefix, url, credential = (
            rule.props.get(k) for k in ("ecrRepositoryPrefix", "upstreamRegistryUrl", "credentialArn")
        )
        if any(is_unknown(v) for v in (prefix, url, credential)):
            findings.append(cannot_evaluate(CACHE, "the rule's prefix, upstream or credentials", rule.urn, rule.name))
            continue
        where = f"pull-through cache rule {prefix!r} ({url})"
        upstream = UPSTREAMS.get(BY_URL.get(url, ""))
        if upstream is None:
            findings.append(
                Finding(
                    f"{where}: {url!r} is not an upstream this registry caches ({', '.join(BY_URL)})",
                    rule.urn,
                    rule.name,
                )
            )
        elif upstream.needs_credentials and not credential:
            findings.append(
                Finding(
                    f"{where}: {url} needs credentials: set credentialArn to a Secrets Manager secret ARN",
                    rule.urn,
                    rule.name,
                )
            )
        problem = credential and (credential_problem(str(credential)) or _place_problem(rule, str(credential), default))
        if problem:
            findings.append(Finding(f"{where}: credentialArn: {problem}", rule.urn, rule.name))
        template = templates.get(prefix)
        if template is None:
            findings.append(
                Finding(
                    f"{where}: no repository creation template with prefix {prefix!r} applied for PULL_THROUGH_CACHE: "
                    "its repositories would get ECR's defaults (no KMS key, mutable tags, no lifecycle, no policy)",
                    rule.urn,
                    rule.name,
                )
            )
        else:
            for missing in _template_problems(template.props):
                findings.append(
                    Finding(f"{where}: its creation template must be one that {missing}", template.urn, template.name)
                )
        probe = f"{prefix}/library/image"
        known = [c for c, unknowns in configurations if c is not None]
        if len(known) < len(configurations):
            findings.append(cannot_evaluate(CACHE, "the registry scanning configuration", rule.urn, rule.name))
        elif not any(
            rule_.frequency in SCANNING_FREQUENCIES.get(c.scan_type, ()) and scanning.rule_matches(rule_, probe)
            for c in known
            for rule_ in c.rules
        ):
            findings.append(
                Finding(
                    f"{where}: the stack's registry scanning does not cover {prefix}/*: cached images go unscanned",
                    rule.urn,
                    rule.name,
                )
            )
    return findings
