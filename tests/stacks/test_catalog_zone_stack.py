"""The stacks refuse a team file that grants outside the environment's trusted zone, before anything is
registered, naming the file, the line, the model, the field and the rule (model_registry.catalog.TrustedZone)."""

import re

import harness
import pytest
from offline_preview.evaluate import EvaluationError

FOREIGN_ORG = "o-zzzzzzzzzz"


def test_a_team_file_granting_another_organizations_path_stops_the_access_stack(registry_run):
    files = harness.catalog_files()
    nlp = files["nlp.yaml"]
    nlp["models"][0]["consumers"] = {"orgPaths": [f"{FOREIGN_ORG}/r-ab12/"]}
    with pytest.raises(EvaluationError) as error:
        harness.run_stack("access", catalog=files, upstream=harness.upstream_of(registry_run))
    message = str(error.value)
    assert "\n" not in message
    assert re.search(
        rf"catalog/nlp\.yaml:\d+: model '{nlp['models'][0]['name']}': consumers\.orgPaths\[0\]: the path "
        rf"'{FOREIGN_ORG}/r-ab12/' is in the organization '{FOREIGN_ORG}', outside the trusted zone: "
        r"policy-pack/config/local\.json trusts the organizations o-a1b2c3d4e5 \(rule no-wildcard-principal\.organizationIds\)",
        message,
    ), message
