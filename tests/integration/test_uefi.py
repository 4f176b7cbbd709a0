# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The image as an EFI application: EDK2 (Debian's qemu-efi-aarch64) starts it from an ESP at
EL2, once with ACPI tables only (-cpu max) and once with a DT only (-M virt,acpi=off, -cpu
neoverse-n1). Each reaches the shell, says where its platform came from, and finds the same
CPUs, GIC, timer, console, ECAM and SMMU as the -kernel boot of the same machine; `pci` lists
the NVMe controller. On the ACPI boot monadic.cfg starts a Linux guest whose Image and initrd
are read from the ESP; on the DT boot it names a file that does not exist, and the boot goes on
without that word. One boot per path, shared by its tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from helpers import vm_by_name, wait_vm_state
from monadic import MachineConfig
from monadic.qemu import AAVMF_CODE, prepare_esp
from monadic.target import Target

SMP = 2
MACHINE = ("iommu=smmuv3",)
NVME = ("-device", "nvme,serial=uefi0,addr=03.0")


LINUX_CFG = (
    'vm=linux,\\EFI\\monadic\\Image,256M,1,"console=ttyAMA0" initrd=linux,\\EFI\\monadic\\initrd'
)
MISSING_CFG = "vm=ghost,\\EFI\\monadic\\NoSuchImage,64M,1"


def _launch(image: Path, binary: str, config: MachineConfig) -> Target:
    target = Target.launch(image, config, binary=binary)
    target.wait_boot(timeout=120)
    return target


@pytest.fixture(scope="module")
def boots(
    image: Path, qemu_binary: str, linux_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    if not Path(AAVMF_CODE).exists():
        pytest.skip(f"{AAVMF_CODE} missing: scripts/setup-toolchain.sh qemu installs qemu-efi-aarch64")
    out: dict[str, Any] = {}
    base = tmp_path_factory.mktemp("uefi")
    linux_files = {
        "EFI/monadic/Image": linux_dir / "Image",
        "EFI/monadic/initrd": linux_dir / "initramfs.cpio.gz",
    }
    configs = {
        "kernel": MachineConfig(cpu="max", smp=SMP, mem="1G", machine_opts=MACHINE, extra_args=NVME),
        "acpi": MachineConfig(cpu="max", smp=SMP, mem="1G", machine_opts=MACHINE, extra_args=NVME,
                              esp=str(prepare_esp(image, base / "esp-acpi", LINUX_CFG, linux_files))),
        "dt": MachineConfig(cpu="neoverse-n1", smp=SMP, mem="1G", machine_opts=(*MACHINE, "acpi=off"),
                            extra_args=NVME, esp=str(prepare_esp(image, base / "esp-dt", MISSING_CFG))),
    }  # fmt: skip
    for name, config in configs.items():
        target = _launch(image, qemu_binary, config)
        try:
            out[name] = {
                "boot": target.boot_text,
                "platform": target.shell.run_json("platform"),
                "platform_text": target.shell.run("platform"),
                "pci": target.shell.run("pci"),
            }
            if name == "acpi":
                vm = vm_by_name(target.shell, "linux")
                out[name]["linux"] = wait_vm_state(target.shell, vm["id"], timeout=180)
                out[name]["linux_log"] = target.shell.run(f"vm log {vm['id']}")
        finally:
            target.close()
    yield out


def _facts(p: dict[str, Any]) -> dict[str, Any]:
    """What every discovery path must agree on."""
    return {
        "cpus": [c["mpidr"] for c in p["cpus"]],
        "uart": p["uart"]["base"],
        "gic": (p["gic"]["version"], p["gic"]["dist"], p["gic"]["its"],
                [(r["base"], r["size"]) for r in p["gic"]["redist"]]),
        "timer": p["timer"],
        "pcie": (p["pcie"]["ecam"], p["pcie"]["bus_start"], p["pcie"]["bus_end"]),
        "smmu": p["smmu"],
    }  # fmt: skip


@pytest.mark.parametrize("path", ["acpi", "dt"])
def test_uefi_boot_reaches_the_shell_at_el2(boots: dict[str, Any], path: str) -> None:
    text = boots[path]["boot"]
    assert "monadic-hypervisor: EFI application" in text, text
    assert "EL2, 2 CPUs" in text, text
    assert boots[path]["platform"]["firmware"]["uefi"] is True


def test_acpi_boot_names_acpi_and_its_tables(boots: dict[str, Any]) -> None:
    p = boots["acpi"]["platform"]
    assert p["source"] == "acpi"
    for sig in ("APIC", "GTDT", "MCFG", "SPCR", "IORT", "FACP"):
        assert sig in p["firmware"]["acpi_tables"], p["firmware"]
    assert "source      ACPI" in boots["acpi"]["platform_text"]


def test_dt_boot_names_the_dt(boots: dict[str, Any]) -> None:
    p = boots["dt"]["platform"]
    assert p["source"] == "dt" and p["firmware"]["acpi_tables"] == ""
    assert "DT from the UEFI configuration table" in boots["dt"]["platform_text"]


@pytest.mark.parametrize("path", ["acpi", "dt"])
def test_uefi_finds_what_the_kernel_boot_finds(boots: dict[str, Any], path: str) -> None:
    want = _facts(boots["kernel"]["platform"])
    got = _facts(boots[path]["platform"])
    assert got == want


@pytest.mark.parametrize("path", ["acpi", "dt"])
def test_uefi_ram_leaves_firmware_regions_out(boots: dict[str, Any], path: str) -> None:
    """RAM from the memory map: less than the -kernel boot's (runtime services and ACPI
    regions are left out), in more than one range, all inside the machine's RAM."""
    p = boots[path]["platform"]
    ref = boots["kernel"]["platform"]["mem"][0]
    assert 0 < p["mem_total"] < boots["kernel"]["platform"]["mem_total"]
    for r in p["mem"]:
        assert ref["base"] <= r["base"] and r["base"] + r["size"] <= ref["base"] + ref["size"]


@pytest.mark.parametrize("path", ["acpi", "dt"])
def test_uefi_pci_lists_the_nvme(boots: dict[str, Any], path: str) -> None:
    assert "NVM Express controller" in boots[path]["pci"], boots[path]["pci"]


def test_linux_guest_from_the_esp_boots(boots: dict[str, Any]) -> None:
    info, log = boots["acpi"]["linux"], boots["acpi"]["linux_log"]
    assert "SYSTEM_OFF" in info["stop_reason"], info
    assert re.search(r"MONADIC-INIT: Linux \S+-cloud-arm64, 1 CPUs", log), log[-3000:]


def test_missing_esp_file_drops_its_word(boots: dict[str, Any]) -> None:
    text = boots["dt"]["boot"]
    assert "NoSuchImage: not found on the application's volume" in text, text
    assert "its word was dropped" in text, text
    assert "ghost" not in boots["dt"]["platform"]["bootargs"]
