"""Exemptions: one resource, one policy, a written reason (cdk-nag's suppression model).

Pack config (format of `pulumi preview --policy-pack-config`):
    "policy-exemptions": {"enforcementLevel": "mandatory",
                          "exemptions": [{"policy": "ecr-tags-immutable", "resource": "legacyRepo",
                                          "reason": "tags are moved by the legacy CI until ticket 42"}]}
`resource` is the resource's logical name or its full URN. CrossGuard gives a policy only its own
config, so the exemption list lives in the config of the `policy-exemptions` policy; the server runs
policies in list order, that policy comes first and publishes the list here for the others.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

MIN_REASON_CHARS = 10


@dataclass(frozen=True)
class Exemption:
    policy: str
    resource: str
    reason: str

    def matches(self, policy: str, urn: str | None, name: str | None) -> bool:
        return self.policy == policy and self.resource in {urn, name} - {None, ""}


@dataclass(frozen=True)
class InvalidExemption:
    index: int
    resource: str | None  # None when the entry names no resource
    problem: str


def parse_exemptions(
    config: Any, policy_names: set[str], not_exemptable: frozenset[str] = frozenset()
) -> tuple[list[Exemption], list[InvalidExemption]]:
    """Valid exemptions and the invalid ones (no reason, short reason, unknown policy, a policy that cannot
    be exempted, wrong shape)."""
    entries = config.get("exemptions") if isinstance(config, dict) else None
    if entries is None:
        return [], []
    if not isinstance(entries, list):
        return [], [InvalidExemption(-1, None, "exemptions must be a list of {policy, resource, reason}")]
    valid: list[Exemption] = []
    invalid: list[InvalidExemption] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            invalid.append(InvalidExemption(index, None, "is not an object {policy, resource, reason}"))
            continue
        policy, resource, reason = entry.get("policy"), entry.get("resource"), entry.get("reason")
        named = resource if isinstance(resource, str) and resource else None
        if named is None:
            invalid.append(InvalidExemption(index, None, "names no resource (logical name or URN)"))
        elif not isinstance(policy, str) or policy not in policy_names:
            invalid.append(InvalidExemption(index, named, f"names the unknown policy {policy!r}"))
        elif policy in not_exemptable:
            invalid.append(
                InvalidExemption(
                    index,
                    named,
                    f"exempts {named} from {policy}, which cannot be exempted: AWS refuses what it reports "
                    "whatever the pack says; change the resource instead",
                )
            )
        elif not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_CHARS:
            invalid.append(
                InvalidExemption(
                    index,
                    named,
                    f"exempts {named} from {policy} without a reason of at least "
                    f"{MIN_REASON_CHARS} characters (got {reason!r}); an exemption must say why",
                )
            )
        else:
            valid.append(Exemption(policy, named, reason.strip()))
    return valid, invalid


def find_exemption(exemptions: list[Exemption], policy: str, urn: str | None, name: str | None) -> Exemption | None:
    return next((e for e in exemptions if e.matches(policy, urn, name)), None)


class ExemptionBook:
    """The exemptions currently configured, shared between the policies of one pack process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exemptions: list[Exemption] = []

    def publish(self, exemptions: list[Exemption]) -> None:
        with self._lock:
            self._exemptions = list(exemptions)

    def current(self) -> list[Exemption]:
        with self._lock:
            return list(self._exemptions)
