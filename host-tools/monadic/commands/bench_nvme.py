# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`bench-nvme`: 4 KiB random I/O on one QEMU NVMe device by four paths, side by side (the runs
themselves: monadic/nvmebench.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..exitcodes import EXIT_TARGET_FAILED, INTERRUPTED, OK
from ..nvmebench import PATHS, QDS, bench_nvme
from ..options import ENVIRONMENT, REPO_ROOT, SubParsers, add_command, add_results_options
from ..qemu import qemu_binary_from_env
from ..target import DEFAULT_IMAGE

EPILOG = (
    """\
examples:
  make bench-nvme           # build, fetch Linux and fio, run every path, write results/
  python3 -m monadic bench-nvme --paths ring direct --runtime 1 --no-results

"""
    + ENVIRONMENT
)


def _qds(text: str) -> list[int]:
    try:
        qds = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: want comma-separated numbers") from None
    if not qds or any(q < 1 or q > 128 for q in qds):
        raise argparse.ArgumentTypeError(f"{text!r}: queue depths are 1 to 128")
    return qds


def register(sub: SubParsers) -> None:
    p = add_command(
        sub,
        "bench-nvme",
        main,
        "4 KiB random I/O on one NVMe device: the ring, passthrough, direct, virtio-blk",
        "On one QEMU NVMe controller backed by one file, measure 4 KiB random read and write "
        "IOPS and latency (p50, p99, p99.9) at each queue depth by four paths in turn: the "
        "bare-metal benchmark guest on the block engine's rings (`bench nvme`, with EL2 cycles "
        "per I/O, and EL2 instructions per I/O in a second run under -icount shift=0); Debian's "
        "arm64 Linux with the controller passed through, running fio; the same Linux booted by "
        "QEMU directly; and the same Linux VM on virtio-blk through the engine (bootargs "
        "disk=...,virtio), skipped with the reason when there is no such disk. Prints the table "
        "and the block service's targets, and writes results/<date>-nvme/ (results.jsonl, "
        "provenance.json, table.txt, table.md, transcripts, charts/ of IOPS and p99 against "
        "queue depth). Under TCG the figures describe the emulator, not silicon.",
        EPILOG,
        exits=(
            OK,
            (EXIT_TARGET_FAILED, "the ring path was asked for and gave no result, or no path did"),
            INTERRUPTED,
        ),
    )
    p.add_argument("--image", default=str(DEFAULT_IMAGE), metavar="FILE",
                   help="hypervisor image (default: build/monadic-hypervisor.bin)")
    p.add_argument("--linux-dir", default=str(REPO_ROOT / "build" / "linux"), metavar="DIR",
                   help="Image and initramfs-fio.cpio (default: build/linux)")
    p.add_argument("--qemu", default=qemu_binary_from_env(), metavar="BINARY",
                   help="QEMU binary (default: $MONADIC_QEMU or qemu-system-aarch64)")
    p.add_argument("--cpu", default="max", help="QEMU -cpu model (default: max)")
    p.add_argument("--disk", default=str(REPO_ROOT / "build" / "bench-nvme.img"), metavar="FILE",
                   help="the backing file, rewritten at the start (default: build/bench-nvme.img)")
    p.add_argument("--disk-mib", type=int, default=64, metavar="N",
                   help="its size in MiB (default: 64)")
    p.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS), metavar="PATH",
                   help=f"which paths, ring first (default: {' '.join(PATHS)})")
    p.add_argument("--iters", type=int, default=2000, metavar="N",
                   help="the ring guest's I/Os per point (default: 2000)")
    p.add_argument("--icount-iters", type=int, default=500, metavar="N",
                   help="I/Os per point of the -icount run that counts EL2 instructions; 0 "
                   "skips it (default: 500)")
    p.add_argument("--ring-wait", choices=("wfi", "wfe"), default=None,
                   help="how the ring guest waits for completions: WFI on its interrupt or WFE "
                   "on its ring (`bench nvme --wait`; default: the hypervisor's, WFI)")
    p.add_argument("--runtime", type=int, default=2, metavar="S",
                   help="fio: seconds measured per point (default: 2)")
    p.add_argument("--ramp", type=int, default=1, metavar="S",
                   help="fio: seconds run before each point is measured (default: 1)")
    p.add_argument("--qds", type=_qds, default=list(QDS), metavar="A,B,...",
                   help="fio's queue depths (default: 1,2,4,...,128; the ring guest always "
                   "runs all eight)")
    p.add_argument("--guest-cpus", type=int, default=1, metavar="N",
                   help="the Linux guest's CPUs, on every Linux path (default: 1)")
    p.add_argument("--guest-mem", default="512M", metavar="SIZE",
                   help="the Linux guest's RAM (default: 512M)")
    p.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                   help="give up on a path after this long (default: 900)")
    add_results_options(p, "nvme")


def main(args: argparse.Namespace) -> int:
    args.results = Path(args.results) if args.results else None
    return bench_nvme(args)
