"""ECR lifecycle policies as ECR reads them: the grammar PutLifecyclePolicy accepts, archive storage included,
and what a policy does to release images. The one copy of these rules: the validation layer
(`lifecycle_problems`, Problem records) and the policy pack's `ecr-lifecycle-grammar` (`problems`, one line
each) read the same checks, each written once below.

From ECR's "Lifecycle policy properties" (lifecycle_policy_parameters.html), LifecyclePolicy's JSON schema
(whose messages moto reproduces: "object has missing required properties", "not allowed by the schema") and
the archive page (archive-image.html); the enumerations that botocore's ECR model also carries
(`LifecyclePolicyStorageClass`, `LifecyclePolicyTargetStorageClass`, `ImageActionType`, the text's length)
are compared with the installed botocore by tests/features/test_features_lifecycle_by_use.py.

- `rules`: 1-50 objects {rulePriority, description? (a string), selection, action}; priorities unique whole numbers of
  at least 1; a rule with `tagStatus: any` has the highest priority number (it is evaluated last).
- `selection`: tagStatus tagged|untagged|any; `tagPrefixList` or `tagPatternList` only with tagged, one of them
  required with tagged, never both; at most 4 `*` per pattern; countType imageCountMoreThan | sinceImagePushed |
  sinceImagePulled | sinceImageTransitioned; countUnit `days` with (and only with) the sinceImage* types;
  countNumber a whole number of at least 1; storageClass standard (the default) | archive, archive only with
  sinceImageTransitioned, which requires it.
- `action`: type expire|transition; `transition` needs targetStorageClass archive, `expire` takes none;
  sinceImagePulled only transitions, sinceImageTransitioned only expires.
- Archived images have a 90-day minimum: a rule that deletes from the archive waits at least 90 days.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..problems import Problem
from ..quotas import QUOTA_TABLE

URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html"
SOURCE = "ECR lifecycle policy grammar"
# PutLifecyclePolicy's `lifecyclePolicyText` (botocore: LifecyclePolicyText) and ECR's rules per policy: the
# quota table's numbers.
MAX_TEXT = QUOTA_TABLE["ecr-lifecycle-policy-length"].limit
MAX_RULES = QUOTA_TABLE["ecr-lifecycle-rules"].limit
MAX_WILDCARDS = 4
TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
SINCE_TYPES = COUNT_TYPES[1:]
COUNT_UNITS = ("days",)
# botocore: LifecyclePolicyStorageClass (ARCHIVE, STANDARD), written lower case in the policy text.
STORAGE_CLASSES = ("standard", "archive")
# botocore: LifecyclePolicyTargetStorageClass (ARCHIVE).
TARGET_STORAGE_CLASSES = ("archive",)
# botocore: ImageActionType.
ACTIONS = ("expire", "transition")
# Archived images have a minimum storage duration of 90 days (archive-image.html).
ARCHIVE_MINIMUM_DAYS = 90
# More images than a repository may hold: a count rule above it never expires anything, which is how a
# policy says "keep these". ECR's service quotas page: "Images per repository", default 100,000 per Region,
# adjustable (https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html); it was 10,000,
# then 20,000. A count at or under it can expire images; a raised quota past a policy's count does too.
IMAGES_PER_REPOSITORY = 100_000
RULE_KEYS = frozenset({"rulePriority", "description", "selection", "action"})
SELECTION_KEYS = frozenset(
    {"tagStatus", "tagPrefixList", "tagPatternList", "countType", "countUnit", "countNumber", "storageClass"}
)
ACTION_KEYS = frozenset({"type", "targetStorageClass"})


@dataclass(frozen=True)
class _Issue:
    """One broken rule: where (`rules[0].selection.countType`, "" for the document), the rule, the value, and
    the one-line wording of `problems` when it says more than `<where>: <rule>`."""

    where: str
    rule: str
    value: Any = None
    line: str | None = None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _one_of(where: str, names: tuple[str, ...], value: Any) -> _Issue:
    rule = f"must be one of {', '.join(names)}"
    return _Issue(where, rule, value, f"{rule}, not {value!r}")


def _check(document: Any) -> Iterator[_Issue]:
    """Every rule the (parsed) document breaks, in document order."""
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        yield _Issue("rules", "is required: a list of rules", document if not isinstance(document, dict) else None)
        return
    rules = document["rules"]
    if not rules:
        yield _Issue("rules", "must hold at least one rule", rules)
        return
    for key in sorted(set(document) - {"rules"}):
        yield _Issue(key, "is not a lifecycle policy property (a policy has only 'rules')", key)
    if len(rules) > MAX_RULES:
        yield _Issue("rules", f"holds {len(rules)} rules; ECR allows {MAX_RULES}", len(rules))
    priorities: dict[int, int] = {}
    any_priority: tuple[int, int] | None = None
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if not isinstance(rule, dict):
            yield _Issue(where, "must be an object", rule)
            continue
        yield from (
            _Issue(f"{where}.{k}", "is not a lifecycle rule property", k) for k in sorted(set(rule) - RULE_KEYS)
        )
        for required in ("rulePriority", "selection", "action"):
            if required not in rule:
                yield _Issue(f"{where}.{required}", "is required")
        if "description" in rule and not isinstance(rule["description"], str):
            yield _Issue(f"{where}.description", "must be a string", rule["description"])
        priority = _whole(rule.get("rulePriority"))
        if "rulePriority" in rule:
            if priority is None or priority < 1:
                yield _Issue(f"{where}.rulePriority", "must be a whole number of at least 1", rule["rulePriority"])
            elif priority in priorities:
                yield _Issue(
                    f"{where}.rulePriority", f"must be unique (rules[{priorities[priority]}] has it too)", priority
                )
            else:
                priorities[priority] = index
        selection, action = rule.get("selection"), rule.get("action")
        if isinstance(selection, dict):
            yield from _selection(f"{where}.selection", selection)
            if selection.get("tagStatus") == "any" and priority is not None:
                any_priority = (priority, index)
        elif "selection" in rule:
            yield _Issue(f"{where}.selection", "must be an object", selection)
        if isinstance(action, dict):
            yield from _action(f"{where}.action", action)
        elif "action" in rule:
            yield _Issue(f"{where}.action", "must be an object", action)
        if isinstance(selection, dict) and isinstance(action, dict):
            yield from _archive(where, selection, action)
    if any_priority is not None and priorities and any_priority[0] < max(priorities):
        priority, index = any_priority
        yield _Issue(
            f"rules[{index}].rulePriority",
            f"a tagStatus 'any' rule must have the highest rulePriority ({max(priorities)} is higher)",
            priority,
            "a tagStatus any rule must have the highest rulePriority",
        )


def _selection(where: str, selection: dict[str, Any]) -> Iterator[_Issue]:
    yield from (
        _Issue(f"{where}.{k}", "is not a selection property", k) for k in sorted(set(selection) - SELECTION_KEYS)
    )
    for required in ("tagStatus", "countType", "countNumber"):
        if required not in selection:
            yield _Issue(f"{where}.{required}", "is required")
    status = selection.get("tagStatus")
    if "tagStatus" in selection and status not in TAG_STATUSES:
        yield _one_of(f"{where}.tagStatus", TAG_STATUSES, status)
    prefixes, patterns = selection.get("tagPrefixList"), selection.get("tagPatternList")
    if status == "tagged" and not prefixes and not patterns:
        yield _Issue(where, "a tagged rule needs tagPrefixList or tagPatternList")
    if prefixes and patterns:
        yield _Issue(where, "takes tagPrefixList or tagPatternList, never both")
    if status in ("untagged", "any") and (prefixes or patterns):
        yield _Issue(where, f"tag lists are only for tagStatus 'tagged', not {status!r}", status)
    for key in ("tagPrefixList", "tagPatternList"):
        values = selection.get(key)
        if values is not None and not (isinstance(values, list) and all(isinstance(v, str) and v for v in values)):
            yield _Issue(f"{where}.{key}", "must be a list of non-empty strings", values)
    for index, pattern in enumerate(patterns if isinstance(patterns, list) else []):
        if isinstance(pattern, str) and pattern.count("*") > MAX_WILDCARDS:
            yield _Issue(f"{where}.tagPatternList[{index}]", f"has more than {MAX_WILDCARDS} '*'", pattern)
    count_type = selection.get("countType")
    if "countType" in selection and count_type not in COUNT_TYPES:
        yield _one_of(f"{where}.countType", COUNT_TYPES, count_type)
    unit = selection.get("countUnit")
    if count_type in SINCE_TYPES and unit not in COUNT_UNITS:
        yield _Issue(f"{where}.countUnit", f"must be 'days' with countType {count_type}", unit)
    if count_type == "imageCountMoreThan" and "countUnit" in selection:
        yield _Issue(f"{where}.countUnit", "is not allowed with countType imageCountMoreThan", unit)
    number = _whole(selection.get("countNumber"))
    if "countNumber" in selection and (number is None or number < 1):
        yield _Issue(f"{where}.countNumber", "must be a whole number of at least 1", selection["countNumber"])
    storage = selection.get("storageClass", "standard")
    if storage not in STORAGE_CLASSES:
        yield _one_of(f"{where}.storageClass", STORAGE_CLASSES, storage)
    elif count_type == "sinceImageTransitioned" and storage != "archive":
        yield _Issue(
            f"{where}.storageClass",
            "sinceImageTransitioned selects archived images: set storageClass 'archive'",
            storage,
        )
    elif count_type in COUNT_TYPES and count_type != "sinceImageTransitioned" and storage != "standard":
        yield _Issue(
            f"{where}.storageClass",
            f"{count_type} selects standard images only; archive goes with sinceImageTransitioned",
            storage,
        )
    if count_type == "sinceImageTransitioned" and number is not None and 1 <= number < ARCHIVE_MINIMUM_DAYS:
        yield _Issue(
            f"{where}.countNumber",
            f"{number} days; archived images have a {ARCHIVE_MINIMUM_DAYS}-day minimum, "
            f"delete from the archive after {ARCHIVE_MINIMUM_DAYS} days or more",
            number,
        )


def _action(where: str, action: dict[str, Any]) -> Iterator[_Issue]:
    yield from (_Issue(f"{where}.{k}", "is not an action property", k) for k in sorted(set(action) - ACTION_KEYS))
    kind = action.get("type")
    if "type" not in action:
        yield _Issue(f"{where}.type", "is required")
    elif kind not in ACTIONS:
        yield _one_of(f"{where}.type", ACTIONS, kind)
    target = action.get("targetStorageClass")
    if kind == "transition" and target not in TARGET_STORAGE_CLASSES:
        yield _Issue(
            f"{where}.targetStorageClass",
            "must be 'archive' with a transition action",
            target,
            f"transition needs targetStorageClass 'archive', not {target!r}",
        )
    if kind == "expire" and "targetStorageClass" in action:
        yield _Issue(f"{where}.targetStorageClass", "expire takes no targetStorageClass", target)


def _archive(where: str, selection: dict[str, Any], action: dict[str, Any]) -> Iterator[_Issue]:
    """The count types that go with one action only."""
    count_type, kind = selection.get("countType"), action.get("type")
    if count_type == "sinceImagePulled" and kind == "expire":
        yield _Issue(
            f"{where}.action.type",
            "sinceImagePulled only transitions images to the archive, it cannot expire them",
            kind,
        )
    if count_type == "sinceImageTransitioned" and kind == "transition":
        yield _Issue(f"{where}.action.type", "sinceImageTransitioned only expires archived images", kind)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def lifecycle_problems(document: Any) -> list[Problem]:
    """Every rule of ECR's lifecycle-policy grammar the document breaks (text or parsed JSON), as Problems
    located by a property path (`.rules[0].rulePriority`). The text's length is botocore's shape's rule, which
    the validation layer checks itself."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            return [
                Problem("", f"is not JSON ({error.msg} at character {error.pos})", _shown(document[:40]), SOURCE, URL)
            ]
    return [Problem(f".{i.where}", i.rule, _shown(i.value), SOURCE, URL) for i in _check(document)]


def problems(policy: Any) -> list[str]:
    """Everything ECR would refuse in a lifecycle policy (a JSON string or its decoded object), one line each:
    `<where>: <rule>`."""
    if isinstance(policy, str):
        if len(policy) > MAX_TEXT:
            return [f"the policy is {len(policy)} characters; ECR allows {MAX_TEXT}"]
        try:
            policy = json.loads(policy)
        except ValueError as error:
            return [f"the policy is not JSON ({error})"]
    return [f"{i.where}: {i.line or i.rule}" for i in _check(policy)]


@dataclass(frozen=True)
class Rule:
    """One parsed rule (only from a policy `problems` accepted)."""

    priority: int
    tag_status: str
    prefixes: tuple[str, ...]
    patterns: tuple[str, ...]
    storage_class: str
    count_type: str
    count_number: int
    action: str

    @property
    def deletes(self) -> bool:
        return self.action == "expire"

    @property
    def keeps_everything(self) -> bool:
        """A count rule above the repository's image quota: selects images to shield them, expires none."""
        return self.count_type == "imageCountMoreThan" and self.count_number > IMAGES_PER_REPOSITORY


def parse(policy: Any) -> list[Rule]:
    """The rules of a policy in priority order; ValueError naming the first problem if ECR would refuse it."""
    found = problems(policy)
    if found:
        raise ValueError(found[0])
    data = json.loads(policy) if isinstance(policy, str) else policy
    rules = []
    for rule in data["rules"]:
        selection = rule["selection"]
        rules.append(
            Rule(
                priority=_whole(rule["rulePriority"]) or 0,
                tag_status=selection["tagStatus"],
                prefixes=tuple(selection.get("tagPrefixList") or ()),
                patterns=tuple(selection.get("tagPatternList") or ()),
                storage_class=selection.get("storageClass", "standard"),
                count_type=selection["countType"],
                count_number=_whole(selection["countNumber"]) or 0,
                action=rule["action"]["type"],
            )
        )
    return sorted(rules, key=lambda r: r.priority)


def _pattern_may_match_prefix(pattern: str, prefix: str) -> bool:
    """Whether some tag starting with `prefix` matches the wildcard `pattern` (`*` any characters)."""
    head = pattern.split("*", 1)[0]
    if "*" not in pattern:
        return pattern.startswith(prefix)
    return head.startswith(prefix) or prefix.startswith(head)


def _pattern_covers_prefix(pattern: str, prefix: str) -> bool:
    """Whether every tag starting with `prefix` matches `pattern` (only `<literal>*` patterns qualify)."""
    return pattern.endswith("*") and "*" not in pattern[:-1] and prefix.startswith(pattern[:-1])


def selects_some(rule: Rule, prefix: str) -> bool:
    """Whether the rule's tag selection can take an image tagged `<prefix>...`."""
    if rule.tag_status == "any":
        return True
    if rule.tag_status == "untagged":
        return False
    if rule.prefixes:  # an image must carry a tag for each listed prefix: one of them may be a release tag
        return any(p.startswith(prefix) or prefix.startswith(p) for p in rule.prefixes)
    return any(_pattern_may_match_prefix(p, prefix) for p in rule.patterns)


def selects_all(rule: Rule, prefix: str) -> bool:
    """Whether the rule's tag selection takes EVERY image tagged `<prefix>...` (so that it shields them)."""
    if rule.tag_status == "any":
        return True
    if rule.tag_status == "untagged":
        return False
    if rule.prefixes:
        return len(rule.prefixes) == 1 and prefix.startswith(rule.prefixes[0])
    return len(rule.patterns) == 1 and _pattern_covers_prefix(rule.patterns[0], prefix)


def release_deletions(rules: Iterable[Rule], release_prefixes: Iterable[str]) -> list[str]:
    """Rules that could delete a release image from STANDARD storage, as `rulePriority N (prefix 'v')`.

    ECR acts on an image by at most one rule, and an image that a higher-priority rule's tag selection
    takes cannot be expired by a lower-priority rule: a release prefix is safe once a standard-storage
    rule that does not delete (a transition, or a count above the image quota) takes all its images
    before any deleting rule can take some.
    """
    ordered = sorted(rules, key=lambda r: r.priority)
    found = []
    for prefix in release_prefixes:
        for rule in ordered:
            if rule.storage_class != "standard":
                continue
            if rule.deletes and not rule.keeps_everything and selects_some(rule, prefix):
                found.append(f"rulePriority {rule.priority} (release tags {prefix}*)")
                break
            if selects_all(rule, prefix):
                break
    return found
