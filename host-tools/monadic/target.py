# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Where the hypervisor runs: a QEMU we start, or a board (or anything else) we attach to.

`open_target()` returns a `Target` whose `shell` sits at a fresh prompt, whichever way it got
there, and whose `describe()` says how it was reached, for the provenance of a results folder.
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

from .errors import DeviceError, ShellTimeout
from .machine import Machine
from .qemu import DEFAULT_BINARY, MachineConfig
from .shell import Shell

DEFAULT_IMAGE = Path(__file__).resolve().parents[2] / "build" / "monadic-hypervisor.bin"
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
    boot_timeout: float = 30.0  # QEMU: first prompt; device: a prompt after pressing Enter

    @property
    def attached(self) -> bool:
        return self.device is not None or self.attach is not None


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
    """A shell at a prompt plus what is behind it; `close()` kills QEMU if we started it."""

    def __init__(self, spec: TargetSpec, shell: Shell, machine: Machine | None = None) -> None:
        self.spec = spec
        self.shell = shell
        self.machine = machine
        self.url = machine.qemu.serial_url if machine else ""
        self._qemu_version = qemu_version(spec.qemu) if machine else ""

    @property
    def started_qemu(self) -> bool:
        return self.machine is not None

    def describe(self) -> dict[str, Any]:
        """How the target was reached, for provenance.json."""
        if self.machine is not None:
            cfg = self.spec.config
            return {
                "kind": "qemu",
                "qemu_version": self._qemu_version,
                "qemu_command": list(self.machine.qemu.command),
                "machine": {"cpu": cfg.cpu, "smp": cfg.smp, "mem": cfg.mem},
                "image": str(self.spec.image),
            }
        info: dict[str, Any] = {"kind": "attached", "url": self.url}
        if self.spec.device is not None:
            info.update(device=self.spec.device, baud=self.spec.baud)
        else:
            info.update(attach=self.spec.attach)
        return info

    def close(self) -> None:
        if self.machine is not None:
            self.machine.close()
        else:
            self.shell.close()

    def __enter__(self) -> "Target":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_target(spec: TargetSpec, log: BinaryIO | None = None) -> Target:
    """Boot QEMU or open the device, and return once the shell shows a prompt.

    Raises DeviceError (no such device, connection refused), QemuError, ShellTimeout (nothing
    that looks like the shell answered) or HypervisorCrash (it answered with a crash dump).
    """
    if spec.device is not None and spec.attach is not None:
        raise DeviceError(f"{spec.device} and {spec.attach}", "give --device or --attach, not both")
    if not spec.attached:
        machine = Machine.launch(
            spec.image, spec.config, binary=spec.qemu, serial=spec.serial, log=log
        )
        machine.shell.char_delay = spec.char_delay
        try:
            machine.wait_boot(spec.boot_timeout)
        except BaseException:
            machine.close()  # the caller's `log` keeps what arrived, crash dumps included
            raise
        return Target(spec, machine.shell, machine)
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
    shell = Shell(port, log=log, char_delay=spec.char_delay)
    target = Target(spec, shell)
    target.url = url
    try:
        # Whatever state the shell is in: Ctrl-U drops a half-typed line, Enter asks for a
        # fresh prompt, and we wait until the link is quiet with a prompt as the last thing.
        shell.resync(b"\x15\r", quiet=0.5, timeout=spec.boot_timeout)
    except ShellTimeout as exc:
        shell.close()
        hint = f"is {spec.baud} baud right?" if spec.device else "is this its serial console?"
        raise ShellTimeout(
            f"the prompt {'monadic> '!r} from {name} (is the hypervisor running? {hint})",
            exc.timeout,
            exc.received_tail,
        ) from None
    except BaseException:
        shell.close()
        raise
    return target
