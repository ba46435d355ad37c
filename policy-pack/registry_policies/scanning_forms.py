"""Everything that creates ECR repositories or decides their scanning, in every form the engine can receive.

The scanning checks (stack.py) read pulumi-aws shapes. The same ECR resources also arrive as aws-native resources
(`aws-native:ecr:Repository`, camelCase CloudFormation properties), as resources of a CloudFormation template
(`aws:cloudformation/stack` templateBody) and as Cloud Control desired states (`aws:cloudcontrol/resource`). This
module turns each into the pulumi-aws shape, on the origin resource's URN, name, region and provider:

| CloudFormation type | pulumi-aws type | renamed properties |
|---|---|---|
| AWS::ECR::Repository | aws:ecr/repository:Repository | RepositoryName -> name |
| AWS::ECR::RegistryScanningConfiguration | aws:ecr/registryScanningConfiguration | - |
| AWS::ECR::ReplicationConfiguration | aws:ecr/replicationConfiguration | - |
| AWS::ECR::PullThroughCacheRule | aws:ecr/pullThroughCacheRule | - |
| AWS::ECR::RepositoryCreationTemplate | aws:ecr/repositoryCreationTemplate | AppliedFor -> appliedFors |

Other properties only change case (CloudFormation's PascalCase is pulumi-aws's camelCase for these types);
intrinsic functions become unknowns. A template the pack cannot read (at a URL, with a Transform, malformed)
may create repositories: it is reported as "cannot be evaluated". So is a stack set (`aws:cloudformation/stackSet`,
or `AWS::CloudFormation::StackSet` in a template) whose template holds any of these types: it creates them in its
instances' accounts and regions (StackSet instances, possibly added outside the stack), which the pack does not model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aws_facts import resource_types

from .cloudformation import (
    CLOUDCONTROL_RESOURCE,
    CLOUDFORMATION_STACK,
    CLOUDFORMATION_STACK_SET,
    cloudcontrol_properties,
    resolve,
    stack_set_template,
    template_resources,
)
from .ecr import SCANNING
from .findings import Finding, cannot_evaluate
from .subject import Subject

if TYPE_CHECKING:
    from .stack import StackResource

FROM_CLOUDFORMATION = {
    "AWS::ECR::Repository": (resource_types.ECR_REPOSITORY, {"repositoryName": "name"}),
    "AWS::ECR::RegistryScanningConfiguration": (resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION, {}),
    "AWS::ECR::ReplicationConfiguration": (resource_types.ECR_REPLICATION_CONFIGURATION, {}),
    "AWS::ECR::PullThroughCacheRule": (resource_types.ECR_PULL_THROUGH_CACHE_RULE, {}),
    "AWS::ECR::RepositoryCreationTemplate": (
        resource_types.ECR_REPOSITORY_CREATION_TEMPLATE,
        {"appliedFor": "appliedFors"},
    ),
}


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:] if isinstance(k, str) else k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _pulumi_props(cfn_type: str, properties: dict[str, Any], region: Any) -> tuple[str, dict[str, Any]] | None:
    known = FROM_CLOUDFORMATION.get(cfn_type)
    if known is None:
        return None
    pulumi_type, renamed = known
    props = {renamed.get(k, k): v for k, v in _camel(resolve(properties)).items()}
    if region is not None:
        props.setdefault("region", region)
    return pulumi_type, props


def pulumi_shapes(
    resource_type: str, props: dict[str, Any]
) -> tuple[list[tuple[str, str, dict[str, Any]]], Subject | None]:
    """(label, pulumi-aws type, pulumi-aws props) of each ECR resource that a resource written in another form
    stands for (the label is "" for the resource itself, the logical id inside a template), and why its
    template or desired state cannot be read (None when it can, or when it is no such form)."""
    region = props.get("region")
    if resource_type.startswith("aws-native:ecr:"):
        pascal = {k[:1].upper() + k[1:]: v for k, v in props.items()}
        shaped = _pulumi_props("AWS::ECR::" + resource_type.split(":")[2], pascal, region)
        return ([("", *shaped)] if shaped else []), None
    if resource_type in (CLOUDFORMATION_STACK_SET, NATIVE_STACK_SET):  # aws-native: the same camelCase names
        return [], _stack_set_problem(props, "the CloudFormation stack set")
    if resource_type == CLOUDFORMATION_STACK:
        template, problem = template_resources(props)
        found = [(logical, _pulumi_props(cfn_type, properties, region)) for logical, cfn_type, properties in template]
        for logical, cfn_type, properties in template:
            if problem is None and cfn_type == "AWS::CloudFormation::StackSet":
                inner = {k: resolve(v) for k, v in stack_set_template(properties).items()}
                problem = _stack_set_problem(inner, f"the CloudFormation stack resource {logical} (stack set)")
        return [(logical, *shaped) for logical, shaped in found if shaped], problem
    if resource_type == CLOUDCONTROL_RESOURCE:
        cfn_type, properties, problem = cloudcontrol_properties(props)
        if problem is not None and problem.unreadable and cfn_type not in FROM_CLOUDFORMATION:
            problem = None  # a desired state of another type: the access check says what it is
        shaped = _pulumi_props(cfn_type, properties, region) if properties is not None else None
        return ([("", *shaped)] if shaped else []), problem
    return [], None


NATIVE_STACK_SET = resource_types.NATIVE_CLOUDFORMATION_STACK_SET
STACK_SET_REASON = (
    "a stack set creates its template's ECR resources in each of its instances' accounts and regions, which the "
    "pack does not model"
)


def _stack_set_problem(props: dict[str, Any], where: str) -> Subject | None:
    """Why a stack set's repositories cannot be judged: its template cannot be read, or it creates ECR
    resources (which land in the accounts and regions of its instances); None when it creates none."""
    template, problem = template_resources(props, where)
    if problem is not None:
        return problem
    creates = sorted({cfn_type for _logical, cfn_type, _properties in template if cfn_type in FROM_CLOUDFORMATION})
    if creates:
        return Subject(f"{where} ({', '.join(creates)})", unreadable=STACK_SET_REASON)
    return None


def in_pulumi_shapes(resources: list[StackResource]) -> tuple[list[StackResource], list[Finding]]:
    """`resources` plus the pulumi-aws shape of every ECR resource written in another form, on the origin's URN
    and provider, and a finding for each template or desired state that cannot be read."""
    shaped = list(resources)
    findings: list[Finding] = []
    for origin in resources:
        found, problem = pulumi_shapes(origin.type, origin.props)
        if problem is not None:
            findings.append(_unreadable(problem, origin))
        for label, pulumi_type, props in found:
            name = f"{origin.name}/{label}" if label else origin.name
            shaped.append(replace(origin, type=pulumi_type, name=name, props=props, property_dependencies={}))
    return shaped, findings


def _unreadable(problem: Subject, origin: StackResource) -> Finding:
    if not problem.unreadable:  # an unknown templateBody or desiredState
        return cannot_evaluate(SCANNING, problem.where, urn=origin.urn, name=origin.name)
    return Finding(
        f"{problem.where} cannot be evaluated for scanning: {problem.unreadable}, and it may create repositories "
        "that are never scanned; write the repositories where the pack reads them",
        urn=origin.urn,
        name=origin.name,
    )
