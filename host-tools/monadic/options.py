# SPDX-License-Identifier: BSD-2-Clause-Patent
"""What the subcommands' parsers share: the help layout, the target options and the paths.

Every subcommand module (monadic/commands/) builds its own parser with `add_command()` and
reads its target with `target_spec()`; nothing here knows which subcommands exist.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from .exitcodes import INTERRUPTED, OK, TARGET_FAILED, help_section
from .qemu import MachineConfig, qemu_binary_from_env
from .target import DEFAULT_IMAGE, TargetSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = REPO_ROOT / "results"
PROG = "python3 -m monadic"
HELP_WIDTH = 100

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = argparse._SubParsersAction

# What `set_defaults(func=...)` holds: the subcommand's handler, which returns the exit status.
Handler = Callable[[argparse.Namespace], int]

TARGET_EPILOG = """\
target:
  Without --device or --attach, QEMU is started: -M virt,virtualization=on,gic-version=3 with
  --cpu, --smp, --mem and --qemu-extra, the image as -kernel and the UART on a local TCP socket.
  --device takes a serial device (/dev/ttyUSB0, /dev/ttyAMA0, a /dev/pts/N from `-serial pty`)
  or any pyserial URL (rfc2217://host:port, loop://); --attach takes HOST:PORT of a raw TCP
  serial console (QEMU's -serial tcp::4444,server=on, ser2net, a BMC's console redirect).
"""

ENVIRONMENT = """\
environment:
  MONADIC_QEMU   QEMU binary when --qemu is not given (default: qemu-system-aarch64)
"""


def wrap(text: str) -> str:
    """A description paragraph filled to the help width (the raw formatter keeps line breaks)."""
    return textwrap.fill(" ".join(text.split()), HELP_WIDTH - 4)


def formatter(prog: str) -> argparse.HelpFormatter:
    """Descriptions and epilogs keep their line breaks; options in a column at 30."""
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=30, width=HELP_WIDTH)


def add_command(
    sub: SubParsers,
    name: str,
    func: Handler,
    summary: str,
    description: str,
    epilog: str = "",
    exits: Sequence[tuple[int, str]] = (OK, TARGET_FAILED, INTERRUPTED),
) -> argparse.ArgumentParser:
    """Add subcommand `name`: `summary` in the command list, `description` (one paragraph,
    filled) at the top of its --help, then `epilog` (kept as written) and `exits`, the statuses
    it ends with and what each means (monadic/exitcodes.py)."""
    p = sub.add_parser(
        name,
        help=summary,
        description=wrap(description),
        epilog=(epilog + "\n" if epilog else "") + help_section(*exits),
        formatter_class=formatter,
    )
    p.set_defaults(func=func)
    return p


def add_target_options(p: argparse.ArgumentParser, smp: int = 4, mem: str = "2G") -> None:
    """--image, --qemu, --cpu, --smp, --mem, --qemu-extra, --serial, --device, --attach, --baud,
    --char-delay, --boot-timeout: what `target_spec()` reads."""
    g = p.add_argument_group("target (QEMU unless --device or --attach)")
    g.add_argument(
        "--image",
        type=Path,
        default=DEFAULT_IMAGE,
        metavar="FILE",
        help="hypervisor image for QEMU (default: build/monadic-hypervisor.bin)",
    )
    g.add_argument(
        "--qemu",
        default=qemu_binary_from_env(),
        metavar="BINARY",
        help="QEMU binary (default: $MONADIC_QEMU or qemu-system-aarch64)",
    )
    g.add_argument("--cpu", default="max", help="QEMU -cpu model (default: max)")
    g.add_argument("--smp", type=int, default=smp, metavar="N", help=f"QEMU -smp (default: {smp})")
    g.add_argument("--mem", default=mem, metavar="SIZE", help=f"QEMU -m (default: {mem})")
    g.add_argument(
        "--qemu-extra",
        default="",
        metavar="ARGS",
        help="more QEMU arguments, split on spaces (like make's QEMU_EXTRA)",
    )
    g.add_argument(
        "--serial",
        choices=("tcp", "pty"),
        default="tcp",
        help="QEMU serial backend (default: tcp, which loses no boot output)",
    )
    g.add_argument(
        "--device",
        metavar="PATH|URL",
        help="attach to this serial device or pyserial URL instead of starting QEMU",
    )
    g.add_argument("--attach", metavar="HOST:PORT", help="attach to a TCP serial console")
    g.add_argument(
        "--baud", type=int, default=115200, help="baud rate for --device (default: 115200)"
    )
    g.add_argument(
        "--char-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause between bytes sent, for UARTs without flow control (default: 0)",
    )
    g.add_argument(
        "--boot-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="wait this long for the first prompt (default: 30)",
    )


def add_results_options(p: argparse.ArgumentParser, kind: str) -> None:
    """--results DIR, --no-results and --no-chart of a bench that writes <DIR>/<date>-<kind>/."""
    p.add_argument("--results", default="results", metavar="DIR",
                   help=f"write <DIR>/<date>-{kind}/ (default: results)")
    p.add_argument("--no-results", dest="results", action="store_const", const="",
                   help="print the table only")
    p.add_argument("--no-chart", dest="chart", action="store_false",
                   help="no charts in the results folder")


def target_spec(args: argparse.Namespace) -> TargetSpec:
    """The target the options of `add_target_options()` describe."""
    extra = tuple(args.qemu_extra.split()) if args.qemu_extra else ()
    return TargetSpec(
        image=args.image,
        qemu=args.qemu,
        config=MachineConfig(cpu=args.cpu, smp=args.smp, mem=args.mem, extra_args=extra),
        serial=args.serial,
        device=args.device,
        attach=args.attach,
        baud=args.baud,
        char_delay=args.char_delay,
        boot_timeout=args.boot_timeout,
    )
