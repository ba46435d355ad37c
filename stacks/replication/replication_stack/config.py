"""The replication stack's checks of `replication:*` that need what only the stack program knows.

The model itself, `ReplicationConfig`, is in model_registry.replication_config: tools/deployer_policies reads the same
config, and a tool may not import a stack's package (the import layers in pyproject.toml). These checks run
once the program knows the registry's namespace and where the source registry is.
"""

from __future__ import annotations

from aws_facts import singletons
from model_registry import rules
from model_registry.config_errors import Locate
from model_registry.errors import ConfigError
from model_registry.replication_config import ReplicationConfig


def check_replication_prefixes(config: ReplicationConfig, namespace: str, locate: Locate | None = None) -> None:
    """Every PREFIX_MATCH filter of the stack's rules must lie inside the registry namespace, or it replicates
    other teams' repositories (or none of ours); every filter of a kept rule must lie outside it."""
    for r, replication_rule in enumerate(config.rules):
        for p, prefix in enumerate(replication_rule.prefixes):
            if not rules.prefix_in_namespace(prefix, namespace):
                where = locate(("rules", r, "prefixes", p)) if locate else None
                raise ConfigError(
                    f"{where + ': ' if where else ''}replication:rules[{r}].prefixes[{p}]: {prefix!r} is outside "
                    f"the registry namespace {namespace!r} (a PREFIX_MATCH filter covers every repository whose "
                    f"name begins with it): use '{namespace}/' or '{namespace}/<more>'"
                )
    for r, kept in enumerate(config.kept_rules):
        for f, repository_filter in enumerate(kept.repository_filters):
            if singletons.inside(repository_filter.filter, (namespace,)):
                where = locate(("keptRules", r, "repositoryFilters", f, "filter")) if locate else None
                raise ConfigError(
                    f"{where + ': ' if where else ''}replication:keptRules[{r}].repositoryFilters[{f}].filter: "
                    f"{repository_filter.filter!r} is inside the registry namespace {namespace!r}; a kept rule holds "
                    "the replication of repositories this stack does not own: replicate the namespace with "
                    "replication:rules instead"
                )


def check_replication_against_source(
    config: ReplicationConfig, source_region: str, source_account: str, locate: Locate | None = None
) -> None:
    """Destinations that ECR would refuse given where the registry is: replicating to itself."""
    for r, replication_rule in enumerate(config.rules):
        for d, dest in enumerate(replication_rule.destinations):
            if dest.region == source_region and dest.registry_id in (None, source_account):
                where = locate(("rules", r, "destinations", d)) if locate else None
                raise ConfigError(
                    f"{where + ': ' if where else ''}replication:rules[{r}].destinations[{d}]: region {dest.region!r} "
                    f"of account {source_account} is the source registry itself; name another region or account"
                )
