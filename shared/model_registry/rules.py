"""AWS's and GitHub's rules for config values, as reusable pydantic types and plain checks.

Each rule refuses, at config time, a value AWS would refuse later (or one that would silently change
meaning), with the rule in the message. Stack config and the catalog both build on these types:

- `Region`: a region botocore's own partition data lists (not a lookalike such as `us-east1`);
- `AccountId`, `PrincipalArn`, `OidcProviderArn`: strict strings (a YAML number is refused, not coerced);
- `TagValue` / `tag_key`: IAM's and ECR's tag rule (letters, digits, spaces and `_ . : / = + - @`);
- `GitHubRef`: a `sub` pattern that does not match every branch, tag or environment;
- `ReplicationPrefix`, `prefix_in_namespace`: ECR's repository-filter rule, inside the registry namespace;
- `pattern_matches_prefix`: whether a wildcard tag pattern can match a tag that starts with a prefix
  (a mutable-tag pattern must never reach a release tag).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from aws_facts import names, singletons, tags
from pydantic import AfterValidator, Strict

from . import naming
from .sources import closest

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"

# --- strict scalars: no bool for a number, no number for a string ------------------------------

StrictStr = Annotated[str, Strict()]
StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]


def refusing(problem_of: Callable[[str], str | None]) -> AfterValidator:
    """A pydantic validator from one of the `*_problem` rules below: its message, or the value unchanged."""

    def check(value: str) -> str:
        problem = problem_of(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def rule(check, message: str):
    """An AfterValidator that refuses a value for which `check(value)` is false, with `message`."""

    def validate(value):
        if not check(value):
            raise ValueError(message.format(value=value))
        return value

    return AfterValidator(validate)


# --- partitions and regions (botocore's data) ---------------------------------------------------


# botocore's partition data, read once in the leaf package.
partitions = names.partitions
regions = names.regions
partition_of = names.partition_of


def region_problem(value: object) -> str | None:
    """Why `value` is not an AWS region, or None."""
    if not isinstance(value, str):
        return f"must be a region name in quotes, not {value!r}"
    if value in regions():
        return None
    guess = closest(value, regions())
    hint = f"; did you mean {guess!r}?" if guess else ""
    return f"{value!r} is not an AWS region (botocore's partition data lists e.g. us-east-1, eu-west-1){hint}"


Region = Annotated[StrictStr, refusing(region_problem)]

# --- account ids and ARNs -------------------------------------------------------------------------

AccountId = Annotated[
    StrictStr, rule(naming.ACCOUNT_ID.fullmatch, "{value!r} is not a 12-digit AWS account id (quote it in YAML)")
]


_arn_partition = names.arn_partition_known


def _principal_arn(value: str) -> str:
    principal = naming.IAM_PRINCIPAL_ARN.fullmatch(value) or names.SESSION_PRINCIPAL_ARN.fullmatch(value)
    if not principal or not _arn_partition(value):
        raise ValueError(
            f"{value!r} is not an IAM principal ARN: arn:<partition>:iam::<12-digit account>:root, :role/<name> "
            "or :user/<name>, or a session: arn:<partition>:sts::<account>:assumed-role/<role>/<session> or "
            ":federated-user/<name>"
        )
    return value


PrincipalArn = Annotated[StrictStr, AfterValidator(_principal_arn)]

OIDC_PROVIDER_ARN = re.compile(
    rf"arn:[a-z-]+:iam::({names.ACCOUNT_ID.pattern}):oidc-provider/([A-Za-z0-9.-]+(?:/[\w.-]+)*)"
)


def oidc_provider_arn(host: str):
    """A validator for the ARN of an existing OIDC provider for `host` (e.g. GitHub's)."""

    def check(value: str) -> str:
        match = OIDC_PROVIDER_ARN.fullmatch(value)
        if not match or not _arn_partition(value):
            raise ValueError(
                f"{value!r} is not an OIDC provider ARN: arn:<partition>:iam::<12-digit account>:oidc-provider/{host}"
            )
        if match[2] != host:
            raise ValueError(f"{value!r} is the provider of {match[2]!r}, not of {host!r}")
        return value

    return AfterValidator(check)


def _source_arn(value: str) -> str:
    if not naming.ANY_ARN.fullmatch(value) or not _arn_partition(value):
        raise ValueError(f"{value!r} is not an ARN with a 12-digit account id (arn:<partition>:<service>:...)")
    region = value.split(":")[3]
    if region and region not in regions():
        raise ValueError(f"{value!r}: {region_problem(region)}")
    return value


SourceArn = Annotated[StrictStr, AfterValidator(_source_arn)]

# --- tags (IAM's and ECR's rule) ------------------------------------------------------------------

# The rule itself (IAM's tagKeyType/tagValueType, from botocore) lives in the leaf package.
MAX_TAG_KEY, MAX_TAG_VALUE = tags.MAX_TAG_KEY, tags.MAX_TAG_VALUE
tag_value_problem = tags.tag_value_problem
tag_key_problem = tags.tag_key_problem

TagValue = Annotated[StrictStr, refusing(tag_value_problem)]


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    return value


# A tag value that must say something (team, owner, cost centre).
RequiredTagValue = Annotated[StrictStr, refusing(tag_value_problem), AfterValidator(_nonblank)]

# --- ECR repository names and replication filters -------------------------------------------------

MAX_REPOSITORY_NAME = names.MAX_REPOSITORY_NAME
is_repository_name = names.is_repository_name


def _replication_prefix(value: str) -> str:
    if not names.is_replication_prefix(value):
        raise ValueError(
            f"{value!r} is not a replication prefix: 2-256 characters of a-z, 0-9, '.', '_', '-' and '/', "
            "no wildcard (ECR's PREFIX_MATCH filter rule)"
        )
    return value


ReplicationPrefix = Annotated[StrictStr, AfterValidator(_replication_prefix)]


def prefix_in_namespace(prefix: str, namespace: str) -> bool:
    """A PREFIX_MATCH filter replicates only repositories of the namespace: it begins `<ns>/` (the leaf's rule:
    `<ns>` alone also begins `<ns>-archive/x`)."""
    return singletons.inside(prefix, (namespace,))


def max_model_name(namespace: str) -> int:
    """ECR counts the whole `<namespace>/<model>` against its 256 characters."""
    return MAX_REPOSITORY_NAME - len(namespace) - 1


# --- wildcard tag patterns vs prefixes ------------------------------------------------------------


def pattern_matches_prefix(pattern: str, prefix: str) -> bool:
    """True when some tag starting with `prefix` matches `pattern` (`*` = any run of characters).

    Runs the pattern as an automaton over the prefix: if any state survives, the rest of the pattern
    can always be completed, so some tag `prefix + ...` matches.
    """
    states = _closure({0}, pattern)
    for char in prefix:
        stepped = {i + 1 for i in states if i < len(pattern) and pattern[i] == char}
        stayed = {i for i in states if i < len(pattern) and pattern[i] == "*"}  # `*` takes the character
        states = _closure(stepped | stayed, pattern)
        if not states:
            return False
    return True


def _closure(states: set[int], pattern: str) -> set[int]:
    """States reachable by letting `*` match nothing."""
    result, todo = set(states), list(states)
    while todo:
        i = todo.pop()
        if i < len(pattern) and pattern[i] == "*" and i + 1 not in result:
            result.add(i + 1)
            todo.append(i + 1)
    return result


# --- GitHub OIDC `sub` patterns ---------------------------------------------------------------------

_REF_KINDS = ("refs/heads/", "refs/tags/", "environment:")
_WILDCARDS = set("*?")
# git check-ref-format: no control characters, space, ~ ^ : ? [ \ (we allow * and ? as IAM wildcards).
_BAD_REF_CHARACTERS = re.compile(r"[\x00-\x20\x7f~^:\[\\]")


def github_ref_problem(ref: str) -> str | None:
    """Why a pusher's ref is not a narrow `sub` pattern, or None.

    The trust policy matches `repo:<owner>/<name>:ref:<ref>` with StringLike, where `*` matches any
    characters and `?` any one: a name that starts with a wildcard or has no literal character
    (`refs/heads/*`, `refs/heads/?*`, `environment:*`) matches every branch, tag or environment.
    """
    kind = next((k for k in _REF_KINDS if ref.startswith(k)), None)
    if kind is None:
        return (
            f"{ref!r} must name a branch (refs/heads/<name>), a tag (refs/tags/<pattern>) "
            "or an environment (environment:<name>)"
        )
    name = ref[len(kind) :]
    what = {"refs/heads/": "branch", "refs/tags/": "tag", "environment:": "environment"}[kind]
    if not name or not (set(name) - _WILDCARDS - {"/"}):
        return (
            f"{ref!r} matches any {what}: name one, or start a pattern with literal characters (e.g. {kind}release-*)"
        )
    if name[0] in _WILDCARDS:
        return (
            f"{ref!r} starts with a wildcard, so a {what} of any name can match it: start the pattern with "
            f"literal characters (e.g. {kind}release-*)"
        )
    if kind != "environment:" and (_BAD_REF_CHARACTERS.search(name) or ".." in name or name.endswith((".", "/"))):
        return f"{ref!r} is not a git ref name (no spaces, '..', '~', '^', ':', '[', '\\' or trailing '.' or '/')"
    if kind == "environment:" and (len(name) > 255 or any(c in name for c in "'\"`,;\\:")):
        return f"{ref!r} is not a GitHub environment name (at most 255 characters, no quotes, ',', ';', ':' or '\\')"
    return None


GitHubRef = Annotated[StrictStr, refusing(github_ref_problem)]
