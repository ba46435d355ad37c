"""account-wide-replication and account-wide-registry-policy: what an account-wide ECR resource changes for the
repositories the stacks do not own.

A replication configuration and a registry policy are the account's, one per region, and the provider puts them
whole (aws_facts.singletons: PutReplicationConfiguration, PutRegistryPolicy). So each always drops whatever the
account held that the resource does not, and the pack cannot see the account: it says so, names what the resource
reaches outside the namespaces (the policy's `namespaces` option, e.g. ["models"]), and blocks until an exemption
with a reason acknowledges it (the reason says how the account's other rules or statements are kept, e.g. held in
the stack's config as replication:keptRules / replication:keptRegistryStatements). The rule is the leaf's; this
module only reports it. The scanning configuration's check is registry_policies.validation's account-wide-scanning.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from aws_facts import resource_types
from aws_facts.singletons import (
    REGISTRY_POLICY_REPLACES,
    REGISTRY_POLICY_URL,
    REPLICATION_REPLACES,
    REPLICATION_URL,
    owned_text,
    registry_policy_outside,
    replication_outside,
)

from .findings import Finding, cannot_evaluate
from .names import ACCOUNT_WIDE_REGISTRY_POLICY as ACCOUNT_WIDE_REGISTRY_POLICY
from .names import ACCOUNT_WIDE_REPLICATION as ACCOUNT_WIDE_REPLICATION
from .values import is_unknown

NAMESPACES_OPTION = "namespaces"


def _namespaces(config: dict[str, Any]) -> list[str]:
    value = config.get(NAMESPACES_OPTION)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"the pack config option {NAMESPACES_OPTION} must be a list of strings, not {value!r}")
    return value


def _findings(
    config: dict[str, Any],
    field: str,
    replaces: str,
    outside: Callable[[list[str]], list[str]],
    things: str,
    policy: str,
    url: str,
) -> list[Finding]:
    """The one finding of an account-wide resource: what it replaces (`replaces`, with {owned}) and what it holds
    outside the namespaces the config names (`outside(namespaces)`)."""
    namespaces = _namespaces(config)
    owned = owned_text(namespaces)
    reaches = outside(namespaces)
    beyond = "; ".join(reaches) if reaches else "nothing"
    return [
        Finding(
            f"{field}: {replaces.format(owned=owned)}. What it holds outside {owned}: {beyond}. Hold the account's "
            f"other {things} in it, as they are today, then acknowledge it with an exemption of {policy} and a reason "
            f"({url})"
        )
    ]


def replication_findings(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    if resource_type != resource_types.ECR_REPLICATION_CONFIGURATION:
        return []
    configuration = props.get("replicationConfiguration")
    rules = configuration.get("rules") if isinstance(configuration, dict) else None
    if is_unknown(configuration) or is_unknown(rules) or any(is_unknown(r) for r in rules or []):
        return [cannot_evaluate(ACCOUNT_WIDE_REPLICATION, "the replication rules")]
    return _findings(
        config,
        "replicationConfiguration.rules",
        REPLICATION_REPLACES,
        partial(replication_outside, rules),
        "rules",
        ACCOUNT_WIDE_REPLICATION,
        REPLICATION_URL,
    )


def registry_policy_findings(resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[Finding]:
    if resource_type != resource_types.ECR_REGISTRY_POLICY:
        return []
    policy = props.get("policy")
    if is_unknown(policy):
        return [cannot_evaluate(ACCOUNT_WIDE_REGISTRY_POLICY, "the registry policy")]
    return _findings(
        config,
        "policy",
        REGISTRY_POLICY_REPLACES,
        partial(registry_policy_outside, policy),
        "statements",
        ACCOUNT_WIDE_REGISTRY_POLICY,
        REGISTRY_POLICY_URL,
    )
