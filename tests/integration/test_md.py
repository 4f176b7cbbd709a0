# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`md`: memory dumps of RAM and devices, and refusal of addresses and lengths it must not touch."""

from __future__ import annotations

from pathlib import Path

import pytest

from monadic import MachineConfig, Shell, error_lines, image_load_address, parse_hexdump

MACHINE = MachineConfig(cpu="max", smp=1, mem="512M")

RAM_BASE = 0x4000_0000
UART_BASE = 0x0900_0000


def dump(shell: Shell, args: str) -> dict[int, int]:
    return parse_hexdump(shell.run(f"md {args}"))


def test_md_ram_shows_requested_range(shell: Shell) -> None:
    shown = dump(shell, f"{RAM_BASE:#x} 32")
    assert sorted(shown) == list(range(RAM_BASE, RAM_BASE + 32))


def test_md_default_length_is_64(shell: Shell) -> None:
    shown = dump(shell, f"{RAM_BASE:#x}")
    assert sorted(shown) == list(range(RAM_BASE, RAM_BASE + 64))


def test_md_decimal_address(shell: Shell) -> None:
    assert dump(shell, f"{RAM_BASE} 16") == dump(shell, f"{RAM_BASE:#x} 16")


def test_md_shows_our_own_image(shell: Shell, image: Path) -> None:
    """The Image header in RAM matches the file QEMU loaded, byte for byte and in ASCII."""
    base = image_load_address(image)
    out = shell.run(f"md {base:#x} 64")
    shown = parse_hexdump(out)
    expected = image.read_bytes()[:64]
    assert bytes(shown[base + i] for i in range(64)) == expected
    assert "ARMd" in out  # the magic "ARM\x64" in the ASCII column


def test_md_max_length(shell: Shell) -> None:
    shown = dump(shell, f"{RAM_BASE:#x} 4096")
    assert len(shown) == 4096


def test_md_uart(shell: Shell) -> None:
    shown = dump(shell, f"{UART_BASE:#x} 16")
    assert sorted(shown) == list(range(UART_BASE, UART_BASE + 16))


def test_md_uart_id_registers(shell: Shell) -> None:
    """PL011 UARTPeriphID0..3 and UARTPCellID0..3 (PL011 TRM 3.3.x) as QEMU models them: one
    ID byte in the low byte of each 32-bit register."""
    shown = dump(shell, f"{UART_BASE + 0xFE0:#x} 32")
    ids = [shown[UART_BASE + 0xFE0 + 4 * i] for i in range(8)]
    assert ids == [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1], [hex(i) for i in ids]


@pytest.mark.parametrize(
    "args",
    [
        "0xffffffffffff0000",  # top of the address space: nothing there
        "0x100000000000 16",  # far above RAM
        "0xfffffffffffffff0 64",  # the range wraps around zero
        f"{RAM_BASE + (512 << 20) - 16:#x} 64",  # runs off the end of RAM
    ],
)
def test_md_unmapped_is_refused_and_shell_survives(shell: Shell, args: str) -> None:
    out = shell.run(f"md {args}", check=False)
    assert error_lines(out), f"md {args} answered {out!r}"
    assert shell.run_json("version")["name"] == "monadic-hypervisor"
