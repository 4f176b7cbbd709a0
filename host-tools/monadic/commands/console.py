# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`console`: the terminal connected to the shell (the loop itself: monadic/console.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import console
from ..exitcodes import EXIT_OK, EXIT_TARGET_FAILED, INTERRUPTED, OK
from ..options import (
    ENVIRONMENT,
    TARGET_EPILOG,
    SubParsers,
    add_command,
    add_target_options,
    target_spec,
)
from ..target import Target

EPILOG = (
    TARGET_EPILOG
    + """
examples:
  python3 -m monadic console --cpu neoverse-n1
  python3 -m monadic console --device /dev/ttyUSB0 --baud 115200
  python3 -m monadic console --attach localhost:4444
  echo 'vm list' | python3 -m monadic console --attach localhost:4444

"""
    + ENVIRONMENT
)


def register(sub: SubParsers) -> None:
    p = add_command(
        sub,
        "console",
        main,
        "interactive terminal to the shell",
        "Connect the terminal to the hypervisor's serial shell. Keys go to the target as typed "
        "(raw mode); Ctrl-] quits (and kills QEMU if it was started here). With stdin not a "
        "terminal, its lines are sent and the console ends at end of input.",
        EPILOG,
        exits=(
            OK,
            (EXIT_TARGET_FAILED, "the target could not be reached, or the serial link closed"),
            INTERRUPTED,
        ),
    )
    add_target_options(p)
    p.add_argument(
        "--log", type=Path, metavar="FILE", help="also write everything received to FILE"
    )


def main(args: argparse.Namespace) -> int:
    spec = target_spec(args)
    log = args.log.open("wb") if args.log else None
    out = sys.stdout.buffer
    try:
        print(f"monadic console: connecting to {spec.where()} ...", file=sys.stderr, flush=True)
        with Target.open(spec, log) as target:
            shell = target.shell
            # What arrived while we waited for the first prompt (the boot banner under QEMU).
            out.write(shell.received())
            out.flush()
            interactive = sys.stdin.isatty()
            if interactive:
                print("\r\nmonadic console: connected; Ctrl-] quits\r", file=sys.stderr, flush=True)
            reader = console.Reader(shell.port, out, log)
            reader.start()
            try:
                if interactive:
                    console.interactive(shell.port, reader)
                else:
                    console.piped(shell.port, reader, spec.char_delay)
            finally:
                reader.stop.set()
                reader.join(1.0)
            if reader.closed.is_set():
                print("\r\nmonadic console: the serial link closed", file=sys.stderr)
                return EXIT_TARGET_FAILED
    finally:
        if log is not None:
            log.close()
    print("\r\nmonadic console: bye", file=sys.stderr)
    return EXIT_OK
