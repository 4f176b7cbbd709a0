# SPDX-License-Identifier: BSD-2-Clause-Patent
"""scripts/gdb/monadic.py: the Stage-2 walk and descriptor decoding, on the host without GDB."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from .recordings import REPO_ROOT


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "monadic_gdb", REPO_ROOT / "scripts" / "gdb" / "monadic.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gdbmod = load()
NORMAL_RW = 0x7FD & ~0x3  # MemAttr 0xf, S2AP RW, SH inner, AF (mm/pgtable.h, s2_leaf_attrs)


def test_block_walk_matches_the_shell() -> None:
    # The tables QEMU's VM 0 had (shell: s2walk 0 0x70000000).
    mem = {0x7F800000: 0x7F801003, 0x7F801000 + 8: 0x7F802003, 0x7F802000 + 8 * 384: 0x700007FD}
    lines = gdbmod.walk(lambda a: mem.get(a, 0), 0x7F800000, 0, 1, 0x70000000)
    assert lines == [
        "L0 table 0x007f800000 [  0] = 0x000000007f801003  table -> 0x7f801000",
        "L1 table 0x007f801000 [  1] = 0x000000007f802003  table -> 0x7f802000",
        "L2 table 0x007f802000 [384] = 0x00000000700007fd  block, OA 0x70000000: MemAttr 0xf "
        "(Normal Outer WB Inner WB), S2AP RW, SH inner, AF 1, exec",
        "IPA 0x70000000 -> PA 0x70000000 (block of 2 MiB)",
    ]


def test_page_walk_with_concatenated_roots() -> None:
    # Start level 1 with 2 concatenated roots (a 40-bit IPA): bit 39 selects the second table.
    ipa = (1 << 39) | 0x12345
    root = 0x10000
    device_rw_xn = 0x3 | (0x1 << 2) | (3 << 6) | (1 << 10) | (2 << 53)
    mem = {
        root + 8 * 512: 0x20003,  # L1 index 512: first entry of the second root table
        0x20000: 0x30003,
        0x30000 + 8 * 0x12: 0x9000000 | device_rw_xn,
    }
    lines = gdbmod.walk(lambda a: mem.get(a, 0), root, 1, 2, ipa)
    assert lines[0].startswith("L1 table 0x0000010000 [512]")
    assert (
        "page, OA 0x9000000: MemAttr 0x1 (Device-nGnRE), S2AP RW, SH non-shareable, AF 1, XN"
        in lines[2]
    )
    assert lines[-1] == f"IPA 0x{ipa:x} -> PA 0x9000345 (page of 4 KiB)"


def test_faults() -> None:
    assert gdbmod.walk(lambda a: 0, 0x1000, 0, 1, 0x9000000)[-1] == (
        "IPA 0x9000000: translation fault at level 0 (descriptor invalid)"
    )
    mem = {0x1000: 0x2003, 0x2000: 0x3003, 0x3000: 0x4003, 0x4000: 0x5001}  # L3 with bit 1 clear
    assert "reserved" in gdbmod.walk(lambda a: mem.get(a, 0), 0x1000, 0, 1, 0)[-1]
    assert "reserved" in gdbmod.walk(lambda a: 0x40000001, 0x1000, 0, 1, 0)[-1]  # L0 block


def test_names() -> None:
    assert gdbmod.memattr_name(0x5) == "Normal Outer NC Inner NC"
    assert gdbmod.memattr_name(0x0) == "Device-nGnRnE"
    assert gdbmod.memattr_name(0x4) == "reserved"
    assert gdbmod.size_text(1 << 30) == "1 GiB" and gdbmod.size_text(252 << 20) == "252 MiB"
