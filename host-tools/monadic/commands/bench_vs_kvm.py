# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`bench-vs-kvm`: the same benchmark guest under this hypervisor and under KVM (VHE and nVHE)
in the same QEMU machine (the runs themselves: monadic/vskvm.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..exitcodes import EXIT_TARGET_FAILED, INTERRUPTED, OK
from ..options import ENVIRONMENT, REPO_ROOT, SubParsers, add_command, add_results_options
from ..qemu import qemu_binary_from_env
from ..target import DEFAULT_IMAGE
from ..vskvm import MODES, bench_vs_kvm

EPILOG = (
    """\
examples:
  make bench-vs-kvm         # build, fetch the KVM host, run all three, write results/
  python3 -m monadic bench-vs-kvm --modes monadic kvm-vhe --iters 4000 --no-results

"""
    + ENVIRONMENT
)


def register(sub: SubParsers) -> None:
    p = add_command(
        sub,
        "bench-vs-kvm",
        main,
        "the benchmark guest under this hypervisor and under KVM (VHE, nVHE), side by side",
        "Boot QEMU's virt board with EL2 and -icount shift=0,sleep=off three times: Debian's "
        "arm64 kernel with KVM in VHE mode, then in nVHE mode (kvm-arm.mode=nvhe), each running "
        "the benchmark guest (build/guests/uartbench.bin) under Debian's qemu-system-aarch64 "
        "-accel kvm from its initramfs (scripts/fetch-guest-linux.sh --name kvm); then this "
        "hypervisor running the same guest. The guest counts each operation on the virtual "
        "counter and prints it on its PL011. Prints instructions per operation and the ratio "
        "KVM / ours, and writes results/<date>-vs-kvm/ (results.jsonl, provenance.json, tables, "
        "transcripts, charts/vs_kvm.png). Under TCG the figures describe the emulator, not "
        "silicon.",
        EPILOG,
        exits=(
            OK,
            (EXIT_TARGET_FAILED, "a file is missing, or a run did not finish or ran in the "
             "wrong KVM mode"),
            INTERRUPTED,
        ),
    )
    p.add_argument("--image", default=str(DEFAULT_IMAGE), metavar="FILE",
                   help="hypervisor image (default: build/monadic-hypervisor.bin)")
    p.add_argument("--guest", default=str(REPO_ROOT / "build" / "guests" / "uartbench.bin"),
                   metavar="FILE", help="the benchmark guest (default: build/guests/uartbench.bin)")
    p.add_argument("--linux-dir", default=str(REPO_ROOT / "build" / "linux"), metavar="DIR",
                   help="Image and initramfs-kvm.cpio (default: build/linux)")
    p.add_argument("--qemu", default=qemu_binary_from_env(), metavar="BINARY",
                   help="QEMU binary (default: $MONADIC_QEMU or qemu-system-aarch64)")
    p.add_argument("--cpu", default="max", help="QEMU -cpu model (default: max)")
    p.add_argument("--smp", type=int, default=3, metavar="N",
                   help="QEMU -smp, every run (default: 3: the shell's CPU and the guest's two)")
    p.add_argument("--mem", default="1G", metavar="SIZE", help="QEMU -m (default: 1G)")
    p.add_argument("--iters", type=int, default=2000, metavar="N",
                   help="hypercalls and MMIO reads per loop; IPIs n/10, timer expiries n/20 "
                   "(default: 2000)")
    p.add_argument("--rounds", type=int, default=5, metavar="R",
                   help="the guest measures every operation R times in turn; the table shows "
                   "the median round (default: 5)")
    p.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES), metavar="MODE",
                   help=f"which runs, in order (default: {' '.join(MODES)})")
    p.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                   help="give up on a run after this long (default: 900)")
    add_results_options(p, "vs-kvm")


def main(args: argparse.Namespace) -> int:
    args.results = Path(args.results) if args.results else None
    return bench_vs_kvm(args)
