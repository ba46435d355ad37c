"""JUnit XML of a preview run, for CI systems that show test reports.

One <testsuite> per stack. Its cases: the program's evaluation, the policy pack run and the checkov run
(each fails or errors on its own), then one case per policy violation (a failure when mandatory, a pass
with the message as output when advisory) and one per checkov finding (a failure, or skipped with the
waiver's reason when checkov-skips.yaml waives it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .report import short_urn
from .results import RunResult

_OUTCOME_COUNTER = {"failure": "failures", "error": "errors", "skipped": "skipped"}


def junit_xml(result: RunResult) -> str:
    suites = ET.Element("testsuites", name=f"offline-preview ({result.env})")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for stack in result.stacks:
        suite = ET.SubElement(suites, "testsuite", name=f"{stack.project} ({stack.stack})")
        project = stack.project
        _case(suite, "evaluate", f"{project}.program", "error" if stack.error else "", stack.error)
        if not stack.error:
            _case(suite, "policy pack", f"{project}.policy", "error" if stack.policy_error else "", stack.policy_error)
            _case(suite, "checkov", f"{project}.checkov", "error" if stack.checkov_error else "", stack.checkov_error)
            for v in stack.violations:
                message = " ".join(v.message.split())
                name = f"{v.policy} {short_urn(v.urn) or '(stack)'}"
                if v.level == "mandatory":
                    _case(suite, name, f"{project}.policy.mandatory", "failure", message)
                else:
                    _case(suite, name, f"{project}.policy.{v.level}", output=message)
            for f in stack.checkov:
                name = f"{f.check_id} {f.address}"
                if f.waived is None:
                    _case(suite, name, f"{project}.checkov", "failure", f.check_name)
                else:
                    _case(suite, name, f"{project}.checkov", "skipped", f"waived: {' '.join(f.waived.split())}")
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _case(suite: ET.Element, name: str, classname: str, outcome: str = "", message: str = "", output: str = "") -> None:
    """Add one <testcase> and keep the suite's tests/failures/errors/skipped attributes counted."""
    element = ET.SubElement(suite, "testcase", name=name, classname=classname)
    for key in ("tests", "failures", "errors", "skipped"):
        suite.set(key, suite.get(key, "0"))
    suite.set("tests", str(int(suite.get("tests", "0")) + 1))
    if outcome:
        # A failure or error repeats its message as text (shown by most CI viewers); a skip needs only why.
        ET.SubElement(element, outcome, message=message).text = None if outcome == "skipped" else message
        counter = _OUTCOME_COUNTER[outcome]
        suite.set(counter, str(int(suite.get(counter, "0")) + 1))
    if output:
        ET.SubElement(element, "system-out").text = output
