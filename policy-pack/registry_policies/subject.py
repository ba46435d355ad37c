"""What the effective-access check reads on a resource: a Subject, a document or why it cannot be read.

resources.py finds a resource's subjects; cloudformation.py those of a template or a Cloud Control desired state it
cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Subject:
    """One thing the effective-access check reads: a document, or why it cannot be read."""

    where: str
    document: Any = None
    unreadable: str = ""  # set when the pack cannot read it: the reason
    refused: str = ""  # set when the resource exposes by its nature, whatever its documents: the reason
    deploy_time: bool = False  # its unknowns are CloudFormation intrinsics, not preview placeholders
