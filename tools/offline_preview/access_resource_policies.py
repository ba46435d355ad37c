"""Access rows beyond the repositories: who may write into them (the registry policy, the replica
templates' policies) or read and manage the keys that encrypt them (KMS key policies)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_facts import resource_types
from aws_facts.iam import Statement, TooComplex, UnsupportedCondition, Zone, callers_for, reach
from aws_facts.iam.actions import actions_on

from .access_rows import Found, Matrix, repository_rows, row_label, statements_of

KMS_KEYS = (resource_types.KMS_KEY, resource_types.KMS_REPLICA_KEY)
# What pull, push and admin mean for a repository's KMS key: decrypting its layers, encrypting new ones,
# and changing who may do either (or destroying the key, which loses every image).
KMS_CAPABILITIES = {
    "pull": ("kms:Decrypt",),
    "push": ("kms:Encrypt", "kms:GenerateDataKey"),
    "admin": ("kms:PutKeyPolicy", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "kms:DisableKey"),
}


def resource_policy_rows(resources: Iterable[Mapping[str, Any]]) -> Matrix:
    """Rows for the documents that reach repositories without being a repository's policy, keyed by what
    they govern: `(registry policy) <name>` (who may replicate into, or create, any repository its Resource
    names), `(replica template) <prefix>` (the policy ECR gives each replica), `(KMS key) <name>` (who may
    decrypt, encrypt and administer the key that encrypts the images). ECR documents are read as a
    repository policy with the ARN unknown; key policies with KMS's actions (KMS_CAPABILITIES)."""
    rows: Matrix = {}
    memo: dict[tuple, tuple[Found | str, Statement | None]] = {}
    for r in resources:
        inputs, name = r.get("inputs") or {}, str(r.get("name") or r.get("urn", "").rpartition("::")[2])
        if r.get("type") == resource_types.ECR_REGISTRY_POLICY:
            found = repository_rows(statements_of(inputs.get("policy")), [], None, {}, memo)
            rows[f"(registry policy) {name}"] = _relabel(found, "registry policy")
        elif r.get("type") == resource_types.ECR_REPOSITORY_CREATION_TEMPLATE and inputs.get("repositoryPolicy"):
            label = f"(replica template) {inputs.get('prefix') or name}/ ({name})"
            found = repository_rows(statements_of(inputs.get("repositoryPolicy")), [], None, {}, memo)
            rows[label] = _relabel(found, "replica template policy")
        elif r.get("type") in KMS_KEYS and inputs.get("policy"):
            rows[f"(KMS key) {name}"] = _key_rows(statements_of(inputs.get("policy")))
    return rows


def _relabel(rows: dict[str, dict[str, list[str]]], source: str) -> dict[str, dict[str, list[str]]]:
    """repository_rows names its document `repository policy`; these rows come from another."""
    return {
        label: {c: [w.replace("repository policy", source) for w in why] for c, why in caps.items()}
        for label, caps in rows.items()
    }


def _key_rows(statements: list[Statement]) -> dict[str, dict[str, list[str]]]:
    """A key policy's Allows per principal, as KMS capabilities, less what its Denies take from every caller."""
    candidates = frozenset(a for actions in KMS_CAPABILITIES.values() for a in actions) | actions_on("kms", "key")
    denies = [s for s in statements if s.is_deny]
    rows: dict[str, dict[str, list[str]]] = {}
    for statement in (s for s in statements if s.is_allow and s.principals is not None):
        read = [statement, *denies]
        why = f"key policy {statement.sid or f'#{statement.index}'}"
        try:
            reached = reach(read, callers_for(read, Zone(), insiders=True), candidates)
        except (UnsupportedCondition, TooComplex) as error:
            reached, why = [], f"{why} (not evaluated: {error})"
        granted: dict[str, set[str]] = {}
        for found in reached:
            if found.statement is statement:
                granted.setdefault(row_label(statement, found.principal), set()).update(found.actions)
        for label, actions in granted.items():
            row = rows.setdefault(label, {})
            for capability, needed in KMS_CAPABILITIES.items():
                got = actions & set(needed)
                if got == set(needed):
                    row.setdefault(capability, []).append(why)
                elif got:
                    row.setdefault(capability, []).append(f"{why} (only {', '.join(sorted(got))})")
            other = sorted(actions - {a for needed in KMS_CAPABILITIES.values() for a in needed})
            if other:
                shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
                row.setdefault("other", []).append(f"{why} ({shown})")
    return rows
