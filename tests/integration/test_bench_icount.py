# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`bench hvc` counts the null hypercall round trip with the PMU of the CPU its guest runs on,
at EL1 and EL2: in cycles always, and in instructions (INST_RETIRED) when the PMU implements
that event, which QEMU's does only under -icount. Without it the count must be reported as
unavailable, never made up."""

from __future__ import annotations

from typing import Any, Callable

from monadic import MachineConfig, Target, error_lines
from monadic.parse import parse_json_lines

ITERS = 2000


def bench_hvc(machine: Target) -> tuple[dict[str, Any], str]:
    result = machine.shell.run_json(f"bench hvc --iters {ITERS}", timeout=300)
    table = machine.shell.run(f"bench hvc --iters {ITERS}", timeout=300)
    return result, table


def test_instructions_per_hvc_under_icount(boot: Callable[..., Target]) -> None:
    machine = boot(MachineConfig(cpu="max", smp=2, mem="1G", extra_args=("-icount", "shift=0")))
    result, table = bench_hvc(machine)
    assert result["pmu"]["inst_retired"] is True, result
    insns = result["insns_per_rtt"]
    # An HVC, the EL2 entry, save, dispatch, restore and ERET: tens to hundreds of instructions.
    assert isinstance(insns, int) and 10 <= insns <= 10000, result
    # The two loops it comes from: N round trips, and the same loop without the HVC.
    with_hvc, without = result["pmu"]["insns"]
    assert with_hvc > without > 0, result
    assert abs((with_hvc - without) / ITERS - insns) <= 1, result
    assert isinstance(result["cycles_per_rtt"], int) and result["cycles_per_rtt"] > 0, result
    assert result["rtt_ns"]["n"] == ITERS, result
    rows = [line.split() for line in table.splitlines() if line.startswith("round trip")]
    insns_row = [r for r in rows if r[2] == "insns"]
    assert insns_row and 10 <= int(insns_row[0][3]) <= 10000, table


def test_instructions_unavailable_without_icount(boot: Callable[..., Target]) -> None:
    machine = boot(MachineConfig(cpu="max", smp=2, mem="1G"))
    result, table = bench_hvc(machine)
    assert result["pmu"]["inst_retired"] is False, result
    assert result["insns_per_rtt"] is None and result["pmu"]["insns"] == [], result
    # Cycles still come from the cycle counter.
    assert isinstance(result["cycles_per_rtt"], int) and result["cycles_per_rtt"] > 0, result
    assert "n/a" in [line.split()[3] for line in table.splitlines()
                     if line.startswith("round trip") and line.split()[2] == "insns"], table
    assert "-icount" in table, table


def test_bench_all_skips_what_the_machine_cannot_run(boot: Callable[..., Target]) -> None:
    """On two CPUs `bench ipi` cannot run (two vCPUs, each on a CPU besides the shell's):
    `bench all` says it skipped it and why, runs the rest, and does not call that a failure."""
    machine = boot(MachineConfig(cpu="max", smp=2, mem="1G"))
    out = machine.shell.run("bench all --iters 50 --json", timeout=300)
    values = parse_json_lines(out)
    ran = [v["bench"] for v in values if "bench" in v]
    skipped = [v for v in values if "skipped" in v]
    assert skipped == [{"skipped": "ipi", "reason": "needs 2 CPUs besides the shell's; this "
                        "machine has 1"}], values
    assert {"hvc", "mmio", "virq", "virq-msi"} <= set(ran) and "ipi" not in ran, ran
    text = machine.shell.run("bench all --iters 50", timeout=300)
    assert "== bench ipi: skipped (needs 2 CPUs besides the shell's" in text, text


def test_cpus_check_under_icount(boot: Callable[..., Target]) -> None:
    """Under -icount QEMU runs the CPUs in turn: a CPU spinning while it waits for another must
    yield, or the other never runs before the wait times out."""
    machine = boot(MachineConfig(cpu="max", smp=4, mem="1G", extra_args=("-icount", "shift=0")))
    check = machine.shell.run_json("cpus check", timeout=120)
    assert check["failures"] == 0, check


def test_instructions_per_mmio_read_under_icount(boot: Callable[..., Target]) -> None:
    """`bench mmio` counts an emulated MMIO read's round trip the same way: a loop of N loads
    of the UART's FR register minus the same loop without the load; `bench virq-msi` counts a
    device interrupt through the emulated ITS to the guest's handler."""
    machine = boot(MachineConfig(cpu="max", smp=2, mem="1G", extra_args=("-icount", "shift=0")))
    line = machine.shell.run_json("bench mmio --iters 2000 --json", timeout=300)
    assert line["bench"] == "mmio", line
    insns = line["insns_per_rtt"]
    assert isinstance(insns, int) and 10 < insns < 10000, line
    with_load, without = line["pmu"]["insns"]
    assert with_load > without > 0 and abs((with_load - without) / 2000 - insns) <= 1, line
    # `bench virq-msi` on the same machine: N MSIs (GITS_TRANSLATER writes), each translated by
    # the emulated ITS and taken by the guest's handler, minus the same loop without the write.
    # More than the MMIO read it starts with: a translation, an LPI, an exception and a handler.
    msi = machine.shell.run_json("bench virq-msi --iters 2000 --json", timeout=300)
    assert msi["bench"] == "virq-msi" and msi["pmu"]["inst_retired"] is True, msi
    per_msi = msi["insns_per_rtt"]
    assert isinstance(per_msi, int) and insns < per_msi < 100000, (msi, line)
    with_msi, without_msi = msi["pmu"]["insns"]
    assert with_msi > without_msi > 0 and abs((with_msi - without_msi) / 2000 - per_msi) <= 1, msi
    assert msi["rtt_ns"]["n"] == 2000 and msi["rtt_ns"]["min"] > 0, msi
    # `bench ipi` needs a CPU for each of its two vCPUs besides the shell's: not on two CPUs.
    before = machine.shell.run_json("vm list")["vms"]
    errors = error_lines(machine.shell.run("bench ipi --iters 100", check=False))
    assert errors and "needs 2 CPUs besides the shell's" in errors[0], errors
    assert machine.shell.run_json("vm list")["vms"] == before
