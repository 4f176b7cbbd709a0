# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Command line: boot the hypervisor in QEMU, run shell commands, print what they answer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import Machine, MachineConfig, MonadicError
from .qemu import qemu_binary_from_env

DESCRIPTION = """\
Boot monadic-hypervisor in QEMU (virt board, EL2), wait for the shell prompt, run each COMMAND
in turn and print its output. QEMU is always killed before exiting.
"""
EPILOG = """\
exit status:
  0  every command ran without an `error: ` line
  1  a command answered with an error line
  2  QEMU or the hypervisor failed (timeout, crash dump, QEMU exited)

examples:
  python3 -m monadic version sysregs
  python3 -m monadic --cpu neoverse-n1 --smp 4 --mem 2G 'platform --json'
  python3 -m monadic --transcript boot.log        # just boot, keep what the UART printed

environment:
  MONADIC_QEMU   QEMU binary (default qemu-system-aarch64)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m monadic",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("commands", nargs="*", metavar="COMMAND", help="shell command line")
    parser.add_argument(
        "--image",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "build" / "monadic-hypervisor.bin",
        help="hypervisor image (default: build/monadic-hypervisor.bin of this checkout)",
    )
    parser.add_argument("--qemu", default=qemu_binary_from_env(), help="QEMU binary")
    parser.add_argument("--cpu", default="max", help="QEMU -cpu (default max)")
    parser.add_argument("--smp", type=int, default=1, help="QEMU -smp (default 1)")
    parser.add_argument("--mem", default="512M", help="QEMU -m (default 512M)")
    parser.add_argument(
        "--serial", choices=("tcp", "pty"), default="tcp", help="serial backend (default tcp)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per command")
    parser.add_argument("--transcript", type=Path, help="write every byte received to this file")
    args = parser.parse_args(argv)

    config = MachineConfig(cpu=args.cpu, smp=args.smp, mem=args.mem)
    log = args.transcript.open("wb") if args.transcript else None
    status = 0
    try:
        with Machine.boot(args.image, config, binary=args.qemu, serial=args.serial, log=log) as m:
            for cmd in args.commands:
                out = m.shell.run(cmd, timeout=args.timeout, check=False)
                print(out)
                if any(line.startswith("error: ") for line in out.split("\n")):
                    status = 1
    except MonadicError as exc:
        print(f"monadic: {exc}", file=sys.stderr)
        return 2
    finally:
        if log is not None:
            log.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
