# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Every kernel format QEMU's -kernel starts on virt: the basic test guest as an ELF (its
PT_LOAD at its physical address) and as a raw binary (linked for RAM + 0x80000, no Image magic)
starts and passes its checks, and `vm info` says which format it was. ELF files whose segments
lie outside the VM's RAM, overlap where the DTB goes, or are truncated are refused with the
reason, and nothing is left behind."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from helpers import vm_by_name, wait_vm_state
from monadic import MachineConfig, Shell

ELF_PA = 0x44000000
RAW_PA = 0x45000000
IMAGE_PA = 0x45800000
BAD_OUTSIDE_PA = 0x46000000
BAD_DTB_PA = 0x46100000
RAM_IPA = 0x40000000
MEM = 32 << 20


def tiny_elf(paddr: int, memsz: int, filesz: int = 16) -> bytes:
    """An ELF64 AArch64 executable with one PT_LOAD of `filesz` bytes at offset 0x1000."""
    ehdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 183, 1, paddr, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0x1000, paddr, paddr, filesz, memsz, 0x1000)
    body = ehdr + phdr
    return body + bytes(0x1000 - len(body)) + bytes([0x14] * filesz)


@pytest.fixture(scope="module")
def shared_config(image: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    guests = image.parent / "guests"
    elf, raw, img = guests / "basic.elf", guests / "basic-raw.bin", guests / "basic.bin"
    for f in (elf, raw, img):
        if not f.exists():
            pytest.fail(f"{f} is missing: run `make guests`")
    tmp = tmp_path_factory.mktemp("kernels")
    outside = tmp / "outside.elf"
    outside.write_bytes(tiny_elf(0x10000000, 0x1000))
    over_dtb = tmp / "over-dtb.elf"
    over_dtb.write_bytes(tiny_elf(RAM_IPA + MEM - (3 << 20), 0x200000))
    config = MachineConfig(
        cpu="max",
        smp=3,
        mem="1G",
        extra_args=(
            "-device", f"loader,file={elf},addr={ELF_PA:#x},force-raw=on",
            "-device", f"loader,file={raw},addr={RAW_PA:#x},force-raw=on",
            "-device", f"loader,file={img},addr={IMAGE_PA:#x},force-raw=on",
            "-device", f"loader,file={outside},addr={BAD_OUTSIDE_PA:#x},force-raw=on",
            "-device", f"loader,file={over_dtb},addr={BAD_DTB_PA:#x},force-raw=on",
            "-append", f"vm=elf,{ELF_PA:#x},32M,2",
        ),
    )
    return config


def passed_its_checks(shell: Shell, vm_id: int, cpus: int = 2) -> None:
    info = wait_vm_state(shell, vm_id, "stopped")
    assert "SYSTEM_OFF" in info["stop_reason"], info
    log = shell.run(f"vm log {vm_id}")
    assert re.search(rf"guest: hello from vm{vm_id} vcpu0 of {cpus} at EL1", log), log
    assert ("guest: ok ipi-to-vcpu1" if cpus > 1 else "guest: skip cpu-on (one vCPU)") in log, log
    fails = [line for line in log.splitlines() if "FAIL" in line]
    assert not fails, fails


def test_elf_guest_starts_and_says_so(shell: Shell) -> None:
    vm = vm_by_name(shell, "elf")
    passed_its_checks(shell, vm["id"])
    info = shell.run_json(f"vm info {vm['id']}")["vm"]
    assert info["kernel_format"] == "elf", info
    assert int(str(info["entry"]), 0) == RAM_IPA, info
    assert "kernel: ELF" in shell.run(f"vm info {vm['id']}")
    shell.run(f"vm destroy {vm['id']}")


def test_raw_guest_starts_at_ram_plus_0x80000(shell: Shell, image: Path) -> None:
    size = (image.parent / "guests" / "basic-raw.bin").stat().st_size
    # Without its size a raw binary cannot be told from garbage: refused, saying what to add.
    out = shell.run(f"vm create raw {RAW_PA:#x} 32M 1", check=False)
    assert "error: vm create: no arm64 Image or ELF header there; a raw binary needs its size" \
        in out, out
    shell.run(f"vm create raw {RAW_PA:#x}:{size} 32M 2")
    vm = vm_by_name(shell, "raw")
    info = shell.run_json(f"vm info {vm['id']}")["vm"]
    assert info["kernel_format"] == "raw", info
    assert int(str(info["entry"]), 0) == RAM_IPA + 0x80000, info
    shell.run(f"vm start {vm['id']}")
    passed_its_checks(shell, vm["id"])
    shell.run(f"vm destroy {vm['id']}")


def test_image_still_an_image(shell: Shell) -> None:
    shell.run(f"vm create img {IMAGE_PA:#x} 32M 2")
    vm = vm_by_name(shell, "img")
    assert shell.run_json(f"vm info {vm['id']}")["vm"]["kernel_format"] == "image"
    shell.run(f"vm destroy {vm['id']}")


@pytest.mark.parametrize("spec, reason", [
    (f"{BAD_OUTSIDE_PA:#x}", "ELF segment 0x10000000-0x10001000 lies outside the VM's RAM "
                             "(0x40000000-0x42000000)"),
    (f"{BAD_DTB_PA:#x}", "ELF segment 0x41d00000-0x41f00000 overlaps where the DTB goes "
                         "(0x41e00000-0x42000000)"),
    # Its size says the file ends inside the program headers: a truncated file.
    (f"{BAD_DTB_PA:#x}:100", "bad ELF: program headers at 0x40 past the file's end (0x64)"),
])
def test_bad_elf_refused(shell: Shell, spec: str, reason: str) -> None:
    before = len(shell.run_json("vm list")["vms"])
    out = shell.run(f"vm create bad {spec} 32M 1", check=False)
    assert f"error: vm create: {reason}" in out, out
    assert len(shell.run_json("vm list")["vms"]) == before
