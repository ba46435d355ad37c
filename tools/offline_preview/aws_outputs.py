"""Deterministic stand-ins for what AWS computes: ids, ARNs, URLs and the answers of invokes.

Every value is derived from the account, the region, the resource's URN and its inputs, the way AWS
forms it, so that two runs of the same program give the same bytes and a later stack sees the ARN
that the earlier stack will really export. Nothing is random.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

from aws_facts import resource_types
from aws_facts.kms import key_arn, replica_key_arn
from model_registry.naming import LOCAL_ACCOUNT_ID

from .policy_document import PolicyDocumentError, get_policy_document

DEFAULT_REGION = "us-east-1"
PARTITION = "aws"
# The namespace for placeholder ids (KMS key ids): uuid5 of the URN in it is stable across runs.
_ID_NAMESPACE = uuid.UUID("6f1c1f4e-0b4c-4d2c-9a37-2f8d5f0e0a11")


class InvokeError(Exception):
    """An invoke the offline preview cannot answer as the provider would; the message is one line."""


class UnknownInvokeError(InvokeError):
    """An invoke (data source) this offline preview has no deterministic answer for."""


@dataclass(frozen=True)
class AwsEnvironment:
    """The account and region the mocks pretend to run in."""

    account: str = LOCAL_ACCOUNT_ID
    region: str = DEFAULT_REGION
    account_certain: bool = False  # exactly one account in aws:allowedAccountIds
    sts_emulated: bool = False  # aws:endpoints sends STS to the local emulator (moto answers as LOCAL_ACCOUNT_ID)

    @classmethod
    def from_config(cls, config: dict[str, str]) -> AwsEnvironment:
        """Account = first of `aws:allowedAccountIds`, region = `aws:region`, else the defaults."""
        account = LOCAL_ACCOUNT_ID
        certain = False
        allowed = config.get("aws:allowedAccountIds")
        if allowed:
            try:
                ids = json.loads(allowed)
            except json.JSONDecodeError:
                ids = [allowed]
            if isinstance(ids, list) and ids:
                account = str(ids[0])
                certain = len(ids) == 1
        emulated = _sts_endpoint_is_local(config.get("aws:endpoints"))
        if emulated and not allowed:
            account = LOCAL_ACCOUNT_ID
        return cls(
            account=account,
            region=config.get("aws:region") or DEFAULT_REGION,
            account_certain=certain,
            sts_emulated=emulated,
        )


def _sts_endpoint_is_local(endpoints: str | None) -> bool:
    """True when `aws:endpoints` (a list of {service: url}) points STS at 127.0.0.1 or localhost."""
    try:
        entries = json.loads(endpoints) if endpoints else []
    except json.JSONDecodeError:
        return False
    urls = [e.get("sts") for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    return any(isinstance(u, str) and urlparse(u).hostname in ("127.0.0.1", "localhost") for u in urls)


def auto_name(logical_name: str, urn: str) -> str:
    """Pulumi auto-names as `<name>-<7 random hex>`; here the suffix is a hash of the URN."""
    return f"{logical_name}-{hashlib.sha256(urn.encode()).hexdigest()[:7]}".lower()


def placeholder_id(urn: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, urn))


def resource_outputs(type_token: str, logical_name: str, urn: str, inputs: dict, env: AwsEnvironment):
    """Return `(id, outputs)` for a resource: its inputs plus what AWS would compute."""
    derive = _DERIVED.get(type_token)
    region = inputs.get("region")
    if isinstance(region, str) and region:
        # pulumi-aws 7 lets any resource name its own region; its ARNs and URLs are in that region.
        env = AwsEnvironment(account=env.account, region=region)
    if derive is None:
        # Generic fallback: the id is the name, the outputs echo the inputs.
        return str(inputs.get("name") or logical_name), dict(inputs)
    resource_id, computed = derive(logical_name, urn, inputs, env)
    return resource_id, {**inputs, **computed}


# Computed outputs a first preview knows all the same: the name autonaming gives in Check and the path Check
# defaults; every other computed output (ids, ARNs, URLs, registry ids) is unknown until the provider creates it.
KNOWN_AT_PREVIEW = frozenset({"name", "path"})


def preview_outputs(type_token: str, logical_name: str, urn: str, inputs: dict, env: AwsEnvironment, unknown):
    """`(id, outputs)` of a resource a preview creates (it is not in the deployed state): the provider's
    preview Create answers with the checked inputs, and `unknown` for what AWS computes and for the id."""
    _, outputs = resource_outputs(type_token, logical_name, urn, inputs, env)
    return "", {key: value if key in inputs or key in KNOWN_AT_PREVIEW else unknown for key, value in outputs.items()}


def _named(inputs: dict, logical_name: str, urn: str) -> str:
    name = inputs.get("name")
    if isinstance(name, str) and name:
        return name
    prefix = inputs.get("namePrefix")
    if isinstance(prefix, str) and prefix:
        return prefix + hashlib.sha256(urn.encode()).hexdigest()[:26]
    return auto_name(logical_name, urn)


def _ecr_repository(logical_name, urn, inputs, env):
    name = _named(inputs, logical_name, urn)
    return name, {
        "name": name,
        "arn": f"arn:{PARTITION}:ecr:{env.region}:{env.account}:repository/{name}",
        "repositoryUrl": f"{env.account}.dkr.ecr.{env.region}.amazonaws.com/{name}",
        "registryId": env.account,
    }


def _ecr_per_repository(logical_name, urn, inputs, env):
    return str(inputs.get("repository") or logical_name), {"registryId": env.account}


def _ecr_registry_wide(logical_name, urn, inputs, env):
    return env.account, {"registryId": env.account}


def _ecr_creation_template(logical_name, urn, inputs, env):
    return str(inputs.get("prefix") or logical_name), {"registryId": env.account}


def _kms_key(logical_name, urn, inputs, env):
    key_id = placeholder_id(urn)
    if inputs.get("multiRegion") is True:
        key_id = "mrk-" + key_id.replace("-", "")  # multi-Region keys share an id of this form
    return key_id, {"keyId": key_id, "arn": f"arn:{PARTITION}:kms:{env.region}:{env.account}:key/{key_id}"}


def _kms_replica_key(logical_name, urn, inputs, env):
    primary = inputs.get("primaryKeyArn")
    try:
        arn = replica_key_arn(primary, env.region) if isinstance(primary, str) else None
    except ValueError:
        arn = None  # the provider's Create would fail on it; the preview keeps a placeholder id
    if arn is None:
        key_id = placeholder_id(urn)
        arn = key_arn(PARTITION, env.region, env.account, key_id)
    return arn.rsplit("/", 1)[-1], {"keyId": arn.rsplit("/", 1)[-1], "arn": arn}


def _kms_alias(logical_name, urn, inputs, env):
    name = inputs.get("name") or f"alias/{auto_name(logical_name, urn)}"
    outputs = {"name": name, "arn": f"arn:{PARTITION}:kms:{env.region}:{env.account}:{name}"}
    target = inputs.get("targetKeyId")
    if isinstance(target, str):
        outputs["targetKeyArn"] = (
            target if target.startswith("arn:") else f"arn:{PARTITION}:kms:{env.region}:{env.account}:key/{target}"
        )
    return name, outputs


def _iam_path(inputs: dict) -> str:
    path = inputs.get("path")
    return path if isinstance(path, str) and path else "/"


def _iam_role(logical_name, urn, inputs, env):
    name = _named(inputs, logical_name, urn)
    path = _iam_path(inputs)
    return name, {
        "name": name,
        "path": path,
        "arn": f"arn:{PARTITION}:iam::{env.account}:role{path}{name}",
        "uniqueId": "AROA" + hashlib.sha256(urn.encode()).hexdigest()[:17].upper(),
    }


def _iam_user(logical_name, urn, inputs, env):
    name = _named(inputs, logical_name, urn)
    path = _iam_path(inputs)
    return name, {"name": name, "path": path, "arn": f"arn:{PARTITION}:iam::{env.account}:user{path}{name}"}


def _iam_policy(logical_name, urn, inputs, env):
    name = _named(inputs, logical_name, urn)
    path = _iam_path(inputs)
    arn = f"arn:{PARTITION}:iam::{env.account}:policy{path}{name}"
    return arn, {
        "name": name,
        "path": path,
        "arn": arn,
        "policyId": "ANPA" + hashlib.sha256(urn.encode()).hexdigest()[:17].upper(),
    }


def _iam_oidc_provider(logical_name, urn, inputs, env):
    url = str(inputs.get("url") or logical_name).removeprefix("https://")
    arn = f"arn:{PARTITION}:iam::{env.account}:oidc-provider/{url}"
    return arn, {"arn": arn}


def _iam_role_policy(logical_name, urn, inputs, env):
    name = _named(inputs, logical_name, urn)
    return f"{inputs.get('role')}:{name}", {"name": name}


def _iam_role_policy_attachment(logical_name, urn, inputs, env):
    return f"{inputs.get('role')}-{auto_name(logical_name, urn)}", {}


_DERIVED = {
    resource_types.ECR_REPOSITORY: _ecr_repository,
    resource_types.ECR_REPOSITORY_POLICY: _ecr_per_repository,
    resource_types.ECR_LIFECYCLE_POLICY: _ecr_per_repository,
    resource_types.ECR_REPLICATION_CONFIGURATION: _ecr_registry_wide,
    resource_types.ECR_REGISTRY_POLICY: _ecr_registry_wide,
    resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION: _ecr_registry_wide,
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: _ecr_creation_template,
    resource_types.KMS_KEY: _kms_key,
    resource_types.KMS_REPLICA_KEY: _kms_replica_key,
    resource_types.KMS_ALIAS: _kms_alias,
    resource_types.IAM_ROLE: _iam_role,
    resource_types.IAM_USER: _iam_user,
    resource_types.IAM_POLICY: _iam_policy,
    resource_types.IAM_OPENID_CONNECT_PROVIDER: _iam_oidc_provider,
    resource_types.IAM_ROLE_POLICY: _iam_role_policy,
    resource_types.IAM_ROLE_POLICY_ATTACHMENT: _iam_role_policy_attachment,
}


def invoke_result(token: str, args: dict, env: AwsEnvironment) -> dict:
    """Answer an invoke as the provider would, or raise InvokeError (one line, naming the invoke).

    Answered: `getPolicyDocument` (the provider's merge and rendering, policy_document.py),
    `getPartition` and `getRegion` (AWS's partition data, as the provider's endpoints package), and
    `getCallerIdentity` where the account is certain. Anything else stops the preview.
    """
    if token == resource_types.IAM_GET_POLICY_DOCUMENT:
        try:
            return get_policy_document(args)
        except PolicyDocumentError as exc:
            raise InvokeError(f"invoke {token!r} refused by the provider's rules: {exc}") from None
    if token == resource_types.GET_CALLER_IDENTITY:
        return _caller_identity(token, env)
    if token == resource_types.GET_REGION:
        return _region(token, args, env)
    if token == resource_types.GET_PARTITION:
        partition = _partition_of(env.region)
        if partition is None:
            raise InvokeError(f"invoke {token!r}: region {env.region!r} is in no AWS partition the provider knows")
        return {
            "partition": partition["partition"],
            "dnsSuffix": partition["dnsSuffix"],
            "reverseDnsPrefix": ".".join(reversed(partition["dnsSuffix"].split("."))),
            "id": partition["partition"],
        }
    raise UnknownInvokeError(
        f"the offline preview has no deterministic answer for invoke {token!r}; "
        "pass the value in through config or compute it in the program"
    )


def _caller_identity(token: str, env: AwsEnvironment) -> dict:
    """The caller as STS names it, where that is certain: moto's fixed identity for the local emulator (sts
    endpoint on 127.0.0.1), else the one account `aws:allowedAccountIds` permits (the provider refuses any
    other); the caller's own ARN is not knowable offline there, so it is a placeholder in that account."""
    partition = (_partition_of(env.region) or {"partition": PARTITION})["partition"]
    if env.sts_emulated:
        if env.account != LOCAL_ACCOUNT_ID:
            raise InvokeError(
                f"invoke {token!r}: the local emulator answers as account {LOCAL_ACCOUNT_ID}, which "
                f"`aws:allowedAccountIds` does not allow (it names {env.account}); the provider would refuse"
            )
        # moto/sts/models.py get_caller_identity without moto-issued credentials.
        return {
            "accountId": env.account,
            "arn": f"arn:{partition}:sts::{env.account}:user/moto",
            "userId": "AKIAIOSFODNN7EXAMPLE",
            "id": env.account,
        }
    if not env.account_certain:
        raise InvokeError(
            f"invoke {token!r}: the account is not known offline (it is the one of whatever credentials run "
            "`pulumi up`); set `aws:allowedAccountIds` to the one account this stack deploys to"
        )
    return {
        "accountId": env.account,
        "arn": f"arn:{partition}:iam::{env.account}:user/offline-preview",
        "userId": "AIDAOFFLINEPREVIEW",
        "id": env.account,
    }


def _region(token: str, args: dict, env: AwsEnvironment) -> dict:
    """data source aws_region: the region named (`region`, or the deprecated `name`), else the provider's;
    its description and EC2 endpoint from AWS's endpoint data. Looking a region up by `endpoint` stops."""
    if args.get("endpoint"):
        raise InvokeError(f"invoke {token!r}: looking a region up by `endpoint` is not answered offline")
    name = args.get("region") or args.get("name") or env.region
    partition = _partition_of(name)
    region = (partition or {}).get("regions", {}).get(name)
    if partition is None or region is None:
        raise InvokeError(f"invoke {token!r}: region not found for name {name!r}")
    ec2 = partition.get("services", {}).get("ec2", {}).get("endpoints", {}).get(name, {})
    endpoint = ec2.get("hostname") or f"ec2.{name}.{partition['dnsSuffix']}"
    return {
        **args,
        "name": name,
        "region": name,
        "id": name,
        "description": region["description"],
        "endpoint": endpoint,
    }


@functools.lru_cache(maxsize=1)
def _partitions() -> list[dict]:
    """AWS's partition and region data (botocore's endpoints.json: the data the provider's SDK carries)."""
    from botocore.loaders import Loader

    return Loader().load_data("endpoints")["partitions"]


def _partition_of(region: str) -> dict | None:
    for partition in _partitions():
        if region in partition.get("regions", {}):
            return partition
    for partition in _partitions():
        if re.fullmatch(partition["regionRegex"], region):
            return partition
    return None
