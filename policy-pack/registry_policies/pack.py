"""The CrossGuard wrappers: one ResourceValidationPolicy/StackValidationPolicy per check.

Each wrapper copies the engine's properties to plain data (keeping unknowns as data), calls a pure
function, drops exempted findings and reports the rest. A wrapper never raises: an unexpected error
is itself reported as a violation, since an exception would fail the whole Analyze call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from . import stack
from .exemptions import ExemptionBook, find_exemption, parse_exemptions
from .findings import Finding
from .names import EXEMPTION_NOTES, EXEMPTIONS
from .pack_specs import CHECK_NAMES, NOT_EXEMPTABLE, SPECS, Spec
from .sdk_internals import once_per_request
from .values import plain

EXEMPTION_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "policy": {"type": "string"},
            "resource": {"type": "string", "description": "logical name or URN"},
            "reason": {"type": "string", "minLength": 10},
        },
        "required": ["policy", "resource", "reason"],
    },
}


def _guarded(name: str, run: Callable[[], list[Finding]]) -> list[Finding]:
    # The pack never throws: a bug or an input nobody foresaw becomes a violation, never a crash
    # (a crash fails the engine's Analyze call) and never a silent pass.
    try:
        return run()
    except Exception as error:  # noqa: BLE001 - deliberately broad, see above
        return [
            Finding(
                f"{name} could not evaluate this input ({type(error).__name__}: {str(error)[:200]}); "
                "reported as a violation so that it does not pass unchecked"
            )
        ]


def _resource_policy(spec: Spec, book: ExemptionBook) -> ResourceValidationPolicy:
    check = spec.resource_check
    assert check is not None

    def validate(args, report_violation) -> None:
        if spec.resource_types is not None and args.resource_type not in spec.resource_types:
            return

        def run() -> list[Finding]:
            # The same for every resource policy of a request (sdk_internals.analyze hands them all the same
            # properties), so copied once; the checks only read them (a test holds each to that).
            props = once_per_request("resource props", lambda: plain(args.props)) if spec.reads_props else {}
            return check(args.resource_type, props, plain(args.get_config()) or {})

        findings = _guarded(spec.name, run)
        exemptions = book.current() if findings else []
        for finding in findings:
            if find_exemption(exemptions, spec.name, args.urn, args.name) is None:
                report_violation(finding.message)

    return ResourceValidationPolicy(spec.name, spec.description, validate, spec.level, _schema(spec.options))


def _stack_resources(resources: list[Any]) -> list[stack.StackResource]:
    """pulumi_policy's resources as the stack checks read them: plain properties and dependency URNs."""
    return [
        stack.StackResource(
            r.resource_type,
            r.name,
            r.urn,
            plain(r.props),
            tuple(d.urn for d in r.dependencies),
            {k: tuple(d.urn for d in v) for k, v in r.property_dependencies.items()},
            plain(r.provider.props) if r.provider is not None else None,
        )
        for r in resources
    ]


def _stack_policy(spec: Spec, book: ExemptionBook) -> StackValidationPolicy:
    check = spec.stack_check
    assert check is not None

    def validate(args, report_violation) -> None:
        def run() -> list[Finding]:
            # The same for every stack policy of a request (sdk_internals.analyze_stack hands them all the same
            # resources), so built once; the checks only read them (a test holds each to that).
            resources = once_per_request("stack resources", lambda: _stack_resources(args.resources))
            return check(resources, plain(args.get_config()) or {})

        exemptions = book.current()
        for finding in _guarded(spec.name, run):
            if find_exemption(exemptions, spec.name, finding.urn, finding.name) is None:
                report_violation(finding.message, finding.urn)

    return StackValidationPolicy(spec.name, spec.description, validate, spec.level, _schema(spec.options))


def _exemptions_policy(book: ExemptionBook) -> ResourceValidationPolicy:
    def validate(args, report_violation) -> None:
        def run() -> list[Finding]:
            valid, invalid = parse_exemptions(plain(args.get_config()) or {}, CHECK_NAMES, NOT_EXEMPTABLE)
            book.publish(valid)
            return [
                Finding(f"exemptions[{bad.index}] {bad.problem}")
                for bad in invalid
                if bad.resource is None or bad.resource in (args.urn, args.name)
            ]

        for finding in _guarded(EXEMPTIONS, run):
            report_violation(finding.message)

    return ResourceValidationPolicy(
        EXEMPTIONS,
        "Every policy exemption names a policy and a resource and gives a reason of at least 10 characters.",
        validate,
        EnforcementLevel.MANDATORY,
        PolicyConfigSchema({"exemptions": EXEMPTION_SCHEMA}),
    )


def _notes_policy(book: ExemptionBook) -> ResourceValidationPolicy:
    def validate(args, report_violation) -> None:
        for exemption in book.current():
            if exemption.resource in (args.urn, args.name):
                report_violation(f"exempted from {exemption.policy}: {exemption.reason}")

    return ResourceValidationPolicy(
        EXEMPTION_NOTES,
        "Shows every exemption that applies to a resource, with its reason.",
        validate,
        EnforcementLevel.ADVISORY,
    )


def _schema(options: dict[str, dict[str, Any]]) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(dict(options)) if options else None


def build_policies(book: ExemptionBook | None = None) -> list[Policy]:
    """Every policy of the pack, in the order the server runs them (exemptions first, notes last)."""
    book = book or ExemptionBook()
    policies: list[Policy] = [_exemptions_policy(book)]
    for spec in SPECS:
        policies.append(_resource_policy(spec, book) if spec.resource_check else _stack_policy(spec, book))
    policies.append(_notes_policy(book))
    return policies
