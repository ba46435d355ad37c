"""`aws.iam.get_policy_document` as the AWS provider computes it (terraform-provider-aws, data source
`aws_iam_policy_document`: internal/service/iam/policy_document_data_source.go and policy_model.go).

Order of the merge: `sourcePolicyDocuments` in order (a Sid repeated across them is an error), then the
document of `statements` (its statements replace same-Sid ones, others are appended; a Sid repeated among
them is an error), then `overridePolicyDocuments` in order (same-Sid statements replaced, others appended).
A merged document adopts a non-empty `Id` and the greater `Version`.

Rendering: `statements` fields are sets, so duplicates collapse; one value is a string, several are sorted
in reverse. `&{` becomes `${` in resources, principals and condition values (an error with version
2008-10-17). Principals merge by type (`{"*": "*"}` alone renders as "*"); conditions by test and
variable, in Go's sorted map order. Source and override documents are read as Go's encoding/json reads
them into the provider's structs (keys matched case-insensitively, a string Principal means "*",
identifiers sorted in reverse, boolean condition values kept as "true"/"false", numeric ones dropped)
and anything the provider refuses is refused here, with the provider's reason.

Not reproduced: the order of several principal blocks of the same type, or condition blocks of the
same test and variable, inside one statement (Terraform orders set elements by hash). The grants are
the same; only the order of identifiers or values in the JSON text may differ.

Here: the merge and the `statements` argument; source and override documents are read in
policy_document_read.py, the merged document rendered in policy_document_render.py.
"""

from __future__ import annotations

import re
import zlib

from . import gojson
from .policy_document_read import PolicyDocumentError, go_kind, read_document
from .policy_document_render import render

DEFAULT_VERSION = "2012-10-17"
VERSIONS = ("2008-10-17", "2012-10-17")
_SID = re.compile(r"[a-zA-Z0-9]*")


def get_policy_document(args: dict) -> dict:
    """The invoke's outputs: `json` (MarshalIndent), `minifiedJson` (Marshal), `id` and the arguments."""
    for legacy in ("sourceJson", "overrideJson"):
        if args.get(legacy):
            raise PolicyDocumentError(f"{legacy} is not used by the provider (it accepts only an empty value)")
    merged: dict = {"Version": "", "Id": "", "Statement": []}
    seen_sids: set[str] = set()
    for index, text in enumerate(args.get("sourcePolicyDocuments") or []):
        if text is None:
            continue
        source = read_document(text, f"merging source document {index}")
        for position, statement in enumerate(source["Statement"]):
            sid = statement.get("Sid", "")
            if sid:
                if sid in seen_sids:
                    raise PolicyDocumentError(
                        f"merging source document {index}: duplicate Sid ({sid}) in source_policy_documents "
                        f"(statement {position}). Remove the Sid or ensure Sids are unique."
                    )
                seen_sids.add(sid)
        _merge(merged, source)
    _merge(merged, _own_document(args))
    for index, text in enumerate(args.get("overridePolicyDocuments") or []):
        if text is None:
            continue
        _merge(merged, read_document(text, f"merging override document {index}"))
    rendered = render(merged)
    text = gojson.marshal_indent(rendered, sort_keys=False)
    return {
        **args,
        "version": args.get("version") or DEFAULT_VERSION,
        "json": text,
        "minifiedJson": gojson.marshal(rendered, sort_keys=False),
        "id": str(zlib.crc32(text.encode())),  # create.StringHashcode: crc32 (IEEE), never negative on 64 bits
    }


def _merge(into: dict, new: dict) -> None:
    """IAMPolicyDoc.Merge: adopt a non-empty Id, the greater Version; same-Sid statements replaced in place."""
    if new["Id"]:
        into["Id"] = new["Id"]
    if new["Version"] > into["Version"]:
        into["Version"] = new["Version"]
    for statement in new["Statement"]:
        sid = statement.get("Sid", "")
        if sid:
            for i, existing in enumerate(into["Statement"]):
                if existing.get("Sid", "") == sid:
                    into["Statement"][i] = statement
                    break
            else:
                into["Statement"].append(statement)
        else:
            into["Statement"].append(statement)


# -- the document of the `statements` argument ------------------------------------------------------


def _own_document(args: dict) -> dict:
    version = args.get("version") or DEFAULT_VERSION
    if version not in VERSIONS:
        raise PolicyDocumentError(f"expected version to be one of {list(VERSIONS)}, got {version}")
    statements = []
    sids: set[str] = set()
    for raw_block in args.get("statements") or []:
        block = _pulumi_names(raw_block)
        effect = block.get("effect")
        effect = "Allow" if effect is None else effect
        if effect not in ("Allow", "Deny"):
            raise PolicyDocumentError(f'expected statement effect to be one of ["Allow" "Deny"], got {effect}')
        statement: dict = {"Effect": effect}
        sid = block.get("sid") or ""
        if not _SID.fullmatch(sid):
            raise PolicyDocumentError(f"statement sid {sid!r}: must only include alphanumeric characters")
        if sid in sids:
            raise PolicyDocumentError(f"duplicate Sid ({sid}). Remove the Sid or ensure the Sid is unique.")
        if sid:
            sids.add(sid)
            statement["Sid"] = sid
        for key, field, replace in (
            ("actions", "Action", False),
            ("notActions", "NotAction", False),
            ("resources", "Resource", True),
            ("notResources", "NotResource", True),
        ):
            values = _string_set(block.get(key), key)
            if values:
                decoded = _decode_strings(values)
                statement[field] = _replace_vars(decoded, version, key) if replace else decoded
        for key, field in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            principals = []
            for principal in _unique(block.get(key) or []):
                if not isinstance(principal.get("type"), str):
                    raise PolicyDocumentError(f'{key}: the argument "type" is required')
                identifiers = _decode_strings(_string_set(principal.get("identifiers"), f"{key}.identifiers"))
                principals.append((principal.get("type"), _replace_vars(identifiers, version, f"{key}.identifiers")))
            if principals:
                statement[field] = principals
        conditions = []
        for condition in _unique(block.get("conditions") or []):
            for required in ("test", "variable"):
                if not isinstance(condition.get(required), str):
                    raise PolicyDocumentError(f'conditions: the argument "{required}" is required')
            values = [str(v) for v in condition.get("values") or []]
            values = _replace_vars(values, version, "condition values")
            conditions.append(
                (condition.get("test"), condition.get("variable"), values[0] if len(values) == 1 else values)
            )
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    return {"Version": version, "Id": args.get("policyId") or "", "Statement": statements}


# A statement given as a plain dict reaches the provider with the keys as the program wrote them; the
# bridge reads a key by its Pulumi name or by the Terraform name, so `not_principals` is NotPrincipal,
# never dropped (dropping it turns a Deny-except-X into a Deny of everyone, and an Allow NotAction into
# nothing at all). The other keys of a statement are one word, the same in both spellings.
_TERRAFORM_NAMES = {"not_actions": "notActions", "not_resources": "notResources", "not_principals": "notPrincipals"}


def _pulumi_names(block) -> dict:
    if not isinstance(block, dict):
        raise PolicyDocumentError(f"statements: each statement must be an object, got {go_kind(block)}")
    renamed = dict(block)
    for terraform, pulumi in _TERRAFORM_NAMES.items():
        if terraform in renamed:
            if pulumi in renamed:
                raise PolicyDocumentError(
                    f"statements: both {terraform!r} and {pulumi!r} are given; they are one argument, give it once"
                )
            renamed[pulumi] = renamed.pop(terraform)
    return renamed


def _string_set(values, key: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise PolicyDocumentError(f"{key} must be a list of strings, got {values!r}")
    return list(dict.fromkeys(values))  # a Terraform set: duplicates collapse


def _unique(blocks: list) -> list:
    unique: list = []
    for block in blocks:
        if block not in unique:
            unique.append(block)
    return unique


def _decode_strings(values: list[str]):
    """policyDecodeConfigStrings: one value as a string, several sorted in reverse."""
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True)


def _replace_vars(value, version: str, key: str):
    """`&{` -> `${` (Terraform's escape for IAM policy variables); refused with version 2008-10-17."""
    items = [value] if isinstance(value, str) else value
    for item in items:
        if version == "2008-10-17" and "&{" in item:
            raise PolicyDocumentError(
                f"reading {key}: found &{{ sequence in ({item}), which is not supported in document version 2008-10-17"
            )
    replaced = [item.replace("&{", "${") for item in items]
    return replaced[0] if isinstance(value, str) else replaced
