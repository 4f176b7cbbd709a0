# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The `python3 -m monadic` command line: console, run, bench, chart, compare."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from .errors import MonadicError
from .qemu import MachineConfig, qemu_binary_from_env
from .target import DEFAULT_IMAGE, TargetSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = REPO_ROOT / "results"
COMMANDS = ("console", "run", "bench", "chart", "compare", "linux-bench")

DESCRIPTION = """\
Host tools for monadic-hypervisor: talk to its serial shell, run benchmark suites, chart and
compare the results. The hypervisor runs in QEMU (started here, virt board at EL2, as `make run`
does) or on a board whose serial console is a local device (--device) or a TCP socket (--attach).
"""
EPILOG = """\
commands:
  console   interactive terminal to the shell (Ctrl-] quits)
  run       run shell commands and print their output
  bench     run a benchmark suite into results/<date>-<platform>/
  chart     PNG and SVG charts of a results folder
  compare   two or more results folders side by side: table, CSV, Markdown, charts
  linux-bench  a Linux guest's boot time and NVMe read, direct against under the hypervisor

`python3 -m monadic COMMAND --help` describes each. For compatibility, arguments that do not
start with one of the commands above mean `run`:  python3 -m monadic --smp 4 'sysregs --json'

exit status:
  0  success
  1  a shell command answered with an `error: ` line
  2  the target failed (no device, timeout, crash dump, QEMU exited) or bad usage

environment:
  MONADIC_QEMU   QEMU binary (default qemu-system-aarch64)
"""

TARGET_EPILOG = """\
target:
  Without --device or --attach, QEMU is started: -M virt,virtualization=on,gic-version=3 with
  --cpu, --smp, --mem and --qemu-extra, the image as -kernel and the UART on a local TCP socket.
  --device takes a serial device (/dev/ttyUSB0, /dev/ttyAMA0, a /dev/pts/N from `-serial pty`)
  or any pyserial URL (rfc2217://host:port, loop://); --attach takes HOST:PORT of a raw TCP
  serial console (QEMU's -serial tcp::4444,server=on, ser2net, a BMC's console redirect).
"""


def _wrap(text: str) -> str:
    """A description paragraph filled to the help width (the raw formatter keeps line breaks)."""
    return textwrap.fill(text, 96)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=30, width=100)


def add_target_options(p: argparse.ArgumentParser, smp: int = 4, mem: str = "2G") -> None:
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


def target_spec(args: argparse.Namespace) -> TargetSpec:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m monadic",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=_formatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "console",
        help="interactive terminal to the shell",
        formatter_class=_formatter,
        description=_wrap(
            "Connect the terminal to the hypervisor's serial shell. Keys go to the target "
            "as typed (raw mode); Ctrl-] quits (and kills QEMU if it was started here). With stdin "
            "not a terminal, its lines are sent and the console ends at end of input."
        ),
        epilog=TARGET_EPILOG + "\nexamples:\n  python3 -m monadic console --cpu neoverse-n1\n"
        "  python3 -m monadic console --device /dev/ttyUSB0 --baud 115200\n"
        "  python3 -m monadic console --attach localhost:4444\n",
    )
    add_target_options(p)
    p.add_argument(
        "--log", type=Path, metavar="FILE", help="also write everything received to FILE"
    )

    p = sub.add_parser(
        "run",
        help="run shell commands and print their output",
        formatter_class=_formatter,
        description=_wrap(
            "Reach the shell (boot QEMU, or attach), run each COMMAND in turn and print "
            "its output; QEMU is killed before exiting. Exit status 1 if any output line starts "
            "`error: `, 2 if the target failed."
        ),
        epilog=TARGET_EPILOG + "\nexamples:\n  python3 -m monadic run version sysregs\n"
        "  python3 -m monadic run --cpu neoverse-n1 --smp 4 'platform --json'\n"
        "  python3 -m monadic run --transcript boot.log        # just boot, keep the UART text\n",
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

    p = sub.add_parser(
        "bench",
        help="run a benchmark suite and keep the results",
        formatter_class=_formatter,
        description=_wrap(
            "Run a suite of `bench ... --json` commands and collect their JSON lines into "
            "RESULTS/<date>-<platform>/ (platform: the core's name and `qemu` or `metal`) with "
            "provenance.json (MIDR, core, features, CNTFRQ, QEMU version or metal, `version --json`, "
            "this command line, the suite), the suite file, results.csv (one row per statistic), and "
            "the serial transcript. A crash dump is saved as crash.txt. Progress goes to stderr."
        ),
        epilog=TARGET_EPILOG
        + """
suite files:
  text: one shell command per line, `#` comments.   JSON: ["cmd", ...] or
  {"name": "...", "timeout": 300, "commands": ["cmd", {"command": "cmd", "timeout": 600}]}.
  `--json` is added to `bench` commands that lack it. The default suite runs every benchmark
  once with the hypervisor's default parameters (print it with --show-suite).

examples:
  python3 -m monadic bench --chart
  python3 -m monadic bench --cpu neoverse-n1 --suite quick.txt
  python3 -m monadic bench --device /dev/ttyUSB0 --baud 115200 --chart
""",
    )
    add_target_options(p)
    p.add_argument(
        "--suite", type=Path, metavar="FILE", help="suite file (default: the built-in suite)"
    )
    p.add_argument("--show-suite", action="store_true", help="print the suite and exit")
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="seconds per command unless the suite says otherwise (default: 300)",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        metavar="DIR",
        help="parent folder of results folders (default: results/ in the checkout)",
    )
    p.add_argument("--chart", action="store_true", help="also draw the charts into <folder>/charts")
    p.add_argument("--quiet", action="store_true", help="no progress display")

    p = sub.add_parser(
        "chart",
        help="draw charts of a results folder",
        formatter_class=_formatter,
        description=_wrap(
            "Draw PNG and SVG charts of each results FOLDER into FOLDER/charts (or --out): "
            "latency CDF and histogram from the reported percentiles (the target sends no raw "
            "samples; the charts say so), SPSC throughput by burst size, the core-to-core matrix "
            "as a heatmap, WFE wake-up latency, and the cost of each atomic operation."
        ),
    )
    p.add_argument(
        "folders",
        nargs="+",
        type=Path,
        metavar="FOLDER",
        help="results folder, or a results .jsonl file (its charts go to NAME-charts/)",
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="write the charts here (one folder only)"
    )

    p = sub.add_parser(
        "compare",
        help="compare results folders side by side",
        formatter_class=_formatter,
        description=_wrap(
            "Match the results of two or more FOLDERs by benchmark, CPU pair, ring and burst "
            "size, and show each statistic side by side: a table on stdout (with the ratio to the "
            "first folder), compare.csv and compare.md with every statistic, and charts."
        ),
        epilog="examples:\n  python3 -m monadic compare results/*-qemu-max-qemu results/*-neoverse-n1-qemu\n"
        "  python3 -m monadic compare A B --stats p50,p99,max --out /tmp/cmp\n",
    )
    p.add_argument(
        "folders",
        nargs="+",
        type=Path,
        metavar="FOLDER",
        help="results folder or results .jsonl file (two or more)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where compare.csv, compare.md and charts go (default: results/compare-<date>)",
    )
    p.add_argument(
        "--stats",
        default="p50,p99,mean",
        metavar="LIST",
        help="statistics of latency distributions shown on stdout (default: p50,p99,mean; "
        "`all` for every one). Stdout also leaves out counts that are the same in every "
        "folder (messages sent, message size); the files always have every row",
    )
    p.add_argument("--no-charts", action="store_true", help="write the table files only")

    from .linuxbench import add_parser as add_linux_bench

    add_linux_bench(sub, _formatter)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv.insert(0, "run")  # the original interface: python3 -m monadic [options] COMMAND...
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "run":
            from .commands import cmd_run

            return cmd_run(args)
        if args.command == "console":
            from .console import cmd_console

            return cmd_console(args)
        if args.command == "bench":
            from .commands import cmd_bench

            return cmd_bench(args, argv)
        if args.command == "linux-bench":
            from .linuxbench import cmd_linux_bench

            return cmd_linux_bench(args)
        if args.command == "chart":
            from .commands import cmd_chart

            return cmd_chart(args)
        from .compare import cmd_compare

        return cmd_compare(args)
    except MonadicError as exc:
        print(f"monadic {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"monadic {args.command}: interrupted", file=sys.stderr)
        return 130
