"""Types whose effect the pack cannot read from their inputs, because code or a template defined elsewhere runs
at deploy time: dynamic providers (the program's own create/update code) and stacks deployed from a template the
pack does not fetch (a Serverless Application Repository application, a Service Catalog product). Each is
refused as unreadable (resources.access_subjects) unless exempted with a reason."""

from __future__ import annotations

from aws_facts import resource_types

# Dynamic providers (pulumi.dynamic.Resource): their create/update run arbitrary program code at deploy time.
# The engine serves every type of the packages `pulumi-python` and `pulumi-nodejs` with the language's dynamic
# provider plugin, whatever the rest of the token: the Python SDK names a subclass's type
# `pulumi-python:dynamic/<module>:<name>` (`class Opener(Resource, module="registry", name="Opener")`,
# pulumi/dynamic/dynamic.py `__init_subclass__`), the base class's `pulumi-python:dynamic:Resource`.
DYNAMIC_PROVIDER_PACKAGES = ("pulumi-python", "pulumi-nodejs")


def is_dynamic(resource_type: str) -> bool:
    """True for a resource served by a dynamic provider: a type of the packages DYNAMIC_PROVIDER_PACKAGES."""
    return resource_type.split(":", 1)[0] in DYNAMIC_PROVIDER_PACKAGES


DYNAMIC_REASON = (
    "a dynamic provider runs the program's own create/update code at deploy time (here a pickled Python "
    "provider), so what it creates or grants is not in its inputs"
)


# Types that deploy a template defined elsewhere, which the pack does not fetch: whatever it creates or grants
# (repository policies, roles, keys) is not in the inputs.
TEMPLATE_ELSEWHERE = {
    resource_types.SERVERLESSREPOSITORY_CLOUD_FORMATION_STACK: (
        "it deploys a Serverless Application Repository application, whose template the pack does not fetch"
    ),
    resource_types.SERVICECATALOG_PROVISIONED_PRODUCT: (
        "it provisions a Service Catalog product, whose template the pack does not fetch"
    ),
}
CFN_TEMPLATE_ELSEWHERE = {
    "AWS::ServiceCatalog::CloudFormationProvisionedProduct": TEMPLATE_ELSEWHERE[
        resource_types.SERVICECATALOG_PROVISIONED_PRODUCT
    ],
    "AWS::Serverless::Application": TEMPLATE_ELSEWHERE[resource_types.SERVERLESSREPOSITORY_CLOUD_FORMATION_STACK],
}
