"""Drift and policy audit of deployed state: what is deployed, checked as a preview checks what is planned.

`python -m audit --state <pulumi stack export JSON> --env <env> [--endpoint-url URL] [--region R] [--report F]`

1. **Policy**: every custom resource of the state goes to the policy pack (the real pack, over its gRPC
   protocol, as the offline preview runs it), with the state's recorded inputs (what the engine analyzes),
   then AnalyzeStack over all of them; a mandatory violation fails the audit.
2. **Access**: the access matrix of the state (who can pull, push, administer each repository).
3. **Drift**: for each resource of a type it can read, the live value (the AWS API through boto3; ENV=local:
   the emulator) compared with the state's: a repository's scanning, tag mutability and encryption,
   repository and registry policies, lifecycle policies, the registry scanning configuration. A resource gone
   is drift. Types it cannot read are listed as not checked, never passed silently; in CI the scheduled
   workflow (.github/workflows/audit.yml) runs `pulumi refresh --preview-only --expect-no-changes` for them.

Exit 0: no drift, no mandatory violation; 1: drift or a violation (the report says which); 2: usage or
input error, one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_facts import resource_types
from aws_facts.ecr_scanning import FilterType

SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
STACK_TYPES = ("pulumi:pulumi:Stack",)


class AuditError(ValueError):
    """A state file or argument that cannot be audited: exit 2, one line."""


@dataclass
class Report:
    state: str
    violations: list[dict[str, str]] = field(default_factory=list)
    drift: list[dict[str, str]] = field(default_factory=list)
    not_checked: dict[str, int] = field(default_factory=dict)
    checked: int = 0
    matrix: dict[str, Any] = field(default_factory=dict)

    @property
    def mandatory(self) -> list[dict[str, str]]:
        return [v for v in self.violations if v["level"] == "mandatory"]

    @property
    def failed(self) -> bool:
        return bool(self.drift or self.mandatory)

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "failed": self.failed,
            "drift": self.drift,
            "violations": self.violations,
            "driftChecked": self.checked,
            "driftNotChecked": self.not_checked,
            "accessMatrix": self.matrix,
        }

    def lines(self) -> list[str]:
        out = [f"audit of {self.state}: {'FAILED' if self.failed else 'OK'}"]
        out += [f"DRIFT {d['urn']}: {d['field']}: state {d['state']} != live {d['live']}" for d in self.drift]
        out += [f"{v['level'].upper()} {v['policy']} {v['urn']}: {v['message']}" for v in self.violations]
        shown = ", ".join(f"{t} ({n})" for t, n in sorted(self.not_checked.items())) or "none"
        out.append(f"drift checked on {self.checked} resources; not read here: {shown}")
        return out


def resources_of(state: Any, file: str) -> list[dict[str, Any]]:
    """The custom resources of a `pulumi stack export` (version 3), or an AuditError naming the file."""
    deployment = state.get("deployment") if isinstance(state, dict) else None
    if not isinstance(deployment, dict) or not isinstance(deployment.get("resources", []), list):
        raise AuditError(
            f"{file}: not a `pulumi stack export` file (no deployment.resources); export the stack's state"
        )
    if state.get("version") != 3:
        raise AuditError(f"{file}: version {state.get('version')!r}; this audit reads `pulumi stack export` version 3")
    found = []
    for index, resource in enumerate(deployment.get("resources") or []):
        if (
            not isinstance(resource, dict)
            or not isinstance(resource.get("type"), str)
            or not isinstance(resource.get("urn"), str)
        ):
            raise AuditError(f"{file}: deployment.resources[{index}] has no type and urn")
        if (
            not resource.get("custom")
            or resource["type"].startswith("pulumi:providers:")
            or resource["type"] in STACK_TYPES
        ):
            continue
        if _has_ciphertext(resource.get("inputs")):
            raise AuditError(
                f"{file}: {resource['urn']}: holds an encrypted secret; export with `pulumi stack export --show-secrets` "
                "so that the pack sees the value it guards"
            )
        found.append(resource)
    return found


def _has_ciphertext(value: Any) -> bool:
    if isinstance(value, dict):
        if SECRET_SIGNATURE_KEY in value and "ciphertext" in value:
            return True
        return any(_has_ciphertext(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_ciphertext(v) for v in value)
    return False


def analyzer_resource(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A state resource as the engine hands a resource to a policy pack: its recorded inputs."""
    name = resource["urn"].rsplit("::", 1)[-1]
    return {
        "type": resource["type"],
        "name": name,
        "urn": resource["urn"],
        "properties": _secrets_in_envelope(resource.get("inputs") or {}),
        "options": {"protect": bool(resource.get("protect")), "parent": resource.get("parent") or ""},
        "parent": resource.get("parent") or "",
        "dependencies": list(resource.get("dependencies") or ()),
        "propertyDependencies": {k: list(v) for k, v in (resource.get("propertyDependencies") or {}).items()},
    }


def _secrets_in_envelope(value: Any) -> Any:
    """`--show-secrets` writes {"<sig key>": ..., "plaintext": "<JSON>"}: the engine sends {"<sig key>", "value"}."""
    if isinstance(value, dict):
        if SECRET_SIGNATURE_KEY in value and "plaintext" in value:
            return {SECRET_SIGNATURE_KEY: value[SECRET_SIGNATURE_KEY], "value": json.loads(value["plaintext"])}
        return {k: _secrets_in_envelope(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_secrets_in_envelope(v) for v in value]
    return value


# --- drift: the live value of what the state records ----------------------------------------------


def _json(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _repository(ecr: Any, inputs: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    [live] = ecr.describe_repositories(repositoryNames=[inputs["name"]])["repositories"]
    encryption = (inputs.get("encryptionConfigurations") or [{}])[0]
    return [
        (
            "imageScanningConfiguration.scanOnPush",
            (inputs.get("imageScanningConfiguration") or {}).get("scanOnPush", False),
            live["imageScanningConfiguration"]["scanOnPush"],
        ),
        ("imageTagMutability", inputs.get("imageTagMutability", "MUTABLE"), live["imageTagMutability"]),
        (
            "encryptionConfiguration.encryptionType",
            encryption.get("encryptionType", "AES256"),
            live["encryptionConfiguration"]["encryptionType"],
        ),
    ]


def _repository_policy(ecr: Any, inputs: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    live = ecr.get_repository_policy(repositoryName=inputs["repository"])["policyText"]
    return [("policy", _json(inputs["policy"]), _json(live))]


def _lifecycle_policy(ecr: Any, inputs: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    live = ecr.get_lifecycle_policy(repositoryName=inputs["repository"])["lifecyclePolicyText"]
    return [("policy", _json(inputs["policy"]), _json(live))]


def _registry_policy(ecr: Any, inputs: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    live = ecr.get_registry_policy()["policyText"]
    return [("policy", _json(inputs["policy"]), _json(live))]


def _scanning(ecr: Any, inputs: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    live = ecr.get_registry_scanning_configuration()["scanningConfiguration"]

    def rules(values: Iterable[Mapping[str, Any]], frequency: str, filters: str, kind: str) -> list[Any]:
        return sorted(
            (r[frequency], sorted((f["filter"], f.get(kind, FilterType.WILDCARD.value)) for f in r[filters]))
            for r in values
        )

    return [
        ("scanType", inputs.get("scanType"), live.get("scanType")),
        (
            "rules",
            rules(inputs.get("rules") or [], "scanFrequency", "repositoryFilters", "filterType"),
            rules(live.get("rules") or [], "scanFrequency", "repositoryFilters", "filterType"),
        ),
    ]


READERS: dict[str, Callable[[Any, Mapping[str, Any]], list[tuple[str, Any, Any]]]] = {
    resource_types.ECR_REPOSITORY: _repository,
    resource_types.ECR_REPOSITORY_POLICY: _repository_policy,
    resource_types.ECR_LIFECYCLE_POLICY: _lifecycle_policy,
    resource_types.ECR_REGISTRY_POLICY: _registry_policy,
    resource_types.ECR_REGISTRY_SCANNING_CONFIGURATION: _scanning,
}
GONE = (
    "RepositoryNotFoundException",
    "RepositoryPolicyNotFoundException",
    "LifecyclePolicyNotFoundException",
    "RegistryPolicyNotFoundException",
)


def drift(resources: list[dict[str, Any]], ecr: Any, report: Report) -> None:
    """Compare each readable resource's recorded inputs with the live API's answer."""
    from botocore.exceptions import ClientError

    for resource in resources:
        reader = READERS.get(resource["type"])
        if reader is None:
            report.not_checked[resource["type"]] = report.not_checked.get(resource["type"], 0) + 1
            continue
        report.checked += 1
        try:
            triples = reader(ecr, resource.get("inputs") or {})
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in GONE:
                raise AuditError(f"{resource['urn']}: cannot read it live: {code}: {error}") from None
            report.drift.append(
                {"urn": resource["urn"], "field": "(the resource)", "state": "exists", "live": f"gone ({code})"}
            )
            continue
        for name, recorded, live in triples:
            if recorded != live:
                report.drift.append(
                    {"urn": resource["urn"], "field": name, "state": json.dumps(recorded), "live": json.dumps(live)}
                )
