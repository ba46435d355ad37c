"""From a recorded Pulumi resource (camelCase inputs) to the AWS API requests that create it, and back.

One `Contract` per resource type: `submit` sends the resource's exact inputs in the API's request
shape, `read_back` returns (field, expected, actual) triples read from the API. JSON documents are
compared parsed. The only values changed on the way are the ids the emulator assigns (KMS key ids):
`Ids` maps the mocks' key ids to the emulator's, in every string, policies included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HOME = "us-east-1"
MOCK_KEY = re.compile(r"mrk-[0-9a-f]{32}")  # multi-region key ids; only those recorded as mock ids are replaced

Client = Callable[..., Any]  # client(service, region=HOME)
Triple = tuple[str, Any, Any]


@dataclass
class Ids:
    """The emulator's ids of what was created so far, keyed by the mocks' ids."""

    keys: dict[str, str] = field(default_factory=dict)  # mock key id -> emulator key id
    key_arns: dict[str, str] = field(default_factory=dict)  # Pulumi resource name -> emulator key ARN

    def resolve(self, value: Any) -> Any:
        """`value` with every mock key id replaced by the emulator's (recursively, inside JSON text too)."""
        if isinstance(value, str):
            return MOCK_KEY.sub(lambda m: self.keys.get(m.group(0), m.group(0)), value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value


def kms_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())]


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tags: list[dict[str, str]], key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {t[key]: t[value] for t in tags}


def parsed(document: str | dict) -> Any:
    return json.loads(document) if isinstance(document, str) else document


# --- registry ---------------------------------------------------------------------------------


def submit_key(client: Client, name: str, i: dict, ids: Ids, mock_id: str) -> None:
    meta = client("kms").create_key(
        Description=i["description"], Policy=i["policy"], MultiRegion=i["multiRegion"], Tags=kms_tags(i["tags"])
    )["KeyMetadata"]
    if i["enableKeyRotation"]:
        client("kms").enable_key_rotation(KeyId=meta["KeyId"])
    ids.keys[mock_id] = meta["KeyId"]
    ids.key_arns[name] = meta["Arn"]


def read_key(client: Client, name: str, i: dict, ids: Ids) -> list[Triple]:
    kms = client("kms")
    key_id = ids.key_arns[name]
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    return [
        ("Description", i["description"], meta["Description"]),
        ("MultiRegion", i["multiRegion"], meta["MultiRegion"]),
        ("KeyState", "Enabled", meta["KeyState"]),
        ("Policy", parsed(i["policy"]), parsed(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])),
        ("KeyRotationEnabled", i["enableKeyRotation"], kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]),
        ("Tags", i["tags"], tag_dict(kms.list_resource_tags(KeyId=key_id)["Tags"], "TagKey", "TagValue")),
    ]


def submit_alias(client: Client, i: dict) -> None:
    client("kms").create_alias(AliasName=i["name"], TargetKeyId=i["targetKeyId"])


def read_alias(client: Client, i: dict) -> list[Triple]:
    aliases = client("kms").list_aliases(KeyId=i["targetKeyId"])["Aliases"]
    return [
        ("AliasName -> TargetKeyId", {i["name"]: i["targetKeyId"]}, {a["AliasName"]: a["TargetKeyId"] for a in aliases})
    ]


def repository_request(i: dict) -> dict:
    """CreateRepository's request: Pulumi's list of one encryption configuration is the API's one."""
    request = {
        "repositoryName": i["name"],
        "imageTagMutability": i["imageTagMutability"],
        "imageScanningConfiguration": i["imageScanningConfiguration"],
        "encryptionConfiguration": i["encryptionConfigurations"][0],
        "tags": tag_list(i["tags"]),
    }
    if i.get("imageTagMutabilityExclusionFilters"):
        request["imageTagMutabilityExclusionFilters"] = i["imageTagMutabilityExclusionFilters"]
    return request


def submit_repository(client: Client, i: dict) -> None:
    client("ecr").create_repository(**repository_request(i))


def read_repository(client: Client, i: dict) -> list[Triple]:
    ecr = client("ecr")
    repo = ecr.describe_repositories(repositoryNames=[i["name"]])["repositories"][0]
    return [
        ("imageTagMutability", i["imageTagMutability"], repo["imageTagMutability"]),
        (
            "imageTagMutabilityExclusionFilters",
            i.get("imageTagMutabilityExclusionFilters") or [],
            repo.get("imageTagMutabilityExclusionFilters", []),
        ),
        ("imageScanningConfiguration", i["imageScanningConfiguration"], repo["imageScanningConfiguration"]),
        ("encryptionConfiguration", i["encryptionConfigurations"][0], repo["encryptionConfiguration"]),
        ("tags", i["tags"], tag_dict(ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"])),
    ]


def submit_lifecycle(client: Client, i: dict) -> None:
    client("ecr").put_lifecycle_policy(repositoryName=i["repository"], lifecyclePolicyText=i["policy"])


def read_lifecycle(client: Client, i: dict) -> list[Triple]:
    text = client("ecr").get_lifecycle_policy(repositoryName=i["repository"])["lifecyclePolicyText"]
    return [("lifecyclePolicyText", parsed(i["policy"]), parsed(text))]


def submit_scanning(client: Client, i: dict) -> None:
    # In the configuration's own region (a replica region's scanning is put there, not at home).
    ecr = client("ecr", i["region"]) if "region" in i else client("ecr")
    ecr.put_registry_scanning_configuration(scanType=i["scanType"], rules=i["rules"])


def read_scanning(client: Client, i: dict) -> list[Triple]:
    ecr = client("ecr", i["region"]) if "region" in i else client("ecr")
    config = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    return [("scanType", i["scanType"], config["scanType"]), ("rules", i["rules"], config["rules"])]


# --- replication ------------------------------------------------------------------------------


def submit_replica_key(client: Client, name: str, i: dict, ids: Ids) -> None:
    # As the provider sends it: the primary's key id, to the primary's region. (moto also answers 500
    # to a key ARN here, which AWS accepts.)
    _, _, _, primary_region, _, resource = i["primaryKeyArn"].split(":", 5)
    meta = client("kms", primary_region).replicate_key(
        KeyId=resource.removeprefix("key/"),
        ReplicaRegion=i["region"],
        Policy=i["policy"],
        Description=i["description"],
        Tags=kms_tags(i["tags"]),
    )["ReplicaKeyMetadata"]
    ids.key_arns[name] = meta["Arn"]


def read_replica_key(client: Client, name: str, i: dict, ids: Ids) -> list[Triple]:
    meta = client("kms", i["region"]).describe_key(KeyId=ids.key_arns[name])["KeyMetadata"]
    region = meta["MultiRegionConfiguration"]
    # Description, Policy and Tags: moto's ReplicateKey ignores them (see the xfail test); not compared here.
    return [
        ("MultiRegionKeyType", "REPLICA", region["MultiRegionKeyType"]),
        ("PrimaryKey", i["primaryKeyArn"], region["PrimaryKey"]["Arn"]),
        ("Arn region", i["region"], meta["Arn"].split(":")[3]),
    ]


def read_replica_key_settings(client: Client, name: str, i: dict, ids: Ids) -> list[Triple]:
    """What moto's ReplicateKey ignores: the replica's own description, policy and tags."""
    kms = client("kms", i["region"])
    key = ids.key_arns[name]
    return [
        ("Description", i["description"], kms.describe_key(KeyId=key)["KeyMetadata"]["Description"]),
        ("Policy", parsed(i["policy"]), parsed(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])),
        ("Tags", i["tags"], tag_dict(kms.list_resource_tags(KeyId=key)["Tags"], "TagKey", "TagValue")),
    ]


def submit_replication(client: Client, i: dict) -> None:
    client("ecr").put_replication_configuration(replicationConfiguration=i["replicationConfiguration"])


def read_replication(client: Client, i: dict) -> list[Triple]:
    actual = client("ecr").describe_registry()["replicationConfiguration"]
    return [("replicationConfiguration", i["replicationConfiguration"], actual)]


def submit_registry_policy(client: Client, i: dict) -> None:
    client("ecr").put_registry_policy(policyText=i["policy"])


def read_registry_policy(client: Client, i: dict) -> list[Triple]:
    return [("policyText", parsed(i["policy"]), parsed(client("ecr").get_registry_policy()["policyText"]))]


def template_request(i: dict) -> dict:
    """CreateRepositoryCreationTemplate's request (sent in the template's own region)."""
    request = {
        "prefix": i["prefix"],
        "description": i["description"],
        "encryptionConfiguration": i["encryptionConfigurations"][0],
        "resourceTags": tag_list(i["resourceTags"]),
        "imageTagMutability": i["imageTagMutability"],
        "lifecyclePolicy": i["lifecyclePolicy"],
        "appliedFor": i["appliedFors"],
        "customRoleArn": i["customRoleArn"],
    }
    if i.get("repositoryPolicy"):
        request["repositoryPolicy"] = i["repositoryPolicy"]
    return request


# --- IAM --------------------------------------------------------------------------------------


def submit_role(client: Client, i: dict) -> None:
    request = {
        "RoleName": i["name"],
        "AssumeRolePolicyDocument": i["assumeRolePolicy"],
        "Description": i["description"],
        "Tags": tag_list(i["tags"]),
    }
    if "maxSessionDuration" in i:
        request["MaxSessionDuration"] = int(i["maxSessionDuration"])
    if "permissionsBoundary" in i:
        request["PermissionsBoundary"] = i["permissionsBoundary"]
    client("iam").create_role(**request)


def read_role(client: Client, i: dict) -> list[Triple]:
    iam = client("iam")
    role = iam.get_role(RoleName=i["name"])["Role"]
    return [
        ("AssumeRolePolicyDocument", parsed(i["assumeRolePolicy"]), parsed(role["AssumeRolePolicyDocument"])),
        ("Description", i["description"], role["Description"]),
        # 3600 s is the API's default when Pulumi sends none.
        ("MaxSessionDuration", int(i.get("maxSessionDuration", 3600)), role["MaxSessionDuration"]),
        ("Tags", i["tags"], tag_dict(iam.list_role_tags(RoleName=i["name"])["Tags"])),
        (
            "PermissionsBoundary",
            i.get("permissionsBoundary"),
            role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        ),
    ]


def submit_role_policy(client: Client, name: str, i: dict) -> None:
    # Pulumi names the inline policy after the resource (plus a random suffix); the logical name will do.
    client("iam").put_role_policy(RoleName=i["role"], PolicyName=name, PolicyDocument=i["policy"])


def read_role_policy(client: Client, name: str, i: dict) -> list[Triple]:
    document = client("iam").get_role_policy(RoleName=i["role"], PolicyName=name)["PolicyDocument"]
    return [("PolicyDocument", parsed(i["policy"]), parsed(document))]


def oidc_arn(url: str, account: str = "123456789012") -> str:
    return f"arn:aws:iam::{account}:oidc-provider/{url.removeprefix('https://')}"


def submit_oidc(client: Client, i: dict) -> None:
    client("iam").create_open_id_connect_provider(
        Url=i["url"], ClientIDList=i["clientIdLists"], Tags=tag_list(i["tags"])
    )


def read_oidc(client: Client, i: dict) -> list[Triple]:
    provider = client("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=oidc_arn(i["url"]))
    return [
        # IAM returns the URL without its scheme (AWS does too, not only moto).
        ("Url", i["url"].removeprefix("https://"), provider["Url"]),
        ("ClientIDList", i["clientIdLists"], provider["ClientIDList"]),
        ("Tags", i["tags"], tag_dict(provider["Tags"])),
    ]


def submit_repository_policy(client: Client, i: dict) -> None:
    client("ecr").set_repository_policy(repositoryName=i["repository"], policyText=i["policy"])


def read_repository_policy(client: Client, i: dict) -> list[Triple]:
    text = client("ecr").get_repository_policy(repositoryName=i["repository"])["policyText"]
    return [("policyText", parsed(i["policy"]), parsed(text))]


# Dependency order within a stack (the stacks deploy registry, then replication and access).
ORDER = (
    "aws:kms/key:Key",
    "aws:kms/alias:Alias",
    "aws:ecr/repository:Repository",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:iam/role:Role",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ecr/replicationConfiguration:ReplicationConfiguration",
    "aws:ecr/accountSetting:AccountSetting",
    "aws:ecr/registryPolicy:RegistryPolicy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
)
