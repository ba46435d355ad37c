"""Run checkov (its own isolated tool environment, offline) on plan files and apply the skip file.

Two ways to run it, same checks and verdicts: `run_cli` starts the `checkov` command once;
`CheckovWorker` keeps one checkov process alive (imported once, fed plan files as stacks finish),
which the preview uses so that checkov's several seconds of start-up overlap the evaluation.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from model_registry.sources import SourceError, load_yaml, unknown_key_message

from . import supervise

REPO_ROOT = Path(__file__).resolve().parents[2]
SKIP_FILE = REPO_ROOT / "checkov-skips.yaml"
INSTALL_HINT = (
    "checkov is not installed: run `make tools` (it installs checkov 3.3.30 as an isolated uv tool in .tools/)"
)
MIN_REASON_LENGTH = 10
WORKER_SCRIPT = Path(__file__).with_name("checkov_worker.py")


class CheckovError(Exception):
    """checkov missing, failing, or a skip file that is not valid; the message is one line."""


@dataclass(frozen=True)
class Skip:
    check: str
    reason: str
    resource_types: tuple[str, ...] = ()  # empty: every resource type
    where: tuple[tuple[str, object], ...] = ()  # planned attribute values the resource must have
    at: str = field(default="", compare=False)  # `file:line` of the skip, for messages

    def applies_to(self, check_id: str, address: str, values: dict | None = None) -> bool:
        if check_id != self.check:
            return False
        if self.resource_types and address.split(".")[0] not in self.resource_types:
            return False
        values = values or {}
        return all(values.get(attribute) == expected for attribute, expected in self.where)


@dataclass(frozen=True)
class Finding:
    """One failed checkov check on one resource; `waived` holds the skip file's reason, if any."""

    check_id: str
    check_name: str
    address: str
    urn: str
    guideline: str | None
    waived: str | None = None


def find_checkov() -> Path:
    """The checkov command: $OFFLINE_PREVIEW_CHECKOV, .tools/bin/checkov, or checkov on PATH."""
    candidates = [
        os.environ.get("OFFLINE_PREVIEW_CHECKOV"),
        str(REPO_ROOT / ".tools" / "bin" / "checkov"),
        shutil.which("checkov"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise CheckovError(INSTALL_HINT)


def checkov_installed() -> bool:
    try:
        find_checkov()
    except CheckovError:
        return False
    return True


def checkov_python(command: Path) -> Path | None:
    """The interpreter of checkov's tool environment, read from the command's shebang line."""
    try:
        first_line = command.read_bytes()[:512].split(b"\n", 1)[0].decode()
    except (OSError, UnicodeDecodeError):
        return None
    if not first_line.startswith("#!"):
        return None
    interpreter = Path(first_line[2:].strip().split()[0])
    return interpreter if "python" in interpreter.name and interpreter.is_file() else None


SKIP_FILE_KEYS = ("skips",)
CHECK_ID = re.compile(r"CKV2?_[A-Z0-9]+_\d+")
SKIP_KEYS = ("check", "reason", "resource_types", "where")


def load_skips(path: str | Path = SKIP_FILE) -> list[Skip]:
    """Read the skip file: `skips: [{check, reason, resource_types?, where?}]`, each with a real reason.

    `where` narrows a skip to resources whose planned (Terraform) attributes have the given values.
    Unknown keys are errors naming the line and the closest key: a misspelt `where` would widen a skip.
    """
    path = Path(path)
    if not path.is_file():
        return []
    try:
        document = load_yaml(path)
    except SourceError as exc:
        raise CheckovError(str(exc)) from None
    data = document.data if document.data is not None else {}
    if not isinstance(data, dict):
        raise CheckovError(f"{path}:1: must be a mapping with a `skips:` list")
    _known_keys(document, data, (), SKIP_FILE_KEYS)
    items = data.get("skips") or []
    if not isinstance(items, list):
        raise CheckovError(f"{path}:{document.line(('skips',))}: `skips` must be a list")
    skips = []
    for n, item in enumerate(items):
        at = ("skips", n)
        where_line = f"{path}:{document.line(at)}"
        if not isinstance(item, dict):
            raise CheckovError(f"{where_line}: skip #{n + 1} must be a mapping of check, reason, resource_types, where")
        _known_keys(document, item, at, SKIP_KEYS)
        check, reason = item.get("check"), item.get("reason")
        if not isinstance(check, str) or not CHECK_ID.fullmatch(check):
            raise CheckovError(f"{where_line}: skip #{n + 1} has no valid `check` (a checkov id such as CKV_AWS_51)")
        if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
            raise CheckovError(
                f"{where_line}: skip of {check} needs a `reason` of at least {MIN_REASON_LENGTH} characters"
            )
        where = item.get("where") or {}
        if not isinstance(where, dict) or not all(isinstance(v, str | int | float | bool) for v in where.values()):
            raise CheckovError(f"{where_line}: skip of {check}: `where` must map attribute names to plain values")
        types = item.get("resource_types") or []
        if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
            raise CheckovError(f"{where_line}: skip of {check}: `resource_types` must be a list of Terraform types")
        skips.append(Skip(check, " ".join(reason.split()), tuple(types), tuple(sorted(where.items())), where_line))
    return skips


def _known_keys(document, data: dict, at: tuple, known: tuple[str, ...]) -> None:
    for key in data:
        if key not in known:
            raise CheckovError(f"{document.file}:{document.line((*at, key))}: {unknown_key_message(key, known)}")


def run_cli(plan_files: list[Path], command: Path | None = None) -> list[dict]:
    """Run the checkov command on plan files; return its failed checks (checkov's JSON records)."""
    command = command or find_checkov()
    args = [str(command), "--framework", "terraform_plan", "--skip-download", "-o", "json", "--quiet", "--compact"]
    for path in plan_files:
        args += ["-f", str(path)]
    completed = subprocess.run(args, capture_output=True, text=True, check=False)
    if completed.returncode not in (0, 1):
        tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise CheckovError(f"checkov exited with status {completed.returncode}: {tail}")
    try:
        reports = json.loads(completed.stdout or "[]")
    except json.JSONDecodeError:
        raise CheckovError(f"checkov printed no JSON report: {completed.stdout[:200]!r}") from None
    if isinstance(reports, dict):
        reports = [reports]
    failed = []
    for report in reports:
        for record in (report.get("results") or {}).get("failed_checks", []):
            failed.append(
                {
                    "check_id": record["check_id"],
                    "check_name": record["check_name"],
                    "resource": record.get("resource_address") or record["resource"],
                    "file": record.get("file_abs_path"),
                    "guideline": record.get("guideline"),
                }
            )
    return failed


class CheckovWorker:
    """One checkov process that imports checkov once and then scans plan files on request.

    Fails closed: a worker that dies, answers something that is not its JSON protocol, or stays silent past
    `scan_timeout` seconds (importing checkov counts as a scan) is a CheckovError naming what it did; it is
    stopped, and every later scan fails with the same line instead of writing to a broken pipe.
    """

    def __init__(self, command: Path | None = None, scan_timeout: float | None = None) -> None:
        command = command or find_checkov()
        python = checkov_python(command)
        if python is None:
            raise CheckovError(f"{command}: cannot find checkov's Python interpreter (use run_cli instead)")
        script = WORKER_SCRIPT
        self.scan_timeout = (
            scan_timeout if scan_timeout is not None else supervise.limit_from_env(supervise.CHECKOV_SCAN_LIMIT)
        )
        # Isolated (-I): checkov's environment must not see this workspace's packages.
        self._process = supervise.track(
            subprocess.Popen(
                [str(python), "-I", str(script)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                bufsize=1,
            ),
            "the checkov worker",
        )
        self._lock = threading.Lock()
        self._ready: dict | None = None
        self._broken: str | None = None
        # Lines are read by a thread of their own, so that a silent worker is a timeout, not a hang.
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read_lines, name="checkov-worker-reader", daemon=True).start()

    def _read_lines(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None  # a pipe (stdout=PIPE)
        with contextlib.suppress(OSError, ValueError):
            for line in stdout:
                self._lines.put(line)
        self._lines.put("")  # end of output: the worker exited

    def _fail(self, what: str) -> CheckovError:
        """Stop the worker; this line is every later call's error too."""
        if self._broken is None:
            self._broken = f"the checkov worker {what}"
            self._stop()
        return CheckovError(self._broken)

    def _reply(self, doing: str) -> dict:
        try:
            line = self._lines.get(timeout=self.scan_timeout)
        except queue.Empty:
            raise self._fail(
                f"was silent for {self.scan_timeout:g} s while {doing} (the limit: --checkov-timeout or "
                f"{supervise.CHECKOV_SCAN_LIMIT[0]}); it was stopped"
            ) from None
        if not line:
            status = self._process.wait()
            raise self._fail(f"exited with status {status} while {doing}")
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            raise self._fail(f"replied with something that is not JSON while {doing}: {line.strip()[:80]!r}") from None
        if not isinstance(reply, dict):
            raise self._fail(f"replied with JSON that is not an object while {doing}: {line.strip()[:80]!r}")
        return reply

    def check_ids(self) -> frozenset[str]:
        """Every check id the worker's checkov has for terraform plans (from checkov's own registries)."""
        self.wait_ready()
        assert self._ready is not None
        return frozenset(self._ready.get("checks") or ())

    def wait_ready(self) -> str:
        """Block until checkov is imported; return its version."""
        with self._lock:
            if self._broken is not None:
                raise CheckovError(self._broken)
            if self._ready is None:
                ready = self._reply("importing checkov")
                if not isinstance(ready.get("version"), str):
                    raise self._fail(f"announced itself with {json.dumps(ready)[:80]!r}, not its version")
                self._ready = ready
            return self._ready["version"]

    def scan(self, plan_files: list[Path]) -> list[dict]:
        """Scan plan files; return the failed checks. Calls from several threads are serialised."""
        self.wait_ready()
        doing = f"scanning {', '.join(p.name for p in plan_files)}"
        with self._lock:
            if self._broken is not None:
                raise CheckovError(self._broken)
            stdin = self._process.stdin
            assert stdin is not None  # a pipe (stdin=PIPE)
            try:
                stdin.write(json.dumps({"files": [str(p) for p in plan_files]}) + "\n")
                stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                status = self._process.poll()
                raise self._fail(f"exited (status {status}) before {doing}") from None
            reply = self._reply(doing)
        if "error" in reply:
            raise CheckovError(f"checkov failed: {reply['error']}")
        failed = reply.get("failed")
        if not isinstance(failed, list) or not all(isinstance(r, dict) for r in failed):
            raise CheckovError(f"the checkov worker replied without a list of failed checks while {doing}")
        return failed

    def _stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        supervise.untrack(self._process)

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None  # a pipe (stdin=PIPE)
            with contextlib.suppress(OSError, ValueError):
                self._process.stdin.close()  # a worker that already died: a broken pipe, nothing to report
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        supervise.untrack(self._process)

    def __enter__(self) -> CheckovWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def unknown_skip(skips: list[Skip], known: frozenset[str], version: str) -> str | None:
    """The first skip whose check checkov does not have, as one line naming the file and line; None if all exist.
    A misspelt or retired id would waive nothing while reading as a waiver."""
    for skip in skips:
        if skip.check not in known:
            prefix = skip.check.rsplit("_", 1)[0]
            family = sorted(
                (k for k in known if k.rsplit("_", 1)[0] == prefix and k.rsplit("_", 1)[1].isdigit()),
                key=lambda k: int(k.rsplit("_", 1)[1]),
            )
            hint = f"; {family[0]} to {family[-1]} exist" if family else ""
            return f"{skip.at}: skip of {skip.check}: checkov {version} has no such check for Terraform plans{hint}"
    return None


def findings(failed: list[dict], planned: dict[str, dict], skips: list[Skip]) -> list[Finding]:
    """checkov's failed records -> Findings on URNs, waived where the skip file says so; sorted.

    `planned` maps each plan address to {"urn", "values"} (see checkov_plan.write_plans).
    """
    result = []
    for record in failed:
        address = record["resource"]
        resource = planned.get(address, {})
        waiver = next(
            (s.reason for s in skips if s.applies_to(record["check_id"], address, resource.get("values"))), None
        )
        result.append(
            Finding(
                record["check_id"],
                record["check_name"],
                address,
                resource.get("urn", ""),
                record.get("guideline"),
                waiver,
            )
        )
    return sorted(set(result), key=lambda f: (f.urn, f.address, f.check_id))
