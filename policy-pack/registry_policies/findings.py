"""The one result type every policy function returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One violation. urn/name are set by stack policies to name the offending resource."""

    message: str
    urn: str | None = None
    name: str | None = None
    unknown: bool = False  # the policy could not be evaluated because of a preview-time unknown


def cannot_evaluate(policy: str, what: str, urn: str | None = None, name: str | None = None) -> Finding:
    """A mandatory check must not pass on an unknown: say so, as a violation."""
    return Finding(
        f"{policy} could not be evaluated during preview: {what} is not known yet; "
        "it is reported as a violation because an unknown value must not count as a pass",
        urn=urn,
        name=name,
        unknown=True,
    )
