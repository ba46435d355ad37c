"""The grammar of AWS access-policy documents, per kind of policy (IAM JSON policy element reference).

Kinds and the elements each must or must not have:
- `identity` (a role's, user's or group's inline policy, a managed policy): no Principal/NotPrincipal;
  Action or NotAction; Resource or NotResource. Sid: ASCII letters and digits only (IAM).
- `trust` (a role's assume-role policy): Principal or NotPrincipal; Action or NotAction; no Resource/NotResource.
- `repository` (an ECR repository policy, also a creation template's): Principal or NotPrincipal; no Resource
  (the repository is the resource: ECR refuses the element).
- `registry` (an ECR registry policy), `key` (a KMS key policy): Principal or NotPrincipal.
Every kind: Version 2012-10-17 or 2008-10-17 when given; Effect Allow or Deny; a Statement; condition operators
that IAM knows (`...IfExists`, `ForAnyValue:`/`ForAllValues:` included); AWS principals `*`, a 12-digit account
id or an ARN with a 12-digit account. The characters a document may hold (U+0009, U+000A, U+000D, U+0020 to
U+00FF for IAM and KMS) are the request shapes' patterns (aws_facts.validation), read from botocore.
Element names are matched case-insensitively here, as aws_facts.iam reads them: a grammar must never refuse
what AWS accepts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..iam.conditions import KNOWN as CONDITION_OPERATORS
from ..iam.document import ELEMENTS
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
_SET_PREFIXES = ("forallvalues:", "foranyvalue:")
_DOC_PAGES = {
    "Version": "reference_policies_elements_version.html",
    "Sid": "reference_policies_elements_sid.html",
    "Effect": "reference_policies_elements_effect.html",
    "Principal": "reference_policies_elements_principal.html",
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


def policy_problems(document: Any, kind: str) -> list[Problem]:
    """Every grammar rule of `kind` the document breaks (a JSON text or parsed JSON)."""
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
    for index, statement in enumerate(listed):
        where = f".Statement[{index}]" if isinstance(statements, list) else ".Statement"
        if not isinstance(statement, dict):
            problems.append(_p(where, "must be an object", statement))
            continue
        problems += _statement(where, _elements(statement), kind)
    return problems


def _statement(where: str, statement: dict[str, Any], kind: str) -> list[Problem]:
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
    for element in ("Principal", "NotPrincipal"):
        problems += _principal(f"{where}.{element}", statement.get(element))
    problems += _condition(f"{where}.Condition", statement.get("Condition"))
    return problems


def _principal(where: str, value: Any) -> list[Problem]:
    if value is None or value == "*":
        return []
    if not isinstance(value, dict):
        return [_p(where, 'must be "*" or an object of principal types', value, "Principal")]
    problems: list[Problem] = []
    for kind, identifiers in value.items():
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


def _condition(where: str, value: Any) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [_p(where, "must be an object of condition operators", value, "Condition")]
    return [
        _p(f"{where}.{operator}", "is not a condition operator IAM knows", operator, "Condition")
        for operator in value
        if not _operator_known(operator)
    ]
