# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Boot matrix: `platform` and `sysregs` report exactly the machine QEMU was told to build."""

from __future__ import annotations

from typing import Callable

import pytest

from monadic import MachineConfig, Target, as_int, mem_bytes

CONFIGS = [
    MachineConfig(cpu="max", smp=1, mem="512M"),
    MachineConfig(cpu="max", smp=8, mem="4G"),
    MachineConfig(cpu="neoverse-n1", smp=4, mem="2G"),
    MachineConfig(cpu="neoverse-n1", smp=1, mem="512M"),
]
NEOVERSE_N1_MIDR_PARTNUM = 0xD0C  # Neoverse N1 TRM, MIDR_EL1.PartNum


@pytest.mark.matrix
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.cpu}-smp{c.smp}-{c.mem}")
def test_platform_matches_qemu_config(boot: Callable[..., Target], config: MachineConfig) -> None:
    shell = boot(config).shell
    plat = shell.run_json("platform")
    mpidrs = [as_int(cpu["mpidr"]) for cpu in plat["cpus"]]
    assert len(mpidrs) == config.smp, mpidrs
    assert len(set(mpidrs)) == config.smp, f"duplicate MPIDRs {mpidrs}"
    assert plat["mem_total"] == mem_bytes(config.mem)
    assert sum(as_int(r["size"]) for r in plat["mem"]) == mem_bytes(config.mem)

    regs = shell.run_json("sysregs")
    assert as_int(regs["current_el"]) == 2
    midr = as_int(regs["midr"])
    if config.cpu == "neoverse-n1":
        assert regs["core"] == "Neoverse N1"
        assert regs["implementer"] == "Arm"
        assert midr >> 24 == 0x41 and (midr >> 4) & 0xFFF == NEOVERSE_N1_MIDR_PARTNUM, hex(midr)
        assert regs["lse"] is True and regs["vhe"] is True  # Armv8.2
    else:
        assert regs["core"] != "Neoverse N1"
