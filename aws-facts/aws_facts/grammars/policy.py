"""The grammar of AWS access-policy documents, per kind of policy (IAM JSON policy element reference).

Kinds and the elements each must or must not have:
- `identity` (a role's, user's or group's inline policy, a managed policy): no Principal/NotPrincipal;
  Action or NotAction; Resource or NotResource, each "*" or an ARN ("Resource ... must be in ARN format or
  *"). Sid: ASCII letters and digits only, unique within the policy (IAM: "Statement IDs (SID) in a single
  policy must be unique").
- `trust` (a role's assume-role policy): Principal, never NotPrincipal (reference_policies_elements_notprincipal:
  "You cannot use the NotPrincipal element in an IAM identity-based policy nor in an IAM role trust policy");
  Action or NotAction, and only STS's actions ("AssumeRole policy may only specify STS AssumeRole actions");
  no Resource/NotResource. Sid as in `identity`.
- `repository` (an ECR repository policy, also a creation template's): Principal or NotPrincipal; no Resource
  (the repository is the resource: ECR refuses the element).
- `registry` (an ECR registry policy), `key` (a KMS key policy): Principal or NotPrincipal.
Every kind: Version 2012-10-17 or 2008-10-17 when given; Effect Allow or Deny; a Statement; condition operators
that IAM knows (`...IfExists`, `ForAnyValue:`/`ForAllValues:` included); actions and condition keys prefaced by
a vendor (`ecr:...`, `aws:...`; an action may be "*": "Actions/Conditions must be prefaced by a vendor");
principal types AWS, Service, Federated or CanonicalUser; AWS principals `*`, a 12-digit account id or an ARN
with a 12-digit account; NotPrincipal only with Deny ("Using it with "Effect":"Allow" is not supported"). The characters a document may hold (U+0009, U+000A, U+000D, U+0020 to
U+00FF for IAM and KMS) are the request shapes' patterns (aws_facts.validation), read from botocore.
Element names are matched case-insensitively here, as aws_facts.iam reads them: a grammar must never refuse
what AWS accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..iam.conditions import KNOWN as CONDITION_OPERATORS
from ..iam.document import ELEMENTS, PRINCIPAL_KINDS
from ..iam.principals import is_aws_principal
from ..problems import Problem

URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html"
SOURCE = "IAM JSON policy grammar"
VERSIONS = ("2012-10-17", "2008-10-17")
EFFECTS = ("Allow", "Deny")
IAM_SID = re.compile(r"[A-Za-z0-9]*")
# The policy grammar's element names, once (the parser's): the document's own, then the statement's.
TOP_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = tuple(name for name in ELEMENTS if name not in TOP_ELEMENTS)
KINDS = ("identity", "trust", "repository", "registry", "key")
IAM_KINDS = ("identity", "trust")  # the policies IAM itself stores (its Sid and Resource rules)
# An action: "<vendor>:<name>", the vendor of letters, digits, '-' and '.', one colon ("Actions/Conditions must be
# prefaced by a vendor", "Actions/Condition can contain only one colon", "Vendor ... is not valid").
_ACTION = re.compile(r"(\*|[A-Za-z0-9.-]+):[^:]+", re.DOTALL)
# A condition key: "<vendor>:<key>" (a tag key after the vendor may hold more colons: aws:ResourceTag/a:b).
_CONDITION_KEY = re.compile(r"[^:\s]+:.+", re.DOTALL)
# The service whose actions a role trust policy may name (sts:AssumeRole, sts:TagSession, ...).
TRUST_VENDOR = "sts"
_SET_PREFIXES = ("forallvalues:", "foranyvalue:")
_DOC_PAGES = {
    "Version": "reference_policies_elements_version.html",
    "Sid": "reference_policies_elements_sid.html",
    "Effect": "reference_policies_elements_effect.html",
    "Principal": "reference_policies_elements_principal.html",
    "NotPrincipal": "reference_policies_elements_notprincipal.html",
    "Action": "reference_policies_elements_action.html",
    "Resource": "reference_policies_elements_resource.html",
    "Condition": "reference_policies_elements_condition_operators.html",
}


def _p(where: str, rule: str, value: Any, element: str = "") -> Problem:
    text = repr(value)
    page = _DOC_PAGES.get(element)
    url = f"https://docs.aws.amazon.com/IAM/latest/UserGuide/{page}" if page else URL
    return Problem(where, rule, text if len(text) <= 80 else text[:77] + "...", SOURCE, url)


def _elements(obj: dict[str, Any]) -> dict[str, Any]:
    known = {name.lower(): name for name in (*STATEMENT_ELEMENTS, *TOP_ELEMENTS)}
    return {known.get(key.lower(), key): value for key, value in obj.items()}


def _operator_known(operator: str) -> bool:
    name = operator.lower()
    for prefix in _SET_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if name.endswith("ifexists") and name != "null":
        name = name[: -len("ifexists")]
    return name in CONDITION_OPERATORS


def _never(_value: Any) -> bool:
    return False


def policy_problems(document: Any, kind: str, is_unknown: Callable[[Any], bool] = _never) -> list[Problem]:
    """Every grammar rule of `kind` the document breaks (a JSON text or parsed JSON). Values `is_unknown` marks
    (a parsed document holding a preview's placeholders) are not judged."""
    if kind not in KINDS:
        raise ValueError(f"unknown policy kind {kind!r}; expected one of {', '.join(KINDS)}")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            return [_p("", f"is not JSON ({error.msg} at character {error.pos})", document[:40])]
    if not isinstance(document, dict):
        return [_p("", "must be a JSON object", document)]
    top = _elements(document)
    problems = [_p(f".{key}", "is not a policy element", key) for key in top if key not in TOP_ELEMENTS]
    if "Version" in top and top["Version"] not in VERSIONS:
        problems.append(_p(".Version", f"must be {' or '.join(VERSIONS)}", top["Version"], "Version"))
    statements = top.get("Statement")
    if statements is None:
        return problems + [_p(".Statement", "is required", None)]
    listed = statements if isinstance(statements, list) else [statements]
    sids: dict[str, int] = {}
    for index, statement in enumerate(listed):
        where = f".Statement[{index}]" if isinstance(statements, list) else ".Statement"
        if not isinstance(statement, dict):
            problems.append(_p(where, "must be an object", statement))
            continue
        elements = _elements(statement)
        problems += _statement(where, elements, kind, is_unknown)
        sid = elements.get("Sid")
        if kind in IAM_KINDS and isinstance(sid, str) and sid and not is_unknown(sid):
            if sid in sids:
                problems.append(
                    _p(
                        f"{where}.Sid",
                        f"must be unique in an IAM policy (Statement[{sids[sid]}] has it too)",
                        sid,
                        "Sid",
                    )
                )
            else:
                sids[sid] = index
    return problems


def _strings(value: Any, is_unknown: Callable[[Any], bool]) -> list[str]:
    """The known strings of an element that takes a string or a list of strings."""
    listed = value if isinstance(value, list) else [value]
    return [item for item in listed if isinstance(item, str) and not is_unknown(item)]


def _statement(where: str, statement: dict[str, Any], kind: str, is_unknown: Callable[[Any], bool]) -> list[Problem]:
    problems = [_p(f"{where}.{k}", "is not a statement element", k) for k in statement if k not in STATEMENT_ELEMENTS]
    effect = statement.get("Effect")
    if effect not in EFFECTS:
        problems.append(_p(f"{where}.Effect", "must be Allow or Deny", effect, "Effect"))
    sid = statement.get("Sid")
    if kind in ("identity", "trust") and sid is not None and not (isinstance(sid, str) and IAM_SID.fullmatch(sid)):
        problems.append(_p(f"{where}.Sid", "takes ASCII letters and digits only in an IAM policy", sid, "Sid"))
    has = {name: name in statement for name in STATEMENT_ELEMENTS}
    if not (has["Action"] or has["NotAction"]):
        problems.append(_p(where, "needs Action or NotAction", None))
    principal = has["Principal"] or has["NotPrincipal"]
    resource = has["Resource"] or has["NotResource"]
    if kind == "identity":
        if principal:
            problems.append(_p(where, "an identity policy takes no Principal or NotPrincipal", None, "Principal"))
        if not resource:
            problems.append(_p(where, "an identity policy needs Resource or NotResource", None, "Resource"))
    else:
        if not principal:
            problems.append(_p(where, f"a {kind} policy needs Principal or NotPrincipal", None, "Principal"))
        if kind in ("trust", "repository") and resource:
            what = (
                "a role trust policy"
                if kind == "trust"
                else "an ECR repository policy (the repository is the resource)"
            )
            problems.append(_p(where, f"{what} takes no Resource or NotResource", None, "Resource"))
    if has["NotPrincipal"] and kind == "trust":
        problems.append(_p(f"{where}.NotPrincipal", "a role trust policy takes no NotPrincipal", None, "NotPrincipal"))
    elif has["NotPrincipal"] and effect == "Allow":
        problems.append(
            _p(
                f"{where}.NotPrincipal",
                'goes with "Effect": "Deny" only (Allow is not supported)',
                effect,
                "NotPrincipal",
            )
        )
    problems += _actions(where, statement, kind, is_unknown)
    if kind == "identity":
        for element in ("Resource", "NotResource"):
            for named in _strings(statement.get(element), is_unknown):
                if named != "*" and not named.startswith("arn:"):
                    rule = 'must be "*" or an ARN (arn:<partition>:<service>:...) in an IAM policy'
                    problems.append(_p(f"{where}.{element}", rule, named, "Resource"))
    for element in ("Principal", "NotPrincipal"):
        problems += _principal(f"{where}.{element}", statement.get(element))
    problems += _condition(f"{where}.Condition", statement.get("Condition"), is_unknown)
    return problems


def _is_sts(action: str) -> bool:
    return action.split(":", 1)[0].lower() == TRUST_VENDOR


def _actions(where: str, statement: dict[str, Any], kind: str, is_unknown: Callable[[Any], bool]) -> list[Problem]:
    problems: list[Problem] = []
    for element in ("Action", "NotAction"):
        for action in _strings(statement.get(element), is_unknown):
            if action != "*" and not _ACTION.fullmatch(action):
                rule = 'must be "*" or <vendor>:<action> with one colon (e.g. ecr:BatchGetImage)'
                problems.append(_p(f"{where}.{element}", rule, action, "Action"))
            elif element == "Action" and kind == "trust" and action != "*" and not _is_sts(action):
                rule = "a role trust policy may only name STS's actions (sts:AssumeRole, sts:TagSession, ...)"
                problems.append(_p(f"{where}.{element}", rule, action, "Action"))
    return problems


def _principal(where: str, value: Any) -> list[Problem]:
    if value is None or value == "*":
        return []
    if not isinstance(value, dict):
        return [_p(where, 'must be "*" or an object of principal types', value, "Principal")]
    problems: list[Problem] = []
    kinds = {name.lower() for name in PRINCIPAL_KINDS}
    for kind, identifiers in value.items():
        if kind.lower() not in kinds:
            rule = f"a principal type is one of {', '.join(PRINCIPAL_KINDS)}"
            problems.append(_p(where, rule, kind, "Principal"))
            continue
        if kind.lower() != "aws":
            continue
        for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
            if not isinstance(identifier, str) or not is_aws_principal(identifier):
                problems.append(
                    _p(
                        f"{where}.AWS",
                        'an AWS principal is "*", a 12-digit account id or an ARN with a 12-digit account',
                        identifier,
                        "Principal",
                    )
                )
    return problems


def _condition(where: str, value: Any, is_unknown: Callable[[Any], bool]) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [_p(where, "must be an object of condition operators", value, "Condition")]
    problems = [
        _p(f"{where}.{operator}", "is not a condition operator IAM knows", operator, "Condition")
        for operator in value
        if not _operator_known(operator)
    ]
    for operator, block in value.items():
        for key in block if isinstance(block, dict) else ():
            if isinstance(key, str) and not is_unknown(key) and not _CONDITION_KEY.fullmatch(key):
                rule = "a condition key must be prefaced by a vendor (aws:SourceIp, ecr:ResourceTag/<key>, ...)"
                problems.append(_p(f"{where}.{operator}", rule, key, "Condition"))
    return problems
