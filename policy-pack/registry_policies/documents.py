"""Policy documents as the pack reads them: aws_facts.iam's parser, with the engine's unknowns as unknowns."""

from __future__ import annotations

from typing import Any

from aws_facts.iam.document import MAX_DOCUMENT_CHARS, Document, Statement, parse

from .values import is_unknown

__all__ = ["MAX_DOCUMENT_CHARS", "Document", "Statement", "parse_document", "string_list"]


def parse_document(value: Any) -> Document:
    """Parse a policy document given as a JSON string or an object; never raises."""
    return parse(value, is_unknown)


def string_list(value: Any) -> list[Any] | None:
    """A string-or-list element as a list; None when the element has the wrong type."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None
