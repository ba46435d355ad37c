"""Who makes a request (a Caller) and whether a statement's Principal/NotPrincipal names it.

Principal forms (IAM JSON policy elements: Principal): "*" and {"AWS": "*"} name everyone, including
anonymous callers; an account id or `arn:aws:iam::<account>:root` names every principal of that account;
a role/user ARN names that principal (and its sessions); {"Service": ...} a service principal;
{"Federated": ...} the users of an identity provider; {"CanonicalUser": ...} an S3 canonical user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..names import arn_partition_known, is_account_id
from .document import Condition, PrincipalValue, Statement
from .wildcard import has_glob, matches, split_arn

# The services whose ARNs name an AWS principal: IAM (root, roles, users) and STS (assumed-role sessions).
PRINCIPAL_ARN_SERVICES = ("iam", "sts")


@dataclass(frozen=True)
class Caller:
    """The identity behind a request. kind: aws, service, federated, canonical or anonymous."""

    kind: str
    account: str | None = None
    arn: str | None = None  # aws: the principal's ARN (role, user or root)
    name: str | None = None  # service: its principal name; federated: the provider as written; canonical: id
    description: str = ""
    context: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    def describe(self) -> str:
        return self.description or self.arn or self.name or self.kind


def account_of(value: str) -> str | None:
    """The account an AWS principal value or an ARN names: a 12-digit id, or an ARN's account field."""
    if is_account_id(value):
        return value
    parts = split_arn(value)
    return parts[4] if parts is not None and parts[4] else None


def is_aws_principal(value: str) -> bool:
    """Whether IAM accepts `value` as an {"AWS": ...} principal: "*", a 12-digit account id, or an IAM or STS
    ARN of a partition AWS has (botocore's partitions), no region, and a 12-digit account (IAM JSON policy
    elements: Principal)."""
    if value == "*" or is_account_id(value):
        return True
    parts = split_arn(value)
    return (
        parts is not None
        and arn_partition_known(value)
        and parts[2] in PRINCIPAL_ARN_SERVICES
        and parts[3] == ""
        and is_account_id(parts[4])
        and parts[5] != ""
        and parts[5].isprintable()
    )


def unplaceable_aws_principals(statement: Statement) -> list[str]:
    """The {"AWS": ...} values of an Allow's Principal that name no identity the analysis can place: not "*", a
    12-digit account id, an IAM/STS ARN (`is_aws_principal`), nor a pattern. AWS refuses most of them (a
    padded id, an ARN in capitals, a `${...}` left in); those it takes (an IAM unique id such as AROA..., which
    IAM keeps for a deleted role and some services accept) name an identity of an account the document does
    not show. Either way the statement cannot be judged as naming nobody."""
    if statement.principals is None or statement.not_principal or not statement.is_allow:
        return []
    return [
        p.value
        for p in statement.principals
        if p.kind == "AWS" and not is_aws_principal(p.value) and not has_glob(p.value)
    ]


def _role_of_session(arn: str) -> str | None:
    # arn:aws:sts::<account>:assumed-role/<role>/<session> is a session of arn:aws:iam::<account>:role/<role>
    parts = split_arn(arn)
    if parts is None or parts[2] != "sts" or not parts[5].startswith("assumed-role/"):
        return None
    role = parts[5].split("/")[1]
    return f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"


def value_names(principal: PrincipalValue, caller: Caller) -> bool:
    """Whether one principal value names the caller."""
    kind, value = principal.kind, principal.value
    if kind == "*" or (kind == "AWS" and value == "*"):
        return True
    if kind == "AWS":
        if caller.kind != "aws":
            return False
        account = value if is_account_id(value) or (has_glob(value) and ":" not in value) else None
        parts = split_arn(value)
        if parts is not None and parts[2] == "iam" and parts[5] == "root":
            account = parts[4]
        if account is not None:
            return caller.account is not None and matches(account, caller.account)
        if caller.arn is None:
            return False
        arns = [caller.arn] + [a for a in [_role_of_session(caller.arn)] if a]
        return any(matches(value, arn) for arn in arns)
    if kind == "Service":
        return caller.kind == "service" and caller.name is not None and matches(value, caller.name, ignore_case=True)
    if kind == "Federated":
        return caller.kind == "federated" and caller.name is not None and matches(value, caller.name)
    if kind == "CanonicalUser":
        return caller.kind == "canonical" and caller.name is not None and matches(value, caller.name)
    return False


def statement_names(statement: Statement, caller: Caller | None) -> tuple[bool, PrincipalValue | None]:
    """(does the statement apply to the caller?, the principal value that named it).

    A statement without Principal/NotPrincipal (an identity policy) applies to the identity it is attached
    to; `caller=None` asks about that identity. NotPrincipal applies to everyone it does not list.
    """
    if statement.principals is None or caller is None:
        return True, None
    named = next((p for p in statement.principals if value_names(p, caller)), None)
    if statement.not_principal:
        return named is None, None
    return named is not None, named


def unique_ids_named(conditions: Iterable[Condition]) -> set[str]:
    """The principals' unique ids that aws:userid conditions name (`<unique id>[:<session>]`): only fixed values
    name one, as in S3's definition of a public policy ("a fixed value of aws:userid outside the pattern
    AROLEID:*"): `AROAEXAMPLEID:model-server` names the role AROAEXAMPLEID, `AROAEXAMPLEID:*` names none."""
    return {v.split(":", 1)[0] for c in conditions for v in c.values if not has_glob(v)}
