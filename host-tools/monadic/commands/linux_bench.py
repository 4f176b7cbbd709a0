# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`linux-bench`: a Linux guest's boot and NVMe read, direct against under the hypervisor (the
runs themselves: monadic/linuxbench.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..exitcodes import EXIT_TARGET_FAILED, INTERRUPTED, OK
from ..linuxbench import linux_bench
from ..options import ENVIRONMENT, REPO_ROOT, SubParsers, add_command
from ..qemu import qemu_binary_from_env
from ..target import DEFAULT_IMAGE

EPILOG = (
    """\
examples:
  make bench-linux          # fetch the guest, build, append to results/linux.jsonl
  make bench-linux LINUX_BENCH_ARGS="--repeat 9"
  python3 -m monadic linux-bench --cpus 2 --dd-mib 64 --repeat 3 --out /tmp/linux.jsonl

"""
    + ENVIRONMENT
)


def register(sub: SubParsers) -> None:
    p = add_command(
        sub,
        "linux-bench",
        main,
        "Linux guest: boot time and NVMe read, direct against under the hypervisor",
        "Boot the same Debian Linux kernel and initramfs (scripts/fetch-guest-linux.sh) twice "
        "under QEMU with one NVMe controller: directly (-kernel, no EL2), then as a VM of the "
        "hypervisor with the controller passed through (pci=). Each init prints its uptime and "
        "times a direct-I/O dd of the namespace. The pair of boots runs --repeat times (direct, "
        "then hypervisor); each figure is the median of its boots and the ratio (hypervisor / "
        "direct) the ratio of the medians. Prints a table with each mode's lowest and highest "
        "boot and each pair's own ratio, then one JSON line with every boot, the medians, the "
        "ranges and the ratios. Under TCG the figures describe the emulator, not silicon.",
        EPILOG,
        exits=(
            OK,
            (EXIT_TARGET_FAILED, "a file is missing, or a boot printed no MONADIC-INIT line"),
            INTERRUPTED,
        ),
    )
    p.add_argument(
        "--image",
        default=str(DEFAULT_IMAGE),
        metavar="FILE",
        help="hypervisor image (default: build/monadic-hypervisor.bin)",
    )
    p.add_argument(
        "--linux-dir",
        default=str(REPO_ROOT / "build" / "linux"),
        metavar="DIR",
        help="Image and initramfs.cpio.gz (default: build/linux)",
    )
    p.add_argument(
        "--qemu",
        default=qemu_binary_from_env(),
        metavar="BINARY",
        help="QEMU binary (default: $MONADIC_QEMU or qemu-system-aarch64)",
    )
    p.add_argument("--cpu", default="max", help="QEMU -cpu model (default: max)")
    p.add_argument("--cpus", type=int, default=2, metavar="N", help="guest vCPUs (default: 2)")
    p.add_argument(
        "--guest-mem", default="512M", metavar="SIZE", help="guest RAM (default: 512M)"
    )
    p.add_argument(
        "--dd-mib", type=int, default=128, metavar="N", help="MiB the guest reads (default: 128)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="give up on a boot after this long (default: 300)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=5,
        metavar="N",
        help="boot each way N times, in pairs; report the medians and the spread (default: 5)",
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="append the JSON line to FILE")


def main(args: argparse.Namespace) -> int:
    return linux_bench(args)
