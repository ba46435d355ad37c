"""A policy document as grants: (effect, principal, action, resource, condition) tuples, so that the diff says
"arn:...:role/ci gains ecr:PutImage" instead of showing a JSON diff. Read by aws_facts.iam, the parser the pack
and the access matrix use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from aws_facts.iam import Statement, parse


@dataclass(frozen=True)
class Grant:
    """One principal x action pair a policy statement allows or denies, with its scope."""

    effect: str
    principal: str
    action: str
    resource: str = "*"
    condition: str = ""

    def text(self) -> str:
        scope = "" if self.resource in ("*", "") else f" on {self.resource}"
        condition = f" if {self.condition}" if self.condition else ""
        verb = "may" if self.effect == "Allow" else "is denied"
        return f"{self.principal} {verb} {self.action}{scope}{condition}"


IDENTITY = "(the identity the policy is attached to)"  # the principal of an identity-based policy


def grants(document) -> set[Grant]:
    """Every (effect, principal, action, resource, condition) a policy document states.

    Read by aws_facts.iam, the parser the pack and the access matrix use: element names in any case,
    NotPrincipal/NotAction/NotResource, condition values as IAM reads them (10 and "10" are one value).
    A malformed document states nothing here (the pack refuses it)."""
    found = set()
    for statement in parse(document).statements:
        effect = statement.effect or "Allow"
        principals = _principals(statement)
        prefix = "NOT " if statement.not_action else ""
        actions = [f"{prefix}{a}" for a in statement.actions]
        resources = ["*"] if statement.resources is None else list(statement.resources)
        if statement.not_resource:
            resources = [f"NOT {r}" for r in resources]
        condition = _condition_text(statement)
        for principal in principals:
            for action in actions:
                for resource in resources:
                    found.add(Grant(effect, principal, action, resource, condition))
    return found


def _condition_text(statement: Statement) -> str:
    if not statement.conditions:
        return ""
    merged: dict[str, dict[str, list[str]]] = {}
    for condition in statement.conditions:
        merged.setdefault(condition.operator, {})[condition.key] = sorted(condition.values)
    return json.dumps(merged, sort_keys=True)


def _principals(statement: Statement) -> list[str]:
    if statement.principals is None:
        return [IDENTITY]
    labels = [p.value if p.kind in ("AWS", "*") else f"{p.kind}:{p.value}" for p in statement.principals]
    if statement.not_principal:
        return [f"everyone but {label}" for label in labels]
    return labels


def is_policy(value) -> bool:
    """A value that is a policy document (an object with a Statement, in any case)."""
    return isinstance(value, dict) and any(str(key).lower() == "statement" for key in value)


def input_leaves(value, path: str = "") -> Iterator[tuple[str, object]]:
    """Leaves of an input tree as (path, value); policy documents are one leaf each."""
    if isinstance(value, dict) and value and not is_policy(value):
        for key, item in value.items():
            yield from input_leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value and not all(isinstance(v, str | int | float | bool) for v in value):
        for index, item in enumerate(value):
            yield from input_leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def policy_grants(inputs: dict) -> set[Grant]:
    """Every grant of every policy document in a resource's inputs."""
    return {g for _, value in input_leaves(inputs) if is_policy(value) for g in grants(value)}


def grant_order(grant: Grant):
    """The order grants are listed in: by principal, then action."""
    return (grant.principal, grant.action, grant.effect, grant.resource, grant.condition)
