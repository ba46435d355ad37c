"""What replicas of the catalog's repositories look like: one creation template's settings for all models.

ECR gives a replica its settings from the repository creation template whose prefix matches the
replica's name, and a template's prefix always has a `/` appended ("a prefix of prod applies to all
repositories beginning with prod/"). A model's repository is `<namespace>/<model>`, so the only template
that can match it is the namespace's (or ROOT): per-model templates (prefix `<namespace>/<model>`) would
match only repositories BELOW the model, never the model itself. Replicas therefore share one template,
and its settings are chosen so that no replica loses what its source keeps, nor refuses what its source
accepts:

- lifecycle: the most retentive of the catalog (the longest untagged expiry and the largest pre-release
  keep count over the default and every model's override; releases archived by use only when every
  model archives them, after the longest wait, and deleted from the archive only when every model's
  are, after the longest wait); release images are never expired from standard storage anywhere;
- tag mutability: IMMUTABLE, with the union of every model's mutable-tag filters as exclusions, so
  that replicating a moved `latest` does not fail on an immutable replica (at most 5: ECR's limit; the replication stack refuses more, naming the models).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from .catalog import CatalogModel
from .config import MAX_TAG_EXCLUSION_FILTERS, Lifecycle, LifecycleOverride, Scanning
from .errors import ConfigError
from .policy_documents.ecr import lifecycle_policy_json


class RegistrySettings(Protocol):
    """What replicas take from `registry:*` (the registry stack's model, registry_stack.config.RegistryConfig,
    which this library may not import)."""

    @property
    def lifecycle(self) -> Lifecycle: ...

    @property
    def scanning(self) -> Scanning: ...

    def model_lifecycle(self, override: LifecycleOverride | None) -> LifecycleOverride | None: ...


def replica_lifecycle(config: RegistrySettings, models: Sequence[CatalogModel]) -> LifecycleOverride:
    """The most retentive lifecycle override of the catalog (applied to registry:lifecycle)."""
    lifecycles = [config.model_lifecycle(m.lifecycle) for m in models]
    overrides = [o for o in lifecycles if o is not None]
    untagged = [o.untagged_expiry_days for o in overrides if o.untagged_expiry_days is not None]
    keep = [o.prerelease_keep_count for o in overrides if o.prerelease_keep_count is not None]
    return LifecycleOverride(
        untagged_expiry_days=max([config.lifecycle.untagged_expiry_days, *untagged]),
        prerelease_keep_count=max([config.lifecycle.prerelease_keep_count, *keep]),
        archive_after_days_unpulled=_latest_or_never(lifecycles, "archive_after_days_unpulled"),
        delete_archived_after_days=_latest_or_never(lifecycles, "delete_archived_after_days"),
    )


def _latest_or_never(overrides: Sequence[LifecycleOverride | None], field: str) -> int | None:
    """The most retentive of a days-until-it-happens setting: never (None) when any model never does it
    (or there are no models), else the largest number of days."""
    values = [getattr(o, field) if o is not None else None for o in overrides]
    if not values or any(v is None for v in values):
        return None
    return max(v for v in values if v is not None)


def replica_mutable_tags(models: Sequence[CatalogModel]) -> dict[str, list[str]]:
    """Every model's mutable-tag filters, each once in first-seen order, with the models that use it."""
    seen: dict[str, list[str]] = {}
    for model in models:
        for tag in model.mutable_tags:
            seen.setdefault(tag, []).append(model.name)
    return seen


def template_exclusions(mutable_tags: dict[str, list[str]]) -> list[str]:
    """The replica template's exclusion filters; over ECR's 5, a ConfigError naming each filter's models."""
    if len(mutable_tags) > MAX_TAG_EXCLUSION_FILTERS:
        listed = "; ".join(f"{tag!r} ({', '.join(models)})" for tag, models in mutable_tags.items())
        raise ConfigError(
            f"replicaSettings: {len(mutable_tags)} distinct mutableTags filters over the catalog ({listed}); "
            f"replicas share one creation template, which takes at most {MAX_TAG_EXCLUSION_FILTERS} exclusion "
            "filters (ECR's limit): use the same mutable tags across models"
        )
    return list(mutable_tags)


def replica_settings(config: RegistrySettings, models: Sequence[CatalogModel]) -> dict[str, Any]:
    """The registry's `replicaSettings` export (model_registry.contract.RegistryOutput.REPLICA_SETTINGS).

    The lifecycle policy travels as JSON text: a stack output's numbers come back as floats, which ECR
    refuses.
    """
    mutable = replica_mutable_tags(models)
    return {
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION" if mutable else "IMMUTABLE",
        # {filter: [models]}: the replication stack refuses more than ECR's 5 (template_exclusions).
        "mutableTags": mutable,
        "lifecyclePolicy": lifecycle_policy_json(config.lifecycle, replica_lifecycle(config, models)),
        "scanning": {"type": config.scanning.type.value, "frequency": config.scanning.frequency.value},
    }
