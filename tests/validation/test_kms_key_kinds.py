"""A KMS key's spec, usage and rotation as CreateKey and EnableKeyRotation take them, and the lockout check
against an explicit Deny (aws:kms/key:Key through aws_facts.validation).

Expected values are written from the API reference: CreateKey's KeyUsage ("For symmetric encryption KMS keys,
omit the parameter or specify ENCRYPT_DECRYPT. For HMAC KMS keys (symmetric), specify GENERATE_VERIFY_MAC. For
asymmetric KMS keys with RSA key pairs, specify ENCRYPT_DECRYPT or SIGN_VERIFY. For ... NIST-standard elliptic
curve key pairs, specify SIGN_VERIFY or KEY_AGREEMENT ..."), and EnableKeyRotation ("Automatic key rotation is
supported only on symmetric encryption KMS keys ... or KMS keys in a custom key store")."""

import json

import pytest
from aws_facts import kms, models
from aws_facts.grammars.api_rules import kms_lockout_problems
from aws_facts.validation import validate_resource
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE
from registry_policies.values import is_unknown

KEY = "aws:kms/key:Key"
ACCOUNT = "123456789012"


def found(props):
    return [(p.where, p.rule) for p in validate_resource(KEY, props, is_unknown=is_unknown).problems]


def test_every_key_spec_botocore_names_has_its_usages():
    assert [spec for spec in models.enum("kms", "KeySpec") if kms.key_usages(spec) is None] == []


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        (None, None),  # CreateKey's defaults: SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
        ("RSA_2048", "ENCRYPT_DECRYPT"),
        ("RSA_4096", "SIGN_VERIFY"),
        ("ECC_NIST_P256", "SIGN_VERIFY"),
        ("ECC_NIST_P384", "KEY_AGREEMENT"),
        ("ECC_SECG_P256K1", "SIGN_VERIFY"),
        ("ML_DSA_65", "SIGN_VERIFY"),
        ("ML_KEM_768", "ENCAPSULATE_DECAPSULATE"),
        ("SM2", "KEY_AGREEMENT"),
    ],
)
def test_the_documented_spec_and_usage_pairs_pass(spec, usage):
    props = {k: v for k, v in (("customerMasterKeySpec", spec), ("keyUsage", usage)) if v is not None}
    assert found(props) == []


@pytest.mark.parametrize(
    ("spec", "usage", "takes"),
    [
        ("SYMMETRIC_DEFAULT", "SIGN_VERIFY", "ENCRYPT_DECRYPT"),
        (None, "SIGN_VERIFY", "ENCRYPT_DECRYPT"),  # the spec defaults to SYMMETRIC_DEFAULT
        ("HMAC_256", None, "GENERATE_VERIFY_MAC"),  # the usage defaults to ENCRYPT_DECRYPT
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT", "SIGN_VERIFY or KEY_AGREEMENT"),
        ("ECC_SECG_P256K1", "KEY_AGREEMENT", "SIGN_VERIFY"),
        ("RSA_2048", "GENERATE_VERIFY_MAC", "ENCRYPT_DECRYPT or SIGN_VERIFY"),
        ("ML_KEM_512", "ENCRYPT_DECRYPT", "ENCAPSULATE_DECAPSULATE"),
    ],
)
def test_a_usage_the_spec_does_not_take_is_refused(spec, usage, takes):
    props = {k: v for k, v in (("customerMasterKeySpec", spec), ("keyUsage", usage)) if v is not None}
    shown = spec or "SYMMETRIC_DEFAULT"
    assert found(props) == [("keyUsage", f"a {shown} key takes keyUsage {takes}")]


def test_only_a_symmetric_encryption_key_outside_a_custom_key_store_rotates():
    assert found({"enableKeyRotation": True, "rotationPeriodInDays": 90}) == []
    assert found({"enableKeyRotation": False, "customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}) == []
    rule = "automatic rotation is only for SYMMETRIC_DEFAULT (symmetric encryption) keys"
    for spec, usage in (("RSA_2048", "SIGN_VERIFY"), ("HMAC_512", "GENERATE_VERIFY_MAC")):
        props = {"enableKeyRotation": True, "customerMasterKeySpec": spec, "keyUsage": usage}
        assert found(props) == [("enableKeyRotation", rule)]
    assert found({"enableKeyRotation": True, "customKeyStoreId": "cks-1234567890abcdef0"}) == [
        ("enableKeyRotation", "automatic rotation is not available for keys in a custom key store")
    ]


def test_a_value_not_known_at_preview_is_not_judged():
    assert (
        found(
            {"enableKeyRotation": UNKNOWN_BOOLEAN_VALUE, "customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}
        )
        == []
    )


ROOT = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize(
    "deny",
    [
        {"Effect": "Deny", "Principal": "*", "Action": "kms:PutKeyPolicy", "Resource": "*"},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["kms:Put*"], "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "NotAction": "kms:Decrypt", "Resource": "*"},
    ],
)
def test_an_unconditional_deny_of_put_key_policy_to_everyone_locks_the_key_whatever_allows_it(deny):
    (problem,) = kms_lockout_problems(doc(ROOT, deny), None)
    assert problem.where == ".Statement[1]" and "lockout safety check" in problem.rule
    assert kms_lockout_problems(doc(ROOT, deny), True) == []


@pytest.mark.parametrize(
    "deny",
    [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:PutKeyPolicy",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
        },
        {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {"Effect": "Deny", "Principal": "*", "NotAction": "kms:PutKeyPolicy", "Resource": "*"},
    ],
)
def test_a_deny_that_leaves_someone_able_to_change_the_policy_passes(deny):
    assert kms_lockout_problems(doc(ROOT, deny), None) == []


def test_a_custom_key_store_holds_single_region_symmetric_encryption_keys_only():
    store = {"customKeyStoreId": "cks-1234567890abcdef0"}
    assert found(store) == []
    rule = "a custom key store holds single-Region SYMMETRIC_DEFAULT keys only"
    assert found({**store, "multiRegion": True}) == [("customKeyStoreId", rule)]
    assert found({**store, "customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}) == [
        ("customKeyStoreId", rule)
    ]
    assert found({"multiRegion": True, "customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}) == []
