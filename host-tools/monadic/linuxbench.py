# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The same Debian Linux guest, booted by QEMU directly and as a
VM of the hypervisor with an NVMe controller passed through, timed side by side: boot to init
(host wall clock and the guest's own uptime) and a direct-I/O read of the NVMe namespace."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import MonadicError
from .exitcodes import EXIT_OK

IMAGE_PA = 0x50000000
INITRD_PA = 0x58000000
INIT_RE = re.compile(r"MONADIC-INIT: Linux (\S+), (\d+) CPUs, uptime ([\d.]+) s")
DD_RE = re.compile(r"MONADIC-DD: mib=(\d+) start=([\d.]+) end=([\d.]+)")


@dataclass
class LinuxRun:
    """What one boot measured; None where the console never said."""

    mode: str
    wall_to_init_s: float | None = None
    uptime_at_init_s: float | None = None
    kernel: str | None = None
    cpus: int | None = None
    dd_mib: int | None = None
    dd_seconds: float | None = None
    dd_mib_per_s: float | None = None
    powered_off: bool = False
    command: list[str] = field(default_factory=list)


def parse_console(mode: str, lines: list[tuple[float, str]]) -> LinuxRun:
    """Fill a LinuxRun from (seconds since QEMU started, line) pairs of the guest's console."""
    run = LinuxRun(mode=mode)
    for t, line in lines:
        m = INIT_RE.search(line)
        if m and run.wall_to_init_s is None:
            run.wall_to_init_s = round(t, 3)
            run.kernel, run.cpus = m.group(1), int(m.group(2))
            run.uptime_at_init_s = float(m.group(3))
        m = DD_RE.search(line)
        if m:
            run.dd_mib = int(m.group(1))
            run.dd_seconds = round(float(m.group(3)) - float(m.group(2)), 3)
            # /proc/uptime counts in 10 ms steps: a read shorter than that cannot be timed.
            run.dd_mib_per_s = (round(run.dd_mib / run.dd_seconds, 1)
                                if run.dd_seconds >= 0.05 else None)
        if "reboot: Power down" in line:
            run.powered_off = True
    return run


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _run_qemu(cmd: list[str], timeout: float) -> list[tuple[float, str]]:
    start = time.monotonic()
    lines: list[tuple[float, str]] = []
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            now = time.monotonic() - start
            line = raw.decode(errors="replace").rstrip("\r\n")
            lines.append((now, line))
            if "reboot: Power down" in line or now > timeout:
                break
    finally:
        proc.kill()
        proc.wait()
    return lines


def build_commands(args: argparse.Namespace, disk: Path) -> dict[str, list[str]]:
    linux = Path(args.linux_dir)
    image, initrd = linux / "Image", linux / "initramfs.cpio.gz"
    for f in (image, initrd, Path(args.image)):
        if not f.exists():
            raise MonadicError(f"{f} is missing (make, scripts/fetch-guest-linux.sh)")
    cmdline = f"console=ttyAMA0 monadic.dd={args.dd_mib}"
    nvme = ["-drive", f"file={disk},if=none,id=d0,format=raw,cache=none",
            "-device", "nvme,serial=bench,drive=d0,addr=01.0"]
    common = ["-cpu", args.cpu, "-nographic", "-net", "none"]
    direct = [args.qemu, "-M", "virt,gic-version=3", *common, "-smp", str(args.cpus),
              "-m", args.guest_mem, "-kernel", str(image), "-initrd", str(initrd),
              "-append", cmdline, *nvme]
    bootargs = (f'vm=linux,{IMAGE_PA:#x},{args.guest_mem},{args.cpus},"{cmdline}" '
                f"initrd=linux,{INITRD_PA:#x},{initrd.stat().st_size} pci=linux,00:01.0 attach")
    hyp = [args.qemu, "-M", "virt,virtualization=on,gic-version=3", *common,
           "-smp", str(args.cpus + 1), "-m", "2G", "-kernel", str(args.image),
           "-device", f"loader,file={image},addr={IMAGE_PA:#x},force-raw=on",
           "-device", f"loader,file={initrd},addr={INITRD_PA:#x},force-raw=on",
           "-append", bootargs, *nvme]
    return {"direct": direct, "hypervisor": hyp}


def linux_bench(args: argparse.Namespace) -> int:
    """Both boots, the table on stdout, the JSON line (also appended to `args.out`)."""
    with tempfile.TemporaryDirectory() as tmp:
        disk = Path(tmp) / "nvme.img"
        with open(disk, "wb") as f:
            # Written, not sparse, so both runs read real blocks from the host's page cache.
            block = bytes(range(256)) * 4096
            for _ in range(args.dd_mib + 1):
                f.write(block)
        runs: dict[str, LinuxRun] = {}
        for mode, cmd in build_commands(args, disk).items():
            lines = _run_qemu(cmd, args.timeout)
            run = parse_console(mode, lines)
            run.command = cmd
            if run.wall_to_init_s is None:
                tail = "\n".join(line for _, line in lines[-15:])
                raise MonadicError(f"{mode}: no MONADIC-INIT line within {args.timeout} s:\n{tail}")
            runs[mode] = run
    d, h = runs["direct"], runs["hypervisor"]
    summary = {
        "benchmark": "linux-guest",
        "cpu": args.cpu,
        "guest_cpus": args.cpus,
        "guest_mem": args.guest_mem,
        "runs": {k: asdict(v) for k, v in runs.items()},
        "boot_wall_ratio": ratio(h.wall_to_init_s, d.wall_to_init_s),
        "boot_uptime_ratio": ratio(h.uptime_at_init_s, d.uptime_at_init_s),
        "dd_throughput_ratio": ratio(h.dd_mib_per_s, d.dd_mib_per_s),
    }
    print(f"{'':28} {'direct':>10} {'hypervisor':>11} {'ratio':>7}")
    for label, a, b, r in (
        ("boot to init, wall (s)", d.wall_to_init_s, h.wall_to_init_s, summary["boot_wall_ratio"]),
        ("boot to init, uptime (s)", d.uptime_at_init_s, h.uptime_at_init_s,
         summary["boot_uptime_ratio"]),
        (f"dd {args.dd_mib} MiB direct (MiB/s)", d.dd_mib_per_s, h.dd_mib_per_s,
         summary["dd_throughput_ratio"]),
    ):
        print(f"{label:28} {a if a is not None else 'n/a':>10} {b if b is not None else 'n/a':>11} "
              f"{r if r is not None else 'n/a':>7}")
    line = json.dumps(summary, sort_keys=True)
    print(line)
    if args.out:
        with open(args.out, "a") as f:
            f.write(line + "\n")
    return EXIT_OK
