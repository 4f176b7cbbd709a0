# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A booted hypervisor: one QEMU process plus the shell on its serial port."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import BinaryIO

from .errors import LinkClosed, MonadicError, QemuError
from .parse import PROMPT
from .qemu import DEFAULT_BINARY, MachineConfig, Qemu
from .shell import Shell

BOOT_TIMEOUT_S = 30.0


class Machine:
    """Start with `Machine.launch()` (QEMU running, shell connected) and then `wait_boot()`, or
    both at once with `Machine.boot()`. `close()` (or the context manager) always kills QEMU."""

    def __init__(self, qemu: Qemu, shell: Shell) -> None:
        self.qemu = qemu
        self.shell = shell
        self.boot_text = ""  # what the hypervisor printed before its first prompt

    @classmethod
    def launch(
        cls,
        image: Path,
        config: MachineConfig | None = None,
        binary: str = DEFAULT_BINARY,
        serial: str = "tcp",
        log: BinaryIO | None = None,
    ) -> "Machine":
        """Start QEMU and connect the shell; the guest starts running once we connect."""
        qemu = Qemu(Path(image), config or MachineConfig(), binary, serial)
        qemu.start()
        try:
            shell = Shell.open(qemu.serial_url, log=log)
        except BaseException:
            qemu.kill()
            raise
        return cls(qemu, shell)

    @classmethod
    def boot(cls, image: Path, config: MachineConfig | None = None, **kwargs: object) -> "Machine":
        """`launch()` then `wait_boot()`; QEMU is killed if booting fails."""
        machine = cls.launch(image, config, **kwargs)  # type: ignore[arg-type]
        try:
            machine.wait_boot()
        except BaseException:
            machine.close()
            raise
        return machine

    def wait_boot(self, timeout: float = BOOT_TIMEOUT_S) -> str:
        """Wait for the first prompt; returns (and keeps in `boot_text`) what came before it.

        In pty mode QEMU drops what the guest prints before we open the pty, so an Enter is sent
        to get a fresh prompt and `boot_text` may miss the banner. If QEMU exits meanwhile, the
        error is a QemuError carrying its exit status and stderr.
        """
        try:
            if self.qemu.serial == "pty":
                text = self.shell.resync(b"\r", quiet=0.5, timeout=timeout)
                self.boot_text = text.removesuffix(PROMPT)
            else:
                self.boot_text = self.shell.wait_for_prompt(timeout)
        except LinkClosed as exc:
            try:
                status = self.qemu.wait(2.0)
            except subprocess.TimeoutExpired:
                raise exc from None
            raise QemuError(
                f"QEMU exited with status {status} during boot; {exc}",
                self.qemu.stderr,
                self.qemu.command,
            ) from exc
        return self.boot_text

    @property
    def healthy(self) -> bool:
        """QEMU runs, the link is open, nothing crashed and the shell sits at a prompt."""
        return (
            self.qemu.running
            and not self.shell.closed
            and not self.shell.crashed
            and self.shell.at_prompt
        )

    def recover(self, timeout: float = 3.0) -> bool:
        """Try to get back to a clean prompt (Ctrl-C, then wait); False if that failed."""
        if self.healthy:
            return True
        if not self.qemu.running or self.shell.closed or self.shell.crashed:
            return False
        try:
            self.shell.resync(b"\x03", timeout=timeout)
        except MonadicError:
            return False
        return self.healthy

    def close(self) -> None:
        self.shell.close()
        self.qemu.kill()

    def __enter__(self) -> "Machine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
