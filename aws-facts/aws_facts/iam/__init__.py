"""IAM policy documents for the model registry: parse, evaluate, find access from outside the account.

No Pulumi dependency: the policy pack, the offline preview's access matrix and diff, and the tests use it.
"""

from .actions import all_actions, expand
from .conditions import UnsupportedCondition, holds
from .document import Condition, Document, PrincipalValue, Statement, parse
from .evaluate import ALLOW, DENY, IMPLICIT_DENY, allowed_actions, decide, decide_all, normalise_context
from .external import (
    Analysis,
    ExternalAccess,
    TooComplex,
    UnplaceablePrincipal,
    Zone,
    callers_as,
    callers_for,
    external_access,
)
from .principals import Caller, account_of
from .reach import Reach, reach, resource_tag_context
from .wildcard import arn_matches, matches

__all__ = [
    "ALLOW",
    "DENY",
    "IMPLICIT_DENY",
    "Analysis",
    "Caller",
    "Condition",
    "Document",
    "ExternalAccess",
    "PrincipalValue",
    "Reach",
    "Statement",
    "TooComplex",
    "UnplaceablePrincipal",
    "UnsupportedCondition",
    "Zone",
    "account_of",
    "all_actions",
    "allowed_actions",
    "arn_matches",
    "callers_as",
    "callers_for",
    "decide",
    "decide_all",
    "expand",
    "external_access",
    "holds",
    "matches",
    "normalise_context",
    "parse",
    "reach",
    "resource_tag_context",
]
