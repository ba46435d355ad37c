"""ECR lifecycle policies as ECR reads them (lifecycle_policy_parameters.html and LifecyclePolicy's JSON schema,
whose messages moto reproduces: "object has missing required properties", "not allowed by the schema").

- `rules`: 1 or more objects {rulePriority, description?, selection, action}; priorities unique whole numbers
  of at least 1; a rule with `tagStatus: any` has the highest priority number (it is evaluated last).
- `selection`: tagStatus tagged|untagged|any; `tagPrefixList` or `tagPatternList` only with tagged, one of them
  required with tagged, never both; at most 4 `*` per pattern; countType imageCountMoreThan | sinceImagePushed |
  sinceImagePulled | sinceImageTransitioned; countUnit `days` with (and only with) the sinceImage* types;
  countNumber a whole number of at least 1; storageClass standard|archive.
- `action`: type expire|transition; `transition` needs targetStorageClass archive, `expire` takes none.
"""

from __future__ import annotations

import json
from typing import Any

from ..problems import Problem

URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html"
SOURCE = "ECR lifecycle policy grammar"
TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
SINCE_TYPES = COUNT_TYPES[1:]
COUNT_UNITS = ("days",)
STORAGE_CLASSES = ("standard", "archive")
ACTIONS = ("expire", "transition")
TARGET_STORAGE_CLASSES = ("archive",)
MAX_WILDCARDS = 4
RULE_KEYS = frozenset({"rulePriority", "description", "selection", "action"})
SELECTION_KEYS = frozenset(
    {"tagStatus", "tagPrefixList", "tagPatternList", "countType", "countUnit", "countNumber", "storageClass"}
)
ACTION_KEYS = frozenset({"type", "targetStorageClass"})


def _p(where: str, rule: str, value: Any) -> Problem:
    text = repr(value)
    return Problem(where, rule, text if len(text) <= 80 else text[:77] + "...", SOURCE, URL)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def lifecycle_problems(document: Any) -> list[Problem]:
    """Every rule of ECR's lifecycle-policy grammar the document breaks (text or parsed JSON)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            return [_p("", f"is not JSON ({error.msg} at character {error.pos})", document[:40])]
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        return [_p(".rules", "is required: a list of rules", document if not isinstance(document, dict) else None)]
    rules = document["rules"]
    if not rules:
        return [_p(".rules", "must hold at least one rule", rules)]
    problems: list[Problem] = []
    priorities: dict[int, int] = {}
    any_priority: tuple[int, int] | None = None
    for index, rule in enumerate(rules):
        where = f".rules[{index}]"
        if not isinstance(rule, dict):
            problems.append(_p(where, "must be an object", rule))
            continue
        problems += [_p(f"{where}.{k}", "is not a lifecycle rule property", k) for k in sorted(set(rule) - RULE_KEYS)]
        for required in ("rulePriority", "selection", "action"):
            if required not in rule:
                problems.append(_p(f"{where}.{required}", "is required", None))
        priority = _whole(rule.get("rulePriority"))
        if "rulePriority" in rule:
            if priority is None or priority < 1:
                problems.append(
                    _p(f"{where}.rulePriority", "must be a whole number of at least 1", rule["rulePriority"])
                )
            elif priority in priorities:
                problems.append(
                    _p(f"{where}.rulePriority", f"must be unique (rules[{priorities[priority]}] has it too)", priority)
                )
            else:
                priorities[priority] = index
        selection = rule.get("selection")
        if isinstance(selection, dict):
            problems += _selection(f"{where}.selection", selection)
            if selection.get("tagStatus") == "any" and priority is not None:
                any_priority = (priority, index)
        elif "selection" in rule:
            problems.append(_p(f"{where}.selection", "must be an object", selection))
        action = rule.get("action")
        if isinstance(action, dict):
            problems += _action(f"{where}.action", action)
        elif "action" in rule:
            problems.append(_p(f"{where}.action", "must be an object", action))
    if any_priority is not None and priorities and any_priority[0] < max(priorities):
        priority, index = any_priority
        problems.append(
            _p(
                f".rules[{index}].rulePriority",
                f"a tagStatus 'any' rule must have the highest rulePriority ({max(priorities)} is higher)",
                priority,
            )
        )
    return problems


def _selection(where: str, selection: dict[str, Any]) -> list[Problem]:
    problems = [_p(f"{where}.{k}", "is not a selection property", k) for k in sorted(set(selection) - SELECTION_KEYS)]
    for required in ("tagStatus", "countType", "countNumber"):
        if required not in selection:
            problems.append(_p(f"{where}.{required}", "is required", None))
    status = selection.get("tagStatus")
    if "tagStatus" in selection and status not in TAG_STATUSES:
        problems.append(_p(f"{where}.tagStatus", f"must be one of {', '.join(TAG_STATUSES)}", status))
    prefixes, patterns = selection.get("tagPrefixList"), selection.get("tagPatternList")
    if status == "tagged" and not prefixes and not patterns:
        problems.append(_p(where, "a tagged rule needs tagPrefixList or tagPatternList", None))
    if prefixes and patterns:
        problems.append(_p(where, "takes tagPrefixList or tagPatternList, never both", None))
    if status in ("untagged", "any") and (prefixes or patterns):
        problems.append(_p(where, f"tag lists are only for tagStatus 'tagged', not {status!r}", status))
    for key in ("tagPrefixList", "tagPatternList"):
        values = selection.get(key)
        if values is not None and not (isinstance(values, list) and all(isinstance(v, str) and v for v in values)):
            problems.append(_p(f"{where}.{key}", "must be a list of non-empty strings", values))
    for index, pattern in enumerate(patterns if isinstance(patterns, list) else []):
        if isinstance(pattern, str) and pattern.count("*") > MAX_WILDCARDS:
            problems.append(_p(f"{where}.tagPatternList[{index}]", f"has more than {MAX_WILDCARDS} '*'", pattern))
    count_type = selection.get("countType")
    if "countType" in selection and count_type not in COUNT_TYPES:
        problems.append(_p(f"{where}.countType", f"must be one of {', '.join(COUNT_TYPES)}", count_type))
    unit = selection.get("countUnit")
    if count_type in SINCE_TYPES and unit not in COUNT_UNITS:
        problems.append(_p(f"{where}.countUnit", f"must be 'days' with countType {count_type}", unit))
    if count_type == "imageCountMoreThan" and "countUnit" in selection:
        problems.append(_p(f"{where}.countUnit", "is not allowed with countType imageCountMoreThan", unit))
    number = _whole(selection.get("countNumber"))
    if "countNumber" in selection and (number is None or number < 1):
        problems.append(_p(f"{where}.countNumber", "must be a whole number of at least 1", selection["countNumber"]))
    storage = selection.get("storageClass")
    if "storageClass" in selection and storage not in STORAGE_CLASSES:
        problems.append(_p(f"{where}.storageClass", f"must be one of {', '.join(STORAGE_CLASSES)}", storage))
    return problems


def _action(where: str, action: dict[str, Any]) -> list[Problem]:
    problems = [_p(f"{where}.{k}", "is not an action property", k) for k in sorted(set(action) - ACTION_KEYS)]
    kind = action.get("type")
    if "type" not in action:
        problems.append(_p(f"{where}.type", "is required", None))
    elif kind not in ACTIONS:
        problems.append(_p(f"{where}.type", f"must be one of {', '.join(ACTIONS)}", kind))
    target = action.get("targetStorageClass")
    if kind == "transition" and target not in TARGET_STORAGE_CLASSES:
        problems.append(_p(f"{where}.targetStorageClass", "must be 'archive' with a transition action", target))
    if kind == "expire" and "targetStorageClass" in action:
        problems.append(_p(f"{where}.targetStorageClass", "is only for a transition action", target))
    return problems
