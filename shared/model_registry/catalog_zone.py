"""The trusted zone a team file may grant pull to: read from the policy pack's config of one environment
(`TrustedZone`, `trusted_zone`, `pack_config_path`), and the check of a model's consumers against it
(`outside_zone`). This module's one job is that zone; the catalog's reader calls it per team file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_facts.names import ORG_PATH_AS_GIVEN, arn_partition, organizations_whole_under
from aws_facts.pack_interface import ZONE_POLICY

from .config import Consumers
from .environments import LIBRARY_REPOSITORY, PACK_CONFIG_DIR
from .errors import ConfigError
from .sources import Document, SourceError, load_json


@dataclass(frozen=True)
class TrustedZone:
    """What a team file may grant pull to: the trusted zone the policy pack enforces in one environment
    (`policy-pack/config/<env>.json`, policy `no-wildcard-principal`: `trustedAccounts`, `organizationIds`,
    `trustedOrgPaths`).

    A team's file is reviewed by that team only (CODEOWNERS); the zone is the security team's. So a team file
    grants only inside the zone: accounts, IAM principals and services' source accounts/ARNs of trusted
    accounts, and the trusted organizations or paths inside them or under a trusted path. The pack refuses the
    same grants in the policies the access stack builds (defence in depth)."""

    accounts: frozenset[str]
    organizations: frozenset[str]
    source: str  # the pack config file, as messages name it
    org_paths: frozenset[str] = frozenset()  # each as AWS gives it: every id followed by '/'
    # The registry's partition (of the stack's aws:region), when known: an ARN of another partition names no
    # identity that can reach it (IAM roles and resource-based policies delegate access across accounts within a
    # single partition; each account is scoped to one, IAM User Guide, "Identifiers": ARNs), and IAM refuses it.
    partition: str | None = None
    # The owners (GitHub organizations) whose workflows may push, lower case (`trustedFederatedOwners`); None:
    # not configured, any owner.
    federated_owners: frozenset[str] | None = None

    def pusher_problem(self, repository: str) -> str | None:
        """A team's CI pusher: a workflow of a GitHub owner outside the zone could assume the team's push role."""
        owner = repository.split("/", 1)[0]
        if self.federated_owners is None or owner.lower() in self.federated_owners:
            return None
        return (
            f"the GitHub repository {repository!r} is of the owner {owner!r}, outside the trusted zone: {self.source} "
            f"trusts the owners {_listed(self.federated_owners)} (rule {ZONE_POLICY}.trustedFederatedOwners), and a "
            "workflow there could push to this team's models; ask the security team to trust it there"
        )

    def partition_problem(self, arn: str, what: str) -> str | None:
        partition = arn_partition(arn) or ""
        if self.partition is None or partition == self.partition:
            return None
        return (
            f"{what} {arn!r} is in the partition {partition!r}, and the registry in {self.partition!r}: resource-based "
            "policies grant only within one partition (an account belongs to one); name the principal's ARN in "
            f"arn:{self.partition}:..."
        )

    def account_problem(self, account: str, what: str) -> str | None:
        if account in self.accounts:
            return None
        return (
            f"{what} {account!r} is outside the trusted zone: {self.source} trusts the accounts "
            f"{_listed(self.accounts)} (rule {ZONE_POLICY}.trustedAccounts); ask the security team to trust it there"
        )

    def organization_problem(self, organization: str, what: str) -> str | None:
        if organization in self.organizations or organization in organizations_whole_under(self.org_paths):
            return None
        return (
            f"{what} is in the organization {organization!r}, outside the trusted zone: {self.source} trusts the "
            f"organizations {_listed(self.organizations)} (rule {ZONE_POLICY}.organizationIds); ask the security "
            "team to trust it there"
        )

    def path_problem(self, org_path: str) -> str | None:
        """A team's `orgPaths` entry: inside when its organization is trusted or it lies under a trusted path.
        The access stack grants the path and everything under it (`<path>/*`), so the path itself must be under
        a trusted one: a parent or a sibling of a trusted OU is outside."""
        granted = org_path.rstrip("/") + "/"
        organization = granted.split("/")[0]
        if organization in self.organizations or any(granted.startswith(p) for p in self.org_paths):
            return None
        return (
            f"the path {org_path!r} is in the organization {organization!r}, outside the trusted zone: {self.source} "
            f"trusts the organizations {_listed(self.organizations)} (rule {ZONE_POLICY}.organizationIds) and the paths "
            f"{_listed(self.org_paths)} (rule {ZONE_POLICY}.trustedOrgPaths); ask the security team to trust it there"
        )


# The pack's config folder, relative to a repository's top, where the catalog folder is too.
PACK_CONFIG = Path(PACK_CONFIG_DIR)


def pack_config_path(catalog_folder: Path, environment: str) -> Path:
    """The pack config of `environment` that holds the trusted zone: beside the catalog folder (the repository
    the catalog belongs to: a checkout, or the copy `make diff` evaluates), else in the repository of this
    library (stacks evaluated from a copied folder, as tests and the benchmark do)."""
    beside = catalog_folder.resolve().parent / PACK_CONFIG / f"{environment}.json"
    return beside if beside.is_file() else LIBRARY_REPOSITORY / PACK_CONFIG / f"{environment}.json"


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) if values else "(none)"


def trusted_zone(path: str | Path, shown: str | None = None, partition: str | None = None) -> TrustedZone:
    """The trusted zone of a pack config file (in the registry's `partition`, when known); a ConfigError (one line
    naming the file) when it is unusable."""
    shown = shown or str(path)
    if not Path(path).is_file():
        raise ConfigError(
            f"{shown}: not found ({Path(path).resolve()}): the pack config holds the trusted zone that a team "
            "file may grant to; every environment has one (policy-pack/config/<env>.json)"
        )
    try:
        config = load_json(path)
    except SourceError as error:
        raise ConfigError(f"{shown}: {error.message}") from None
    options = config.get(ZONE_POLICY) if isinstance(config, dict) else None
    if not isinstance(options, dict):
        raise ConfigError(
            f"{shown}: has no {ZONE_POLICY!r} object, so the trusted zone a team file may grant to is unknown"
        )
    lists = {}
    for key in ("trustedAccounts", "organizationIds", "trustedOrgPaths"):
        value = options.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{shown}: {ZONE_POLICY}.{key} must be a list of strings, not {value!r}")
        lists[key] = frozenset(value)
    for index, org_path in enumerate(options.get("trustedOrgPaths", [])):
        # A trusted path is a prefix: without its closing '/' it would also trust a sibling OU with a longer id.
        if not ORG_PATH_AS_GIVEN.fullmatch(org_path):
            raise ConfigError(
                f"{shown}: {ZONE_POLICY}.trustedOrgPaths[{index}]: {org_path!r} is not an organization path as AWS "
                "gives it, such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (each id followed by '/')"
            )
    owners = options.get("trustedFederatedOwners")
    if owners is not None and (not isinstance(owners, list) or not all(isinstance(o, str) for o in owners)):
        raise ConfigError(f"{shown}: {ZONE_POLICY}.trustedFederatedOwners must be a list of strings, not {owners!r}")
    federated = frozenset(o.lower() for o in owners) if owners is not None else None
    return TrustedZone(
        lists["trustedAccounts"], lists["organizationIds"], shown, lists["trustedOrgPaths"], partition, federated
    )


def outside_zone(
    shown: str, document: Document, index: int, model: str, consumers: Consumers, zone: TrustedZone
) -> list[str]:
    """One line per consumer of a model that the trusted zone does not allow: file:line, model, field, rule."""
    checks: list[tuple[tuple[str | int, ...], str | None]] = []
    for i, account in enumerate(consumers.accounts):
        checks.append((("accounts", i), zone.account_problem(account, "the account")))
    for i, principal in enumerate(consumers.principals):
        problem = zone.partition_problem(principal, "the principal")
        checks.append(
            (("principals", i), problem or zone.account_problem(principal.split(":")[4], f"{principal!r}: its account"))
        )
    for i, service in enumerate(consumers.services):
        if service.source_account is not None:
            problem = zone.account_problem(service.source_account, "the source account")
            checks.append((("services", i, "sourceAccount"), problem))
        if service.source_arn is not None:
            account = service.source_arn.split(":")[4] if service.source_arn.count(":") >= 5 else ""
            problem = (
                (
                    zone.partition_problem(service.source_arn, "the source ARN")
                    or zone.account_problem(account, "the source ARN's account")
                )
                if account
                else f"the source ARN {service.source_arn!r} names no account, so it does not keep the service "
                "inside the trusted zone; name a resource of a trusted account"
            )
            checks.append((("services", i, "sourceArn"), problem))
    if consumers.org_id is not None:
        checks.append((("orgId",), zone.organization_problem(consumers.org_id, "the organization")))
    for i, org_path in enumerate(consumers.org_paths):
        checks.append((("orgPaths", i), zone.path_problem(org_path)))
    problems = []
    for path, problem in checks:
        if problem is None:
            continue
        field = "consumers" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        line = document.line(("models", index, "consumers", *path))
        problems.append(f"{shown}:{line}: model {model!r}: {field}: {problem}")
    return problems
