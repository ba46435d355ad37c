"""A secret where a key may be secret: validated as its plaintext when the key is at hand offline (a passphrase
stack with PULUMI_CONFIG_PASSPHRASE), otherwise reported as not validated offline in one line naming the key,
never judged by its placeholder.

The passphrase stack's `encryptionsalt` is Pulumi's own test vector (pkg/secrets/passphrase, passphrase
"password"); the `secure:` values are sealed here with AES-256-GCM under the key that vector derives.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re

import pytest
import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from offline_preview.cli import main
from offline_preview.evaluate import EvaluationError, evaluate
from offline_preview.project import ProjectError

SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="
PASSPHRASE = "password"


@functools.cache
def key() -> bytes:
    """The vector's key: a million PBKDF2 rounds (about 0.4 CPU-s), derived when a test first seals a value, not
    while every xdist worker collects the suite."""
    return hashlib.pbkdf2_hmac("sha256", PASSPHRASE.encode(), base64.b64decode("fozI5u6B030="), 1_000_000, 32)


PROGRAM = """
import pulumi
from model_registry.config import ConfigModel
from model_registry.engine_config import read_pulumi_config
from model_registry.rules import StrictStr
from pydantic import Field


class DemoConfig(ConfigModel):
    # A key that may be secret by nature; at least 12 characters, so that "[secret]" (8) would be refused.
    webhook_token: StrictStr = Field(min_length=12, json_schema_extra={"may_be_secret": True})


config = read_pulumi_config(DemoConfig, "demo")
pulumi.export("tokenLength", len(config.webhook_token))
"""


def sealed(plaintext: str, nonce: bytes = b"0123456789ab") -> dict:
    ciphertext = AESGCM(key()).encrypt(nonce, plaintext.encode(), None)
    return {"secure": f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(ciphertext).decode()}"}


def project(tmp_path, value, **stack_settings):
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    settings = {"encryptionsalt": SALT, **stack_settings, "config": {"demo:webhookToken": value}}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(settings))
    return tmp_path


def test_without_the_passphrase_the_secret_is_reported_not_validated_offline_naming_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    evaluation = evaluate(project(tmp_path, sealed("short")), "dev")  # the plaintext would be refused
    (line,) = evaluation.diagnostics
    assert re.search(r"/Pulumi\.dev\.yaml:\d+: demo:webhookToken: a secret, not validated offline", line), line
    assert "\n" not in line and "at least 12" not in line  # never judged by its placeholder


def test_with_the_passphrase_the_decrypted_secret_is_validated_and_a_good_one_accepted(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    with pytest.raises(EvaluationError) as error:
        evaluate(project(tmp_path, sealed("short")), "dev")
    text = str(error.value)
    assert "\n" not in text and "demo:webhookToken: needs at least 12 characters, has 5" in text
    evaluation = evaluate(project(tmp_path, sealed("a-token-of-24-characters")), "dev")
    assert evaluation.diagnostics == []
    assert evaluation.outputs["tokenLength"] == 24
    assert evaluation.secret_config_keys == ("demo:webhookToken",)  # still a secret: manifests mask it


def test_the_passphrase_file_is_read_as_the_cli_reads_it(tmp_path, monkeypatch):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    (tmp_path / "passphrase.txt").write_text(PASSPHRASE + "\n")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(tmp_path / "passphrase.txt"))
    directory = tmp_path / "demo"
    directory.mkdir()
    assert evaluate(project(directory, sealed("a-token-of-24-characters")), "dev").outputs["tokenLength"] == 24


def test_a_wrong_passphrase_is_one_line_naming_the_stack_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "password123")
    with pytest.raises(ProjectError) as error:
        evaluate(project(tmp_path, sealed("a-token-of-24-characters")), "dev")
    text = str(error.value)
    assert "\n" not in text and text.startswith(str(tmp_path / "Pulumi.dev.yaml"))
    assert "does not decrypt the stack file's encryptionsalt (an incorrect passphrase)" in text


def test_another_secrets_provider_is_not_decrypted_offline_and_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    directory = project(tmp_path, sealed("short"), secretsprovider="awskms://alias/pulumi")
    (line,) = evaluate(directory, "dev").diagnostics
    assert "demo:webhookToken: a secret, not validated offline" in line


def test_the_offline_preview_command_prints_the_not_validated_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    (tmp_path / "demo").mkdir()
    directory = project(tmp_path / "demo", sealed("short"))
    # The warning comes from the evaluation: the pack and checkov (nothing to do with config) are left out.
    args = ["--project", str(directory), "--env", "dev", "--build-dir", str(tmp_path / "build")]
    status = main([*args, "--no-policy", "--no-checkov"])
    lines = [line for line in capsys.readouterr().err.splitlines() if "not validated offline" in line]
    assert status == 0
    assert len(lines) == 1 and "demo: warning: " in lines[0] and "demo:webhookToken: a secret" in lines[0]
