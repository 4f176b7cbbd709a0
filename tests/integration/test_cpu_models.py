# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The seed platforms' newer cores under QEMU 10 (Debian 12's QEMU 7.2 models only Neoverse N1):
-cpu neoverse-v1 (Graviton3) and -cpu neoverse-n2 (Azure Cobalt 100) boot, `sysregs` names the
core from MIDR_EL1, and `bench spsc-lat` runs. QEMU 10 comes from scripts/fetch-qemu.sh (cached
in build/qemu10; $MONADIC_QEMU10 names another one); when it cannot be fetched the tests skip and
say why. One short boot per model.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO_ROOT, attach
from monadic import MachineConfig, Target, as_int

FETCH_TIMEOUT_S = 600.0
BENCH_TIMEOUT_S = 120.0
# MIDR_EL1.PartNum of each model, from the cores' Technical Reference Manuals (implementer 0x41).
MODELS = {
    "neoverse-v1": (0xD40, "Neoverse V1"),
    "neoverse-n2": (0xD49, "Neoverse N2"),
}


@pytest.fixture(scope="session")
def qemu10() -> str:
    """A QEMU 10 qemu-system-aarch64, fetched on first use; skip (with the reason) when none."""
    given = os.environ.get("MONADIC_QEMU10")
    if given:
        return given
    script = REPO_ROOT / "scripts" / "fetch-qemu.sh"
    out = REPO_ROOT / "build" / "qemu10"
    try:
        proc = subprocess.run(
            [str(script), str(out)],
            capture_output=True,
            text=True,
            timeout=FETCH_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"QEMU 10 could not be fetched: {e}")
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        pytest.skip(f"QEMU 10 could not be fetched (scripts/fetch-qemu.sh): {why}")
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("cpu", sorted(MODELS))
def test_newer_neoverse_boots_and_is_named(
    request: pytest.FixtureRequest, image: Path, qemu10: str, cpu: str
) -> None:
    partnum, name = MODELS[cpu]
    cfg = MachineConfig(cpu=cpu, smp=2, mem="512M")
    target = Target.launch(image, cfg, binary=qemu10)
    try:
        attach(request.node, f"{cfg.describe()} ({qemu10})", target)
        target.wait_boot()
        shell = target.shell
        regs = shell.run_json("sysregs")
        midr = as_int(regs["midr"])
        assert midr >> 24 == 0x41 and (midr >> 4) & 0xFFF == partnum, hex(midr)
        assert regs["implementer"] == "Arm"
        assert regs["core"] == name, regs["core"]
        assert as_int(regs["current_el"]) == 2
        assert regs["lse"] is True and regs["vhe"] is True  # both are Armv8.4 or later
        out: Any = shell.run_json("bench spsc-lat --iters 200", timeout=BENCH_TIMEOUT_S)
        [line] = out if isinstance(out, list) else [out]
        assert line["bench"] == "spsc-lat"
        assert line["platform"]["core"] == name, line["platform"]
    finally:
        target.close()


def test_qemu10_smmu_has_stage2(request: pytest.FixtureRequest, image: Path, qemu10: str) -> None:
    """QEMU 10's SMMUv3 reports stage 2 (IDR0.S2P) where 7.2's has stage 1 only, and `smmu`
    says the VMs' Stage-2 tables fit it: a VM with devices gets an IPA size within the SMMU's
    output size (-cpu max has 48 bits, the SMMU 44), and coherent walks and the 4 KiB granule
    hold."""
    cfg = MachineConfig(cpu="max", smp=1, mem="512M", machine_opts=("iommu=smmuv3",))
    target = Target.launch(image, cfg, binary=qemu10)
    try:
        attach(request.node, f"{cfg.describe()} ({qemu10})", target)
        target.wait_boot()
        info = target.shell.run_json("smmu")
        assert info["s2p"] is True and info["s1p"] is True, info
        assert info["coherent"] is True and info["gran4k"] is True, info
        assert info["device_vm_ipa_bits"] == min(info["vm_ipa_bits"], info["oas_bits"]), info
        assert info["s2_share_unfit"] is None, info
        assert "own Stage-2" in info["dma_policy"], info
    finally:
        target.close()
