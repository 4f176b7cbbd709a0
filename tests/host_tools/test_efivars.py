# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The variable store written for a boot entry (host-tools/monadic/efivars.py), read back the
way EDK2's variable driver reads it: a valid firmware volume header (signature, length, 16-bit
checksum), a formatted and healthy authenticated store, then variables from 0x55AA start ids
with 4-byte aligned headers. The boot path itself is tested in tests/integration/test_uefi.py."""

from __future__ import annotations

import struct
import uuid

import pytest

from monadic import efivars

TEMPLATE = bytes(1 << 20)  # zeros, as Debian's AAVMF_VARS.fd is (there 64 MiB)


def read_variables(store: bytes) -> dict[str, tuple[int, bytes]]:
    hdr_len = struct.unpack_from("<H", store, 48)[0]
    assert store[40:44] == b"_FVH" and struct.unpack_from("<Q", store, 32)[0] == 0xC0000
    assert sum(struct.unpack_from(f"<{hdr_len // 2}H", store)) % 0x10000 == 0
    assert uuid.UUID(bytes_le=store[hdr_len:hdr_len + 16]) == uuid.UUID(
        "aaf32c78-947b-439a-a180-2e144ec37792")
    size, fmt, state = struct.unpack_from("<IBB", store, hdr_len + 16)
    assert (fmt, state) == (0x5A, 0xFE) and hdr_len + size == 0x40000
    out: dict[str, tuple[int, bytes]] = {}
    off = hdr_len + 28
    while struct.unpack_from("<H", store, off)[0] == 0x55AA:
        state, attrs = struct.unpack_from("<xxBxI", store, off)
        name_size, data_size = struct.unpack_from("<II", store, off + 36)
        guid = uuid.UUID(bytes_le=store[off + 44:off + 60])
        name = store[off + 60:off + 60 + name_size].decode("utf-16-le").rstrip("\0")
        data = store[off + 60 + name_size:off + 60 + name_size + data_size]
        assert state == 0x3F and guid == efivars.EFI_GLOBAL_VARIABLE
        out[name] = (attrs, data)
        off = (off + 60 + name_size + data_size + 3) & ~3
    assert store[off:0x40000] == b"\xff" * (0x40000 - off)
    return out


def test_boot_entry_store_reads_back() -> None:
    options = 'vm=linux,\\EFI\\monadic\\Image,256M,1,"console=ttyAMA0"'
    store = efivars.boot_entry_store(TEMPLATE, "\\EFI\\monadic\\monadic.efi", options)
    assert len(store) == len(TEMPLATE) and store[0xC0000:] == TEMPLATE[0xC0000:]
    v = read_variables(store)
    assert set(v) == {"Boot0080", "BootOrder"}
    assert v["BootOrder"] == (efivars.NV_BS_RT, struct.pack("<H", 0x80))
    attrs, opt = v["Boot0080"]
    assert attrs == efivars.NV_BS_RT
    active, dp_len = struct.unpack_from("<IH", opt)
    assert active == efivars.LOAD_OPTION_ACTIVE
    desc = "monadic\0".encode("utf-16-le")
    assert opt[6:6 + len(desc)] == desc
    desc_end = 6 + len(desc)
    dp = opt[desc_end:desc_end + dp_len]
    assert dp[:2] == b"\x04\x04" and dp[-4:] == b"\x7f\xff\x04\x00"
    assert dp[4:-4].decode("utf-16-le") == "\\EFI\\monadic\\monadic.efi\0"
    assert opt[desc_end + dp_len:].decode("utf-16-le") == options


def test_too_small_a_flash_is_refused() -> None:
    with pytest.raises(ValueError, match="EDK2 needs"):
        efivars.boot_entry_store(bytes(0x1000), "\\x.efi", "")
