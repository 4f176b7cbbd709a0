# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Launch qemu-system-aarch64 on the `virt` board with the hypervisor image and one serial link.

The serial port is either a TCP server that waits for us before the guest runs (no output is
lost; the default) or a pty (QEMU drops output while nobody has the pty open).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Sequence

from . import efivars
from .errors import QemuError

DEFAULT_BINARY = "qemu-system-aarch64"
_PTY_RE = re.compile(r"char device redirected to (\S+)")
_WAITING_RE = re.compile(r"QEMU waiting for connection on:")
_BIND_FAILURE_RE = re.compile(r"Address already in use|Failed to bind socket", re.IGNORECASE)
BIND_ATTEMPTS = 5
VIRT_RAM_BASE = 0x4000_0000
# QEMU's boot stub occupies the bottom of RAM, so an arm64 Image whose text_offset falls inside
# it is loaded 2 MiB higher (hw/arm/boot.c, load_aarch64_image: BOOTLOADER_MAX_SIZE is 4 KiB).
_QEMU_BOOTLOADER_MAX = 4096


@dataclass(frozen=True)
class MachineConfig:
    """What the guest machine looks like: the knobs the tests vary."""

    cpu: str = "max"
    smp: int = 1
    mem: str = "512M"
    machine_opts: Sequence[str] = ()  # appended to -M virt,virtualization=on,gic-version=3
    extra_args: Sequence[str] = ()  # e.g. ("-append", "...") or ("-device", "...")
    # Boot through EDK2 from this ESP folder (see prepare_esp) instead of -kernel.
    esp: str = ""
    # Serial ports before ours: ("-serial", "null") leaves the PL011 unconnected and makes our
    # port QEMU's chardev "serial1", for a console on another UART (-device pci-serial).
    serial_before: Sequence[str] = ()

    def describe(self) -> str:
        return f"-cpu {self.cpu} -smp {self.smp} -m {self.mem}"


def mem_bytes(mem: str) -> int:
    """QEMU's -m size (`512M`, `4G`, `1024`, which means MiB) in bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    text = mem.strip().upper().removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text) << 20


def image_load_address(image: Path, ram_base: int = VIRT_RAM_BASE) -> int:
    """Where `-kernel` puts an arm64 Image on the virt board, from its header (Linux
    Documentation/arch/arm64/booting.rst: text_offset at byte 8, magic "ARM\\x64" at 0x38)."""
    header = Path(image).read_bytes()[:64]
    if header[0x38:0x3C] != b"ARM\x64":
        raise QemuError(f"{image} has no arm64 Image header")
    text_offset = int.from_bytes(header[8:16], "little")
    if text_offset < _QEMU_BOOTLOADER_MAX:
        text_offset += 2 << 20
    return ram_base + text_offset


AAVMF_CODE = "/usr/share/AAVMF/AAVMF_CODE.fd"
AAVMF_VARS = "/usr/share/AAVMF/AAVMF_VARS.fd"


# The ways UEFI starts the application (docs/uefi.md): as the removable-media loader, from a
# boot entry (Boot#### in the variable store), from the UEFI shell's startup.nsh, or from GRUB's
# chainloader. All but the first keep it at APP_PATH with monadic.cfg beside it.
BOOT_PATHS = ("removable", "entry", "shell", "grub")
APP_PATH = "EFI/monadic/monadic.efi"


def _dos(path: str) -> str:
    return "\\" + path.replace("/", "\\")


def prepare_esp(
    image: Path,
    esp: Path,
    cfg: str = "",
    files: dict[str, Path] | None = None,
    boot: str = "removable",
    options: str = "",
    grub_efi: Path | None = None,
) -> Path:
    """An EFI system partition folder for QEMU's fat: driver and a fresh variable store beside
    it (`<esp>.vars.fd`). `image` is the removable-media loader \\EFI\\BOOT\\BOOTAA64.EFI
    (boot="removable"), or \\EFI\\monadic\\monadic.efi started with the load options
    `options` by a boot entry written into the variable store (boot="entry"), by the UEFI
    shell's startup.nsh (boot="shell"), or by GRUB's chainloader (boot="grub": `grub_efi`, Debian's
    monolithic grubaa64.efi, becomes the removable-media loader with grub.cfg beside it).
    `cfg` is monadic.cfg beside the image, `files` are copied to the paths given (relative to
    the ESP). Returns `esp`."""
    if boot not in BOOT_PATHS:
        raise ValueError(f"boot must be one of {', '.join(BOOT_PATHS)}, not {boot!r}")
    if boot == "grub" and grub_efi is None:
        raise ValueError("boot='grub' needs grub_efi (scripts/fetch-grub.sh fetches it)")
    if esp.exists():
        shutil.rmtree(esp)
    app = esp / ("EFI/BOOT/BOOTAA64.EFI" if boot == "removable" else APP_PATH)
    app.parent.mkdir(parents=True)
    shutil.copyfile(image, app)
    (app.parent / "monadic.cfg").write_text(cfg + "\n")
    for rel, src in (files or {}).items():
        dst = esp / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    template = Path(AAVMF_VARS).read_bytes()
    if boot == "entry":
        template = efivars.boot_entry_store(template, _dos(APP_PATH), options)
    elif boot == "shell":
        # The shell runs startup.nsh from the first file system; fs0 is the only FAT volume.
        (esp / "startup.nsh").write_text(f"fs0:\r\n{_dos(APP_PATH)} {options}\r\n")
    elif boot == "grub":
        assert grub_efi is not None
        (esp / "EFI" / "BOOT").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(grub_efi, esp / "EFI" / "BOOT" / "BOOTAA64.EFI")
        # Debian's monolithic image reads grub.cfg from the folder it was started from when
        # there is no /EFI/debian or /boot/grub.
        # Single quotes keep the options as written (GRUB would eat backslashes and double
        # quotes); chainloader passes its arguments after the file, joined by spaces.
        quoted = "'" + options.replace("'", "'\\''") + "'" if options else ""
        (esp / "EFI" / "BOOT" / "grub.cfg").write_text(
            f"set timeout=0\nmenuentry monadic {{\n\tchainloader /{APP_PATH} {quoted}\n}}\n"
        )
    Path(f"{esp}.vars.fd").write_bytes(template)
    return esp


def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (QEMU may still lose a race for it;
    `Qemu.start()` retries)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Qemu:
    """One QEMU process. Use as a context manager, or call `start()` and `kill()`.

    After `start()`, `serial_url` is what `Shell.open()` takes: `socket://127.0.0.1:PORT` in tcp
    mode (QEMU holds the guest until that connection is made) or the pty path in pty mode.
    """

    image: Path
    config: MachineConfig = field(default_factory=MachineConfig)
    binary: str = DEFAULT_BINARY
    serial: str = "tcp"  # "tcp" or "pty"
    start_timeout: float = 10.0

    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)
    command: list[str] = field(default_factory=list, init=False)
    serial_url: str = field(default="", init=False)
    port: int | None = field(default=None, init=False)
    _out: dict[str, list[str]] = field(default_factory=dict, init=False)
    _out_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _pumps: list[threading.Thread] = field(default_factory=list, init=False)

    def build_command(self, serial_arg: str) -> list[str]:
        """The full command line for one serial backend argument (`tcp:...` or `pty`)."""
        machine = ",".join(["virt", "virtualization=on", "gic-version=3", *self.config.machine_opts])
        if self.config.esp:
            boot = [
                "-drive", f"if=pflash,format=raw,readonly=on,file={AAVMF_CODE}",
                "-drive", f"if=pflash,format=raw,file={self.config.esp}.vars.fd",
                "-drive", f"file=fat:rw:{self.config.esp},format=raw,if=none,id=esp",
                "-device", "virtio-blk-pci,drive=esp",
            ]
        else:
            boot = ["-kernel", str(self.image)]
        return [
            self.binary,
            "-M", machine,
            "-cpu", self.config.cpu,
            "-smp", str(self.config.smp),
            "-m", self.config.mem,
            "-display", "none",
            "-monitor", "none",
            "-net", "none",
            *boot,
            *self.config.serial_before,
            "-serial", serial_arg,
            *self.config.extra_args,
        ]  # fmt: skip

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> "Qemu":
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

    def start(self) -> "Qemu":
        """Start QEMU and return once its serial backend is ready for `Shell.open()`; if that
        fails, QEMU is killed before the error is raised."""
        try:
            return self._start()
        except BaseException:
            self.kill()
            raise

    def _start(self) -> "Qemu":
        if not Path(self.image).is_file():
            raise QemuError(f"hypervisor image {self.image} does not exist (run make)")
        if self.serial == "pty":
            self._spawn(self.build_command("pty"))
            m = self._wait_stderr(_PTY_RE, "the pty name")
            self.serial_url = m.group(1)
            return self
        if self.serial != "tcp":
            raise ValueError(f"serial must be 'tcp' or 'pty', not {self.serial!r}")
        for _attempt in range(BIND_ATTEMPTS):
            port = free_tcp_port()
            self._spawn(self.build_command(f"tcp:127.0.0.1:{port},server=on,wait=on"))
            try:
                self._wait_stderr(_WAITING_RE, "QEMU to listen on the serial port")
            except QemuError:
                if self.proc is not None and self.proc.poll() is not None and _BIND_FAILURE_RE.search(
                    self.stderr
                ):
                    continue  # another process took the port between our probe and QEMU's bind
                raise
            self.port = port
            self.serial_url = f"socket://127.0.0.1:{port}"
            return self
        raise QemuError(f"no free port after {BIND_ATTEMPTS} attempts", self.stderr, self.command)

    def _spawn(self, command: list[str]) -> None:
        self.kill()
        self.command = command
        with self._out_lock:
            self._out = {"stdout": [], "stderr": []}
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # a Ctrl-C at the terminal should not reach QEMU first
            )
        except OSError as exc:
            raise QemuError(f"cannot run {command[0]}: {exc}", command=command) from exc
        # QEMU prints the pty name on stdout and errors on stderr; drain both so neither pipe
        # fills up and blocks QEMU.
        self._pumps = [
            threading.Thread(target=self._pump, args=(pipe, name), name=f"qemu-{name}", daemon=True)
            for pipe, name in ((self.proc.stdout, "stdout"), (self.proc.stderr, "stderr"))
        ]
        for pump in self._pumps:
            pump.start()

    def _pump(self, pipe: IO[bytes], name: str) -> None:
        for raw in iter(pipe.readline, b""):
            with self._out_lock:
                self._out[name].append(raw.decode("utf-8", errors="replace"))

    def _wait_stderr(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        deadline = time.monotonic() + self.start_timeout
        while True:
            m = pattern.search(self.stdout + self.stderr)
            if m is not None:
                return m
            assert self.proc is not None
            if self.proc.poll() is not None:
                for pump in self._pumps:
                    pump.join(1.0)
                m = pattern.search(self.stdout + self.stderr)
                if m is not None:
                    return m
                raise QemuError(
                    f"QEMU exited with status {self.proc.returncode} before {what}",
                    self.stderr,
                    self.command,
                )
            if time.monotonic() >= deadline:
                raise QemuError(f"timed out waiting for {what}", self.stderr, self.command)
            time.sleep(0.02)

    # --- state ------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """QEMU's exit status, or None while it runs (or before it started)."""
        return None if self.proc is None else self.proc.poll()

    @property
    def stderr(self) -> str:
        """Everything QEMU has written to stderr so far."""
        with self._out_lock:
            return "".join(self._out.get("stderr", []))

    @property
    def stdout(self) -> str:
        """Everything QEMU has written to stdout so far (the pty name, in pty mode)."""
        with self._out_lock:
            return "".join(self._out.get("stdout", []))

    def wait(self, timeout: float) -> int:
        """Wait for QEMU to exit on its own and return its status (TimeoutExpired if it doesn't)."""
        if self.proc is None:
            raise QemuError("QEMU was never started")
        return self.proc.wait(timeout)

    def kill(self, grace: float = 2.0) -> None:
        """Stop QEMU: SIGTERM, then SIGKILL after `grace` seconds. Safe to call twice."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(grace)
            except ProcessLookupError:
                pass
        for pump in self._pumps:
            pump.join(1.0)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def qemu_binary_from_env() -> str:
    """`$MONADIC_QEMU` if set, else qemu-system-aarch64 from $PATH."""
    return os.environ.get("MONADIC_QEMU", DEFAULT_BINARY)
