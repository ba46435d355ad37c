"""`python -m local_emulator start|stop --port N --dir .moto`: the emulator behind ENV=local."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from . import Emulator, _answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="local_emulator", description=__doc__)
    parser.add_argument("command", choices=("start", "stop"))
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--dir", type=Path, default=Path(".moto"))
    args = parser.parse_args(argv)
    pid_file = args.dir / "pid"
    if args.command == "start":
        if _answers(f"http://127.0.0.1:{args.port}"):
            print(f"emulator: already answering on 127.0.0.1:{args.port}")
            return 0
        args.dir.mkdir(exist_ok=True)
        try:
            emulator = Emulator(args.port, log=args.dir / "log").start()
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        pid_file.write_text(str(emulator.process.pid))
        print(
            f"emulator: moto on {emulator.url} (pid {emulator.process.pid}, log {args.dir / 'log'}); "
            "stop it with `make emulator-stop`"
        )
        return 0
    if not pid_file.exists():
        print("emulator: not running")
        return 0
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
        print(f"emulator: stopped (pid {pid})")
    except ProcessLookupError:
        print("emulator: was not running")
    pid_file.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
