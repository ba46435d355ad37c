"""ECR lifecycle policy text: the grammar ECR's PutLifecyclePolicy accepts, archive storage included.

Pure Python, no dependency: the policy pack (published on its own) reads it. The enumerations that
botocore's ECR model also carries (`LifecyclePolicyStorageClass`, `LifecyclePolicyTargetStorageClass`,
`ImageActionType`, the text's length) are checked against the installed botocore by
tests/features/test_features_lifecycle_by_use.py, so a new botocore that adds a value fails a test instead
of drifting. The rest comes from ECR's "Lifecycle policy properties" page
(lifecycle_policy_parameters.html) and the archive page (archive-image.html):

- `tagStatus` `tagged` needs `tagPrefixList` or `tagPatternList` (never both); `untagged` takes neither;
  a rule with `any` has the highest `rulePriority`; priorities are unique integers >= 1;
- at most 4 `*` per tag pattern;
- `countType` `imageCountMoreThan` takes no `countUnit`; the `sinceImage*` types take `countUnit: days`;
  `countNumber` is an integer >= 1;
- `storageClass` (default `standard`) is `archive` only with `sinceImageTransitioned`, which requires it;
- `sinceImagePulled` only with the action `transition`; `sinceImageTransitioned` only with `expire`;
- `transition` needs `targetStorageClass: archive`, `expire` takes none;
- archived images have a 90-day minimum: a rule that deletes from the archive waits at least 90 days.

This module is the one lifecycle grammar: the pack's lifecycle checks read it, and the request validation
(aws_facts.grammars.lifecycle) places its findings as Problems.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .quotas import QUOTA_TABLE

# PutLifecyclePolicy's `lifecyclePolicyText` (botocore: LifecyclePolicyText) and ECR's rules per policy.
MAX_TEXT = QUOTA_TABLE["ecr-lifecycle-policy-length"].limit
MAX_RULES = QUOTA_TABLE["ecr-lifecycle-rules"].limit
MAX_WILDCARDS_PER_PATTERN = 4
TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
COUNT_UNITS = ("days",)
# botocore: LifecyclePolicyStorageClass (ARCHIVE, STANDARD), written lower case in the policy text.
STORAGE_CLASSES = ("standard", "archive")
# botocore: LifecyclePolicyTargetStorageClass (ARCHIVE).
TARGET_STORAGE_CLASSES = ("archive",)
# botocore: ImageActionType.
ACTIONS = ("expire", "transition")
# Archived images have a minimum storage duration of 90 days (archive-image.html).
ARCHIVE_MINIMUM_DAYS = 90
# More images than a repository may hold (ECR's default quota: 20,000 per repository): a count rule
# above it never expires anything, which is how a policy says "keep these".
IMAGES_PER_REPOSITORY = 20_000

SELECTION_KEYS = (
    "tagStatus",
    "tagPrefixList",
    "tagPatternList",
    "storageClass",
    "countType",
    "countUnit",
    "countNumber",
)
ACTION_KEYS = ("type", "targetStorageClass")
RULE_KEYS = ("rulePriority", "description", "selection", "action")


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)


def rule_problems(index: int, rule: Any) -> list[str]:
    """What ECR refuses in one rule, each as `rules[i].<field>: <rule>`."""
    where = f"rules[{index}]"
    if not isinstance(rule, dict):
        return [f"{where}: a rule is an object with rulePriority, selection and action"]
    problems = [f"{where}.{key}: unknown key (known: {', '.join(RULE_KEYS)})" for key in rule if key not in RULE_KEYS]
    if not _is_int(rule.get("rulePriority")) or rule["rulePriority"] < 1:
        problems.append(f"{where}.rulePriority: must be an integer of at least 1, not {rule.get('rulePriority')!r}")
    selection, action = rule.get("selection"), rule.get("action")
    if not isinstance(selection, dict):
        return [*problems, f"{where}.selection: required, an object"]
    if not isinstance(action, dict):
        return [*problems, f"{where}.action: required, an object"]
    at = f"{where}.selection"
    problems += [f"{at}.{key}: unknown key" for key in selection if key not in SELECTION_KEYS]
    problems += [f"{where}.action.{key}: unknown key" for key in action if key not in ACTION_KEYS]
    status = selection.get("tagStatus")
    prefixes: Any = selection.get("tagPrefixList")
    patterns: Any = selection.get("tagPatternList")
    if status not in TAG_STATUSES:
        problems.append(f"{at}.tagStatus: must be one of {', '.join(TAG_STATUSES)}, not {status!r}")
    elif status == "tagged":
        if prefixes is None and patterns is None:
            problems.append(f"{at}: tagStatus tagged needs tagPrefixList or tagPatternList")
        elif prefixes is not None and patterns is not None:
            problems.append(f"{at}: tagPrefixList and tagPatternList cannot both be given; use one")
    elif prefixes is not None or patterns is not None:
        problems.append(f"{at}: tagStatus {status} takes neither tagPrefixList nor tagPatternList")
    for key, value in (("tagPrefixList", prefixes), ("tagPatternList", patterns)):
        if value is not None and not _string_list(value):
            problems.append(f"{at}.{key}: must be a non-empty list of non-empty strings")
    if _string_list(patterns):
        for p_index, pattern in enumerate(patterns):
            if pattern.count("*") > MAX_WILDCARDS_PER_PATTERN:
                problems.append(
                    f"{at}.tagPatternList[{p_index}]: {pattern!r} has more than {MAX_WILDCARDS_PER_PATTERN} '*'"
                )
    count_type: Any = selection.get("countType")
    unit: Any = selection.get("countUnit")
    number: Any = selection.get("countNumber")
    storage = selection.get("storageClass", "standard")
    if count_type not in COUNT_TYPES:
        problems.append(f"{at}.countType: must be one of {', '.join(COUNT_TYPES)}, not {count_type!r}")
    elif count_type == "imageCountMoreThan" and unit is not None:
        problems.append(f"{at}.countUnit: imageCountMoreThan takes no countUnit")
    elif count_type != "imageCountMoreThan" and unit not in COUNT_UNITS:
        problems.append(f"{at}.countUnit: {count_type} needs countUnit 'days', not {unit!r}")
    if not _is_int(number) or number < 1:
        problems.append(f"{at}.countNumber: must be an integer of at least 1, not {number!r}")
    if storage not in STORAGE_CLASSES:
        problems.append(f"{at}.storageClass: must be one of {', '.join(STORAGE_CLASSES)}, not {storage!r}")
    elif count_type == "sinceImageTransitioned" and storage != "archive":
        problems.append(
            f"{at}.storageClass: sinceImageTransitioned selects archived images: set storageClass 'archive'"
        )
    elif count_type in COUNT_TYPES and count_type != "sinceImageTransitioned" and storage != "standard":
        problems.append(
            f"{at}.storageClass: {count_type} selects standard images only; archive goes with sinceImageTransitioned"
        )
    kind, target = action.get("type"), action.get("targetStorageClass")
    if kind not in ACTIONS:
        problems.append(f"{where}.action.type: must be one of {', '.join(ACTIONS)}, not {kind!r}")
    elif kind == "transition" and target not in TARGET_STORAGE_CLASSES:
        problems.append(
            f"{where}.action.targetStorageClass: transition needs targetStorageClass 'archive', not {target!r}"
        )
    elif kind == "expire" and target is not None:
        problems.append(f"{where}.action.targetStorageClass: expire takes no targetStorageClass")
    if count_type == "sinceImagePulled" and kind == "expire":
        problems.append(
            f"{where}.action.type: sinceImagePulled only transitions images to the archive, it cannot expire them"
        )
    if count_type == "sinceImageTransitioned" and kind == "transition":
        problems.append(f"{where}.action.type: sinceImageTransitioned only expires archived images")
    if count_type == "sinceImageTransitioned" and _is_int(number) and 1 <= number < ARCHIVE_MINIMUM_DAYS:
        problems.append(
            f"{at}.countNumber: {number} days; archived images have a {ARCHIVE_MINIMUM_DAYS}-day minimum, "
            f"delete from the archive after {ARCHIVE_MINIMUM_DAYS} days or more"
        )
    return problems


def problems(policy: Any) -> list[str]:
    """Everything ECR would refuse in a lifecycle policy (a JSON string or its decoded object): its text's
    length, its grammar and its number of rules."""
    if isinstance(policy, str):
        if len(policy) > MAX_TEXT:
            return [f"the policy is {len(policy)} characters; ECR allows {MAX_TEXT}"]
        try:
            policy = json.loads(policy)
        except ValueError as error:
            return [f"the policy is not JSON ({error})"]
    found = grammar_problems(policy)
    rules = policy.get("rules") if isinstance(policy, dict) else None
    if isinstance(rules, list) and len(rules) > MAX_RULES:
        found.append(f"rules: {len(rules)} rules; ECR allows {MAX_RULES}")
    return found


def grammar_problems(policy: Any) -> list[str]:
    """What ECR refuses in a decoded lifecycle policy's grammar, each as `<path>: <rule>` (the path as in
    `rules[0].selection.countUnit`). Its length and number of rules are quotas (aws_facts.quotas)."""
    if not isinstance(policy, dict) or not isinstance(policy.get("rules"), list) or not policy["rules"]:
        return ["the policy needs a non-empty list 'rules'"]
    rules = policy["rules"]
    found = [f"{key}: unknown key (a policy has only 'rules')" for key in policy if key != "rules"]
    for index, rule in enumerate(rules):
        found += rule_problems(index, rule)
    priorities: list[Any] = [r.get("rulePriority") for r in rules if isinstance(r, dict)]
    for twice in sorted({p for p in priorities if _is_int(p) and priorities.count(p) > 1}):
        found.append(f"rules: rulePriority {twice} is used twice; priorities are unique")
    valid: list[int] = [p for p in priorities if _is_int(p)]
    for index, rule in enumerate(rules):
        selection = rule.get("selection") if isinstance(rule, dict) else None
        priority: Any = rule.get("rulePriority") if isinstance(rule, dict) else None
        if (
            isinstance(selection, dict)
            and selection.get("tagStatus") == "any"
            and _is_int(priority)
            and priority < max(valid)
        ):
            found.append(f"rules[{index}].rulePriority: a tagStatus any rule must have the highest rulePriority")
    return found


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
                priority=rule["rulePriority"],
                tag_status=selection["tagStatus"],
                prefixes=tuple(selection.get("tagPrefixList") or ()),
                patterns=tuple(selection.get("tagPatternList") or ()),
                storage_class=selection.get("storageClass", "standard"),
                count_type=selection["countType"],
                count_number=selection["countNumber"],
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
