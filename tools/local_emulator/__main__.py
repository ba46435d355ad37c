"""`python -m local_emulator start|stop --port N --dir .moto --pulumi-state .pulumi-state`: the emulator
behind ENV=local. `start` replays `<dir>/recording.jsonl` (every request of the earlier sessions), so a
restart restores what `.pulumi-state/` says exists; it refuses to start empty under a state that records
resources (the two would disagree), naming `make local-reset`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from . import Emulator, port_in_use_message, probe, pulumi_state_resources, recorded_requests

RECORDING = "recording.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="local_emulator", description=__doc__)
    parser.add_argument("command", choices=("start", "stop"))
    parser.add_argument("--port", type=str, default="5055")
    parser.add_argument("--dir", type=Path, default=Path(".moto"))
    parser.add_argument("--pulumi-state", type=Path, default=Path(".pulumi-state"))
    args = parser.parse_args(argv)
    port = args.port.strip()
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        print(f"error: MOTO_PORT (--port) {args.port!r}: a TCP port is a number from 1 to 65535", file=sys.stderr)
        return 2
    args.port = int(port)
    pid_file = args.dir / "pid"
    if args.command == "start":
        found = probe(f"http://127.0.0.1:{args.port}")
        if found == "moto":
            print(f"emulator: already answering on 127.0.0.1:{args.port}")
            return 0
        if found == "other":
            print(f"error: the emulator did not start: {port_in_use_message(args.port)}", file=sys.stderr)
            return 1
        recording = args.dir / RECORDING
        state = pulumi_state_resources(args.pulumi_state)
        if state and not recorded_requests(recording):
            stacks = ", ".join(f"{stack} ({count})" for stack, count in state.items())
            print(
                f"error: {args.pulumi_state}/ records resources of stacks {stacks}, but the emulator would start "
                f"empty ({recording} holds no recording to replay): Pulumi's state and the emulator no longer match. "
                "Run `make local-reset` (stops the emulator, removes .moto/ and .pulumi-state/) and deploy again.",
                file=sys.stderr,
            )
            return 1
        args.dir.mkdir(exist_ok=True)
        try:
            emulator = Emulator(args.port, log=args.dir / "log", recording=recording).start()
        except (RuntimeError, OSError) as error:
            print(f"error: the emulator did not start: {error} (log: {args.dir / 'log'})", file=sys.stderr)
            return 1
        pid_file.write_text(str(emulator.process.pid))
        restored = f"; replayed {emulator.replayed} recorded requests" if emulator.replayed else ""
        print(
            f"emulator: moto on {emulator.url} (pid {emulator.process.pid}, log {args.dir / 'log'}{restored}); "
            "stop it with `make emulator-stop`"
        )
        return 0
    if not pid_file.exists():
        print("emulator: not running")
        return 0
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
        print(f"emulator: stopped (pid {pid}); its resources are kept in {args.dir / RECORDING}")
    except ProcessLookupError:
        print("emulator: was not running")
    pid_file.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
