"""A pack with one resource policy that misbehaves on its first Analyze call, as $FAULT_PACK says:
`sleep` (silent for an hour), `die` (the process ends with status 7), anything else: no fault."""

import os
import time

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

FAULT = os.environ.get("FAULT_PACK", "")


def validate(args, report_violation):
    if FAULT == "sleep":
        time.sleep(3600)
    if FAULT == "die":
        os._exit(7)


PolicyPack(
    name="fault-pack",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[ResourceValidationPolicy(name="misbehaves", description="misbehaves on request", validate=validate)],
)
