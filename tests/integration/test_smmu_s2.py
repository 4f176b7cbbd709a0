# SPDX-License-Identifier: BSD-2-Clause-Patent
"""SMMU stage 2 (QEMU 10's SMMUv3 has it; 7.2's does not, and test_smmu_dma.py and
test_passthrough.py cover the identity fallback there): a passed-through function's stream
translates through its VM's own Stage-2 tables, so the VM's RAM stays at its usual IPA
(0x40000000) wherever it sits in physical memory. The in-tree nvmedma guest drives its NVMe
controller that way and then aims the controller's DMA below its RAM: the SMMU records a
translation fault at that IPA and nothing is written. A Debian Linux guest reads and writes a
passed NVMe disk the same way. With -cpu max the CPU has 48 IPA bits and the SMMU 44: the VMs
with devices get 44. The tests skip, saying why, when QEMU 10 cannot be fetched."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from helpers import LINUX_IMAGE_PA, LINUX_INITRD_PA, fetch_qemu10, vm_by_name, wait_vm_state
from monadic import MachineConfig, Shell, as_int, parse_hexdump

DMA_PA = 0x44000000  # where QEMU's loader puts the nvmedma guest
GUEST_RAM_IPA = 0x40000000
MSI_IPA = 0x08FF0000  # VM_PCI_MSI_IPA: the ITS's translation page, for the functions' MSIs
DISK_SIZE = 16 << 20
READ_SECTOR = 2048
WRITE_SECTOR = 4096
TOKEN_READ = "HOST-" + secrets.token_hex(8)
TOKEN_WRITE = "GUEST-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def qemu_binary() -> str:
    """This module's machine is QEMU 10's (conftest boots it with this binary)."""
    return fetch_qemu10()


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("smmu-s2") / "passed.img"
    with open(path, "wb") as f:
        f.truncate(DISK_SIZE)
        f.seek(READ_SECTOR * 512)
        f.write(TOKEN_READ.encode())
    return path


@pytest.fixture(scope="module")
def shared_config(image: Path, linux_dir: Path, disk: Path) -> MachineConfig:
    """nvmedma with controller 00:01.0, Linux with 00:02.0 (its disk), at once."""
    initrd = linux_dir / "initramfs.cpio.gz"
    guest = image.parent / "guests" / "nvmedma.bin"
    cmdline = f"console=ttyAMA0 monadic.nvme={READ_SECTOR},{WRITE_SECTOR},{TOKEN_WRITE}"
    return MachineConfig(
        cpu="max",
        smp=4,
        mem="2G",
        machine_opts=("iommu=smmuv3",),
        extra_args=(
            "-device", f"loader,file={guest},addr={DMA_PA:#x},force-raw=on",
            "-device", "nvme,serial=dma0,addr=01.0",
            "-device", f"loader,file={linux_dir / 'Image'},addr={LINUX_IMAGE_PA:#x},force-raw=on",
            "-device", f"loader,file={initrd},addr={LINUX_INITRD_PA:#x},force-raw=on",
            "-drive", f"file={disk},if=none,id=passed,format=raw",
            "-device", "nvme,serial=passed,drive=passed,addr=02.0",
            "-append",
            f"vm=dma,{DMA_PA:#x},32M,1 pci=dma,00:01.0 "
            f'vm=linux,{LINUX_IMAGE_PA:#x},512M,2,"{cmdline}" '
            f"initrd=linux,{LINUX_INITRD_PA:#x},{initrd.stat().st_size} pci=linux,00:02.0",
        ),
    )


def ram_region(info: dict[str, object]) -> dict[str, str]:
    regions = info["regions"]
    assert isinstance(regions, list)
    ram: dict[str, str] = next(r for r in regions if r["name"] == "RAM")
    return ram


def check_stage2_vm(shell: Shell, info: dict[str, object]) -> None:
    """A VM whose functions DMA through its own Stage-2: RAM at the usual IPA, not at its PA;
    an IPA space the SMMU takes; the ITS doorbell page mapped in the hole kept for it."""
    smmu = shell.run_json("smmu")
    assert smmu["s2p"] is True, smmu
    assert info["device_dma"] == "smmu stage 2", info
    ram = ram_region(info)
    assert as_int(ram["ipa"]) == GUEST_RAM_IPA == as_int(info["ram_ipa"]), ram
    assert as_int(ram["pa"]) != as_int(ram["ipa"]), ram
    assert info["ipa_bits"] == min(smmu["vm_ipa_bits"], smmu["oas_bits"]), (info, smmu)
    regions = info["regions"]
    assert isinstance(regions, list)
    doorbell = [r for r in regions if r["name"] == "msi doorbell"]
    assert len(doorbell) == 1 and as_int(doorbell[0]["ipa"]) == MSI_IPA, regions


def test_nvmedma_through_stage2_and_dma_outside_faults(shell: Shell) -> None:
    vm = vm_by_name(shell, "dma")
    info = wait_vm_state(shell, vm["id"])
    log = shell.run(f"vm log {vm['id']}")
    assert "guest: ok identify-inside" in log and "guest: 5 passed, 0 failed" in log, log
    check_stage2_vm(shell, info)
    # The guest aimed the controller 1 MiB below its RAM: an IPA its Stage-2 does not map.
    outside = re.search(r"guest: outside target (0x[0-9a-f]+)", log)
    assert outside is not None, log
    target = int(outside.group(1), 16)
    assert target == GUEST_RAM_IPA - 0x100000, hex(target)
    smmu = shell.run_json("smmu")
    faults = [e for e in smmu["last_events"] if e["type"] == "F_TRANSLATION"]
    assert faults and all(as_int(e["sid"]) == 0x8 for e in faults), smmu["last_events"]
    assert all(target <= as_int(e["addr"]) < target + 4096 for e in faults), (hex(target), faults)
    # Nothing of the Identify data reached the memory on either side of the VM's RAM.
    ram = ram_region(info)
    pa, size = as_int(ram["pa"]), as_int(ram["size"])
    for where in (pa - 0x100000, pa + size):
        shown = parse_hexdump(shell.run(f"md {where:#x} 4096"))
        memory = bytes(shown[where + i] for i in range(4096))
        assert b"QEMU NVMe" not in memory and memory[:2] != b"\x36\x1b", (hex(where), memory[:64])
    streams = {s["bdf"]: s["ste"] for s in smmu["streams"]}
    assert streams["00:01.0"] == "abort", streams


def test_linux_drives_the_passed_nvme_through_stage2(shell: Shell, disk: Path) -> None:
    vm = vm_by_name(shell, "linux")
    info = shell.run_json(f"vm info {vm['id']}")["vm"]
    if info["state"] == "running":
        streams = {s["bdf"]: s["ste"] for s in shell.run_json("smmu")["streams"]}
        assert streams["00:02.0"] == "stage 2", streams
    info = wait_vm_state(shell, vm["id"], timeout=240)
    log = shell.run(f"vm log {vm['id']}")
    assert "SYSTEM_OFF" in info["stop_reason"], (info, log[-3000:])
    check_stage2_vm(shell, info)
    assert re.search(r"MONADIC-BLOCK: (nvme0c0n1 )?nvme0n1 *$", log, re.M), log[-3000:]
    assert f"MONADIC-READ: {TOKEN_READ}" in log, log[-3000:]
    assert "MONADIC-WRITE: done" in log, log[-3000:]
    with open(disk, "rb") as f:
        f.seek(WRITE_SECTOR * 512)
        assert f.read(len(TOKEN_WRITE)).decode(errors="replace") == TOKEN_WRITE
    # All its DMA fell inside its RAM: no event from its stream; the stream aborts again.
    smmu = shell.run_json("smmu")
    assert not [e for e in smmu["last_events"] if as_int(e["sid"]) == 0x10], smmu["last_events"]
    streams = {s["bdf"]: s["ste"] for s in smmu["streams"]}
    assert streams["00:02.0"] == "abort", streams
    assert shell.run_json("cpus check")["failures"] == 0


def test_destroy_drops_the_vmid_at_the_smmu(shell: Shell) -> None:
    """Once both VMs are stopped (each start and stop invalidated its VMID at the SMMU),
    destroying one invalidates it twice more: its streams detached, then its Stage-2 tables
    unlinked before they are freed. Nothing faults."""
    for name in ("dma", "linux"):
        wait_vm_state(shell, vm_by_name(shell, name)["id"], timeout=240)
    before = shell.run_json("smmu")
    assert before["s2_invalidations"] >= 4, before
    shell.run(f"vm destroy {vm_by_name(shell, 'dma')['id']}")
    after = shell.run_json("smmu")
    assert after["s2_invalidations"] == before["s2_invalidations"] + 2, (before, after)
    assert after["events"] == before["events"], after["last_events"]
