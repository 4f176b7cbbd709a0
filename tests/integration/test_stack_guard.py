# SPDX-License-Identifier: BSD-2-Clause-Patent
"""An EL2 stack overflow runs into the unmapped guard page under the CPU's stack: the fault is
reported once, clearly, and the CPU parks, instead of the exception entry faulting again and
again on the same stack or writing over whatever lies below it."""

from __future__ import annotations

import re

import pytest

from monadic import HypervisorCrash, MachineConfig, Shell

MACHINE = MachineConfig(cpu="max", smp=1, mem="512M")


def test_stack_overflow_is_reported_and_parks(shell: Shell) -> None:
    with pytest.raises(HypervisorCrash) as crash:
        shell.run("fault stack", timeout=20)
    out = crash.value.dump
    m = re.search(r"HALTED: EL2 stack overflow on cpu0: SP (0x[0-9a-f]+) is below its stack "
                  r"\[(0x[0-9a-f]+), (0x[0-9a-f]+)\) \(ELR_EL2 (0x[0-9a-f]+), FAR_EL2 "
                  r"(0x[0-9a-f]+), ESR_EL2 (0x[0-9a-f]+)\)", out)
    assert m, out
    sp, bottom, top, _, far, esr = (int(g, 16) for g in m.groups())
    assert top - bottom == 16 * 1024 and sp < bottom, out
    # The fault that started it: a data abort at EL2 (EC 0x25) in the guard page under the stack.
    assert esr >> 26 == 0x25 and bottom - 4096 <= far < bottom, out
    assert out.count("HALTED") == 1, out
