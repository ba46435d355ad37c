"""`access:*` config: the access stack's settings, validated before any resource is registered.

Read by the stack program with `model_registry.engine_config.read_pulumi_config(AccessConfig, "access")`.
Who may pull (`Consumers`) is shared with the catalog and the replication stack: model_registry.config.
"""

from __future__ import annotations

from typing import Annotated, Any

from model_registry.config import DEFAULT_CATALOG, ConfigModel, Consumers, ServicePrincipal
from model_registry.config_errors import WhenEmpty
from model_registry.rules import GITHUB_OIDC_HOST, RequiredTagValue, StrictStr, oidc_provider_arn
from pydantic import Field, model_validator

GitHubOidcProviderArn = Annotated[StrictStr, oidc_provider_arn(GITHUB_OIDC_HOST)]


class CiSettings(ConfigModel):
    """What CI needs per environment; who pushes (each team's `ci.pushers`) is in the catalog."""

    # An existing GitHub OIDC provider's ARN in this account; None: the access stack creates one.
    oidc_provider_arn: GitHubOidcProviderArn | None = None

    @model_validator(mode="before")
    @classmethod
    def _pushers_moved_to_the_catalog(cls, data: Any) -> Any:
        for old_key in ("pushers", "models"):
            if isinstance(data, dict) and old_key in data:
                raise ValueError(
                    f"{old_key}: who may push to which models moved to each team's ci.pushers in the catalog "
                    "folder (catalog/README.md); move it there and delete it here"
                )
        return data


class Inference(ConfigModel):
    """The pull role that inference workloads assume."""

    # At least one: an empty list makes a trust policy whose Principal names nobody, a document IAM refuses
    # (the pack would name the role; this names the key). No inference role at all: `inference: null`.
    trusted_services: Annotated[
        tuple[ServicePrincipal, ...],
        WhenEmpty(
            "makes the inference role's trust policy a Principal that names no service, which IAM refuses; name "
            "the services that assume it, such as sagemaker.amazonaws.com, or set inference to null for no role"
        ),
    ] = Field(("sagemaker.amazonaws.com",), min_length=1)


class AccessConfig(ConfigModel):
    """`access:*` config."""

    # Each of its lists may be empty (model_registry.config.Consumers: an empty list adds no statement).
    consumers: Consumers = Consumers()
    ci: CiSettings = CiSettings()
    # The catalog folder (model_registry.catalog), relative to the project directory: per-model consumers
    # and each team's CI come from there.
    catalog: str = Field(DEFAULT_CATALOG, min_length=1)
    inference: Inference | None = Inference()
    # Owner and cost centre tags of the roles this stack creates.
    owner: RequiredTagValue = "security"
    cost_centre: RequiredTagValue
