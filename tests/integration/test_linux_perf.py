# SPDX-License-Identifier: BSD-2-Clause-Patent
"""An unmodified Debian arm64 kernel finds its core's PMU through the arm,armv8-pmuv3 node of its
DTB, and Debian's `perf stat -e cycles,instructions` (linux-perf, put into the initramfs by
scripts/fetch-guest-linux.sh --packages) counts a busy loop with it: both counts non-zero.
Under -icount, where QEMU implements the instructions event."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from helpers import LINUX_IMAGE_PA, LINUX_INITRD_PA, REPO_ROOT, vm_by_name, wait_vm_state
from monadic import MachineConfig, Target

from typing import Callable


def perf_initramfs(image: Path, linux_dir: Path) -> Path:
    repo = REPO_ROOT  # the scripts are the checkout's, wherever the image under test lies
    run = subprocess.run(
        [str(repo / "scripts" / "fetch-guest-linux.sh"), "--name", "perf", "--packages",
         "linux-perf", "--init", str(repo / "tests" / "integration" / "perf-init.sh"),
         str(linux_dir)],
        capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, f"building the perf initramfs failed:\n{run.stdout}\n{run.stderr}"
    return linux_dir / "initramfs-perf.cpio"


def test_perf_stat_counts_in_a_linux_guest(image: Path, linux_dir: Path,
                                           boot: Callable[..., Target]) -> None:
    initrd = perf_initramfs(image, linux_dir)
    # QEMU implements the instructions event (INST_RETIRED) only under -icount.
    machine = boot(MachineConfig(cpu="max", smp=2, mem="2G", extra_args=(
        "-icount", "shift=0",
        "-device", f"loader,file={linux_dir / 'Image'},addr={LINUX_IMAGE_PA:#x},force-raw=on",
        "-device", f"loader,file={initrd},addr={LINUX_INITRD_PA:#x},force-raw=on",
        "-append",
        f'vm=linux,{LINUX_IMAGE_PA:#x},512M,1,"console=ttyAMA0" '
        f"initrd=linux,{LINUX_INITRD_PA:#x},{initrd.stat().st_size}",
    )))
    shell = machine.shell
    vm = vm_by_name(shell, "linux")
    info = wait_vm_state(shell, vm["id"], timeout=300)
    log = shell.run(f"vm log {vm['id']}")
    assert "SYSTEM_OFF" in info["stop_reason"], (info, log[-3000:])
    assert re.search(r"MONADIC-PMU: .*armv8_pmuv3", log), log[-3000:]
    assert "MONADIC-PERF-RC: 0" in log, log[-3000:]
    # perf stat -x, : value,unit,event,... one line per event.
    counts = {m.group(2): int(m.group(1))
              for m in re.finditer(r"MONADIC-PERF: (\d+),[^,]*,(cycles|instructions)", log)}
    assert counts.get("cycles", 0) > 0 and counts.get("instructions", 0) > 0, log[-3000:]
