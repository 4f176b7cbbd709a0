# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The same Debian Linux guest, booted by QEMU directly and as a
VM of the hypervisor with an NVMe controller passed through, timed side by side: boot to init
(host wall clock and the guest's own uptime) and a direct-I/O read of the NVMe namespace.

A boot's wall clock moves with whatever else the host is doing, so the two boots are repeated
in pairs (direct, then hypervisor, `--repeat` times): each figure is the median of its boots,
the ratio is the median's over the median, and the spread (lowest and highest boot, and each
pair's own ratio) is printed and kept beside it."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .errors import MonadicError
from .exitcodes import EXIT_OK
from .results import host_command
from .target import qemu_version

IMAGE_PA = 0x50000000
INITRD_PA = 0x58000000
INIT_RE = re.compile(r"MONADIC-INIT: Linux (\S+), (\d+) CPUs, uptime ([\d.]+) s")
DD_RE = re.compile(r"MONADIC-DD: mib=(\d+) start=([\d.]+) end=([\d.]+)")
VM_START_RE = re.compile(r"started from bootargs: .* in (\d+) us")
HYP_BOOT_RE = re.compile(r"boot: (\d+) us from hand-off to the shell")
BANNER_RE = re.compile(r"(monadic-hypervisor \S+ \(built [^)]*\))")
MODES = ("direct", "hypervisor")


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
    # Under the hypervisor only: its own boot to the shell, and how long it took to start the VM
    # (as its console says), both part of wall_to_init_s.
    hyp_boot_us: int | None = None
    vm_start_us: int | None = None
    banner: str | None = None
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
        m = VM_START_RE.search(line)
        if m:
            run.vm_start_us = int(m.group(1))
        m = HYP_BOOT_RE.search(line)
        if m:
            run.hyp_boot_us = int(m.group(1))
        m = BANNER_RE.search(line)
        if m and run.banner is None:
            run.banner = m.group(1)
        if "reboot: Power down" in line:
            run.powered_off = True
    return run


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def median(values: Sequence[float | None]) -> float | None:
    """The median of the values that are known (None: a boot that never said), or None."""
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 3) if known else None


def spread(values: Sequence[float | None]) -> list[float] | None:
    """[lowest, highest] of the known values, or None."""
    known = [v for v in values if v is not None]
    return [min(known), max(known)] if known else None


# (key in the summary, LinuxRun attribute, label in the table); the ratio is hypervisor/direct.
METRICS: tuple[tuple[str, Callable[[LinuxRun], float | None], str], ...] = (
    ("boot_wall", lambda r: r.wall_to_init_s, "boot to init, wall (s)"),
    ("boot_uptime", lambda r: r.uptime_at_init_s, "boot to init, uptime (s)"),
    ("dd_throughput", lambda r: r.dd_mib_per_s, "dd direct read (MiB/s)"),
)


def summarize(runs: dict[str, list[LinuxRun]]) -> dict[str, Any]:
    """Per metric: each mode's median and [lowest, highest], the ratio of the medians
    (hypervisor / direct), and the ratio within each pair of boots, in the order they ran."""
    out: dict[str, Any] = {}
    d, h = runs["direct"], runs["hypervisor"]
    for key, get, _ in METRICS:
        md, mh = median([get(r) for r in d]), median([get(r) for r in h])
        out[f"{key}_ratio"] = ratio(mh, md)
        out[f"{key}_median"] = {"direct": md, "hypervisor": mh}
        out[f"{key}_range"] = {"direct": spread([get(r) for r in d]),
                               "hypervisor": spread([get(r) for r in h])}
        out[f"{key}_pair_ratios"] = [ratio(get(b), get(a)) for a, b in zip(d, h)]
    return out


def format_table(summary: dict[str, Any], dd_mib: int) -> str:
    """Medians, their ratio, and the spread: each mode's lowest-highest and the pairs' ratios."""
    lines = [f"{'':26} {'direct':>8} {'hypervisor':>10} {'ratio':>6}   "
             f"{'direct range':>13} {'hyp. range':>13}  pair ratios"]
    for key, _, label in METRICS:
        if key == "dd_throughput":
            label = f"dd {dd_mib} MiB direct (MiB/s)"
        med, rng = summary[f"{key}_median"], summary[f"{key}_range"]
        r = summary[f"{key}_ratio"]
        pairs = ", ".join("n/a" if x is None else f"{x:.3f}" for x in summary[f"{key}_pair_ratios"])

        def cell(v: float | None) -> str:
            return "n/a" if v is None else f"{v:g}"

        def span(v: list[float] | None) -> str:
            return "n/a" if v is None else f"{v[0]:g}-{v[1]:g}"

        lines.append(f"{label:26} {cell(med['direct']):>8} {cell(med['hypervisor']):>10} "
                     f"{cell(r):>6}   {span(rng['direct']):>13} {span(rng['hypervisor']):>13}  "
                     f"{pairs}")
    return "\n".join(lines)


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
    """`--repeat` pairs of boots, the table on stdout, the JSON line (also appended to
    `args.out`)."""
    if args.repeat < 1:
        raise MonadicError(f"--repeat {args.repeat}: want at least 1")
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    runs: dict[str, list[LinuxRun]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        disk = Path(tmp) / "nvme.img"
        with open(disk, "wb") as f:
            # Written, not sparse, so both runs read real blocks from the host's page cache.
            block = bytes(range(256)) * 4096
            for _ in range(args.dd_mib + 1):
                f.write(block)
        commands = build_commands(args, disk)
        # In pairs, direct first: a change in the host's load between the two modes (another
        # process starting, the page cache warming) then falls on both alike.
        for i in range(args.repeat):
            for mode in MODES:
                lines = _run_qemu(commands[mode], args.timeout)
                run = parse_console(mode, lines)
                run.command = commands[mode]
                if run.wall_to_init_s is None:
                    tail = "\n".join(line for _, line in lines[-15:])
                    raise MonadicError(
                        f"{mode}: no MONADIC-INIT line within {args.timeout} s:\n{tail}")
                runs[mode].append(run)
                print(f"linux-bench: {i + 1}/{args.repeat} {mode}: init after "
                      f"{run.wall_to_init_s} s", file=sys.stderr, flush=True)
    stats = summarize(runs)
    h0 = runs["hypervisor"][0]
    summary = {
        "benchmark": "linux-guest",
        "started": started,
        "host_command": host_command(),
        "qemu_version": qemu_version(args.qemu),
        "hypervisor": h0.banner,
        "kernel": h0.kernel,
        "cpu": args.cpu,
        "guest_cpus": args.cpus,
        "guest_mem": args.guest_mem,
        "dd_mib": args.dd_mib,
        "repeat": args.repeat,
        "commands": {mode: rs[0].command for mode, rs in runs.items()},
        # Every boot, in order; its command line is the mode's, in "commands".
        "runs": {mode: [{k: v for k, v in asdict(r).items() if k != "command"} for r in rs]
                 for mode, rs in runs.items()},
        **stats,
        "vm_start_us_median": median([r.vm_start_us for r in runs["hypervisor"]]),
        "hyp_boot_us_median": median([r.hyp_boot_us for r in runs["hypervisor"]]),
    }
    print(format_table(stats, args.dd_mib))
    print(f"medians of {args.repeat} boot(s) each; under the hypervisor its own boot took "
          f"{summary['hyp_boot_us_median']} us and starting the VM {summary['vm_start_us_median']}"
          " us (medians)")
    line = json.dumps(summary, sort_keys=True)
    print(line)
    if args.out:
        with open(args.out, "a") as f:
            f.write(line + "\n")
    return EXIT_OK
