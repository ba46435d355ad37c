"""ECR lifecycle policies for the request validation: each finding of the one lifecycle grammar
(aws_facts.ecr_lifecycle, which the pack's lifecycle checks read too) as a Problem naming the field, the rule
and the value. The grammar's rules are written there, once; this module only places them.

The policy's length and number of rules are quotas (aws_facts.quotas), reported by the request shapes and the
quota policies, not here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .. import ecr_lifecycle
from ..problems import Problem

URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html"
SOURCE = "ECR lifecycle policy grammar"
# At most 4 `*` per tag pattern (shared.model_registry.config reads it here).
MAX_WILDCARDS = ecr_lifecycle.MAX_WILDCARDS_PER_PATTERN
# A finding of the grammar: `<path>: <rule>`, the path a property path such as rules[0].selection.countUnit.
_FINDING = re.compile(r"(?P<path>\w+(?:\[\d+\])?(?:\.\w+(?:\[\d+\])?)*): (?P<rule>.+)", re.DOTALL)
_STEP = re.compile(r"(\w+)(?:\[(\d+)\])?")


def lifecycle_problems(document: Any) -> list[Problem]:
    """Every rule of ECR's lifecycle-policy grammar the document breaks (text or parsed JSON)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            return [_problem("", f"is not JSON ({error.msg} at character {error.pos})", document[:40])]
    else:
        document = _whole_numbers(document)  # protobuf Structs carry every number as a float
    return [_placed(document, finding) for finding in ecr_lifecycle.grammar_problems(document)]


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def _placed(document: Any, finding: str) -> Problem:
    match = _FINDING.fullmatch(finding)
    if match is None:  # a finding about the whole policy
        return _problem("", finding, document if not isinstance(document, dict) else None)
    path = match["path"]
    return _problem(f".{path}", match["rule"], _value_at(document, path))


def _value_at(document: Any, path: str) -> Any:
    """The value at a property path (None where there is none)."""
    value = document
    for step in path.split("."):
        name, index = _STEP.fullmatch(step).groups()  # type: ignore[union-attr]  # _FINDING matched the path
        value = value.get(name) if isinstance(value, dict) else None
        if index is not None:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    return value


def _problem(where: str, rule: str, value: Any) -> Problem:
    text = repr(value)
    return Problem(where, rule, text if len(text) <= 80 else text[:77] + "...", SOURCE, URL)
