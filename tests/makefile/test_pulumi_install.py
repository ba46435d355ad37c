"""`make pulumi-cli` (run by deploy-all, plan-all, destroy-all when no pulumi is on PATH): the CLI of the
locked SDK, checked against its published checksum, then the AWS plugin of the locked pulumi-aws.

A local file server on 127.0.0.1 stands in for Pulumi's release folder (PULUMI_DOWNLOAD_URL), serving a
fake archive whose `pulumi` records how it was called.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import tomllib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from local_emulator import free_port

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools" / "bootstrap" / "install_pulumi.py"
LOCK = tomllib.loads((REPO / "uv.lock").read_text())
PULUMI = next(p["version"] for p in LOCK["package"] if p["name"] == "pulumi")
PULUMI_AWS = next(p["version"] for p in LOCK["package"] if p["name"] == "pulumi-aws")
ARCHIVE = f"pulumi-v{PULUMI}-linux-x64.tar.gz"
FAKE_PULUMI = f"""#!/bin/sh
if [ "$1" = version ]; then echo v{PULUMI}; exit 0; fi
echo "$*" >> "$(dirname "$0")/calls.log"
"""

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or os.uname().machine not in ("x86_64", "amd64") or shutil.which("make") is None,
    reason="the fake release is the linux-x64 archive; make is needed",
)


def _archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = FAKE_PULUMI.encode()
        info = tarfile.TarInfo("pulumi/pulumi")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def release(tmp_path):
    """A folder served on 127.0.0.1 holding the archive and Pulumi's checksums file; yields (url, folder)."""
    folder = tmp_path / "release"
    folder.mkdir()
    archive = _archive()
    (folder / ARCHIVE).write_bytes(archive)
    digest = hashlib.sha256(archive).hexdigest()
    (folder / f"pulumi-{PULUMI}-checksums.txt").write_text(f"{'0' * 64}  other.tar.gz\n{digest}  {ARCHIVE}\n")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no request lines in the test output
        pass


def _bare_path(tmp_path: Path) -> str:
    """PATH with what the Makefile needs besides pulumi (so no pulumi is found)."""
    bare = tmp_path / "bare-bin"
    bare.mkdir(exist_ok=True)
    for tool in ("sh", "make", "dirname"):
        if shutil.which(tool) and not (bare / tool).exists():
            (bare / tool).symlink_to(shutil.which(tool))
    if not (bare / "python3").exists():  # the interpreter itself, not a version manager's shim
        (bare / "python3").symlink_to(Path(sys.executable).resolve())
    return str(bare)


def _make(*args, tmp_path, url):
    env = {"PATH": _bare_path(tmp_path), "PULUMI_DOWNLOAD_URL": url, "HOME": str(tmp_path)}
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True, env=env, timeout=300
    )


def test_make_pulumi_cli_installs_the_locked_cli_then_the_locked_aws_plugin(tmp_path, release):
    url, _ = release
    dest = tmp_path / "bootstrap" / "pulumi"
    result = _make("pulumi-cli", f"PULUMI_DIR={dest}", tmp_path=tmp_path, url=url)
    assert result.returncode == 0, result.stderr
    assert subprocess.run([dest / "pulumi", "version"], capture_output=True, text=True).stdout == f"v{PULUMI}\n"
    assert (dest / "calls.log").read_text() == f"plugin install resource aws {PULUMI_AWS} --non-interactive\n"
    assert result.stderr.splitlines()[-1] == (
        f"pulumi CLI {PULUMI} and its AWS plugin {PULUMI_AWS} are installed in {dest}"
    )


def test_a_second_run_finds_the_installed_cli_on_path_and_downloads_nothing(tmp_path, release):
    url, folder = release
    dest = tmp_path / "bootstrap" / "pulumi"
    assert _make("pulumi-cli", f"PULUMI_DIR={dest}", tmp_path=tmp_path, url=url).returncode == 0
    (folder / ARCHIVE).unlink()  # a second download would now fail
    again = _make("pulumi-cli", f"PULUMI_DIR={dest}", tmp_path=tmp_path, url=url)
    assert (again.returncode, again.stderr) == (0, "")


def test_an_archive_that_does_not_match_its_published_checksum_installs_nothing(tmp_path, release):
    url, folder = release
    (folder / ARCHIVE).write_bytes(_archive() + b"tampered")
    dest = tmp_path / "bootstrap" / "pulumi"
    result = subprocess.run(
        [sys.executable, SCRIPT, "--dest", dest, "--lock", REPO / "uv.lock"],
        capture_output=True,
        text=True,
        env={**os.environ, "PULUMI_DOWNLOAD_URL": url},
    )
    assert result.returncode == 1 and not dest.exists()
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: pulumi CLI: {url}/{ARCHIVE}: SHA-256 ") and "is not the published" in last


def test_a_checksums_file_without_the_archive_installs_nothing(tmp_path, release):
    url, folder = release
    (folder / f"pulumi-{PULUMI}-checksums.txt").write_text(f"{'0' * 64}  other.tar.gz\n")
    dest = tmp_path / "bootstrap" / "pulumi"
    result = _make("pulumi-cli", f"PULUMI_DIR={dest}", tmp_path=tmp_path, url=url)
    assert result.returncode != 0 and not dest.exists()
    assert f"no SHA-256 for {ARCHIVE}" in result.stderr


def test_where_the_release_cannot_be_reached_deploy_all_says_so_in_one_line_and_deploys_nothing(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    dest = tmp_path / "bootstrap" / "pulumi"
    result = _make("deploy-all", f"PULUMI_DIR={dest}", tmp_path=tmp_path, url=url)
    assert result.returncode != 0 and not dest.exists()
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: pulumi CLI: cannot reach {url}/pulumi-{PULUMI}-checksums.txt")
    assert errors[0].endswith("nothing was deployed; `make preview-all` previews everything offline without the CLI")
    assert result.stdout == ""  # no emulator, no stack ran
