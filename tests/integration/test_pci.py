# SPDX-License-Identifier: BSD-2-Clause-Patent
"""PCIe and NVMe: enumeration behind a root port, BAR assignment, config space dumps, NVMe
registers, the BAR0 Stage-2 mappings of VM 0, and the SMMUv3 report."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from monadic import MachineConfig, Shell, Target, as_int, error_lines, parse_hexdump

DRIVE_SIZE = 16 << 20
NVME_ID = (0x1B36, 0x0010)  # QEMU's NVMe controller (Red Hat vendor ID, docs/specs/pci-ids)
HOST_BRIDGE_ID = (0x1B36, 0x0008)
CLASS_NVME = 0x010802  # mass storage, NVM, NVM Express
CLASS_HOST_BRIDGE = 0x060000
CLASS_PCI_BRIDGE = 0x060400
NVME_BAR0_SIZE = 0x4000
HEX_LINE = re.compile(r"^([0-9a-f]{3}): ((?:[0-9a-f]{2} ){15}[0-9a-f]{2})$")
BDF_RE = re.compile(r"^([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$")


def nvme_config(tmp: Path) -> MachineConfig:
    """One NVMe on the root bus and one behind a PCIe root port, each on a 16 MiB raw image."""
    drives = []
    for name in ("nvm0", "nvm1"):
        path = tmp / f"{name}.img"
        with open(path, "wb") as f:
            f.truncate(DRIVE_SIZE)
        drives.append(path)
    return MachineConfig(
        cpu="max",
        smp=2,
        mem="1G",
        extra_args=(
            "-drive", f"file={drives[0]},if=none,id=nvm0,format=raw",
            "-device", "nvme,serial=beef0,drive=nvm0",
            "-device", "pcie-root-port,id=rp0,chassis=1",
            "-drive", f"file={drives[1]},if=none,id=nvm1,format=raw",
            "-device", "nvme,serial=beef1,drive=nvm1,bus=rp0",
        ),
    )  # fmt: skip


@pytest.fixture(scope="module")
def shared_config(
    tmp_path_factory: pytest.TempPathFactory, image: Path
) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    """The module's machine: its drive images live in a temporary directory, so its config is
    built here rather than in a module-level MACHINE."""
    return nvme_config(tmp_path_factory.mktemp("nvme"))


def expect_error(shell: Shell, cmd: str) -> str:
    """Run `cmd`, demand an `error: ` line, and check the shell still answers afterwards."""
    out = shell.run(cmd, check=False)
    errors = error_lines(out)
    assert errors, f"{cmd!r} answered {out!r} instead of an error"
    assert shell.run_json("version")["name"] == "monadic-hypervisor", f"shell dead after {cmd!r}"
    return errors[0]


def functions(shell: Shell) -> list[dict[str, Any]]:
    pci = shell.run_json("pci")
    assert pci["dropped"] == 0, pci
    return pci["functions"]


def ident(fn: dict[str, Any]) -> tuple[int, int]:
    return as_int(fn["vendor"]), as_int(fn["device"])


def nvmes(shell: Shell) -> list[dict[str, Any]]:
    found = [fn for fn in functions(shell) if ident(fn) == NVME_ID]
    assert len(found) == 2, f"want two NVMe controllers, got {[fn['bdf'] for fn in found]}"
    return found


def bus_of(bdf: str) -> int:
    m = BDF_RE.match(bdf)
    assert m, f"bad BDF in output: {bdf!r}"
    return int(m.group(1), 16)


def nvme_on_bus(shell: Shell, bus: int) -> dict[str, Any]:
    [fn] = [fn for fn in nvmes(shell) if bus_of(fn["bdf"]) == bus]
    return fn


def root_port(shell: Shell) -> dict[str, Any]:
    ports = [fn for fn in functions(shell) if as_int(fn["class"]) == CLASS_PCI_BRIDGE]
    assert len(ports) == 1, ports
    return ports[0]


def bar0(fn: dict[str, Any]) -> dict[str, Any]:
    [bar] = [b for b in fn["bars"] if b["index"] == 0]
    return bar


def cfg_space(shell: Shell, bdf: str, length: int | None = None) -> tuple[bytes, list[str]]:
    """`pci cfg`: the hex lines as bytes (offsets checked to run 0, 0x10, ...), and the rest."""
    out = shell.run(f"pci cfg {bdf}" + ("" if length is None else f" {length}"))
    data = bytearray()
    decoded = []
    for line in out.split("\n"):
        m = HEX_LINE.match(line)
        if m:
            assert int(m.group(1), 16) == len(data), f"hex line out of order: {line!r}"
            data += bytes.fromhex(m.group(2))
        else:
            decoded.append(line)
    return bytes(data), decoded


def le(data: bytes, offset: int, size: int) -> int:
    return int.from_bytes(data[offset : offset + size], "little")


# --- pci --json -----------------------------------------------------------------------------


def test_host_bridge(shell: Shell) -> None:
    fns = functions(shell)
    host = [fn for fn in fns if fn["bdf"] == "00:00.0"]
    assert len(host) == 1, fns
    assert ident(host[0]) == HOST_BRIDGE_ID and as_int(host[0]["class"]) == CLASS_HOST_BRIDGE


def test_root_port_buses(shell: Shell) -> None:
    port = root_port(shell)
    assert bus_of(port["bdf"]) == 0 and port["header"] == 1, port
    assert port["secondary"] == port["subordinate"] == 1, port
    data, _ = cfg_space(shell, port["bdf"])
    # Type 1 header: primary, secondary, subordinate bus numbers at 0x18..0x1a (PCI-PCI Bridge
    # Architecture 1.2, 3.2).
    assert (data[0x18], data[0x19], data[0x1A]) == (0, 1, 1), data[0x18:0x1B].hex()


def test_two_nvme_functions(shell: Shell) -> None:
    found = nvmes(shell)
    assert sorted(bus_of(fn["bdf"]) for fn in found) == [0, 1]
    for fn in found:
        assert as_int(fn["class"]) == CLASS_NVME and fn["header"] == 0, fn
        assert fn["name"] == "NVM Express controller"
        assert {"MSI-X", "Power Management"} <= set(fn["caps"]), fn["caps"]
        assert as_int(fn["command"]) & 0x2, "memory decoding is off although BAR0 is assigned"


def test_nvme_bar0_assigned(shell: Shell) -> None:
    windows = shell.run_json("platform")["pcie"]["windows"]
    mem_windows = [
        (as_int(w["cpu_addr"]), as_int(w["cpu_addr"]) + as_int(w["size"]))
        for w in windows
        if w["space"] in ("mem32", "mem64")
    ]
    for fn in nvmes(shell):
        bar = bar0(fn)
        assert bar["assigned"] is True, fn
        size, addr = as_int(bar["size"]), as_int(bar["cpu_addr"])
        assert size == NVME_BAR0_SIZE, bar
        assert addr % size == 0, f"{fn['bdf']} BAR0 {addr:#x} not aligned to its size"
        assert any(
            start <= addr and addr + size <= end for start, end in mem_windows
        ), f"{fn['bdf']} BAR0 {addr:#x} outside every host bridge window {windows}"


def test_nvme_bar0_matches_config_space(shell: Shell) -> None:
    for fn in nvmes(shell):
        bar = bar0(fn)
        data, _ = cfg_space(shell, fn["bdf"])
        low = le(data, 0x10, 4)
        assert low & 0x7 == 0x4, f"BAR0 {low:#x} is not a 64-bit memory BAR"
        assert bar["kind"] == "mem64"
        assert (low & ~0xF) | le(data, 0x14, 4) << 32 == as_int(bar["pci_addr"])
        assert le(data, 0x04, 2) == as_int(fn["command"])


def test_nvme_behind_port_inside_bridge_window(shell: Shell) -> None:
    port = root_port(shell)
    data, _ = cfg_space(shell, port["bdf"])
    # Memory Base / Memory Limit (0x20 / 0x22): address bits [31:20]; the limit is inclusive of
    # the whole 1 MiB granule (PCI-PCI Bridge Architecture 1.2, 3.2.5.8).
    base = (le(data, 0x20, 2) & 0xFFF0) << 16
    limit = (le(data, 0x22, 2) & 0xFFF0) << 16 | 0xFFFFF
    assert base <= limit, f"root port memory window closed: {base:#x}-{limit:#x}"
    bar = bar0(nvme_on_bus(shell, 1))
    addr = as_int(bar["cpu_addr"])
    end = addr + as_int(bar["size"]) - 1
    assert base <= addr and end <= limit, f"BAR0 {addr:#x} outside {base:#x}-{limit:#x}"
    assert 0x1000_0000 <= addr and addr + NVME_BAR0_SIZE <= 0x3EFF_0000, "outside the mem32 window"


def test_bars_do_not_overlap(shell: Shell) -> None:
    spans = []
    for fn in functions(shell):
        for bar in fn["bars"]:
            if bar["assigned"]:
                start = as_int(bar["cpu_addr"])
                spans.append((start, start + as_int(bar["size"]), f"{fn['bdf']} BAR{bar['index']}"))
    spans.sort()
    assert len(spans) >= 2, spans
    for (_, end, name), (start, _, other) in zip(spans, spans[1:]):
        assert end <= start, f"{name} overlaps {other}"


def test_pci_text(shell: Shell) -> None:
    text = shell.run("pci")
    for fn in nvmes(shell):
        line = next((ln for ln in text.split("\n") if ln.startswith(fn["bdf"])), "")
        assert "1b36:0010" in line and "NVM Express controller" in line, text
        assert f"{as_int(bar0(fn)['cpu_addr']):#x}" in text
    assert f"{len(functions(shell))} functions" in text


# --- pci cfg --------------------------------------------------------------------------------


def test_pci_cfg_nvme(shell: Shell) -> None:
    for fn in nvmes(shell):
        out = shell.run(f"pci cfg {fn['bdf']}")
        assert out.split("\n")[0].startswith("000: 36 1b 10 00"), out
        data, decoded = cfg_space(shell, fn["bdf"])
        assert len(data) == 256
        assert le(data, 0x09, 3) == CLASS_NVME
        text = "\n".join(decoded)
        assert "MSI-X" in text and "Power Management" in text, text
        assert fn["bdf"] in text and "NVM Express controller" in text, text


def test_pci_cfg_4096(shell: Shell) -> None:
    fn = nvme_on_bus(shell, 0)
    out = shell.run(f"pci cfg {fn['bdf']} 4096")
    offsets = [int(m.group(1), 16) for m in map(HEX_LINE.match, out.split("\n")) if m]
    assert offsets == list(range(0, 0x1000, 0x10)), f"{len(offsets)} hex lines"
    short, _ = cfg_space(shell, fn["bdf"], 256)
    full, _ = cfg_space(shell, fn["bdf"], 4096)
    assert full[:256] == short


@pytest.mark.parametrize(
    "args",
    ["zz", "00:20.0", "00:00.8", "1:2", "", "00:1f.7", "00:01.0 100", "00:01.0 0", "00:01.0 8192"],
)
def test_pci_cfg_bad_arguments(shell: Shell, args: str) -> None:
    expect_error(shell, f"pci cfg {args}".rstrip())


def test_pci_bad_subcommand(shell: Shell) -> None:
    expect_error(shell, "pci bogus")


# --- nvme regs ------------------------------------------------------------------------------


def test_nvme_regs(shell: Shell) -> None:
    for fn in nvmes(shell):
        regs = shell.run_json(f"nvme regs {fn['bdf']}")
        assert regs["bdf"] == fn["bdf"]
        assert as_int(regs["bar0"]) == as_int(bar0(fn)["cpu_addr"])
        cap, vs = as_int(regs["cap"]), as_int(regs["vs"])
        # NVMe Base 2.0, 3.1.3.1 CAP: MQES [15:0] zero-based, TO [31:24] in 500 ms units,
        # DSTRD [35:32] (stride 2^(2+DSTRD)), MPSMIN [51:48], MPSMAX [55:52] (2^(12+MPS)).
        assert regs["mqes"] == (cap & 0xFFFF) + 1 and regs["mqes"] > 0, regs
        assert regs["timeout_ms"] == ((cap >> 24) & 0xFF) * 500, regs
        assert regs["doorbell_stride"] == 4 << ((cap >> 32) & 0xF) == 4, regs
        assert regs["page_min"] == 1 << (12 + ((cap >> 48) & 0xF)) == 4096, regs
        assert regs["page_max"] == 1 << (12 + ((cap >> 52) & 0xF)), regs
        # VS: MJR [31:16], MNR [15:8].
        assert regs["version_major"] == vs >> 16 == 1, regs
        assert regs["version_minor"] == (vs >> 8) & 0xFF, regs
        # Nobody enabled the controller: CC.EN and CSTS.RDY are 0.
        assert as_int(regs["cc"]) & 1 == 0 and as_int(regs["csts"]) & 1 == 0, regs


def test_nvme_regs_match_bar0_bytes(shell: Shell) -> None:
    """CAP and VS as `md` reads them straight from BAR0 (offsets 0 and 8)."""
    fn = nvme_on_bus(shell, 1)
    regs = shell.run_json(f"nvme regs {fn['bdf']}")
    base = as_int(regs["bar0"])
    shown = parse_hexdump(shell.run(f"md {base:#x} 16"))
    raw = bytes(shown[base + i] for i in range(16))
    assert le(raw, 0, 8) == as_int(regs["cap"]) and le(raw, 8, 4) == as_int(regs["vs"]), raw.hex()


def test_nvme_regs_text(shell: Shell) -> None:
    fn = nvme_on_bus(shell, 0)
    regs = shell.run_json(f"nvme regs {fn['bdf']}")
    text = shell.run(f"nvme regs {fn['bdf']}")
    assert f"{as_int(regs['cap']):016x}" in text and "rdy-" in text, text
    assert f"mqes={regs['mqes']}" in text, text


@pytest.mark.parametrize("args", ["00:00.0", "00:02.0", "00:1f.7", "zz", ""])
def test_nvme_regs_bad_target(shell: Shell, args: str) -> None:
    err = expect_error(shell, f"nvme regs {args}".rstrip())
    if args == "00:00.0":
        assert "not an NVMe controller" in err, err


# --- VM 0's view of the controllers ----------------------------------------------------------


def vm0_regions(shell: Shell) -> list[dict[str, Any]]:
    return shell.run_json("vm info 0")["vm"]["regions"]


def test_vm0_has_each_bar0(shell: Shell) -> None:
    regions = {r["name"]: r for r in vm0_regions(shell)}
    for fn in nvmes(shell):
        region = regions.get(f"nvme {fn['bdf']}")
        assert region is not None, f"no region for nvme {fn['bdf']}: {sorted(regions)}"
        addr = as_int(bar0(fn)["cpu_addr"])
        assert region["type"] == "device", region
        assert as_int(region["ipa"]) == as_int(region["pa"]) == addr, region
        assert as_int(region["size"]) == NVME_BAR0_SIZE, region


def test_s2walk_bar0(shell: Shell) -> None:
    runs = [(as_int(r["ipa"]), as_int(r["size"])) for r in shell.run_json("s2map 0")["runs"]]
    for fn in nvmes(shell):
        addr = as_int(bar0(fn)["cpu_addr"])
        for ipa in (addr, addr + NVME_BAR0_SIZE - 1):
            result = shell.run_json(f"s2walk 0 {ipa:#x}")
            assert result["mapped"] is True and as_int(result["pa"]) == ipa, result
            assert "Device-nGnRE" in result["attrs"] and "XN" in result["attrs"], result
        past = addr + NVME_BAR0_SIZE
        if not any(a <= past < a + n for a, n in runs):
            result = shell.run_json(f"s2walk 0 {past:#x}")
            assert result["mapped"] is False, f"{past:#x}, just past BAR0, is mapped: {result}"


def test_s2map_bar0_runs(shell: Shell) -> None:
    runs = {as_int(r["ipa"]): r for r in shell.run_json("s2map 0")["runs"]}
    for fn in nvmes(shell):
        addr = as_int(bar0(fn)["cpu_addr"])
        assert addr in runs, f"no s2map run at BAR0 {addr:#x}"
        run = runs[addr]
        assert as_int(run["pa"]) == addr and as_int(run["size"]) == NVME_BAR0_SIZE, run
        assert "Device-nGnRE" in run["attrs"] and "XN" in run["attrs"], run


# --- SMMUv3 ---------------------------------------------------------------------------------


def test_nvme_identify(shell: Shell) -> None:
    """The hypervisor drives each controller itself once (admin queues in its memory, DMA):
    Identify Controller names QEMU's model and the serial this test gave it."""
    for fn, serial in ((nvme_on_bus(shell, 0), "beef0"), (nvme_on_bus(shell, 1), "beef1")):
        ident = shell.run_json(f"nvme identify {fn['bdf']}")
        assert ident["serial"] == serial and ident["model"] == "QEMU NVMe Ctrl", ident
        assert as_int(ident["vid"]) == 0x1B36 and ident["namespaces"] >= 1, ident
        # Left reset, as found: CC.EN = 0, and no bus mastering.
        regs = shell.run_json(f"nvme regs {fn['bdf']}")
        assert as_int(regs["cc"]) & 1 == 0, regs
    expect_error(shell, "nvme identify 00:00.0")
    expect_error(shell, "nvme identify")
    expect_error(shell, "nvme frob 00:02.0")


def test_smmu_absent(shell: Shell) -> None:
    assert shell.run_json("platform")["smmu"]["present"] is False
    expect_error(shell, "smmu")
    expect_error(shell, "smmu --json")


def test_smmu_blocks_dma_of_streams_no_vm_owns(boot: Callable[..., Target]) -> None:
    """Behind the SMMU, a controller that no VM owns cannot DMA: the hypervisor's own Identify
    gets no completion (its queue is out of reach), where without the SMMU it works (above)."""
    shell = boot(MachineConfig(cpu="max", smp=2, mem="1G", machine_opts=("iommu=smmuv3",),
                               extra_args=("-device", "nvme,serial=s1,addr=01.0"))).shell
    out = shell.run("nvme identify 00:01.0", check=False)
    errors = error_lines(out)
    assert errors and "no completion" in errors[0] and "SMMU" in errors[0], out
    assert {s["bdf"]: s["ste"] for s in shell.run_json("smmu")["streams"]}["00:01.0"] == "abort"
    assert shell.run_json("cpus check")["failures"] == 0


def qemu_major(binary: str) -> int:
    """The major version `binary --version` reports ("QEMU emulator version 7.2.19 ...")."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"version (\d+)\.", out.stdout)
    assert found, out.stdout
    return int(found.group(1))


def test_smmu_present(boot: Callable[..., Target], qemu_binary: str) -> None:
    shell = boot(MachineConfig(cpu="max", smp=2, mem="1G", machine_opts=("iommu=smmuv3",))).shell
    plat = shell.run_json("platform")["smmu"]
    assert plat["present"] is True, plat
    smmu = shell.run_json("smmu")
    assert as_int(smmu["base"]) == as_int(plat["base"])
    assert smmu["s1p"] is True, smmu
    # QEMU 7.2's SMMUv3 has stage 1 only; QEMU 10's also reports stage 2 (IDR0.S2P).
    # Passed functions then DMA through identity RAM (stage 1) or their VM's Stage-2.
    if qemu_major(qemu_binary) <= 7:
        assert smmu["s2p"] is False, smmu
        assert "identity" in smmu["dma_policy"], smmu["dma_policy"]
    else:
        assert smmu["s2p"] is True, smmu
        assert "own Stage-2" in smmu["dma_policy"], smmu["dma_policy"]
    assert smmu["sid_bits"] == 16 and smmu["oas_bits"] == 44, smmu
    # The hypervisor took it over: every PCIe requester's stream aborts until a VM owns it.
    assert smmu["enabled"] is True and smmu["translating"] is True, smmu
    streams = {s["bdf"]: s for s in smmu["streams"]}
    assert "00:00.0" in streams and all(s["ste"] == "abort" for s in streams.values()), streams
    assert smmu["events"] == 0, smmu
    expect_error(shell, "nvme identify 00:00.0")  # a host bridge, not an NVMe controller
    # SMMU_IDR0.S1P is bit 1, S2P bit 0; SMMU_IDR1.SIDSIZE [5:0]; SMMU_IDR5.OAS [2:0] (4 = 44).
    idr0, idr1, idr5 = as_int(smmu["idr0"]), as_int(smmu["idr1"]), as_int(smmu["idr5"])
    assert (idr0 >> 1) & 1 == 1 and idr0 & 1 == int(smmu["s2p"]), hex(idr0)
    assert idr1 & 0x3F == smmu["sid_bits"], hex(idr1)
    assert idr5 & 0x7 == 4, hex(idr5)
    text = shell.run("smmu")
    assert "SMMUv3" in text and f"{as_int(smmu['base']):#x}" in text, text
    expect_error(shell, "smmu bogus")
