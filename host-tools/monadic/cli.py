# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The `python3 -m monadic` command line: the top-level parser and the dispatch to the handler
each subcommand module (monadic/commands/) registered."""

from __future__ import annotations

import argparse
import sys

from .commands import MODULES
from .errors import MonadicError
from .exitcodes import EXIT_INTERRUPTED, EXIT_TARGET_FAILED, EXIT_USAGE
from .exitcodes import HELP as EXIT_HELP
from .options import ENVIRONMENT, PROG, formatter, wrap

DESCRIPTION = """\
Host tools for monadic-hypervisor: talk to its serial shell, run benchmark suites, chart and
compare the results. The hypervisor runs in QEMU (started here, virt board at EL2, as `make run`
does) or on a board whose serial console is a local device (--device) or a TCP socket (--attach).
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand; `args.func` is the chosen one's handler."""
    parser = argparse.ArgumentParser(
        prog=PROG, description=wrap(DESCRIPTION), formatter_class=formatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in MODULES:
        module.register(sub)
    parser.epilog = (
        f"`{PROG} COMMAND --help` describes each. For compatibility, arguments that do not start\n"
        f"with a command mean `run`:  {PROG} --smp 4 'sysregs --json'\n\n"
        + EXIT_HELP
        + "\n"
        + ENVIRONMENT
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: sys.argv[1:]), run the subcommand, return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = _command_names(parser)
    if argv and argv[0] not in commands and argv[0] not in ("-h", "--help"):
        argv.insert(0, "run")  # the original interface: python3 -m monadic [options] COMMAND...
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    args.argv = argv
    try:
        status: int = args.func(args)
        return status
    except MonadicError as exc:
        print(f"monadic {args.command}: {exc}", file=sys.stderr)
        return EXIT_TARGET_FAILED
    except KeyboardInterrupt:
        print(f"monadic {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _command_names(parser: argparse.ArgumentParser) -> set[str]:
    """The subcommands the parser knows."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()
