# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The built image is both an arm64 Image and a PE32+ EFI application (boot/head.S): the fields
a UEFI loader and QEMU's -kernel loader read, checked on build/monadic-hypervisor.bin and its ELF
symbols."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "build" / "monadic-hypervisor.bin"
ELF = ROOT / "build" / "monadic-hypervisor.elf"


@pytest.fixture(scope="module")
def image() -> bytes:
    if not BIN.exists():
        pytest.skip("build/monadic-hypervisor.bin not built (make build)")
    return BIN.read_bytes()


def symbols() -> dict[str, int]:
    out = subprocess.run(["aarch64-linux-gnu-nm", str(ELF)], capture_output=True, text=True, check=True)
    return {parts[2]: int(parts[0], 16) for parts in (line.split() for line in out.stdout.splitlines()) if len(parts) == 3}


def test_arm64_image_header(image: bytes) -> None:
    code1 = struct.unpack_from("<I", image, 4)[0]
    assert image[:2] == b"MZ"
    assert code1 >> 26 == 0b000101  # B primary_entry
    assert image[0x38:0x3C] == b"ARM\x64"
    assert struct.unpack_from("<Q", image, 16)[0] == symbols()["__image_size"]


def test_pe_headers(image: bytes) -> None:
    sym = symbols()
    pe = struct.unpack_from("<I", image, 0x3C)[0]
    assert image[pe : pe + 4] == b"PE\0\0"
    machine, nsect, _, _, _, opt_size, chars = struct.unpack_from("<HHIIIHH", image, pe + 4)
    assert machine == 0xAA64 and nsect == 1 and chars & 0x2  # EXECUTABLE_IMAGE
    opt = pe + 24
    magic, = struct.unpack_from("<H", image, opt)
    assert magic == 0x20B  # PE32+
    entry, = struct.unpack_from("<I", image, opt + 16)
    assert entry == sym["efi_pe_entry"]
    image_base, sect_align, file_align = struct.unpack_from("<QII", image, opt + 24)
    assert image_base == 0 and sect_align == 4096 and file_align == 512
    size_of_image, size_of_headers = struct.unpack_from("<II", image, opt + 56)
    subsystem, = struct.unpack_from("<H", image, opt + 68)
    assert subsystem == 10  # EFI application
    assert size_of_image == sym["__image_end"] and size_of_image % sect_align == 0
    assert size_of_headers % file_align == 0
    n_dirs, = struct.unpack_from("<I", image, opt + 108)
    assert opt_size == 112 + 8 * n_dirs
    # The one section: from the end of the headers, file bytes to the file's end, memory to
    # the end of .bss; as in the flat image (VirtualAddress == PointerToRawData).
    sect = opt + opt_size
    name, vsize, vaddr, raw_size, raw_ptr = struct.unpack_from("<8sIIII", image, sect)
    assert name.rstrip(b"\0") == b".text"
    assert vaddr == raw_ptr == size_of_headers
    assert raw_ptr + raw_size == len(image) and len(image) % file_align == 0
    assert vaddr + vsize == size_of_image
    assert sym["efi_pe_entry"] >= vaddr
