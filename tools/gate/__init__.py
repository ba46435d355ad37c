"""The vulnerability gate: refuse to promote an image while a CRITICAL or HIGH finding has a fix available.

`make gate IMAGE=<repository>@sha256:<digest>` (`python -m gate`) reads the image's scan findings
(DescribeImageScanFindings, every page) and exits

- 0: the scan is complete and no active CRITICAL or HIGH finding has a fix (`fixAvailable` YES or PARTIAL);
- 1: promotion refused: one line per blocking finding (severity, vulnerability, package, installed and
  fixed version), or the scan is missing, failed or not complete; a basic scan's CRITICAL/HIGH findings
  block too, since basic findings do not say whether a fix exists (enable enhanced scanning to tell);
- 2: usage or AWS error, one line.

Pure over the API answers (`verdict`), so tests feed it recorded answers as well as the emulator's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aws_facts import names
from aws_facts.ecr_scan_findings import ACTIVE_FINDING, FIX_AVAILABLE, SCAN_STATUSES_WITH_FINDINGS
from model_registry.rules import is_repository_name

BLOCKING_SEVERITIES = ("CRITICAL", "HIGH")
# <repository>@sha256:<64 hex>; the repository is judged by ECR's own model (aws_facts.names).
IMAGE = re.compile(r"(?P<repository>[^@]+)@(?P<digest>sha256:[0-9a-f]{64})")


class UsageError(ValueError):
    """A bad IMAGE or an AWS error: exit 2."""


@dataclass(frozen=True)
class Verdict:
    promotable: bool
    lines: tuple[str, ...]


def parse_image(value: str) -> tuple[str, str]:
    match = IMAGE.fullmatch(value or "")
    if match and len(match["repository"]) > 256:
        raise UsageError(
            f"IMAGE={value!r}: the repository name is {len(match['repository'])} characters; ECR allows 256"
        )
    if not match or not is_repository_name(match["repository"]):
        raise UsageError(
            f"IMAGE={value!r} is not <repository>@sha256:<64 hex digits> (e.g. models/bert@sha256:...); "
            "promotion is decided per image digest, never per tag"
        )
    repository = match["repository"]
    high = names.MAX_REPOSITORY_NAME
    if len(repository) > high:
        raise UsageError(f"IMAGE={value!r}: the repository name is {len(repository)} characters; ECR allows {high}")
    if not names.is_repository_name(repository):
        raise UsageError(
            f"IMAGE={value!r} is not <repository>@sha256:<64 hex digits> (e.g. models/bert@sha256:...): "
            f"{repository!r} is not an ECR repository name (lowercase runs joined by '.', '_', '__' or dashes)"
        )
    return match["repository"], match["digest"]


def _package(finding: dict[str, Any]) -> str:
    packages = (finding.get("packageVulnerabilityDetails") or {}).get("vulnerablePackages") or []
    shown = []
    for package in packages:
        fixed = package.get("fixedInVersion")
        version = package.get("version") or "?"
        shown.append(f"{package.get('name', '?')} {version}" + (f" (fixed in {fixed})" if fixed else ""))
    return "; ".join(shown) or "package not named"


def _vulnerability(finding: dict[str, Any]) -> str:
    details = finding.get("packageVulnerabilityDetails") or {}
    return details.get("vulnerabilityId") or finding.get("title") or finding.get("findingArn") or "unnamed finding"


def verdict(image: str, pages: Iterable[dict[str, Any]]) -> Verdict:
    """The gate's decision over every page of DescribeImageScanFindings for one image."""
    blocking: list[str] = []
    status = None
    for page in pages:
        status = (page.get("imageScanStatus") or {}).get("status")
        if status not in SCAN_STATUSES_WITH_FINDINGS:
            description = (page.get("imageScanStatus") or {}).get("description") or ""
            return Verdict(
                False,
                (
                    f"refused: {image}: the scan status is {status}{': ' + description if description else ''}; "
                    "promote only an image whose scan is complete",
                ),
            )
        findings = page.get("imageScanFindings") or {}
        for finding in findings.get("enhancedFindings") or []:
            if (
                finding.get("severity") not in BLOCKING_SEVERITIES
                or finding.get("status", ACTIVE_FINDING) != ACTIVE_FINDING
            ):
                continue
            if finding.get("fixAvailable") in FIX_AVAILABLE:
                blocking.append(
                    f"{finding['severity']} {_vulnerability(finding)}: {_package(finding)} "
                    f"(fix available: {finding['fixAvailable']})"
                )
        for finding in findings.get("findings") or []:
            if finding.get("severity") in BLOCKING_SEVERITIES:
                attributes = {a.get("key"): a.get("value") for a in finding.get("attributes") or []}
                package = f"{attributes.get('package_name', '?')} {attributes.get('package_version', '?')}"
                blocking.append(
                    f"{finding['severity']} {finding.get('name', 'unnamed finding')}: {package} (basic scanning does "
                    "not say whether a fix exists: counted as fixable)"
                )
    if status is None:
        return Verdict(False, (f"refused: {image}: no scan findings were returned",))
    if blocking:
        return Verdict(
            False,
            (f"refused: {image} has {len(blocking)} CRITICAL/HIGH finding(s) with a fix available:", *blocking),
        )
    return Verdict(True, (f"ok: {image}: no CRITICAL or HIGH finding with a fix available (scan {status})",))


def pages(client: Any, repository: str, digest: str) -> Iterable[dict[str, Any]]:
    """Every page of DescribeImageScanFindings (nextToken), as the API answers them."""
    token = None
    while True:
        request: dict[str, Any] = {"repositoryName": repository, "imageId": {"imageDigest": digest}, "maxResults": 1000}
        if token:
            request["nextToken"] = token
        page = client.describe_image_scan_findings(**request)
        yield page
        token = page.get("nextToken")
        if not token:
            return
