# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`make bench-vs-kvm`'s benchmark guest (tests/guests/uartbench.c) under this hypervisor, in
the machine the side-by-side uses: it must report every operation through its PL011 and power
off. The KVM side (Debian's kernel at EL2 running the guest under qemu-system-aarch64) takes
about a minute per mode under TCG, so it runs only when MONADIC_VSKVM_SMOKE=1; it skips, saying
why, when the Debian packages cannot be fetched."""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

import pytest

from monadic.vskvm import OPS, build_commands, parse_console, run_qemu

ITERS = 200


def _args(image: Path, qemu_binary: str, linux_dir: Path) -> argparse.Namespace:
    guest = image.parent / "guests" / "uartbench.bin"
    if not guest.exists():
        pytest.fail(f"{guest} is missing: run `make guests`")
    return argparse.Namespace(qemu=qemu_binary, cpu="max", smp=3, mem="1G", iters=ITERS, rounds=2,
                              linux_dir=str(linux_dir), image=str(image), guest=str(guest))


def _check_run(mode: str, cmd: list[str]) -> None:
    lines, _ = run_qemu(cmd, timeout=300)
    run = parse_console(mode, lines)
    tail = "\n".join(lines[-20:])
    assert run.problem() is None, f"{mode}: {run.problem()}\n{tail}"
    assert [op for op, _ in OPS if len(run.rounds.get(op, [])) != 2] == [], tail
    for op, r in run.ops.items():
        # Every operation costs something: at least an exit, more than a loop iteration.
        assert 20 < r.insns < 200_000, f"{op}: {r.insns:.0f} instructions per operation"


def test_uartbench_under_this_hypervisor(image: Path, qemu_binary: str, tmp_path: Path) -> None:
    args = _args(image, qemu_binary, tmp_path)
    _check_run("monadic", build_commands(args, ["monadic"])["monadic"])


@pytest.mark.skipif(os.environ.get("MONADIC_VSKVM_SMOKE") != "1",
                    reason="the KVM host takes about a minute under TCG: MONADIC_VSKVM_SMOKE=1")
def test_uartbench_under_kvm_vhe(image: Path, qemu_binary: str) -> None:
    repo, linux = image.parent.parent, image.parent / "linux"
    guest = image.parent / "guests" / "uartbench.bin"
    fetch = subprocess.run(
        [str(repo / "scripts" / "fetch-guest-linux.sh"), "--name", "kvm", "--packages",
         "qemu-system-arm=qemu-system-aarch64", "--init",
         str(repo / "scripts" / "bench-vs-kvm-init.sh"), "--add", f"{guest}=/uartbench.bin",
         str(linux)],
        capture_output=True, text=True, timeout=900,
    )
    if fetch.returncode != 0:
        pytest.skip(f"the KVM host's Debian packages could not be fetched: {fetch.stderr[-400:]}")
    args = _args(image, qemu_binary, linux)
    _check_run("kvm-vhe", build_commands(args, ["kvm-vhe"])["kvm-vhe"])
