# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`run`: reach the shell, run each command, print what it answered."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..exitcodes import (
    COMMAND_ERROR,
    EXIT_COMMAND_ERROR,
    EXIT_OK,
    INTERRUPTED,
    OK,
    TARGET_FAILED,
)
from ..options import (
    ENVIRONMENT,
    TARGET_EPILOG,
    SubParsers,
    add_command,
    add_target_options,
    target_spec,
)
from ..parse import error_lines
from ..target import Target

EPILOG = (
    TARGET_EPILOG
    + """
examples:
  python3 -m monadic run version sysregs
  python3 -m monadic run --cpu neoverse-n1 --smp 4 'platform --json'
  python3 -m monadic run --transcript boot.log        # just boot, keep the UART text
  python3 -m monadic --smp 4 'sysregs --json'           # the same as `run` (the original form)

"""
    + ENVIRONMENT
)


def register(sub: SubParsers) -> None:
    p = add_command(
        sub,
        "run",
        main,
        "run shell commands and print their output",
        "Reach the shell (boot QEMU, or attach), run each COMMAND in turn and print its output; "
        "QEMU is killed before exiting. Exit status 1 if any output line starts `error: `, 2 if "
        "the target failed.",
        EPILOG,
        exits=(OK, COMMAND_ERROR, TARGET_FAILED, INTERRUPTED),
    )
    p.add_argument("commands", nargs="*", metavar="COMMAND", help="shell command line")
    add_target_options(p, smp=1, mem="512M")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds per command (default: 10)",
    )
    p.add_argument(
        "--transcript", type=Path, metavar="FILE", help="write every byte received to FILE"
    )


def main(args: argparse.Namespace) -> int:
    log = args.transcript.open("wb") if args.transcript else None
    status = EXIT_OK
    try:
        with Target.open(target_spec(args), log) as target:
            for cmd in args.commands:
                out = target.shell.run(cmd, timeout=args.timeout, check=False)
                print(out, flush=True)
                if error_lines(out):
                    status = EXIT_COMMAND_ERROR
    finally:
        if log is not None:
            log.close()
    return status
