"""AWS's tag rules on any taggable resource: tag count, key and value lengths, characters and the reserved
aws: prefix, each linked to the page of the resource's own service."""

from __future__ import annotations

from typing import Any

from aws_facts import resource_types, tags
from aws_facts.quotas import AWS_TAGS_URL, ECR_TAGS_URL, IAM_TAGS_URL, KMS_TAGS_URL, QUOTA_TABLE, Quota

from .findings import Finding, cannot_evaluate
from .names import QUOTAS
from .quota_measures import over
from .values import is_unknown

# Where each taggable type keeps its tags, and which page documents its tag rules. The creation
# template's resourceTags are applied to every repository it creates, so ECR's rules hold for them.
TAG_PROPERTY = {resource_types.ECR_REPOSITORY_CREATION_TEMPLATE: "resourceTags"}
TAG_RULES_URL = {"aws:iam/": IAM_TAGS_URL, "aws:ecr/": ECR_TAGS_URL, "aws:kms/": KMS_TAGS_URL}
RESERVED_TAG_PREFIX = tags.RESERVED_PREFIX
# "Amazon EC2 resources allow any characters" in tags (the tagging page); the other limits hold.
ANY_TAG_CHARACTER_PREFIXES = tags.ANY_CHARACTER_TYPE_PREFIXES
is_tag_text = tags.is_tag_text


def tag_rules_url(resource_type: str) -> str:
    """The page that documents the tag rules of the resource's service (the general page otherwise)."""
    return next((url for prefix, url in TAG_RULES_URL.items() if resource_type.startswith(prefix)), AWS_TAGS_URL)


def tag_findings(resource_type: str, props: dict[str, Any]) -> list[Finding]:
    """Tag count, key and value lengths, characters and the reserved aws: prefix, on any taggable resource.

    Both the resource's own tags and tagsAll (where the provider merges its default tags) are read.
    Only AWS resources are checked; EC2 accepts any character in tags, so only its lengths are.
    """
    if not resource_type.startswith("aws:"):
        return []
    field = TAG_PROPERTY.get(resource_type, "tags")
    merged: dict[str, Any] = {}
    findings: list[Finding] = []
    for source in ("tagsAll", field):
        tags = props.get(source)
        if is_unknown(tags):
            if source == field:
                findings.append(cannot_evaluate(QUOTAS, f"{field} (the tags)"))
            continue  # tagsAll is computed by the provider; its known part is `tags` plus default tags
        if isinstance(tags, dict):
            merged.update(tags)
    if not merged:
        return findings
    url = tag_rules_url(resource_type)
    count, key_quota, value_quota = (
        _documented(QUOTA_TABLE[key], url) for key in ("tags-per-resource", "tag-key", "tag-value")
    )
    # Tags with the reserved aws: prefix do not count toward the 50 (ECR's tag restrictions).
    user_tags = [k for k in merged if not k.lower().startswith(RESERVED_TAG_PREFIX)]
    if len(user_tags) > count.limit:
        findings.append(over(count, len(user_tags), field, "tags of tagsAll (provider default tags) count too"))
    for key, value in merged.items():
        where = f"{field}[{key[:40]!r}]"
        any_character = resource_type.startswith(ANY_TAG_CHARACTER_PREFIXES)
        findings += _tag_text(key, "key", where, key_quota, any_character)
        if is_unknown(value):
            findings.append(cannot_evaluate(QUOTAS, f"the value of tag {key!r}"))
        elif isinstance(value, str):
            findings += _tag_text(value, "value", where, value_quota, any_character)
    return findings


def _documented(quota: Quota, url: str) -> Quota:
    # The same tag limits, linked to the page of the resource's own service.
    return Quota(quota.what, quota.limit, quota.unit, url)


def _tag_text(text: str, part: str, where: str, quota: Quota, any_character: bool) -> list[Finding]:
    findings: list[Finding] = []
    if len(text) > quota.limit:
        findings.append(over(quota, len(text), where))
    if part == "key" and not text:
        findings.append(Finding(f"{where}: a tag key must not be empty ({quota.url})"))
    bad = "" if any_character else tags.bad_characters(text)
    if bad:
        findings.append(
            Finding(
                f"{where}: the tag {part} contains {bad!r}, which AWS does not accept in tags "
                f"(letters, digits, spaces and _ . : / = + - @ only; {quota.url})"
            )
        )
    if text.lower().startswith(RESERVED_TAG_PREFIX):
        findings.append(
            Finding(f"{where}: the tag {part} starts with the prefix 'aws:', which AWS reserves ({quota.url})")
        )
    return findings
