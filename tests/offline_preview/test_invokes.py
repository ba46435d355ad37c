"""The invokes the offline preview answers, answered as the provider does, and the ones it refuses."""

import json

import pytest
from offline_preview.aws_outputs import AwsEnvironment, InvokeError, UnknownInvokeError, invoke_result

EMULATOR = json.dumps([{"sts": "http://127.0.0.1:5055", "ecr": "http://127.0.0.1:5055"}])


def test_get_region_gives_awss_description_and_ec2_endpoint_of_the_provider_region():
    answer = invoke_result("aws:index/getRegion:getRegion", {}, AwsEnvironment(region="eu-west-1"))
    assert (answer["region"], answer["description"], answer["endpoint"]) == (
        "eu-west-1",
        "Europe (Ireland)",
        "ec2.eu-west-1.amazonaws.com",
    )


def test_get_region_of_a_named_region_in_china_uses_that_partitions_suffix():
    answer = invoke_result("aws:index/getRegion:getRegion", {"region": "cn-north-1"}, AwsEnvironment())
    assert answer["endpoint"] == "ec2.cn-north-1.amazonaws.com.cn" and answer["description"] == "China (Beijing)"


def test_get_region_of_a_region_aws_does_not_have_stops():
    with pytest.raises(InvokeError, match="region not found for name 'xx-nowhere-1'"):
        invoke_result("aws:index/getRegion:getRegion", {"region": "xx-nowhere-1"}, AwsEnvironment())


def test_get_partition_follows_the_region():
    answer = invoke_result("aws:index/getPartition:getPartition", {}, AwsEnvironment(region="cn-northwest-1"))
    assert answer == {
        "partition": "aws-cn",
        "dnsSuffix": "amazonaws.com.cn",
        "reverseDnsPrefix": "cn.com.amazonaws",
        "id": "aws-cn",
    }


def test_get_caller_identity_against_the_local_emulator_is_motos_identity():
    env = AwsEnvironment.from_config({"aws:endpoints": EMULATOR})
    answer = invoke_result("aws:index/getCallerIdentity:getCallerIdentity", {}, env)
    assert answer["accountId"] == "123456789012" and answer["arn"] == "arn:aws:sts::123456789012:user/moto"


def test_get_caller_identity_answers_the_one_allowed_account():
    env = AwsEnvironment.from_config({"aws:allowedAccountIds": '["111122223333"]'})
    assert invoke_result("aws:index/getCallerIdentity:getCallerIdentity", {}, env)["accountId"] == "111122223333"


@pytest.mark.parametrize(
    "config",
    [{}, {"aws:allowedAccountIds": '["111122223333", "444455556666"]'}],
    ids=["no account", "two accounts"],
)
def test_get_caller_identity_stops_when_the_account_is_not_certain(config):
    with pytest.raises(InvokeError, match="the account is not known offline"):
        invoke_result("aws:index/getCallerIdentity:getCallerIdentity", {}, AwsEnvironment.from_config(config))


def test_get_caller_identity_stops_when_the_emulators_account_is_not_the_allowed_one():
    env = AwsEnvironment.from_config({"aws:endpoints": EMULATOR, "aws:allowedAccountIds": '["111122223333"]'})
    with pytest.raises(InvokeError, match="does not allow"):
        invoke_result("aws:index/getCallerIdentity:getCallerIdentity", {}, env)


def test_any_other_invoke_stops_naming_it():
    with pytest.raises(UnknownInvokeError, match="'aws:ec2/getAmi:getAmi'"):
        invoke_result("aws:ec2/getAmi:getAmi", {}, AwsEnvironment())
