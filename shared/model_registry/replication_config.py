"""The replication stack's config, `replication:*`, which tools/deployer_policies reads too.

Beside the stack's own rules and registry policy grant: what the account holds for repositories the stacks do not
own, kept as given (`keptRules`, `keptRegistryStatements`). ECR keeps one replication configuration and one registry
policy per account and region, and a put replaces all of it (aws_facts.singletons); docs/config.md shows the keys.
Strict validation, the base model and the shared value types are model_registry.config's.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from aws_facts import models
from aws_facts.ecr_account_settings import BasicScanTypeVersion, RegistryPolicyScope
from aws_facts.grammars.policy import policy_problems
from aws_facts.quotas import QUOTA_TABLE
from pydantic import AfterValidator, Field, model_validator

from .config import ConfigModel, Consumers
from .config_errors import WhenEmpty
from .policy_documents import VERSION
from .rules import AccountId, Region, ReplicationPrefix, StrictBool

# ECR service limits (see docs/config.md's "Limits" table): the leaf package's quota table.
MAX_REPLICATION_RULES = QUOTA_TABLE["ecr-replication-rules"].limit
MAX_REPLICATION_DESTINATIONS = QUOTA_TABLE["ecr-replication-destinations"].limit
MAX_FILTERS_PER_RULE = QUOTA_TABLE["ecr-replication-filters"].limit


# --- replication: the replication stack's config, which tools/deployer_policies reads too --------------


class Destination(ConfigModel):
    """A replication destination: a region of this account, or another account's registry."""

    region: Region
    registry_id: AccountId | None = None  # None: this account


class ReplicationRule(ConfigModel):
    # At least one. ECR's model allows an empty list (ReplicationDestinationList, min 0), but pulumi-aws's
    # replicationConfiguration rule requires its destinations (the provider's `destination` block is Required),
    # and a rule that replicates nowhere says nothing. No replication at all: `rules: []`.
    destinations: Annotated[
        tuple[Destination, ...],
        WhenEmpty(
            "makes a replication rule with no destination, which pulumi-aws refuses (a rule's destinations are "
            "required); name a destination region (and registryId for another account), or remove the rule"
        ),
    ] = Field(min_length=1, max_length=MAX_REPLICATION_DESTINATIONS)
    # Extra PREFIX_MATCH filters inside the namespace (e.g. "models/llm"). Empty is meaningful: the rule's one
    # filter is then the namespace itself, so ECR never receives an empty RepositoryFilterList (its model's min
    # is 1: models.length("ecr", "RepositoryFilterList")).
    prefixes: tuple[ReplicationPrefix, ...] = Field((), max_length=MAX_FILTERS_PER_RULE)


# What the account holds for repositories the stacks do not own, kept as given beside the stack's own rules and
# statements. Copy them from `aws ecr describe-registry` / `aws ecr get-registry-policy`.
RepositoryFilterType = StrEnum(  # type: ignore[misc]
    "RepositoryFilterType", {value: value for value in models.enum("ecr", "RepositoryFilterType")}
)


class KeptFilter(ConfigModel):
    filter: ReplicationPrefix
    filter_type: RepositoryFilterType = RepositoryFilterType("PREFIX_MATCH")  # type: ignore[call-arg]


class KeptReplicationRule(ConfigModel):
    """A replication rule of the account for repositories outside the namespace, put back as given."""

    destinations: Annotated[
        tuple[Destination, ...],
        WhenEmpty("keeps a replication rule with no destination; copy the rule's destinations, or remove it"),
    ] = Field(min_length=1, max_length=MAX_REPLICATION_DESTINATIONS)
    # Empty: the rule has no filter and replicates every repository of the account (ECR's RepositoryFilter).
    repository_filters: tuple[KeptFilter, ...] = Field((), max_length=MAX_FILTERS_PER_RULE)


# The Sid of the registry policy's own statement (model_registry.policy_documents.ecr.registry_replication_policy).
OWN_REGISTRY_SID = "ReplicateFromSourceAccounts"


def _kept_statement(value: dict[str, Any]) -> dict[str, Any]:
    """A registry policy statement as IAM's grammar for a registry policy takes it, with a Sid of its own."""
    sid = value.get("Sid")
    if not isinstance(sid, str) or not sid:
        raise ValueError("a kept statement needs a Sid (its name in the registry policy), e.g. PullThroughCache")
    if sid == OWN_REGISTRY_SID:
        raise ValueError(f"Sid {sid!r} is the stack's own statement; name the kept one differently")
    problems = policy_problems({"Version": VERSION, "Statement": [value]}, "registry")
    if problems:
        raise ValueError(
            "; ".join(
                f"{p.where.removeprefix('.Statement[0]').lstrip('.') or 'the statement'} {p.rule}"
                + (f" (got {p.value})" if p.value not in (None, "None") else "")
                for p in problems
            )
            + " (IAM's policy grammar for a registry policy)"
        )
    return value


KeptStatement = Annotated[dict[str, Any], AfterValidator(_kept_statement)]


class AccountSettings(ConfigModel):
    """The ECR account settings the replication stack pins (aws.ecr.AccountSetting), see docs/features.md."""

    # V2: a registry policy's every ECR action applies; V1 honours only replication and pull-through actions.
    registry_policy_scope: RegistryPolicyScope = RegistryPolicyScope.V2
    basic_scan_type_version: BasicScanTypeVersion = BasicScanTypeVersion.AWS_NATIVE
    # Only ENV=local turns the pinning off: the emulator (moto 5.2.5) has no PutAccountSetting (it answers 500).
    pinned: StrictBool = True


class ReplicationConfig(ConfigModel):
    """`replication:*` config."""

    # Empty is meaningful: no replication configuration at all.
    rules: tuple[ReplicationRule, ...] = Field((), max_length=MAX_REPLICATION_RULES)
    # Accounts that replicate INTO this registry (the registry policy); empty: no registry policy (never one
    # whose Principal names nobody).
    source_accounts: tuple[AccountId, ...] = ()
    # Who may pull from replicas (the creation template's repository policy); all lists empty: no policy.
    replica_consumers: Consumers | None = None
    # Creation templates (with their KMS replica keys and role) in each same-account destination region.
    # Only ENV=local turns them off: the emulator implements neither their API nor ReplicateKey by ARN.
    replica_templates: StrictBool = True
    # The registry-wide account settings this stack owns (one value per account and region, like the
    # registry policy it gives meaning to).
    account_settings: AccountSettings = AccountSettings()
    # The account's rules and statements for repositories the stacks do not own, kept as given (see above).
    kept_rules: tuple[KeptReplicationRule, ...] = Field((), max_length=MAX_REPLICATION_RULES)
    kept_registry_statements: tuple[KeptStatement, ...] = ()

    def unique_destinations(self) -> set[tuple[str, str | None]]:
        ours = {(d.region, d.registry_id) for rule in self.rules for d in rule.destinations}
        return ours | {(d.region, d.registry_id) for rule in self.kept_rules for d in rule.destinations}

    @model_validator(mode="after")
    def _kept_beside_the_stacks_own(self) -> ReplicationConfig:
        if self.kept_rules and not self.rules:
            raise ValueError(
                "keptRules: set without rules; the stack then writes no replication configuration, so it neither "
                "keeps nor drops the account's: remove keptRules"
            )
        if len(self.rules) + len(self.kept_rules) > MAX_REPLICATION_RULES:
            raise ValueError(
                f"keptRules: {len(self.kept_rules)} kept beside the {len(self.rules)} of rules make "
                f"{len(self.rules) + len(self.kept_rules)} rules in one replication configuration; ECR allows at most "
                f"{MAX_REPLICATION_RULES}"
            )
        if self.kept_registry_statements and not self.source_accounts:
            raise ValueError(
                "keptRegistryStatements: set without sourceAccounts; the stack then writes no registry policy, so it "
                "neither keeps nor removes the account's: remove keptRegistryStatements"
            )
        sids = [s["Sid"] for s in self.kept_registry_statements]
        repeated = sorted({sid for sid in sids if sids.count(sid) > 1})
        if repeated:
            raise ValueError(
                f"keptRegistryStatements: Sid {repeated[0]!r} is given twice; each Sid names one statement"
            )
        return self

    @model_validator(mode="after")
    def _within_ecr_limits(self) -> ReplicationConfig:
        count = len(self.unique_destinations())
        if count > MAX_REPLICATION_DESTINATIONS:
            raise ValueError(
                f"rules: {count} unique destinations; ECR allows at most {MAX_REPLICATION_DESTINATIONS} over all rules"
            )
        return self
