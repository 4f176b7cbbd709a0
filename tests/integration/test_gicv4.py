# SPDX-License-Identifier: BSD-2-Clause-Patent
"""GICv4.0 direct injection (kernel/vmm/vm_vpe.c) under QEMU's `-M virt,gic-version=4`: a
passed-through function's MSI (QEMU's edu device, through `bench virq-dev`) reaches the guest's
handler as a vLPI the ITS injects, with no exit to EL2 for it; the emulated path still runs on
the same GIC when asked for; and after each benchmark VM is gone the ITS holds nothing of it (no
LPI, no vPE), so the next VM starts clean. The emulated path under gic-version=3 is
test_passthrough.py's. One boot.
"""

from __future__ import annotations

from typing import Any

from monadic import MachineConfig, Shell

MACHINE = MachineConfig(cpu="max", smp=2, mem="1G",
                        extra_args=("-M", "gic-version=4", "-device", "edu"))
ITERS = 100
TIMEOUT_S = 120.0


def its_state(shell: Shell) -> dict[str, Any]:
    state: dict[str, Any] = shell.run_json("platform")["gic"]["its_state"]
    return state


def virq_dev(shell: Shell, path: str) -> dict[str, Any]:
    res: dict[str, Any] = shell.run_json(
        f"bench virq-dev --iters {ITERS} --path {path} --json", timeout=TIMEOUT_S)
    assert res["bench"] == "virq-dev" and res["path"] == path, res
    # Every MSI reached the handler: the guest waits for each before it takes the next sample.
    assert res["rtt_ns"]["n"] == ITERS and res["rtt_ns"]["p50"] > 0, res
    return res


def test_direct_injection_has_no_exit_per_msi(shell: Shell) -> None:
    """The guest's MSIs (ITERS timed, ITERS more for the PMU loops) arrive with no message
    through EL2 and (nearly) no IRQ exit: the event was mapped with VMAPTI to the guest's vLPI.
    The emulated path, forced, takes an IRQ exit and an EL2 relay for every one of them."""
    before = its_state(shell)
    assert before["on"] and before["v4"], before
    direct = virq_dev(shell, "direct")
    assert direct["direct_maps"] >= 1, direct
    assert direct["el2_msis"] == 0, direct
    # A doorbell or two while the vPE waits for its first load; never one per MSI.
    assert direct["irq_exits"] < ITERS // 10, direct
    emulated = virq_dev(shell, "emulated")
    assert emulated["direct_maps"] == 0, emulated
    assert emulated["el2_msis"] >= 2 * ITERS, emulated
    assert emulated["irq_exits"] >= 2 * ITERS, emulated
    after = its_state(shell)
    assert after["errors"] == before["errors"], (before, after)


def test_stop_leaves_nothing_for_the_next_vm(shell: Shell) -> None:
    """Each benchmark VM stops and is destroyed: its events are discarded, its vPEs unmapped
    (VMAPP V=0) and their doorbells and tables freed. The ITS is as it was before, and a second
    VM after a direct run gets its MSIs directly again."""
    before = its_state(shell)
    first = virq_dev(shell, "direct")
    between = its_state(shell)
    assert between["lpis_used"] == before["lpis_used"], (before, between)
    assert between["vpes_used"] == 0, between
    second = virq_dev(shell, "direct")
    assert first["el2_msis"] == second["el2_msis"] == 0, (first, second)
    after = its_state(shell)
    assert after["lpis_used"] == before["lpis_used"] and after["vpes_used"] == 0, after
    assert after["errors"] == before["errors"], (before, after)
