# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The exit statuses of `python3 -m monadic`, the same for every command."""

from __future__ import annotations

EXIT_OK = 0
# A shell command answered with an `error: ` line; the commands after it still ran.
EXIT_COMMAND_ERROR = 1
# The target failed (no device, timeout, crash dump, QEMU exited) or the command line was wrong.
EXIT_TARGET_FAILED = 2
EXIT_USAGE = 2
# Interrupted with Ctrl-C: 128 + SIGINT, as a shell reports it.
EXIT_INTERRUPTED = 130

# The `exit status:` section of every --help.
HELP = f"""\
exit status:
  {EXIT_OK}    success
  {EXIT_COMMAND_ERROR}    a shell command answered with an `error: ` line
  {EXIT_TARGET_FAILED}    the target failed (no device, timeout, crash dump, QEMU exited), or bad
       usage
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
"""
