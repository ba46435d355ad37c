"""Who can pull, push, administer or otherwise act on each repository, from the manifests' documents.

Sources: each repository's `aws:ecr/repositoryPolicy` (resource policy) and every IAM role's identity
policies (`aws:iam/rolePolicy`, `inlinePolicies` on the role, and the manifest's managed policies it has).
Who gets what is decided by access_rows (the library's own request search over the documents). The
repository's ARN and tags are known here and fixed in every request (`aws:ResourceTag/<key>`,
`ecr:ResourceTag/<key>`); the pack, judging a repository policy alone, knows neither and tries them like
any requester key.

Output: {repository name: {principal: {capability: [why, ...]}}} with capabilities pull, push, admin and
other (any other action); access_rows says how a row and its reasons read, access_format prints it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from aws_facts import resource_types
from aws_facts.iam import Statement, resource_tag_context
from aws_facts.iam.evaluate import resource_applies

from .access_rows import Found, Matrix, repository_rows, statements_of
from .manifest import UNKNOWN_PLACEHOLDER


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def _deployed_arn(entry: Mapping[str, Any], providers: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The resource's ARN once deployed. A first preview does not know it (the provider computes it): then the
    one AWS forms from the name, the provider's region and account (aws_outputs, as the preview's mocks do)."""
    arn = entry.get("outputs", {}).get("arn")
    if arn != UNKNOWN_PLACEHOLDER:
        return arn or None
    from .aws_outputs import AwsEnvironment, resource_outputs

    provider = providers.get(str(entry.get("provider") or "").rsplit("::", 1)[0])
    config = {
        f"aws:{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in ((provider or {}).get("inputs") or {}).items()
    }
    _, outputs = resource_outputs(
        entry["type"], entry["name"], entry["urn"], entry["inputs"], AwsEnvironment.from_config(config)
    )
    return outputs.get("arn")


def access_matrix(resources: Iterable[Mapping[str, Any]]) -> Matrix:
    resources = list(resources)
    providers = {r["urn"]: r for r in resources if r["type"].startswith("pulumi:providers:")}
    repositories: dict[str, tuple[str | None, dict[str, str]]] = {}
    for r in resources:
        if r["type"] != resource_types.ECR_REPOSITORY:
            continue
        name = r["inputs"].get("name") or r.get("outputs", {}).get("name")
        tags = {**(r["inputs"].get("tags") or {}), **(r.get("outputs", {}).get("tagsAll") or {})}
        if name:
            repositories[name] = (_deployed_arn(r, providers), {str(k): str(v) for k, v in tags.items()})
    repository_policies: dict[str, list[Statement]] = {}
    for r in resources:
        if r["type"] == resource_types.ECR_REPOSITORY_POLICY and r["inputs"].get("repository") in repositories:
            repository_policies.setdefault(r["inputs"]["repository"], []).extend(
                statements_of(r["inputs"].get("policy"))
            )
    # Pull-through cache repositories do not exist before their first pull: one row `<prefix>/*` per
    # creation template applied for PULL_THROUGH_CACHE, with the policy the template gives them.
    for r in resources:
        if r["type"] == resource_types.ECR_REPOSITORY_CREATION_TEMPLATE and "PULL_THROUGH_CACHE" in (
            r["inputs"].get("appliedFors") or []
        ):
            name = f"{r['inputs'].get('prefix')}/*"
            tags = {str(k): str(v) for k, v in (r["inputs"].get("resourceTags") or {}).items()}
            repositories[name] = (None, tags)
            repository_policies[name] = statements_of(r["inputs"].get("repositoryPolicy"))
    identity = _identity_documents(resources)
    every = [s for statements in repository_policies.values() for s in statements]
    every += [s for _, statements in identity for s in statements]
    tested = {c.lower_key for s in every for c in s.conditions}
    variables = any("${" in v for s in every for c in s.conditions for v in c.values)
    # A thousand repositories share a few shapes: the rows depend only on the policy, which statements apply
    # to the ARN, and the tags the conditions read.
    shapes: dict[tuple, dict[str, dict[str, list[str]]]] = {}
    memo: dict[tuple, tuple[Found | str, Statement | None]] = {}
    matrix: Matrix = {}
    for name, (arn, tags) in repositories.items():
        policy = repository_policies.get(name, [])
        # The tags are known: a tag the conditions test that the repository does not have is absent.
        read = {k: v for k, v in resource_tag_context(tags, tested).items() if variables or k in tested}
        applies = tuple(resource_applies(s, arn) for s in policy) + tuple(
            resource_applies(s, arn) for _, statements in identity for s in statements
        )
        shape = (tuple(id(s) for s in policy), arn is None, applies, tuple(sorted(read.items())))
        if shape not in shapes:
            shapes[shape] = repository_rows(policy, identity, arn, read, memo)
        matrix[name] = {p: {c: list(r) for c, r in caps.items()} for p, caps in shapes[shape].items()}
    return matrix


def _identity_documents(resources: list[Mapping[str, Any]]) -> list[tuple[str | None, list[Statement]]]:
    """Per role: the statements of every identity policy it has (inline, `RolePolicy`, and managed
    policies of the manifest attached by `managedPolicyArns` or `RolePolicyAttachment`), read together so
    that a Deny in one removes what another allows."""
    providers = {r["urn"]: r for r in resources if r["type"].startswith("pulumi:providers:")}
    roles = {
        r["inputs"].get("name") or r.get("name"): _deployed_arn(r, providers)
        for r in resources
        if r["type"] == resource_types.IAM_ROLE
    }
    managed = {
        _deployed_arn(r, providers): r["inputs"].get("policy")
        for r in resources
        if r["type"] == resource_types.IAM_POLICY
    }
    found: dict[str | None, list[Statement]] = {}
    for r in resources:
        if r["type"] == resource_types.IAM_ROLE_POLICY:
            role = r["inputs"].get("role")
            found.setdefault(roles.get(role, role), []).extend(statements_of(r["inputs"].get("policy")))
        elif r["type"] == resource_types.IAM_ROLE_POLICY_ATTACHMENT and r["inputs"].get("policyArn") in managed:
            role = r["inputs"].get("role")
            found.setdefault(roles.get(role, role), []).extend(statements_of(managed[r["inputs"]["policyArn"]]))
        elif r["type"] == resource_types.IAM_ROLE:
            arn = _deployed_arn(r, providers)
            for policy in _list(r["inputs"].get("inlinePolicies")):
                if isinstance(policy, dict):
                    found.setdefault(arn, []).extend(statements_of(policy.get("policy")))
            for policy_arn in _list(r["inputs"].get("managedPolicyArns")):
                if policy_arn in managed:
                    found.setdefault(arn, []).extend(statements_of(managed[policy_arn]))
    return list(found.items())


__all__ = ["access_matrix"]
