"""Policy documents as the pack reads them: aws_facts.iam's parser, with the engine's unknowns as unknowns."""

from __future__ import annotations

from typing import Any

from aws_facts.iam.document import MAX_DOCUMENT_CHARS, Document, Statement, parse

from .sdk_internals import once_per_request
from .values import is_unknown

__all__ = ["MAX_DOCUMENT_CHARS", "Document", "Statement", "parse_document", "string_list"]


def parse_document(value: Any) -> Document:
    """Parse a policy document given as a JSON string or an object; never raises.

    A document given as text is parsed once per request: the policies of one resource (wildcard principal,
    wildcard actions, cross-account, GitHub OIDC) each read the same document, and none changes what it is given
    (Statement is frozen; tests/policy_pack/test_pack_sdk_internals_requests.py holds every resource check to that)."""
    if isinstance(value, str):
        return once_per_request(("policy document", value), lambda: parse(value, is_unknown))
    return parse(value, is_unknown)


def string_list(value: Any) -> list[Any] | None:
    """A string-or-list element as a list; None when the element has the wrong type."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None
