# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A target: the hypervisor's shell at a prompt, and what is behind it.

Behind it is either a QEMU we started here (`Target.launch()`, `Target.boot()`) or a board, or
anything else with a serial console, that we attach to (`--device`, `--attach`). `Target.open()`
takes a `TargetSpec`, the command line's description of either, and returns the target at a
fresh prompt; `describe()` says how it was reached, for the provenance of a results folder.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import serial  # pyserial

from .errors import DeviceError, LinkClosed, MonadicError, QemuError, ShellTimeout
from .parse import PROMPT
from .qemu import DEFAULT_BINARY, MachineConfig, Qemu
from .shell import Shell

DEFAULT_IMAGE = Path(__file__).resolve().parents[2] / "build" / "monadic-hypervisor.bin"
BOOT_TIMEOUT_S = 30.0
# The device tree model of QEMU's virt board: a target that reports it is emulated, whoever
# started it.
QEMU_VIRT_MODEL = "linux,dummy-virt"
_HOST_PORT_RE = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[^:\s]+):(?P<port>\d{1,5})$")


@dataclass
class TargetSpec:
    """How to reach the hypervisor: exactly one of QEMU (the default), `device` or `attach`."""

    image: Path = DEFAULT_IMAGE
    qemu: str = DEFAULT_BINARY
    config: MachineConfig = field(default_factory=MachineConfig)
    serial: str = "tcp"  # QEMU serial backend: "tcp" or "pty"
    device: str | None = None  # /dev/ttyUSB0, /dev/pts/N, or any pyserial URL (loop://, rfc2217://)
    attach: str | None = None  # host:port of a TCP serial console
    baud: int = 115200
    char_delay: float = 0.0  # seconds between bytes sent, for UARTs without flow control
    boot_timeout: float = BOOT_TIMEOUT_S  # QEMU: first prompt; device: a prompt after Enter

    @property
    def attached(self) -> bool:
        return self.device is not None or self.attach is not None

    def where(self) -> str:
        """What we are about to reach, for a progress line."""
        return self.attach or self.device or f"QEMU {self.config.describe()}"


def attach_url(host_port: str) -> str:
    """`host:port` (or `[v6addr]:port`) as a pyserial socket:// URL; DeviceError if malformed."""
    m = _HOST_PORT_RE.match(host_port.strip())
    if m is None or not 0 < int(m.group("port")) < 65536:
        raise DeviceError(host_port, "expected HOST:PORT, for example localhost:4444")
    return f"socket://{m.group('host')}:{m.group('port')}"


def check_device(path: str) -> None:
    """Fail early, and say why, when a serial device path cannot be what we want."""
    if "://" in path:
        return  # a pyserial URL: pyserial will say what is wrong with it
    if not os.path.exists(path):
        hint = "no such device"
        if path.startswith("/dev/tty"):
            hint += " (is the USB serial adapter plugged in? try: ls /dev/ttyUSB* /dev/ttyACM*)"
        raise DeviceError(path, hint)
    mode = os.stat(path).st_mode
    if not stat.S_ISCHR(mode):
        raise DeviceError(path, "not a character device (a tty or pty)")
    if not os.access(path, os.R_OK | os.W_OK):
        raise DeviceError(
            path, "permission denied (add yourself to the dialout group, log in again)"
        )


def qemu_version(binary: str) -> str:
    """The first line of `qemu --version`, or why it could not be read."""
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return out.splitlines()[0].strip() if out.strip() else "unknown"


class Target:
    """The hypervisor's shell plus what is behind it: a QEMU process started here, or a serial
    link to a hypervisor that runs elsewhere.

    QEMU: `Target.launch()` (QEMU running, shell connected) and then `wait_boot()`, or both at
    once with `Target.boot()`. Anything: `Target.open(spec)`, which returns at a prompt. `close()`
    (or the context manager) closes the link and always kills a QEMU started here.
    """

    def __init__(
        self, shell: Shell, qemu: Qemu | None = None, spec: TargetSpec | None = None
    ) -> None:
        self.shell = shell
        self._qemu = qemu
        self.spec = spec or TargetSpec()
        self.url = qemu.serial_url if qemu is not None else ""
        self.boot_text = ""  # what the hypervisor printed before its first prompt (QEMU only)
        self._qemu_version: str | None = None

    # --- reaching a target -------------------------------------------------------------------

    @classmethod
    def launch(
        cls,
        image: Path,
        config: MachineConfig | None = None,
        binary: str = DEFAULT_BINARY,
        serial: str = "tcp",
        log: BinaryIO | None = None,
    ) -> Target:
        """Start QEMU and connect the shell; the guest starts running once we connect."""
        config = config or MachineConfig()
        qemu = Qemu(Path(image), config, binary, serial)
        qemu.start()
        try:
            shell = Shell.open(qemu.serial_url, log=log)
        except BaseException:
            qemu.kill()
            raise
        spec = TargetSpec(image=Path(image), qemu=binary, config=config, serial=serial)
        return cls(shell, qemu, spec)

    @classmethod
    def boot(
        cls,
        image: Path,
        config: MachineConfig | None = None,
        binary: str = DEFAULT_BINARY,
        serial: str = "tcp",
        log: BinaryIO | None = None,
        timeout: float = BOOT_TIMEOUT_S,
    ) -> Target:
        """`launch()` then `wait_boot()`; QEMU is killed if booting fails."""
        target = cls.launch(image, config, binary, serial, log)
        try:
            target.wait_boot(timeout)
        except BaseException:
            target.close()  # the caller's `log` keeps what arrived, crash dumps included
            raise
        return target

    @classmethod
    def open(cls, spec: TargetSpec, log: BinaryIO | None = None) -> Target:
        """Boot QEMU or open the device, and return once the shell shows a prompt.

        Raises DeviceError (no such device, connection refused), QemuError, ShellTimeout
        (nothing that looks like the shell answered) or HypervisorCrash (it answered with a
        crash dump).
        """
        if spec.device is not None and spec.attach is not None:
            raise DeviceError(
                f"{spec.device} and {spec.attach}", "give --device or --attach, not both"
            )
        if not spec.attached:
            target = cls.launch(spec.image, spec.config, spec.qemu, spec.serial, log)
            target.spec = spec
            target.shell.char_delay = spec.char_delay
            try:
                target.wait_boot(spec.boot_timeout)
            except BaseException:
                target.close()
                raise
            return target
        if spec.attach is not None:
            url, name = attach_url(spec.attach), spec.attach
        else:
            assert spec.device is not None
            check_device(spec.device)
            url, name = spec.device, spec.device
        try:
            port = serial.serial_for_url(url, baudrate=spec.baud, timeout=0.05)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceError(name, str(exc)) from exc
        target = cls(Shell(port, log=log, char_delay=spec.char_delay), spec=spec)
        target.url = url
        try:
            # Whatever state the shell is in: Ctrl-U drops a half-typed line, Enter asks for a
            # fresh prompt, and we wait until the link is quiet with a prompt as the last thing.
            target.shell.resync(b"\x15\r", quiet=0.5, timeout=spec.boot_timeout)
        except ShellTimeout as exc:
            target.close()
            hint = f"is {spec.baud} baud right?" if spec.device else "is this its serial console?"
            raise ShellTimeout(
                f"the prompt {PROMPT!r} from {name} (is the hypervisor running? {hint})",
                exc.timeout,
                exc.received_tail,
            ) from None
        except BaseException:
            target.close()
            raise
        return target

    # --- what is behind the shell ------------------------------------------------------------

    @property
    def started_qemu(self) -> bool:
        """True when QEMU was started here (and dies with `close()`)."""
        return self._qemu is not None

    @property
    def qemu(self) -> Qemu:
        """The QEMU process behind the shell; MonadicError for a target we attached to."""
        if self._qemu is None:
            raise MonadicError(f"{self.url or 'this target'} was attached to, not started here")
        return self._qemu

    def describe(self) -> dict[str, Any]:
        """How the target was reached, for provenance.json."""
        if self._qemu is not None:
            if self._qemu_version is None:
                self._qemu_version = qemu_version(self._qemu.binary)
            cfg = self._qemu.config
            return {
                "kind": "qemu",
                "qemu_version": self._qemu_version,
                "qemu_command": list(self._qemu.command),
                "machine": {"cpu": cfg.cpu, "smp": cfg.smp, "mem": cfg.mem},
                "image": str(self._qemu.image),
            }
        info: dict[str, Any] = {"kind": "attached", "url": self.url}
        if self.spec.device is not None:
            info.update(device=self.spec.device, baud=self.spec.baud)
        else:
            info.update(attach=self.spec.attach)
        return info

    # --- state of the shell ------------------------------------------------------------------

    def wait_boot(self, timeout: float = BOOT_TIMEOUT_S) -> str:
        """Wait for the first prompt; returns (and keeps in `boot_text`) what came before it.

        In pty mode QEMU drops what the guest prints before we open the pty, so an Enter is sent
        to get a fresh prompt and `boot_text` may miss the banner. If QEMU exits meanwhile, the
        error is a QemuError carrying its exit status and stderr.
        """
        try:
            if self._qemu is not None and self._qemu.serial == "pty":
                text = self.shell.resync(b"\r", quiet=0.5, timeout=timeout)
                self.boot_text = text.removesuffix(PROMPT)
            else:
                self.boot_text = self.shell.wait_for_prompt(timeout)
        except LinkClosed as exc:
            if self._qemu is None:
                raise
            try:
                status = self._qemu.wait(2.0)
            except subprocess.TimeoutExpired:
                raise exc from None
            raise QemuError(
                f"QEMU exited with status {status} during boot; {exc}",
                self._qemu.stderr,
                self._qemu.command,
            ) from exc
        return self.boot_text

    @property
    def healthy(self) -> bool:
        """QEMU (if any) runs, the link is open, nothing crashed and the shell sits at a
        prompt."""
        return (
            (self._qemu is None or self._qemu.running)
            and not self.shell.closed
            and not self.shell.crashed
            and self.shell.at_prompt
        )

    def recover(self, timeout: float = 3.0) -> bool:
        """Try to get back to a clean prompt (Ctrl-C, then wait); False if that failed."""
        if self.healthy:
            return True
        if self._qemu is not None and not self._qemu.running:
            return False
        if self.shell.closed or self.shell.crashed:
            return False
        try:
            self.shell.resync(b"\x03", timeout=timeout)
        except MonadicError:
            return False
        return self.healthy

    def close(self) -> None:
        """Close the link; kill QEMU if it was started here."""
        self.shell.close()
        if self._qemu is not None:
            self._qemu.kill()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
