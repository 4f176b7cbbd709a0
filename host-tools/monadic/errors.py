# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Exceptions raised by the monadic host library; every one says what was expected and what came."""

from __future__ import annotations


class MonadicError(Exception):
    """Base class of every error this package raises."""


class QemuError(MonadicError):
    """QEMU could not be started, or exited before the serial link was ready."""

    def __init__(self, message: str, stderr: str = "", command: list[str] | None = None) -> None:
        self.stderr = stderr
        self.command = command or []
        text = message
        if command:
            text += "\ncommand: " + " ".join(command)
        if stderr:
            text += "\nqemu stderr:\n" + stderr.rstrip()
        super().__init__(text)


class ShellTimeout(MonadicError):
    """Something we waited for on the serial link did not arrive in time."""

    def __init__(self, waiting_for: str, timeout: float, received_tail: str) -> None:
        self.waiting_for = waiting_for
        self.timeout = timeout
        self.received_tail = received_tail
        super().__init__(
            f"timed out after {timeout:.1f}s waiting for {waiting_for}; "
            f"last text received:\n{received_tail!r}"
        )


class LinkClosed(MonadicError):
    """The serial link went away (QEMU exited, socket closed, device unplugged)."""

    def __init__(self, waiting_for: str, received_tail: str) -> None:
        self.waiting_for = waiting_for
        self.received_tail = received_tail
        super().__init__(
            f"serial link closed while waiting for {waiting_for}; "
            f"last text received:\n{received_tail!r}"
        )


class HypervisorCrash(MonadicError):
    """The hypervisor printed a crash dump (PANIC:, HALTED:, or an EL2 exception it did not
    recover from). `dump` holds the dump text from its first line to the end of what arrived."""

    def __init__(self, reason: str, dump: str) -> None:
        self.reason = reason
        self.dump = dump
        super().__init__(f"hypervisor crashed ({reason}); dump:\n{dump}")


class CommandError(MonadicError):
    """A shell command answered with one or more lines starting `error: `."""

    def __init__(self, command: str, output: str, errors: list[str]) -> None:
        self.command = command
        self.output = output
        self.errors = errors
        super().__init__(f"command {command!r} failed: {'; '.join(errors)}")


class ProtocolError(MonadicError):
    """The shell's output broke its own rules (for example a `--json` line that is not JSON)."""


class DeviceError(MonadicError):
    """A serial device or socket to attach to does not exist or cannot be opened."""

    def __init__(self, target: str, why: str) -> None:
        self.target = target
        self.why = why
        super().__init__(f"cannot open {target}: {why}")
