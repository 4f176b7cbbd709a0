# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A UEFI variable store for EDK2's ArmVirtQemu flash, written from scratch with boot entries in
it, so that a boot entry (Boot#### and BootOrder) is in place before the firmware first runs.

The layout is the one EDK2 formats an empty flash with (ArmVirtQemu.fdf; MdeModulePkg's
VariableFormat.h and the PI specification's firmware volume header): a firmware volume of
0xC0000 bytes holding the authenticated variable store (0x40000), the fault-tolerant-write
working block (0x40000) and its spare (0x40000). Everything after it stays as in the template
(Debian's AAVMF_VARS.fd is zeros there).

A boot entry's device path is the UEFI 2.6 short form that starts with a file path node: the
boot manager looks for that file on every file system (EDK2's BmExpandFileDevicePath), so the
entry does not depend on where QEMU puts the disk.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass

# PI 1.8 vol. 3 3.2.1: EFI_FIRMWARE_VOLUME_HEADER; the NV data file system GUID.
_FV_GUID = uuid.UUID("fff12b8d-7696-4c8b-a985-2747075b4f50")
_FV_LENGTH = 0xC0000
_FV_ATTRIBUTES = 0x00000E36  # what EDK2's NorFlashDxe writes (EFI_FVB2_* read/write enabled)
_FV_HEADER_LEN = 0x48  # 56 bytes + one block map entry + its terminator
_FV_BLOCK_SIZE = 0x40000
_FV_NUM_BLOCKS = 0x100
# VariableFormat.h: VARIABLE_STORE_HEADER of an authenticated store, formatted and healthy.
_AUTH_STORE_GUID = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")
_STORE_SIZE = 0x40000 - _FV_HEADER_LEN
_STORE_FORMATTED = 0x5A
_STORE_HEALTHY = 0xFE
_VAR_START_ID = 0x55AA
_VAR_ADDED = 0x3F
_VAR_HEADER_LEN = 60  # AUTHENTICATED_VARIABLE_HEADER
# FaultTolerantWrite.h: the working block header EDK2 writes for a 0x40000 working block
# (signature GUID, CRC32 of the header, WorkingBlockValid, WriteQueueSize 0x3ffe0).
_FTW_WORKING_HEADER = bytes.fromhex(
    "2b29589e687c7d49a0ce6500fd9f1b955be7c686feffffffe0ff030000000000"
)

# UEFI 2.10 3.3: the global variable GUID; attributes NV | BS | RT.
EFI_GLOBAL_VARIABLE = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")
NV_BS_RT = 0x7
LOAD_OPTION_ACTIVE = 0x1


@dataclass(frozen=True)
class Variable:
    name: str
    data: bytes
    guid: uuid.UUID = EFI_GLOBAL_VARIABLE
    attributes: int = NV_BS_RT


def _ucs2(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def file_path_node(path: str) -> bytes:
    """A media file path device path node (UEFI 2.10 10.3.5.4) and the end node."""
    name = _ucs2(path.replace("/", "\\"))
    return struct.pack("<BBH", 4, 4, 4 + len(name)) + name + struct.pack("<BBH", 0x7F, 0xFF, 4)


def load_option(description: str, path: str, options: str) -> bytes:
    """EFI_LOAD_OPTION (UEFI 2.10 3.1.3): active, the short-form path, and `options` as UCS-2
    OptionalData, which the boot manager passes to the application as its load options."""
    dp = file_path_node(path)
    return (
        struct.pack("<IH", LOAD_OPTION_ACTIVE, len(dp))
        + _ucs2(description)
        + dp
        + options.encode("utf-16-le")
    )


def _fv_header() -> bytes:
    hdr = bytearray(
        bytes(16)
        + _FV_GUID.bytes_le
        + struct.pack("<Q4sIHHHBB", _FV_LENGTH, b"_FVH", _FV_ATTRIBUTES, _FV_HEADER_LEN, 0, 0, 0, 2)
        + struct.pack("<IIII", _FV_NUM_BLOCKS, _FV_BLOCK_SIZE, 0, 0)
    )
    assert len(hdr) == _FV_HEADER_LEN
    checksum = (0x10000 - sum(struct.unpack(f"<{_FV_HEADER_LEN // 2}H", hdr)) % 0x10000) % 0x10000
    struct.pack_into("<H", hdr, 50, checksum)
    return bytes(hdr)


def _variable(v: Variable) -> bytes:
    name = _ucs2(v.name)
    header = struct.pack(
        "<HBBIQ16sIII16s",
        _VAR_START_ID, _VAR_ADDED, 0, v.attributes, 0, bytes(16), 0, len(name), len(v.data),
        v.guid.bytes_le,
    )  # fmt: skip
    assert len(header) == _VAR_HEADER_LEN
    body = header + name + v.data  # no padding between name and data on AArch64 (ALIGNMENT 1)
    return body + b"\xff" * (-len(body) % 4)  # the next header is 4-byte aligned


def var_store(template: bytes, variables: list[Variable]) -> bytes:
    """`template` (a flash image of at least 0xC0000 bytes) with its first 0xC0000 bytes
    replaced by a formatted store holding `variables`."""
    if len(template) < _FV_LENGTH:
        raise ValueError(f"variable flash of {len(template)} bytes, EDK2 needs {_FV_LENGTH:#x}")
    store = (
        _AUTH_STORE_GUID.bytes_le
        + struct.pack("<IBBHI", _STORE_SIZE, _STORE_FORMATTED, _STORE_HEALTHY, 0, 0)
        + b"".join(_variable(v) for v in variables)
    )
    if len(store) > _STORE_SIZE:
        raise ValueError("the variables do not fit in the store")
    nv = _fv_header() + store + b"\xff" * (_STORE_SIZE - len(store))
    nv += _FTW_WORKING_HEADER + b"\xff" * (_FV_BLOCK_SIZE - len(_FTW_WORKING_HEADER))
    nv += b"\xff" * _FV_BLOCK_SIZE
    assert len(nv) == _FV_LENGTH
    return nv + template[_FV_LENGTH:]


def boot_entry_store(template: bytes, path: str, options: str, description: str = "monadic",
                     number: int = 0x80) -> bytes:
    """A variable store whose only boot entry, Boot<number>, starts `path` (on whichever file
    system has it) with `options`; BootOrder names it first. The firmware adds its own entries
    after it on first boot."""
    return var_store(template, [
        Variable(f"Boot{number:04X}", load_option(description, path, options)),
        Variable("BootOrder", struct.pack("<H", number)),
    ])  # fmt: skip
