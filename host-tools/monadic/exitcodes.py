# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The exit statuses of `python3 -m monadic`, the same numbers for every command, and the
`exit status:` section of each command's --help."""

from __future__ import annotations

EXIT_OK = 0
# A shell command answered with an `error: ` line; the commands after it still ran.
EXIT_COMMAND_ERROR = 1
# The target failed (no device, timeout, crash dump, QEMU exited) or the command line was wrong.
EXIT_TARGET_FAILED = 2
EXIT_USAGE = 2
# Interrupted with Ctrl-C: 128 + SIGINT, as a shell reports it.
EXIT_INTERRUPTED = 130

# (status, what it means) for the help of the commands that can end that way.
OK = (EXIT_OK, "success")
COMMAND_ERROR = (EXIT_COMMAND_ERROR, "a shell command answered with an `error: ` line")
TARGET_FAILED = (
    EXIT_TARGET_FAILED,
    "the target failed (no device, timeout, crash dump, QEMU exited) or bad usage",
)
INTERRUPTED = (EXIT_INTERRUPTED, "interrupted (Ctrl-C)")


def help_section(*entries: tuple[int, str]) -> str:
    """An `exit status:` section listing `entries` in the order given."""
    return "exit status:\n" + "".join(f"  {code:<4} {text}\n" for code, text in entries)


# Every status any command returns, for the top-level --help.
HELP = help_section(OK, COMMAND_ERROR, TARGET_FAILED, INTERRUPTED)
