"""aws_facts.models reads botocore's service models from its data folder, without botocore's Loader (a cheaper
start for every process that imports the leaf package): for every service the repository reads, the model is the
one the Loader gives, and a service botocore lacks is refused by name."""

import botocore.loaders
import pytest
from aws_facts import models

# Every service whose model the repository reads (models.* calls and aws_facts.validation's requests).
SERVICES = ["ecr", "ecr-public", "iam", "kms", "organizations"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_model_is_the_one_botocore_s_loader_gives(service):
    assert models.service_model(service) == botocore.loaders.Loader().load_service_model(service, "service-2")


def test_the_services_the_requests_read_are_listed():
    from aws_facts.validation import requests

    assert {r.service for r in requests.REQUESTS.values()} <= set(SERVICES)


def test_a_service_botocore_lacks_is_refused_by_name():
    with pytest.raises(KeyError, match="no service model 'no-such-service'"):
        models.service_model("no-such-service")
