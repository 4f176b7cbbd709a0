# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Stage-2 and the physical memory map: `mem`, `vm`, `s2map` and `s2walk` agree with each other,
with the device tree and with the Arm ARM's VMSAv8-64 descriptor formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from monadic import MachineConfig, Shell, Target, as_int, error_lines, image_load_address

MACHINE = MachineConfig(cpu="max", smp=2, mem="1G")

BLOCK_2M = 2 << 20
PAGE_4K = 4 << 10
REQUIRED_OWNERS = {"hypervisor image", "DTB", "hypervisor page pool", "vm0 RAM"}


def expect_error(shell: Shell, cmd: str) -> str:
    """Run `cmd`, demand an `error: ` line, and check the shell still answers afterwards."""
    out = shell.run(cmd, check=False)
    errors = error_lines(out)
    assert errors, f"{cmd!r} answered {out!r} instead of an error"
    assert shell.run_json("version")["name"] == "monadic-hypervisor", f"shell dead after {cmd!r}"
    return errors[0]


def merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted [start, end) ranges with touching neighbours joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def vm0(shell: Shell) -> dict[str, Any]:
    """`vm info 0 --json`: the VM's object under "vm" (`vm list` has a list under "vms")."""
    info = shell.run_json("vm info 0")
    assert isinstance(info.get("vm"), dict), info
    vm = info["vm"]
    assert vm["id"] == 0
    return vm


def ram_region(vm: dict[str, Any]) -> tuple[int, int, int]:
    """(ipa, pa, size) of the VM's RAM region, which must be listed exactly once."""
    rams = [r for r in vm["regions"] if r["name"] == "RAM"]
    assert len(rams) == 1, vm["regions"]
    assert rams[0]["type"] == "normal", rams[0]
    return as_int(rams[0]["ipa"]), as_int(rams[0]["pa"]), as_int(rams[0]["size"])


def walk(shell: Shell, ipa: int) -> dict[str, Any]:
    result = shell.run_json(f"s2walk 0 {ipa:#x}")
    assert as_int(result["ipa"]) == ipa, result
    return result


def vttbr_baddr(vttbr: int) -> int:
    """VTTBR_EL2.BADDR (bits [47:1], CnP in bit 0; 4K-aligned root table here)."""
    return vttbr & 0x0000_FFFF_FFFF_F000


# --- mem ----------------------------------------------------------------------------------


def test_mem_ranges_tile_the_dtb_ram(shell: Shell) -> None:
    mem = shell.run_json("mem")
    ranges = [(as_int(r["base"]), as_int(r["size"])) for r in mem["ranges"]]
    assert ranges, mem
    bases = [base for base, _ in ranges]
    assert bases == sorted(bases), f"ranges not sorted: {[hex(b) for b in bases]}"
    for (base, size), (next_base, _) in zip(ranges, ranges[1:]):
        assert size > 0
        assert base + size <= next_base, f"{base:#x}+{size:#x} overlaps {next_base:#x}"
    plat = shell.run_json("platform")
    dtb_ram = merged(
        [(as_int(r["base"]), as_int(r["base"]) + as_int(r["size"])) for r in plat["mem"]]
    )
    ours = merged([(base, base + size) for base, size in ranges])
    assert ours == dtb_ram, f"mem covers {ours}, the DTB says {dtb_ram}"
    assert sum(size for _, size in ranges) == plat["mem_total"]


def test_mem_owners_and_free_total(shell: Shell, image: Path) -> None:
    mem = shell.run_json("mem")
    by_owner: dict[str, list[tuple[int, int]]] = {}
    for r in mem["ranges"]:
        by_owner.setdefault(r["owner"], []).append((as_int(r["base"]), as_int(r["size"])))
    missing = REQUIRED_OWNERS - set(by_owner)
    assert not missing, f"no range owned by {missing}: {sorted(by_owner)}"
    free = sum(size for _, size in by_owner.get("", []))
    assert mem["free"] == free, f"free {mem['free']} but the unowned ranges add up to {free}"

    # The image range starts where QEMU loaded us and holds at least the file (bss comes on top).
    [(img_base, img_size)] = by_owner["hypervisor image"]
    assert img_base == image_load_address(image)
    assert img_size >= image.stat().st_size
    # The DTB range is what `platform` says the blob occupies.
    [(_, dtb_size)] = by_owner["DTB"]
    assert dtb_size == shell.run_json("platform")["dtb_size"]
    # The page pool range is pool_pages 4 KiB pages, and the pool holds VM 0's tables.
    [(pool_base, pool_size)] = by_owner["hypervisor page pool"]
    assert pool_size == mem["pool_pages"] * PAGE_4K
    vm = vm0(shell)
    assert vm["s2_tables"] <= mem["pool_used"] <= mem["pool_pages"], mem
    assert pool_base <= vttbr_baddr(as_int(vm["vttbr"])) < pool_base + pool_size
    # vm0 RAM is exactly the VM's RAM region.
    [(ram_base, ram_size)] = by_owner["vm0 RAM"]
    _, pa, size = ram_region(vm)
    assert (ram_base, ram_size) == (pa, size)


def test_mem_text(shell: Shell) -> None:
    text = shell.run("mem")
    for owner in REQUIRED_OWNERS | {"free"}:
        assert owner in text, f"{owner!r} missing from `mem`"
    for r in shell.run_json("mem")["ranges"]:
        assert f"{as_int(r['base']):012x}" in text, f"range {r['base']} missing from `mem`"


def test_mem_rejects_arguments(shell: Shell) -> None:
    expect_error(shell, "mem bogus")


# --- vm -----------------------------------------------------------------------------------


def test_vm_list(shell: Shell) -> None:
    vms = shell.run_json("vm list")["vms"]
    vm = next((v for v in vms if v["id"] == 0), None)
    assert vm is not None, vms
    assert vm["name"] == "vm0" and vm["state"] == "created", vm
    assert vm["vmid"] >= 1, "VMID 0 would share TLB entries with the hypervisor's own regime"
    ipa, pa, size = as_int(vm["ram_ipa"]), as_int(vm["ram_pa"]), as_int(vm["ram_size"])
    assert ipa == pa, "VM RAM must be identity-mapped"
    assert ipa % BLOCK_2M == 0 and size % BLOCK_2M == 0 and size > 0, (hex(ipa), hex(size))
    text = shell.run("vm list")
    assert "vm0" in text and "created" in text and f"{ipa:#x}" in text, text


def test_vm_info_matches_vm_list(shell: Shell) -> None:
    listed = next(v for v in shell.run_json("vm list")["vms"] if v["id"] == 0)
    vm = vm0(shell)
    for key in ("name", "state", "vmid", "ram_ipa", "ram_pa", "ram_size"):
        assert vm[key] == listed[key], f"{key}: info {vm[key]!r}, list {listed[key]!r}"
    ipa, pa, size = ram_region(vm)
    assert ipa == pa == as_int(vm["ram_ipa"])
    assert size == as_int(vm["ram_size"])
    assert ipa % BLOCK_2M == 0 and size % BLOCK_2M == 0
    # VTTBR_EL2.VMID sits in bits [63:48] (8 or 16 bits wide).
    vttbr = as_int(vm["vttbr"])
    assert vttbr >> 48 == vm["vmid"], hex(vttbr)
    assert vttbr_baddr(vttbr) != 0 and vttbr_baddr(vttbr) % PAGE_4K == 0
    text = shell.run("vm info 0")
    assert "created" in text and f"VMID {vm['vmid']}" in text, text
    assert f"{vttbr:#x}" in text.lower(), text


# --- s2map --------------------------------------------------------------------------------


def test_s2map_ram_run(shell: Shell) -> None:
    vm = vm0(shell)
    ipa, pa, size = ram_region(vm)
    s2 = shell.run_json("s2map 0")
    assert s2["vm"] == 0 and s2["vmid"] == vm["vmid"]
    assert as_int(s2["vttbr"]) == as_int(vm["vttbr"])
    assert s2["tables"] == vm["s2_tables"]
    runs = [(as_int(r["ipa"]), as_int(r["pa"]), as_int(r["size"]), r["attrs"]) for r in s2["runs"]]
    assert [r[0] for r in runs] == sorted(r[0] for r in runs), "runs not sorted by IPA"
    for (a, _, n, _), (b, _, _, _) in zip(runs, runs[1:]):
        assert a + n <= b, f"runs at {a:#x} and {b:#x} overlap"
    assert s2["mapped"] == sum(r[2] for r in runs)
    ram = [r for r in runs if r[0] == ipa]
    assert len(ram) == 1, f"no run starts at the RAM IPA {ipa:#x}: {s2['runs']}"
    _, run_pa, run_size, attrs = ram[0]
    assert (run_pa, run_size) == (pa, size)
    assert "Normal" in attrs and "Outer WB" in attrs and "Inner WB" in attrs, attrs
    assert "S2AP RW" in attrs and "AF 1" in attrs, attrs
    text = shell.run("s2map 0")
    assert f"{ipa:#012x}-{ipa + size - 1:#012x} -> {pa:#012x}" in text, text


# --- s2walk -------------------------------------------------------------------------------


def ram_probe_points(ipa: int, size: int) -> dict[str, int]:
    return {
        "start": ipa,
        "middle": ipa + size // 2 + 0x1234,
        "last byte": ipa + size - 1,
        "2M boundary": ipa + BLOCK_2M,
    }


@pytest.mark.parametrize("where", ["start", "middle", "last byte", "2M boundary"])
def test_s2walk_ram(shell: Shell, where: str) -> None:
    vm = vm0(shell)
    ipa, _, size = ram_region(vm)
    target = ram_probe_points(ipa, size)[where]
    result = walk(shell, target)
    assert result["mapped"] is True, result
    assert as_int(result["pa"]) == target, "identity map: PA must equal IPA"
    assert as_int(result["size"]) == BLOCK_2M, result
    levels = result["levels"]
    regs = shell.run_json("sysregs")
    assert [lv["level"] for lv in levels] == list(range(regs["s2_start_level"], 3)), levels
    assert as_int(levels[0]["table"]) == vttbr_baddr(as_int(vm["vttbr"]))
    for lv in levels[:-1]:
        assert lv["type"] == "table", lv
        assert as_int(lv["desc"]) & 0b11 == 0b11, lv  # VMSAv8-64: table descriptor
    leaf = levels[-1]
    assert leaf["level"] == 2 and leaf["type"] == "block", leaf
    desc = as_int(leaf["desc"])
    assert desc & 0b11 == 0b01, hex(desc)  # block descriptor
    assert desc & 0x0000_FFFF_FFE0_0000 == target & ~(BLOCK_2M - 1), hex(desc)  # output address
    assert desc & (1 << 10), "AF clear in a mapped block"
    assert leaf["index"] == (target >> 21) & 0x1FF
    s2 = shell.run_json("s2map 0")
    ram_attrs = next(r["attrs"] for r in s2["runs"] if as_int(r["ipa"]) == ipa)
    assert result["attrs"] == ram_attrs


def test_s2walk_text_mapped(shell: Shell) -> None:
    ipa, _, _ = ram_region(vm0(shell))
    text = shell.run(f"s2walk 0 {ipa:#x}")
    assert f"IPA {ipa:#x} -> PA {ipa:#x}" in text, text
    assert "block" in text and "Normal" in text, text


def unmapped_probes(shell: Shell) -> list[int]:
    """0x1000, the byte below RAM and RAM end + 2 MiB, each only if no s2map run covers it."""
    ipa, _, size = ram_region(vm0(shell))
    runs = [(as_int(r["ipa"]), as_int(r["size"])) for r in shell.run_json("s2map 0")["runs"]]
    candidates = [0x1000, ipa - 1, ipa + size + BLOCK_2M]
    return [c for c in candidates if not any(a <= c < a + n for a, n in runs)]


def test_s2walk_unmapped(shell: Shell) -> None:
    probes = unmapped_probes(shell)
    assert 0x1000 in probes, "0x1000 is mapped: the test expects nothing at the bottom of IPA space"
    start_level = shell.run_json("sysregs")["s2_start_level"]
    for ipa in probes:
        result = walk(shell, ipa)
        assert result["mapped"] is False, result
        assert "pa" not in result, result
        fault = result["fault_level"]
        assert start_level <= fault <= 3, result
        levels = result["levels"]
        assert levels[-1]["level"] == fault and levels[-1]["type"] == "invalid", levels
        assert as_int(levels[-1]["desc"]) & 1 == 0, levels[-1]
        text = shell.run(f"s2walk 0 {ipa:#x}")
        assert f"translation fault at level {fault}" in text, text


def test_s2walk_top_of_ipa_space(shell: Shell) -> None:
    """The last IPA that fits is walked (and faults at the start level); one more is refused."""
    regs = shell.run_json("sysregs")
    top = (1 << regs["ipa_bits"]) - 1
    result = walk(shell, top)
    assert result["mapped"] is False and result["fault_level"] == regs["s2_start_level"], result
    assert result["levels"][0]["index"] == 0x1FF, result


@pytest.mark.parametrize("ipa", ["0x1000000000000", "0xffffffffffffffff"])
def test_s2walk_ipa_beyond_ipa_space(shell: Shell, ipa: str) -> None:
    assert shell.run_json("sysregs")["ipa_bits"] == 48
    assert "IPA" in expect_error(shell, f"s2walk 0 {ipa}")


@pytest.mark.parametrize(
    "cmd",
    [
        "s2walk 9 0x1000",
        "s2walk zz 0x1000",
        "s2walk 0 zz",
        "s2map 9",
        "s2map zz",
        "vm info 9",
        "vm info zz",
    ],
)
def test_bad_vm_or_address(shell: Shell, cmd: str) -> None:
    expect_error(shell, cmd)


@pytest.mark.parametrize(
    "cmd",
    ["s2walk", "s2walk 0", "s2walk 0 1 2", "s2map", "s2map 0 1", "vm", "vm info", "vm info 0 1",
     "vm bogus", "vm list extra"],
)  # fmt: skip
def test_wrong_argument_count(shell: Shell, cmd: str) -> None:
    assert "usage" in expect_error(shell, cmd)


# --- a CPU whose PARange is 48 bits ---------------------------------------------------------


def check_vtcr(regs: dict[str, Any]) -> None:
    """VTCR_EL2 matches the reported IPA size and start level (Arm ARM D8.2: T0SZ = 64 - IPA
    bits; with a 4K granule SL0 = 2 - start level)."""
    vtcr = as_int(regs["vtcr_el2"])
    assert vtcr & 0x3F == 64 - regs["ipa_bits"], hex(vtcr)
    assert (vtcr >> 6) & 0x3 == 2 - regs["s2_start_level"], hex(vtcr)
    assert (vtcr >> 14) & 0x3 == 0, "TG0 is not 4K"


def test_sysregs_stage2_on_max(shell: Shell) -> None:
    regs = shell.run_json("sysregs")
    assert regs["ipa_bits"] == min(regs["pa_bits"], 48)
    assert regs["s2_start_level"] == 0
    check_vtcr(regs)


def test_neoverse_n1_stage2(boot: Callable[..., Target]) -> None:
    shell = boot(cpu="neoverse-n1", smp=2, mem="1G").shell
    regs = shell.run_json("sysregs")
    assert regs["core"] == "Neoverse N1"
    assert as_int(regs["id_aa64mmfr0"]) & 0xF == 0b0101, "PARange is not 48 bits"
    assert regs["pa_bits"] == 48
    assert regs["ipa_bits"] == 48 and regs["s2_start_level"] == 0, regs
    check_vtcr(regs)
    ipa, _, size = ram_region(vm0(shell))
    for target in ram_probe_points(ipa, size).values():
        result = walk(shell, target)
        assert result["mapped"] is True and as_int(result["pa"]) == target, result
        assert result["levels"][0]["level"] == 0 and result["levels"][-1]["level"] == 2, result
    result = walk(shell, 0x1000)
    assert result["mapped"] is False, result
    expect_error(shell, "s2walk 0 0x1000000000000")
