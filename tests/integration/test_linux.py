# SPDX-License-Identifier: BSD-2-Clause-Patent
"""An unmodified Debian arm64 kernel (fetched by scripts/fetch-guest-linux.sh under a private apt
state) boots as a guest with two vCPUs to a busybox init that prints a marker and powers off;
the hypervisor reports the VM stopped and the shell answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import LINUX_IMAGE_PA, LINUX_INITRD_PA, vm_by_name, wait_vm_state
from monadic import MachineConfig, Shell


@pytest.fixture(scope="module")
def shared_config(image: Path, linux_dir: Path) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    initrd = linux_dir / "initramfs.cpio.gz"
    config = MachineConfig(
        cpu="max",
        smp=4,
        mem="2G",
        extra_args=(
            "-device", f"loader,file={linux_dir / 'Image'},addr={LINUX_IMAGE_PA:#x},force-raw=on",
            "-device", f"loader,file={initrd},addr={LINUX_INITRD_PA:#x},force-raw=on",
            "-append",
            f'vm=linux,{LINUX_IMAGE_PA:#x},512M,2,"console=ttyAMA0" '
            f"initrd=linux,{LINUX_INITRD_PA:#x},{initrd.stat().st_size}",
        ),
    )
    return config


def test_linux_boots_to_init_and_powers_off(shell: Shell) -> None:
    vm = vm_by_name(shell, "linux")
    info = wait_vm_state(shell, vm["id"], timeout=180)
    assert "SYSTEM_OFF" in info["stop_reason"], info
    log = shell.run(f"vm log {vm['id']}")
    assert re.search(r"MONADIC-INIT: Linux \S+-cloud-arm64, 2 CPUs", log), log[-3000:]
    assert "reboot: Power down" in log
    # Both vCPUs ran (vCPU 1 started by Linux through PSCI CPU_ON, an HVC of vCPU 0); the
    # guest's timer ticks and IPIs went through the hypervisor.
    exits = [v["exits"] for v in info["vcpu"]]
    assert exits[0].get("HVC in AArch64", 0) >= 2, exits
    assert sum(exits[1].values()) > 0, exits
    assert sum(v["irq_exits"] for v in info["vcpu"]) > 10, info["vcpu"]
    # Linux's ITS driver found the emulated ITS in the DTB and mapped a collection per vCPU
    # (MAPC, INVALL, SYNC each), and none of its commands was refused.
    its = info["its"]
    assert its["commands"] >= 6 and its["errors"] == 0, its
    assert shell.run_json("cpus check")["failures"] == 0
