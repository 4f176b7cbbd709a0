# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A guest aims its passed-through NVMe controller's DMA outside its RAM: behind the SMMU the
hypervisor took over, the write is aborted (F_TRANSLATION events at that address) and the
memory there is untouched, while the same controller's DMA into the guest's own RAM works.
A second VM with another controller keeps resetting itself and gets its device back each time."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from helpers import vm_by_name, wait_vm_state
from monadic import MachineConfig, Shell, as_int, parse_hexdump

GUEST_PA = 0x44000000
RESET_PA = 0x45000000


@pytest.fixture(scope="module")
def shared_config(image: Path) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    guest = image.parent / "guests" / "nvmedma.bin"
    config = MachineConfig(
        cpu="max",
        smp=3,
        mem="1G",
        machine_opts=("iommu=smmuv3",),
        extra_args=(
            "-device", f"loader,file={guest},addr={GUEST_PA:#x},force-raw=on",
            "-device", "nvme,serial=dma0,addr=01.0",
            "-device", f"loader,file={guest},addr={RESET_PA:#x},force-raw=on",
            "-device", "nvme,serial=dma1,addr=02.0",
            "-append", f"vm=dma,{GUEST_PA:#x},32M,1 pci=dma,00:01.0 "
            f'vm=again,{RESET_PA:#x},32M,1,"reset" pci=again,00:02.0',
        ),
    )
    return config


def test_dma_outside_the_vms_ram_is_aborted(shell: Shell) -> None:
    vm = vm_by_name(shell, "dma")
    wait_vm_state(shell, vm["id"])
    log = shell.run(f"vm log {vm['id']}")
    # The controller works for the guest: Identify into its own RAM.
    assert "guest: ok identify-inside" in log and "guest: 5 passed, 0 failed" in log, log
    outside = re.search(r"guest: outside target (0x[0-9a-f]+)", log)
    assert outside is not None, log
    target = int(outside.group(1), 16)
    info = shell.run_json(f"vm info {vm['id']}")["vm"]
    ram = next(r for r in info["regions"] if r["name"] == "RAM")
    assert as_int(ram["pa"]) - target == 0x100000, (hex(target), ram)
    # The SMMU refused the write and said so, at that address, from that stream.
    smmu = shell.run_json("smmu")
    assert smmu["events"] > 0, smmu
    faults = [e for e in smmu["last_events"] if e["type"] == "F_TRANSLATION"]
    assert faults and all(as_int(e["sid"]) == 0x8 for e in faults), smmu["last_events"]
    assert all(target <= as_int(e["addr"]) < target + 4096 for e in faults), (hex(target), faults)
    # Nothing of the Identify data (the model name at offset 24) reached that memory.
    shown = parse_hexdump(shell.run(f"md {target:#x} 4096"))
    memory = bytes(shown[target + i] for i in range(4096))
    assert b"QEMU NVMe" not in memory and memory[:2] != b"\x36\x1b", memory[:64]
    # Its stream aborts again now that the VM is stopped; the hypervisor carries on.
    assert {s["bdf"]: s["ste"] for s in smmu["streams"]}["00:01.0"] == "abort"


def test_system_reset_hands_the_device_back(shell: Shell) -> None:
    """A VM with a passed function that keeps resetting itself (PSCI SYSTEM_RESET): each restart
    gets fresh RAM and the function again, and drives it; `vm stop` ends it for good, with its
    stream aborting and the function's bus mastering off."""
    vm = vm_by_name(shell, "again")
    deadline = time.monotonic() + 60
    while shell.run_json(f"vm info {vm['id']}")["vm"]["resets"] < 2:
        assert time.monotonic() < deadline, shell.run(f"vm log {vm['id']}")
        time.sleep(0.5)
    shell.run(f"vm stop {vm['id']}", timeout=10)
    info = shell.run_json(f"vm info {vm['id']}")["vm"]
    assert info["state"] == "stopped" and info["resets"] >= 2, info
    log = shell.run(f"vm log {vm['id']}")
    assert log.count("guest: ok identify-inside") >= 2 and "FAIL" not in log, log[-2000:]
    streams = {s["bdf"]: s["ste"] for s in shell.run_json("smmu")["streams"]}
    assert streams["00:02.0"] == "abort", streams
    first = re.search(r"^0*00:((?:\s+[0-9a-f]{2}){8})", shell.run("pci cfg 00:02.0"), re.M)
    assert first
    command = int(first.group(1).split()[4], 16) | int(first.group(1).split()[5], 16) << 8
    assert command & 0x6 == 0, f"command {command:#06x}"
    # Every CPU is the hypervisor's again and answers.
    assert shell.run_json("cpus check")["failures"] == 0
