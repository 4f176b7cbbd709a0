# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`fault`: an exception taken at EL2 on purpose is dumped, and the shell comes back."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from monadic import MachineConfig, Shell, error_lines, image_load_address

MACHINE = MachineConfig(cpu="max", smp=1, mem="512M")

# ESR_EL2.EC values (Arm ARM D17.2.37): what each kind of fault must be reported as.
EXPECTED_EC = {"read": 0x25, "write": 0x25, "undef": 0x00, "brk": 0x3C}


@pytest.mark.parametrize("kind", list(EXPECTED_EC))
def test_fault_is_dumped_and_recovered(shell: Shell, image: Path, kind: str) -> None:
    out = shell.run(f"fault {kind}", check=False)
    lines = out.split("\n")
    assert lines[0].startswith("EXCEPTION at EL2:"), out
    esr = int(re.search(r"ESR_EL2\s+(0x[0-9a-f]+)", out).group(1), 16)  # type: ignore[union-attr]
    assert esr >> 26 == EXPECTED_EC[kind], f"ESR_EL2 {esr:#x}"
    if kind in ("read", "write"):
        assert f"WnR={kind}" in out
    # The faulting instruction is inside our image.
    elr = int(re.search(r"ELR_EL2\s+(0x[0-9a-f]+)", out).group(1), 16)  # type: ignore[union-attr]
    base = image_load_address(image)
    (size,) = struct.unpack_from("<Q", image.read_bytes(), 16)  # Image header image_size
    assert base <= elr < base + size, f"ELR_EL2 {elr:#x} outside the image"
    assert error_lines(out), "no error line after the dump"
    assert shell.run_json("version")["name"] == "monadic-hypervisor"


def test_fault_needs_a_kind(shell: Shell) -> None:
    assert error_lines(shell.run("fault", check=False))
    assert error_lines(shell.run("fault sideways", check=False))
