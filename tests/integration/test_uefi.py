# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The image as an EFI application: EDK2 (Debian's qemu-efi-aarch64) starts it from an ESP at
EL2, once with ACPI tables only (-cpu max) and once with a DT only (-M virt,acpi=off, -cpu
neoverse-n1). Each reaches the shell, says where its platform came from, and finds the same
CPUs, GIC, timer, console, ECAM and SMMU as the -kernel boot of the same machine; `pci` lists
the NVMe controller. On the ACPI boot monadic.cfg starts a Linux guest whose Image and initrd
are read from the ESP and which is given the NVMe function (its BAR where the firmware put it,
its INTx from the DSDT's _PRT): it reads what this test wrote on the disk and writes a token
this test then finds there. On the DT boot monadic.cfg names a file that does not exist, and the
boot goes on without that word. One boot per path, shared by its tests."""

from __future__ import annotations

import re
import secrets
import subprocess
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
NVME_BDF = "00:03.0"
DISK_SIZE = 64 << 20
READ_SECTOR = 2048
WRITE_SECTOR = 4096
TOKEN_READ = "HOST-" + secrets.token_hex(8)
TOKEN_WRITE = "GUEST-" + secrets.token_hex(8)

# The Linux guest's init reads sector READ_SECTOR of its NVMe disk and writes TOKEN_WRITE at
# WRITE_SECTOR (tests/integration/test_passthrough.py does the same on the -kernel path).
LINUX_CFG = (
    f'vm=linux,\\EFI\\monadic\\Image,256M,1,"console=ttyAMA0 '
    f'monadic.nvme={READ_SECTOR},{WRITE_SECTOR},{TOKEN_WRITE}" '
    f"initrd=linux,\\EFI\\monadic\\initrd pci=linux,{NVME_BDF}"
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
    disk = base / "nvme.img"
    with open(disk, "wb") as f:
        f.truncate(DISK_SIZE)
        f.seek(READ_SECTOR * 512)
        f.write(TOKEN_READ.encode())
    out["disk"] = disk
    nvme_disk = ("-drive", f"file={disk},if=none,id=nvme0,format=raw",
                 "-device", f"nvme,serial=uefi0,drive=nvme0,addr={NVME_BDF[3:]}")
    linux_files = {
        "EFI/monadic/Image": linux_dir / "Image",
        "EFI/monadic/initrd": linux_dir / "initramfs.cpio.gz",
    }
    configs = {
        "kernel": MachineConfig(cpu="max", smp=SMP, mem="1G", machine_opts=MACHINE, extra_args=NVME),
        "acpi": MachineConfig(cpu="max", smp=SMP, mem="1G", machine_opts=MACHINE,
                              extra_args=nvme_disk, esp=str(prepare_esp(image, base / "esp-acpi", LINUX_CFG, linux_files))),
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
                out[name]["pci_json"] = target.shell.run_json("pci")
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


def test_linux_from_the_esp_drives_the_passed_nvme(boots: dict[str, Any]) -> None:
    """Under ACPI the firmware assigned the BARs and the INTx routing is only in the DSDT: the
    guest finds the controller at the BAR the firmware chose, its interrupts arrive (as MSI-X
    through the ITS the MADT names, or as the INTx the DSDT routes), and it reads and writes the
    disk."""
    info, log = boots["acpi"]["linux"], boots["acpi"]["linux_log"]
    assert re.search(r"MONADIC-BLOCK: (nvme0c0n1 )?nvme0n1 *$", log, re.M), log[-3000:]
    assert f"MONADIC-READ: {TOKEN_READ}" in log, log[-3000:]
    assert "MONADIC-WRITE: done" in log, log[-3000:]
    with open(boots["disk"], "rb") as f:
        f.seek(WRITE_SECTOR * 512)
        assert f.read(len(TOKEN_WRITE)).decode(errors="replace") == TOKEN_WRITE
    (fn,) = info["pci"]
    assert fn["bdf"] == NVME_BDF and fn["intid"] >= 32, fn  # the DSDT's _PRT routed INTx
    assert fn["irqs"] + fn["msis"] > 0 and fn["msi_dropped"] == 0, fn
    host = next(f for f in boots["acpi"]["pci_json"]["functions"] if f["bdf"] == NVME_BDF)
    bar0 = next(b for b in host["bars"] if b["index"] == 0)
    region = next(r for r in info["regions"] if r["name"] == f"pci {NVME_BDF}")
    assert int(region["pa"], 16) == int(bar0["cpu_addr"], 16) == int(region["ipa"], 16), (
        region, bar0)


def test_missing_esp_file_drops_its_word(boots: dict[str, Any]) -> None:
    text = boots["dt"]["boot"]
    assert "NoSuchImage: not found on the application's volume" in text, text
    assert "its word was dropped" in text, text
    assert "ghost" not in boots["dt"]["platform"]["bootargs"]


# --- The other ways UEFI starts the application ------------------------------------------------
# A boot entry written into the variable store, the UEFI shell's startup.nsh and GRUB's
# chainloader each start \EFI\monadic\monadic.efi with load options that name a guest on the
# ESP; monadic.cfg beside it names another, and must be ignored. One boot per path.

PATH_OPTIONS = "vm=basic,\\EFI\\monadic\\basic.bin,32M,1"
PATH_CFG = "vm=fromcfg,\\EFI\\monadic\\basic.bin,32M,1"
SHELL_COUNTDOWN = "any other key to continue"


def _grub(image: Path) -> Path | None:
    """Debian's GRUB for arm64 UEFI, fetched into build/grub once; None when it cannot be."""
    run = subprocess.run(
        [str(image.parent.parent / "scripts" / "fetch-grub.sh"), str(image.parent / "grub")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return Path(run.stdout.strip().splitlines()[-1]) if run.returncode == 0 else None


@pytest.fixture(scope="module")
def paths(image: Path, qemu_binary: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[dict[str, Any]]:
    if not Path(AAVMF_CODE).exists():
        pytest.skip(f"{AAVMF_CODE} missing: scripts/setup-toolchain.sh qemu installs qemu-efi-aarch64")
    base = tmp_path_factory.mktemp("uefi-paths")
    files = {"EFI/monadic/basic.bin": image.parent / "guests" / "basic.bin"}
    grub = _grub(image)
    out: dict[str, Any] = {"grub": grub}
    for boot in ("entry", "shell", "grub"):
        if boot == "grub" and grub is None:
            continue
        esp = prepare_esp(image, base / f"esp-{boot}", PATH_CFG, files, boot=boot,
                          options=PATH_OPTIONS, grub_efi=grub)
        config = MachineConfig(cpu="max", smp=SMP, mem="1G", machine_opts=MACHINE, esp=str(esp))
        target = Target.launch(image, config, binary=qemu_binary)
        try:
            before = ""
            if boot == "shell":
                # The shell counts 5 s down before startup.nsh; any key but ESC goes on at once.
                before = target.shell.read_until(SHELL_COUNTDOWN, timeout=120)
                target.shell.write(b"\r")
            target.wait_boot(timeout=120)
            out[boot] = {
                "boot": before + target.boot_text,
                "platform": target.shell.run_json("platform"),
                "vms": [vm["name"] for vm in target.shell.run_json("vm list")["vms"]],
            }
        finally:
            target.close()
    yield out


@pytest.mark.parametrize("boot", ["entry", "shell", "grub"])
def test_uefi_path_starts_the_application_with_its_load_options(
    paths: dict[str, Any], boot: str
) -> None:
    if boot == "grub" and paths["grub"] is None:
        pytest.skip("grub-efi-arm64-bin could not be fetched (scripts/fetch-grub.sh)")
    got = paths[boot]
    assert "monadic-hypervisor: EFI application" in got["boot"], got["boot"][-3000:]
    bootargs = got["platform"]["bootargs"]
    assert re.fullmatch(r"vm=basic,0x[0-9a-f]+,32M,1", bootargs), bootargs
    assert "basic" in got["vms"] and "fromcfg" not in got["vms"], got["vms"]
    assert got["platform"]["firmware"]["uefi"] is True


def test_boot_entry_is_the_one_written_into_the_variable_store(paths: dict[str, Any]) -> None:
    assert 'starting Boot0080 "monadic"' in paths["entry"]["boot"], paths["entry"]["boot"][-3000:]


def test_shell_ran_startup_nsh(paths: dict[str, Any]) -> None:
    text = paths["shell"]["boot"]
    assert "EFI Internal Shell" in text and SHELL_COUNTDOWN in text, text[-3000:]
