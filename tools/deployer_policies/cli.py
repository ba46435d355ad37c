"""The command: `python -m deployer_policies --out build/deployer-policies` writes `<stack>.json` (the permission
policy) and `<stack>.trust.json` (the deployer role's trust policy) per stack, and `boundary.json`.
`--env ENV` pins the account, region, namespace and replica regions to what stacks/*/Pulumi.<ENV>.yaml deploy
to. Bad input is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn

from model_registry import naming
from model_registry.config import load
from model_registry.contract import DEPLOY_ORDER, REGISTRY, REPLICATION
from model_registry.engine_config import aws_problems
from model_registry.errors import ConfigError
from model_registry.replication_config import ReplicationConfig
from model_registry.rules import is_repository_name
from model_registry.sources import SourceError, load_yaml, write_atomically

from .boundary import boundary_policy
from .policies import MAX_MANAGED_POLICY_CHARS, deployer_policy, policy_size, trust_policy
from .scope import Target, deployer_role_name


class UsageError(Exception):
    """Bad input: the message is the one line the CLI prints."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line instead of argparse's usage block
        raise UsageError(message)


def _parse_target(args: argparse.Namespace) -> Target:
    if args.account != "*" and not naming.ACCOUNT_ID.fullmatch(args.account):
        raise UsageError(f"--account: {args.account!r} is not a 12-digit AWS account id")
    if not naming.is_repository_name(args.namespace):
        raise UsageError(f"--namespace: {args.namespace!r} breaks ECR's repository-name rule")
    replicas = tuple(r.strip() for r in args.replica_regions.split(",") if r.strip())
    for option, region in [("--region", args.region), *(("--replica-regions", r) for r in replicas)]:
        if region != "*" and not naming.REGION.fullmatch(region):
            raise UsageError(f"{option}: {region!r} is not an AWS region such as us-east-1")
    if args.region in replicas:
        raise UsageError(f"--replica-regions: {args.region!r} is the registry's own region")
    return Target(args.account, args.namespace, args.region, replicas)


def target_of_environment(stacks_dir: Path, env: str) -> Target:
    """The Target that stacks/*/Pulumi.<env>.yaml deploy to: account, region, namespace, replica regions."""

    def stack_config(project: str) -> tuple[str, dict]:
        path = stacks_dir / project / f"Pulumi.{env}.yaml"
        try:
            data = load_yaml(path).data or {}
        except OSError:
            raise UsageError(f"--env {env}: {path} does not exist") from None
        except SourceError as error:
            raise UsageError(str(error)) from None
        config = data.get("config") if isinstance(data, dict) else None
        if not isinstance(config, dict):
            raise UsageError(f"{path}: `config:` must map keys to values")
        problems = aws_problems({k[len("aws:") :]: v for k, v in config.items() if k.startswith("aws:")})
        if problems:
            raise UsageError("; ".join(f"{path}: aws:{key}: {rule}" for key, rule in problems))
        return str(path), config

    (registry_file, registry), (_, replication) = stack_config(REGISTRY), stack_config(REPLICATION)
    account = (registry.get("aws:allowedAccountIds") or [naming.LOCAL_ACCOUNT_ID])[0]
    prefix = f"{REPLICATION}:"
    rules = load(
        ReplicationConfig, {k[len(prefix) :]: v for k, v in replication.items() if k.startswith(prefix)}, REPLICATION
    ).rules
    replicas = sorted({d.region for r in rules for d in r.destinations if d.registry_id in (None, account)})
    namespace = registry.get("registry:namespace", "models")
    if not isinstance(namespace, str) or not is_repository_name(namespace):
        raise UsageError(f"{registry_file}: registry:namespace: {namespace!r} breaks ECR's repository-name rule")
    cache_prefix = registry.get("registry:upstreamCachePrefix", "cache")
    if not isinstance(cache_prefix, str) or not is_repository_name(cache_prefix):
        raise UsageError(
            f"{registry_file}: registry:upstreamCachePrefix: {cache_prefix!r} breaks ECR's repository-name rule"
        )
    return Target(account, namespace, registry.get("aws:region", "*"), tuple(replicas), cache_prefix)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m deployer_policies", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to write the policies to")
    parser.add_argument("--account", default="*", help="12-digit account id (default: any)")
    parser.add_argument("--namespace", default="models", help="the registry namespace (default: models)")
    parser.add_argument("--region", default="*", help="the registry's region (default: any)")
    parser.add_argument("--replica-regions", default="", help="comma-separated replication regions of this account")
    parser.add_argument("--env", help="pin all of the above to what stacks/*/Pulumi.<env>.yaml deploy to")
    parser.add_argument("--stacks-dir", type=Path, default=Path("stacks"), help="with --env (default: stacks)")
    parser.add_argument(
        "--team-role",
        action="append",
        default=[],
        metavar="STACK=ARN",
        help="the owning team's role that may assume STACK's deployer (default: model-registry-<team>-team)",
    )
    try:
        args = parser.parse_args(argv)
        target = target_of_environment(args.stacks_dir, args.env) if args.env else _parse_target(args)
        team_roles = _parse_team_roles(args.team_role)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"error: --out: cannot create {out}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        return _write_policies(out, target, team_roles)
    except OSError as error:  # /proc, a full or read-only disk: the file and errno's meaning, nothing half-written
        print(f"error: --out: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2


def _write_policies(out: Path, target, team_roles: dict[str, str]) -> int:
    unpinned = [name for name, value in (("account", target.account_id), ("region", target.region)) if value == "*"]
    note = f" ({' and '.join(unpinned)} not pinned)" if unpinned else ""
    for stack in DEPLOY_ORDER:
        policy = deployer_policy(stack, target)
        size = policy_size(policy)
        if size > MAX_MANAGED_POLICY_CHARS:
            print(f"error: {stack}: {size} characters, over IAM's {MAX_MANAGED_POLICY_CHARS}", file=sys.stderr)
            return 1
        path = out / f"{stack}.json"
        write_atomically(path, json.dumps(policy, indent=2) + "\n")
        trust = trust_policy(stack, target.account_id, team_roles.get(stack))
        write_atomically(out / f"{stack}.trust.json", json.dumps(trust, indent=2) + "\n")
        actions = {a for s in policy["Statement"] for a in s["Action"]}
        print(
            f"{path}: role {deployer_role_name(stack)}, {len(policy['Statement'])} statements, "
            f"{len(actions)} actions, {size}/{MAX_MANAGED_POLICY_CHARS} characters{note}"
        )
    boundary = out / "boundary.json"
    write_atomically(boundary, json.dumps(boundary_policy(target), indent=2) + "\n")
    print(f"{boundary}: managed policy {naming.ROLE_BOUNDARY_POLICY}, the permissions boundary of the stacks' roles")
    return 0


def _parse_team_roles(values: list[str]) -> dict[str, str]:
    """--team-role STACK=ARN: a role ARN (not the root: any principal of the account could then assume)."""
    roles = {}
    for value in values:
        stack, _, arn = value.partition("=")
        if stack not in DEPLOY_ORDER:
            raise UsageError(f"--team-role {value!r}: the stack must be one of {', '.join(DEPLOY_ORDER)}")
        if not naming.IAM_PRINCIPAL_ARN.fullmatch(arn) or arn.endswith(":root"):
            raise UsageError(f"--team-role {value!r}: {arn!r} is not a role or user ARN (the account root is refused)")
        roles[stack] = arn
    return roles
