"""A stack file's `secure:` values, decrypted as the engine decrypts them where the key is at hand offline.

Only the passphrase secrets provider can be: its key derives from `PULUMI_CONFIG_PASSPHRASE` (or the file
`PULUMI_CONFIG_PASSPHRASE_FILE` names) and the stack file's `encryptionsalt`, as the Pulumi CLI derives it
(sdk/go/common/resource/config/crypt.go, pkg/secrets/passphrase):

- `encryptionsalt: v1:<base64 salt>:<v1:nonce:ciphertext of "pulumi">`: PBKDF2-HMAC-SHA256 of the passphrase
  over the salt, 1,000,000 iterations, a 32-byte key; the key is right when the check value decrypts to
  "pulumi";
- each `secure: v1:<base64 nonce>:<base64 ciphertext>` is AES-256-GCM under that key.

Other providers (a cloud KMS, the Pulumi service) need an account: their secrets stay undecrypted, and the
program reports the keys that may be secret as not validated offline (model_registry.engine_config).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PASSPHRASE = "PULUMI_CONFIG_PASSPHRASE"
PASSPHRASE_FILE = "PULUMI_CONFIG_PASSPHRASE_FILE"
ITERATIONS = 1_000_000
KEY_BYTES = 32
SALT_CHECK = "pulumi"

Decrypt = Callable[[str, str], str]  # (config key, ciphertext) -> plaintext


class SecretsError(Exception):
    """A passphrase or ciphertext that cannot be used; the message is one line naming the file."""


def passphrase_decrypter(
    settings: Mapping[str, object], stack_file: Path, environ: Mapping[str, str] = os.environ
) -> Decrypt | None:
    """The decrypter of a passphrase-provider stack file, or None when there is nothing to decrypt with: no
    passphrase in the environment, or another secrets provider."""
    provider = settings.get("secretsprovider")
    salt = settings.get("encryptionsalt")
    if provider not in (None, "passphrase", "default") or not isinstance(salt, str):
        return None
    passphrase = _passphrase(environ, stack_file)
    if passphrase is None:
        return None
    version, _, rest = salt.partition(":")
    encoded_salt, _, check = rest.partition(":")
    try:
        if version != "v1" or not check:
            raise ValueError
        key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), base64.b64decode(encoded_salt), ITERATIONS, KEY_BYTES)
    except (ValueError, binascii.Error):
        raise SecretsError(f"{stack_file}: encryptionsalt is not v1:<salt>:<check> as `pulumi` writes it") from None
    if _decrypt(key, check) != SALT_CHECK:
        raise SecretsError(
            f"{stack_file}: {PASSPHRASE} does not decrypt the stack file's encryptionsalt (an incorrect passphrase); "
            f"set the passphrase this stack was created with, or unset {PASSPHRASE} to preview without its secrets"
        )

    def decrypt(config_key: str, ciphertext: str) -> str:
        plaintext = _decrypt(key, ciphertext)
        if plaintext is None:
            raise SecretsError(
                f"{stack_file}: {config_key}: its `secure:` value does not decrypt with this stack's passphrase; "
                f"set it again with `pulumi config set --secret {config_key} <value>`"
            )
        return plaintext

    return decrypt


def _passphrase(environ: Mapping[str, str], stack_file: Path) -> str | None:
    if PASSPHRASE in environ:
        return environ[PASSPHRASE]
    path = environ.get(PASSPHRASE_FILE)
    if not path:
        return None
    try:
        return Path(path).read_text().strip()  # as the CLI reads it (strings.TrimSpace)
    except OSError as error:
        raise SecretsError(f"{path}: {PASSPHRASE_FILE} cannot be read ({error.strerror})") from None


def _decrypt(key: bytes, value: object) -> str | None:
    """The plaintext of `v1:<nonce>:<ciphertext>` under `key`, or None when it is not one or does not decrypt."""
    if not isinstance(value, str) or value.count(":") != 2:
        return None
    version, nonce, ciphertext = value.split(":")
    try:
        if version != "v1":
            return None
        return AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(ciphertext), None).decode()
    except (ValueError, binascii.Error, InvalidTag, UnicodeDecodeError):
        return None


def undecrypted_paths(value: object, placeholder: str, path: str = "") -> list[str]:
    """The property paths in `value` whose text holds `placeholder`: a secret config value the offline preview
    could not decrypt, read by the program (with `get` or `get_secret` alike) into a resource's inputs (given
    without the engine's secret envelopes: provider_schema.unwrapped). The
    engine would hand the pack the plaintext there; offline, the pack judges the placeholder."""
    if isinstance(value, str):
        return [path] if placeholder in value else []
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in undecrypted_paths(v, placeholder, f"{path}.{k}" if path else k)]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in undecrypted_paths(v, placeholder, f"{path}[{i}]")]
    return []
