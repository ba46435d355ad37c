"""Install the pulumi CLI that the locked pulumi SDK expects, and the AWS plugin of the locked pulumi-aws.

    python3 tools/bootstrap/install_pulumi.py --dest .bootstrap/pulumi --lock uv.lock

Run by `make deploy-all` (and every target that needs the CLI) when no `pulumi` is on PATH, with the
system Python before any environment exists: standard library only. The versions are read from uv.lock
(one source: the SDK's version is the CLI's). The release archive is checked against the SHA-256 that
Pulumi publishes beside it (`pulumi-<version>-checksums.txt`) before anything is unpacked; a mismatch
installs nothing. PULUMI_DOWNLOAD_URL replaces the release folder (a mirror, or a test's local server).

Exit status: 0 installed (or already there), 1 the download or the check failed (one line on stderr,
pointing at `make preview-all`, which needs no CLI), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

RELEASES = "https://get.pulumi.com/releases/sdk"
TIMEOUT_S = 60
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024  # the CLI archive is about 150 MiB; anything far bigger is not it
OFFLINE_HINT = "nothing was deployed; `make preview-all` previews everything offline without the CLI"
_ARCHES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}
_SYSTEMS = {"Linux": "linux", "Darwin": "darwin"}


class InstallError(Exception):
    """One line for stderr; `status` is the exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def locked_versions(lock: Path) -> tuple[str, str]:
    """(pulumi, pulumi-aws) as uv.lock pins them."""
    try:
        packages = tomllib.loads(lock.read_text(encoding="utf-8")).get("package", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InstallError(f"{lock}: cannot read the lock file: {exc}", 2) from None
    found = {p.get("name"): p.get("version") for p in packages if isinstance(p, dict)}
    missing = [name for name in ("pulumi", "pulumi-aws") if not found.get(name)]
    if missing:
        raise InstallError(f"{lock}: no locked version of {', '.join(missing)}", 2)
    return found["pulumi"], found["pulumi-aws"]


def archive_name(version: str, system: str | None = None, machine: str | None = None) -> str:
    os_name = _SYSTEMS.get(system or platform.system())
    arch = _ARCHES.get((machine or platform.machine()).lower())
    if os_name is None or arch is None:
        raise InstallError(f"no pulumi CLI archive for {system or platform.system()} {machine or platform.machine()}")
    return f"pulumi-v{version}-{os_name}-{arch}.tar.gz"


def _fetch(url: str, limit: int) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:  # noqa: S310 (https or a test's http)
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise InstallError(f"cannot download {url}: HTTP {exc.code}; {OFFLINE_HINT}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InstallError(f"cannot reach {url} ({reason}); {OFFLINE_HINT}") from None
    if len(data) > limit:
        raise InstallError(f"{url}: more than {limit} bytes; not a pulumi release file")
    return data


def expected_sha256(checksums: str, name: str, url: str) -> str:
    """The digest the checksums file gives `name` (sha256sum format: `<hex>  <name>`)."""
    for line in checksums.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == name:
            digest = parts[0].lower()
            if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
                return digest
    raise InstallError(f"{url}: no SHA-256 for {name}; nothing was installed")


def install_cli(version: str, dest: Path, base_url: str) -> Path:
    """Download, verify and unpack the CLI into `dest`; returns the `pulumi` executable."""
    binary = dest / "pulumi"
    if _installed_version(binary) == version:
        return binary
    name = archive_name(version)
    checksums_url = f"{base_url}/pulumi-{version}-checksums.txt"
    archive_url = f"{base_url}/{name}"
    print(f"installing the pulumi CLI {version} into {dest} (from {base_url})", file=sys.stderr)
    want = expected_sha256(_fetch(checksums_url, 1024 * 1024).decode("utf-8", "replace"), name, checksums_url)
    archive = _fetch(archive_url, MAX_ARCHIVE_BYTES)
    got = hashlib.sha256(archive).hexdigest()
    if got != want:
        raise InstallError(f"{archive_url}: SHA-256 {got} is not the published {want}; nothing was installed")
    with tempfile.TemporaryDirectory(prefix="pulumi-cli-", dir=dest.parent) as scratch:
        try:
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
                tar.extractall(scratch, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise InstallError(f"{archive_url}: cannot unpack ({exc}); nothing was installed") from None
        unpacked = Path(scratch) / "pulumi"  # the archive holds one folder, pulumi/, with the binaries
        if not (unpacked / "pulumi").is_file():
            raise InstallError(f"{archive_url}: no pulumi/pulumi in the archive; nothing was installed")
        shutil.rmtree(dest, ignore_errors=True)
        unpacked.rename(dest)
    return binary


def _installed_version(binary: Path) -> str | None:
    if not binary.is_file():
        return None
    try:
        completed = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return None
    return completed.stdout.strip().removeprefix("v") or None


def install_aws_plugin(binary: Path, version: str) -> None:
    completed = subprocess.run(
        [str(binary), "plugin", "install", "resource", "aws", version, "--non-interactive"],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"])[-1]
        raise InstallError(f"pulumi plugin install resource aws {version} failed ({last}); {OFFLINE_HINT}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, required=True, help="the folder that receives the CLI")
    parser.add_argument("--lock", type=Path, required=True, help="uv.lock, which pins pulumi and pulumi-aws")
    args = parser.parse_args(argv)
    try:
        cli_version, aws_version = locked_versions(args.lock)
        args.dest.parent.mkdir(parents=True, exist_ok=True)
        base_url = os.environ.get("PULUMI_DOWNLOAD_URL") or RELEASES
        binary = install_cli(cli_version, args.dest.resolve(), base_url.rstrip("/"))
        install_aws_plugin(binary, aws_version)
    except InstallError as exc:
        print(f"error: pulumi CLI: {exc}", file=sys.stderr)
        return exc.status
    print(f"pulumi CLI {cli_version} and its AWS plugin {aws_version} are installed in {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
