"""EC2 launch and create-volume permissions, as the statements they amount to.

An AMI or a snapshot can hold a model as well as an image can, and EC2 shares them by permission, not by
policy document (ModifyImageAttribute / ModifySnapshotAttribute): the group `all` makes the image public,
an account id grants that account, an organization ARN every account of that organization, an organizational
unit ARN the accounts of that OU and of the OUs under it (the organization paths through it, `o-x/*/ou-y/*`).

- aws.ec2.AmiLaunchPermission: `group` ("all"), `accountId`, `organizationArn`, `organizationalUnitArn`.
- aws.ec2.SnapshotCreateVolumePermission: `accountId`.
- aws.imagebuilder.DistributionConfiguration: `distributions[].amiDistributionConfiguration.launchPermission`
  with `userGroups`, `userIds`, `organizationArns`, `organizationalUnitArns` (and CloudFormation's
  AWS::ImageBuilder::DistributionConfiguration, PascalCase, `LaunchPermissionConfiguration`), and
  `amiDistributionConfiguration.targetAccountIds`: Image Builder copies the AMI into each of those accounts,
  which then own their copy (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/
  API_AmiDistributionConfiguration.html), so each is granted at least what a launch permission grants.
  aws-native sends the same shape in camelCase: keys are matched whatever their case.
"""

from __future__ import annotations

from typing import Any

from aws_facts import resource_types

from .values import is_unknown

AMI_LAUNCH_PERMISSION_TYPE = resource_types.EC2_AMI_LAUNCH_PERMISSION
SNAPSHOT_VOLUME_PERMISSION_TYPE = resource_types.EC2_SNAPSHOT_CREATE_VOLUME_PERMISSION
IMAGEBUILDER_DISTRIBUTION_TYPE = resource_types.IMAGEBUILDER_DISTRIBUTION_CONFIGURATION
LAUNCH = "ec2:RunInstances"
CREATE_VOLUME = "ec2:CreateVolume"


def organization_of(arn: Any) -> Any:
    """`o-...` from an organization ARN (`arn:aws:organizations::<acct>:organization/o-...`) or an OU ARN
    (`arn:aws:organizations::<acct>:ou/o-.../ou-...`); the value itself when it is unknown or not such an ARN
    (then it matches no trusted organization, which is the safe reading)."""
    if is_unknown(arn) or not isinstance(arn, str):
        return arn
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/")
    return parts[1] if len(parts) >= 2 and parts[0] in ("organization", "ou") else arn


def _statements(action: str, groups: Any, accounts: Any, organizations: Any, units: Any) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for index, _group in enumerate(_listed(groups)):
        # EC2 knows one group, `all`: everyone. Any other (or unknown) value is read as everyone too.
        statements.append({"Sid": f"group{index}", "Effect": "Allow", "Principal": "*", "Action": action})
    for index, account in enumerate(_listed(accounts)):
        principal = account if is_unknown(account) else f"arn:aws:iam::{account}:root"
        statements.append(
            {"Sid": f"account{index}", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": action}
        )
    for index, arn in enumerate(_listed(organizations)):
        statements.append(
            {
                "Sid": f"organization{index}",
                "Effect": "Allow",
                "Principal": "*",
                "Action": action,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_of(arn)}},
            }
        )
    for index, arn in enumerate(_listed(units)):
        statements.append(
            {
                "Sid": f"unit{index}",
                "Effect": "Allow",
                "Principal": "*",
                "Action": action,
                "Condition": unit_condition(arn),
            }
        )
    return statements


def unit_condition(arn: Any) -> dict[str, Any]:
    """The accounts of an OU and of the OUs under it: the organization paths through it (`o-x/*/ou-y/*`: an OU
    has one parent, so that is one place in the organization). An ARN that is unknown or not an OU's stands for
    what `organization_of` makes of it."""
    if not is_unknown(arn) and isinstance(arn, str):
        parts = arn.split(":", 5)[-1].split("/")
        if len(parts) == 3 and parts[0] == "ou" and parts[1] and parts[2]:
            return {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{parts[1]}/*/{parts[2]}/*"}}
    return {"StringEquals": {"aws:PrincipalOrgID": organization_of(arn)}}


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def ami_launch_permission_document(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": _statements(
            LAUNCH,
            props.get("group"),
            props.get("accountId"),
            props.get("organizationArn"),
            props.get("organizationalUnitArn"),
        ),
    }


def snapshot_volume_permission_document(props: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": _statements(CREATE_VOLUME, None, props.get("accountId"), None, None)}


def distribution_documents(props: dict[str, Any], pascal: bool = False) -> list[tuple[str, Any]]:
    """(where, document) for each distribution's AMI launch permission and target accounts. Keys are matched
    whatever their case (CloudFormation's PascalCase, pulumi-aws's and aws-native's camelCase); `pascal` only
    chooses how places are named."""
    keys = (
        ("Distributions", "AmiDistributionConfiguration", "LaunchPermissionConfiguration", "TargetAccountIds")
        if pascal
        else ("distributions", "amiDistributionConfiguration", "launchPermission", "targetAccountIds")
    )
    names = ("userGroups", "userIds", "organizationArns", "organizationalUnitArns")
    distributions = _any_case(props, keys[0])
    if is_unknown(distributions):
        return [(f"{keys[0]}", distributions)]
    found: list[tuple[str, Any]] = []
    for index, distribution in enumerate(distributions if isinstance(distributions, list) else []):
        ami = _any_case(distribution, keys[1])
        where = f"{keys[0]}[{index}].{keys[1]}"
        if is_unknown(ami):
            found.append((where, ami))
            continue
        permission = _any_case(ami, keys[2])
        if is_unknown(permission) or (permission is not None and not isinstance(permission, dict)):
            found.append((f"{where}.{keys[2]}", permission if is_unknown(permission) else "not an object"))
        elif permission is not None:
            values = [_any_case(permission, name) for name in names]
            unknown = next((v for v in values if is_unknown(v)), None)
            document = unknown or {"Version": "2012-10-17", "Statement": _statements(LAUNCH, *values)}
            found.append((f"{where}.{keys[2]}", document))
        targets = _any_case(ami, keys[3])
        if targets is not None:
            document = targets if is_unknown(targets) else _target_accounts_document(targets)
            found.append((f"{where}.{keys[3]}", document))
    return found


def _target_accounts_document(accounts: Any) -> dict[str, Any]:
    statements = _statements(LAUNCH, None, accounts, None, None)
    for statement in statements:
        statement["Sid"] = statement["Sid"].replace("account", "copy-to-account")
    return {"Version": "2012-10-17", "Statement": statements}


def _any_case(value: Any, key: str) -> Any:
    """value[key] with the key matched whatever its case (None when value is not an object or has no such key)."""
    if not isinstance(value, dict):
        return None
    wanted = key.lower()
    return next((item for name, item in value.items() if str(name).lower() == wanted), None)
