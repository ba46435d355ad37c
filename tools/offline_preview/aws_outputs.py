"""Deterministic stand-ins for what AWS computes: ids, ARNs, URLs and the answers of invokes.

Every value is derived from the account, the region, the resource's URN and its inputs, the way AWS
forms it, so that two runs of the same program give the same bytes and a later stack sees the ARN
that the earlier stack will really export. Nothing is random.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from model_registry.naming import LOCAL_ACCOUNT_ID

DEFAULT_REGION = "us-east-1"
PARTITION = "aws"
# The namespace for placeholder ids (KMS key ids): uuid5 of the URN in it is stable across runs.
_ID_NAMESPACE = uuid.UUID("6f1c1f4e-0b4c-4d2c-9a37-2f8d5f0e0a11")


class UnknownInvokeError(Exception):
    """An invoke (data source) this offline preview has no deterministic answer for."""


@dataclass(frozen=True)
class AwsEnvironment:
    """The account and region the mocks pretend to run in."""

    account: str = LOCAL_ACCOUNT_ID
    region: str = DEFAULT_REGION

    @classmethod
    def from_config(cls, config: dict[str, str]) -> AwsEnvironment:
        """Account = first of `aws:allowedAccountIds`, region = `aws:region`, else the defaults."""
        account = LOCAL_ACCOUNT_ID
        allowed = config.get("aws:allowedAccountIds")
        if allowed:
            try:
                ids = json.loads(allowed)
            except json.JSONDecodeError:
                ids = [allowed]
            if isinstance(ids, list) and ids:
                account = str(ids[0])
        return cls(account=account, region=config.get("aws:region") or DEFAULT_REGION)


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
    # A replica has its primary's key id, in its own region.
    key_id = primary.rsplit("/", 1)[-1] if isinstance(primary, str) and "/" in primary else placeholder_id(urn)
    return key_id, {"keyId": key_id, "arn": f"arn:{PARTITION}:kms:{env.region}:{env.account}:key/{key_id}"}


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
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:ecr/repositoryPolicy:RepositoryPolicy": _ecr_per_repository,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _ecr_per_repository,
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": _ecr_registry_wide,
    "aws:ecr/registryPolicy:RegistryPolicy": _ecr_registry_wide,
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": _ecr_registry_wide,
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": _ecr_creation_template,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/replicaKey:ReplicaKey": _kms_replica_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/user:User": _iam_user,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _iam_oidc_provider,
    "aws:iam/rolePolicy:RolePolicy": _iam_role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _iam_role_policy_attachment,
}


def invoke_result(token: str, args: dict, env: AwsEnvironment) -> dict:
    """Answer an invoke deterministically, or raise UnknownInvokeError naming the function."""
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {
            "accountId": env.account,
            "arn": f"arn:{PARTITION}:iam::{env.account}:user/offline-preview",
            "userId": "AIDAOFFLINEPREVIEW",
            "id": env.account,
        }
    if token == "aws:index/getRegion:getRegion":
        region = args.get("region") or args.get("name") or env.region
        return {
            "name": region,
            "region": region,
            "id": region,
            "description": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
        }
    if token == "aws:index/getPartition:getPartition":
        return {
            "partition": PARTITION,
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
            "id": PARTITION,
        }
    if token == "aws:iam/getPolicyDocument:getPolicyDocument":
        document = policy_document(args)
        text = json.dumps(document, indent=2)
        return {
            "json": text,
            "minifiedJson": json.dumps(document, separators=(",", ":")),
            "id": hashlib.sha256(text.encode()).hexdigest()[:10],
            **args,
        }
    raise UnknownInvokeError(
        f"the offline preview has no deterministic answer for invoke {token!r}; "
        "pass the value in through config or compute it in the program"
    )


def policy_document(args: dict) -> dict:
    """Build the JSON policy that `aws.iam.get_policy_document` renders from its arguments."""
    statements = []
    for st in args.get("statements") or []:
        out: dict = {}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        out["Effect"] = st.get("effect") or "Allow"
        for key, field in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if st.get(key):
                out[field] = _one_or_list(sorted(st[key], reverse=True))
        for key, field in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if st.get(key):
                out[field] = _principals(st[key])
        if st.get("conditions"):
            conditions: dict = {}
            for cond in st["conditions"]:
                conditions.setdefault(cond["test"], {})[cond["variable"]] = _one_or_list(cond["values"])
            out["Condition"] = conditions
        statements.append(out)
    document: dict = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    document["Statement"] = statements
    return document


def _principals(principals: list[dict]):
    merged: dict[str, list[str]] = {}
    for p in principals:
        merged.setdefault(p["type"], []).extend(p.get("identifiers") or [])
    if list(merged) == ["*"] and merged["*"] == ["*"]:
        return "*"
    return {kind: _one_or_list(sorted(ids, reverse=True)) for kind, ids in merged.items()}


def _one_or_list(values):
    values = list(values)
    return values[0] if len(values) == 1 else values
