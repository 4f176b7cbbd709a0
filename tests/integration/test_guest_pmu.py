# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The PMU passed to a guest: the pmu test guest counts cycles and, under -icount (where QEMU
implements INST_RETIRED), instructions, sees none of EL2's work behind its hypercalls, takes one
overflow interrupt through the forwarded PPI, and finds the PMU clean at every start although
it leaves its counters running. The hypervisor's own `bench` still counts with the same PMU on
a core no guest holds any more."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from helpers import vm_by_name, wait_vm_state
from monadic import MachineConfig, Target

PMU_PA = 0x44000000
CHECKS = ("pmu-id", "pmu-dtb", "pmu-counters", "pmu-clean-at-start", "pmu-cycles",
          "pmu-overflow-irq")


def pmu_machine(image: Path, boot: Callable[..., Target], *extra: str,
                append: str = "", guest_args: str = "") -> Target:
    guest = image.parent / "guests" / "pmu.bin"
    assert guest.exists(), f"{guest} is missing: run `make guests`"
    return boot(MachineConfig(cpu="max", smp=2, mem="1G", extra_args=(
        *extra,
        "-device", f"loader,file={guest},addr={PMU_PA:#x},force-raw=on",
        "-append", f"vm=pmu,{PMU_PA:#x},16M,1,{guest_args} {append}".strip(),
    )))


def test_guest_pmu_under_icount(image: Path, boot: Callable[..., Target]) -> None:
    # QEMU 7.2 under -icount never raises an event counter's overflow (with or without a
    # hypervisor): the overflow interrupt is tested by the other machine, without -icount.
    machine = pmu_machine(image, boot, "-icount", "shift=0", guest_args="no-overflow")
    shell = machine.shell
    vm = vm_by_name(shell, "pmu")
    wait_vm_state(shell, vm["id"], "stopped", timeout=120)
    shell.run(f"vm start {vm['id']}")
    wait_vm_state(shell, vm["id"], "stopped", timeout=120)
    log = shell.run(f"vm log {vm['id']}")
    for check in (*CHECKS[:-1], "pmu-instructions", "pmu-el2-excluded"):
        assert log.count(f"guest: ok {check}") == 2, (check, log)
    assert "FAIL" not in log and log.count("guest: 7 passed, 0 failed") == 2, log
    m = re.search(r"guest: \d+ instructions for 1000 loops, (\d+) for 100 HVCs \((\d+) without",
                  log)
    assert m and int(m.group(1)) - int(m.group(2)) < 3000, log
    # Both PMU users of the hypervisor still count: bench's EL2 view of a benchmark guest.
    result = shell.run_json("bench hvc --iters 500", timeout=300)
    assert result["pmu"]["inst_retired"] is True and result["insns_per_rtt"] > 10, result
    assert shell.run_json("cpus check", timeout=120)["failures"] == 0


def test_hypervisor_keeps_counters(image: Path, boot: Callable[..., Target]) -> None:
    """bootargs pmu-hyp=1: the guest's PMCR_EL0.N is one less than the core's, and everything
    else works as before."""
    machine = pmu_machine(image, boot, append="pmu-hyp=1")
    m = re.search(r"pmu: guests get (\d+) of (\d+) event counters", machine.boot_text)
    assert m and int(m.group(1)) == int(m.group(2)) - 1, machine.boot_text
    shell = machine.shell
    vm = vm_by_name(shell, "pmu")
    info = wait_vm_state(shell, vm["id"], "stopped", timeout=120)
    log = shell.run(f"vm log {vm['id']}")
    assert f"({m.group(1)} event counters)" in log, log
    for check in CHECKS:
        assert f"guest: ok {check}" in log, (check, log)
    assert "FAIL" not in log and info["undefs_injected"] == 0, log
