"""What ECR's DescribeImageScanFindings answers mean (botocore's ECR model types most of these as free strings).

- `imageScanStatus.status` (botocore: ScanStatus): only `COMPLETE` (basic) or `ACTIVE` (enhanced, continuous)
  carry findings that describe the image; every other status means the findings are missing or stale.
- Enhanced findings (Amazon Inspector): `severity` CRITICAL | HIGH | MEDIUM | LOW | INFORMATIONAL | UNTRIAGED;
  `status` ACTIVE | SUPPRESSED | CLOSED (only ACTIVE ones stand); `fixAvailable` YES | PARTIAL | NO (PARTIAL:
  some of the vulnerable packages have a fixed version); `packageVulnerabilityDetails.vulnerablePackages[]`
  with `name`, `version`, `fixedInVersion`.
- Basic findings (`findings`): `severity` (botocore: FindingSeverity) and attributes such as `package_name`,
  `package_version`; they do not say whether a fix exists.
"""

from __future__ import annotations

SCAN_STATUSES_WITH_FINDINGS = ("COMPLETE", "ACTIVE")
ACTIVE_FINDING = "ACTIVE"
FIX_AVAILABLE = ("YES", "PARTIAL")
FIX_VALUES = ("YES", "PARTIAL", "NO")
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED", "UNDEFINED")
