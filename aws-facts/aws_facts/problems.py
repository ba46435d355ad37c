"""The one result type of the validation and the grammars: a rule a value breaks, where, and who says so."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One rule a value breaks: where (a property path), which rule, the value, and the rule's source."""

    where: str
    rule: str
    value: str
    source: str  # e.g. "botocore ecr 2015-09-21 RepositoryName"
    url: str = ""  # the page that documents the rule

    def located(self, prefix: str, url: str) -> Problem:
        """The same problem below a property path, documented at `url` unless it names its own page."""
        where = f"{prefix}{self.where}" if prefix else self.where
        return Problem(where, self.rule, self.value, self.source, self.url or url)
