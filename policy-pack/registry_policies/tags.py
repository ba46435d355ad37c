"""Pure check: required tag keys on taggable resources."""

from __future__ import annotations

from typing import Any

from aws_facts import resource_types

from .findings import Finding, cannot_evaluate
from .names import REQUIRED_TAGS as REQUIRED_TAGS
from .values import is_unknown

# Taggable types of this project whose tags the pack can see (any other resource with a tags
# property is checked too). The creation template's tags are applied to the repositories it creates.
TAGGABLE_TYPES = {
    resource_types.ECR_REPOSITORY: "tags",
    resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: "resourceTags",
    resource_types.ECR_PULL_THROUGH_CACHE_RULE: None,
    resource_types.IAM_ROLE: "tags",
    resource_types.IAM_POLICY: "tags",
    resource_types.KMS_KEY: "tags",
    resource_types.S3_BUCKET: "tags",
    resource_types.S3_BUCKET_V2: "tags",
    resource_types.SQS_QUEUE: "tags",
    resource_types.SNS_TOPIC: "tags",
    resource_types.LAMBDA_FUNCTION: "tags",
}


def required_tags_findings(resource_type: str, props: dict[str, Any], required: list[str]) -> list[Finding]:
    """Every required tag key is present with a non-empty value."""
    tag_property = TAGGABLE_TYPES.get(resource_type, "tags" if "tags" in props else None)
    if tag_property is None or not required:
        return []
    tags = props.get(tag_property)
    # Provider default tags are merged into tagsAll by the provider's check: read both.
    merged: dict[str, Any] = {}
    for source in (props.get("tagsAll"), tags):
        if is_unknown(source):
            return [cannot_evaluate(REQUIRED_TAGS, tag_property)]
        if isinstance(source, dict):
            merged.update(source)
    missing = [
        key
        for key in required
        if not (is_unknown(merged.get(key)) or (isinstance(merged.get(key), str) and merged[key].strip()))
    ]
    if not missing:
        return []
    return [Finding(f"missing required tag(s) {', '.join(missing)} in {tag_property}")]
