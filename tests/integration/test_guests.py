# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Guests at EL1: the in-tree test guests, loaded with QEMU's -device loader and described on the
hypervisor's command line (vm=NAME,IMAGE,MEM,CPUS,CMDLINE), run on their own cores. The basic
guest checks PSCI, SMCCC, MMIO emulation, abort and UNDEF injection, ID registers and CPU_ON from
the inside; the hostile guest must be contained while the other VM and the shell carry on."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from helpers import vm_by_name, wait_vm_state
from monadic import MachineConfig, Shell, error_lines

BASIC_PA = 0x44000000
HOSTILE_PA = 0x45000000
STAY_PA = 0x46000000
TIMER_PA = 0x47000000
DEBUG_PA = 0x42800000
ITS_PA = 0x4A000000
VGIC_PA = 0x49000000  # 0x48000000 is where QEMU puts the DTB
RESET_PA = 0x42000000
INITRD_PA = 0x43800000
WITHRD_PA = 0x41000000
INITRD_MARKER = b"MONADIC-INITRD"
EDU_BDF = "00:03.0"
NVME_BDF = "00:04.0"


def guest_image(image: Path, name: str) -> Path:
    path = image.parent / "guests" / f"{name}.bin"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make guests`")
    return path


@pytest.fixture(scope="module")
def shared_config(image: Path) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    basic, hostile = guest_image(image, "basic"), guest_image(image, "hostile")
    timer = guest_image(image, "timer")
    debug = guest_image(image, "debug")
    vgic = guest_image(image, "vgic")
    its = guest_image(image, "its")
    initrd = image.parent / "guests" / "test-initrd.bin"
    initrd.write_bytes(INITRD_MARKER + bytes(range(256)) * 40)
    config = MachineConfig(
        cpu="max",
        smp=4,
        mem="1G",
        extra_args=(
            "-device", f"loader,file={basic},addr={BASIC_PA:#x},force-raw=on",
            "-device", f"loader,file={hostile},addr={HOSTILE_PA:#x},force-raw=on",
            "-device", f"loader,file={basic},addr={STAY_PA:#x},force-raw=on",
            "-device", f"loader,file={timer},addr={TIMER_PA:#x},force-raw=on",
            "-device", f"loader,file={debug},addr={DEBUG_PA:#x},force-raw=on",
            "-device", f"loader,file={vgic},addr={VGIC_PA:#x},force-raw=on",
            "-device", f"loader,file={its},addr={ITS_PA:#x},force-raw=on",
            "-device", f"loader,file={basic},addr={RESET_PA:#x},force-raw=on",
            "-device", f"loader,file={initrd},addr={INITRD_PA:#x},force-raw=on",
            "-device", f"loader,file={basic},addr={WITHRD_PA:#x},force-raw=on",
            "-device", f"edu,addr={EDU_BDF[3:]}",  # the its guest's device: an MSI on request
            "-device", f"nvme,serial=its,addr={NVME_BDF[3:]}",  # and one with MSI-X
            "-append",
            f"vm=basic,{BASIC_PA:#x},32M,2 vm=hostile,{HOSTILE_PA:#x},32M,1",
        ),
    )
    return config


def test_basic_guest_passes_its_checks(shell: Shell) -> None:
    vm = vm_by_name(shell, "basic")
    info = wait_vm_state(shell, vm["id"], "stopped")
    assert "SYSTEM_OFF" in info["stop_reason"], info
    log = shell.run(f"vm log {vm['id']}")
    assert re.search(rf"guest: hello from vm{vm['id']} vcpu0 of 2 at EL1", log), log
    fails = [line for line in log.splitlines() if "FAIL" in line]
    assert not fails, fails
    for check in ("info-call", "psci-version", "psci-version-smc", "smccc-version", "unknown-call",
                  "mmio-uart-primecell-id", "abort-injected", "id-no-sve", "undef-injected",
                  "debug-raz", "ipi-to-vcpu1", "gicd-pidr2-v3", "gicd-typer", "gicd-enable",
                  "gicd-disable", "gicd-priority-byte", "gicr-typer", "gicr-last", "gicr-waker",
                  "gicr-beyond-faults",
                  "cpu-on", "cpu-on-ran", "cpu-off-affinity-info"):
        assert f"guest: ok {check}" in log, (check, log)
    assert "guest: vcpu1 online" in log
    summary = re.search(r"guest: (\d+) passed, (\d+) failed", log)
    assert summary and int(summary.group(1)) >= 35 and summary.group(2) == "0", log
    # What the hypervisor saw matches: two aborts (IPA 0x1000, past the last redistributor) and
    # one UNDEF injected, HVCs counted.
    assert info["aborts_injected"] == 2 and info["undefs_injected"] == 1, info
    exits = info["vcpu"][0]["exits"]
    assert exits.get("HVC in AArch64", 0) >= 10 and exits.get("SMC in AArch64", 0) == 1, exits


def test_vm_info_lists_emulated_mmio(shell: Shell) -> None:
    """The regions the data-abort handler emulates, which the guest's DTB is written from: the
    PL011, the GIC distributor and one 128 KiB redistributor frame per vCPU (the basic guest has
    two); the basic guest found its GIC and UART through that DTB and passed its checks."""
    vm = vm_by_name(shell, "basic")
    info = shell.run_json(f"vm info {vm['id']}")["vm"]
    regions = {r["name"]: (int(r["ipa"], 16), int(r["size"], 16)) for r in info["mmio"]}
    assert regions == {
        "pl011": (0x09000000, 0x1000),
        "gicd": (0x08000000, 0x10000),
        "gicr": (0x080A0000, 2 * 0x20000),
        "gits": (0x08080000, 0x20000),
    }, info["mmio"]
    text = shell.run(f"vm info {vm['id']}")
    assert "Emulated MMIO" in text, text
    assert re.search(r"gicr\s+IPA 0x00080a0000 size 0x40000", text), text


def test_stopped_vcpus_show_their_registers(shell: Shell, image: Path) -> None:
    """The basic guest powers itself off: each vCPU's registers, saved at its last exit, are in
    `vm info`: the PC inside the guest's image, EL1h, the HVC that ended it with its PSCI
    function ID still in x0 (vCPU 0 SYSTEM_OFF, vCPU 1 CPU_OFF) and the arguments after it."""
    vm = vm_by_name(shell, "basic")
    info = wait_vm_state(shell, vm["id"], "stopped")
    entry = int(info["entry"], 16)
    size = guest_image(image, "basic").stat().st_size
    calls = {0: 0x84000008, 1: 0x84000002}  # PSCI SYSTEM_OFF, CPU_OFF (DEN 0022)
    for v in info["vcpu"]:
        regs = v["regs"]
        pc = int(regs["pc"], 16)
        assert entry <= pc < entry + size, (hex(entry), size, regs)
        assert int(regs["spsr"], 16) & 0xF == 0b0101, regs  # M[3:0]: EL1h
        assert regs["exit"] == "HVC in AArch64" and int(regs["esr"], 16) >> 26 == 0x16, regs
        x = [int(r, 16) for r in regs["x"]]
        assert len(x) == 31 and x[0] == calls[v["id"]] and x[1:4] == [0, 0, 0], regs
        # The link register points back into the guest too (the call to its HVC helper).
        assert entry <= x[30] < entry + size, regs
    text = shell.run(f"vm info {vm['id']}")
    v0 = info["vcpu"][0]["regs"]
    assert f"stopped at PC {int(v0['pc'], 16):#x}, SPSR {int(v0['spsr'], 16):#x}" in text, text
    assert re.search(r"x0 +0x0*84000008 +x1 +0x0+ +x2 +0x0+\n", text), text
    assert re.search(r"x30 0x[0-9a-f]{16}\n", text), text


def test_hostile_guest_is_contained(shell: Shell) -> None:
    vm = vm_by_name(shell, "hostile")
    info = wait_vm_state(shell, vm["id"], "stopped")
    assert "exception vector" in info["stop_reason"], info
    log = shell.run(f"vm log {vm['id']}")
    # The flood pushed the start of the log out of the 4 KiB the VM's console keeps.
    assert "console flood done" in log and "FAIL" not in log, log[-2000:]
    assert "PMU armed and EL2 watched through 100 calls" in log, log[-2000:]
    for check in ("pmu-beyond-share-undef", "el2-debug-harmless"):
        assert f"guest: ok {check}" in log, (check, log[-2000:])
    assert info["console_bytes"] > 20000, info
    assert info["aborts_injected"] >= 20 and info["undefs_injected"] >= 1, info
    assert info["bad_calls"] >= 1000, info
    # Its ITS refused its tables outside RAM and its garbage commands (logged, rate-limited).
    assert info["its"]["errors"] >= 10, info["its"]
    # The hypervisor is fine: every CPU answers, the shell works.
    assert shell.run_json("cpus check")["failures"] == 0
    assert shell.run_json("version")["name"] == "monadic-hypervisor"


def test_restart_and_stop(shell: Shell, image: Path) -> None:
    basic = vm_by_name(shell, "basic")
    wait_vm_state(shell, basic["id"], "stopped")
    out = shell.run(f"vm start {basic['id']}")
    assert "started" in out
    info = wait_vm_state(shell, basic["id"], "stopped")
    log = shell.run(f"vm log {basic['id']}")
    assert log.count("guest: hello from") >= 2 and "FAIL" not in log
    assert "SYSTEM_OFF" in info["stop_reason"]

    # A guest that stays up until stopped from the shell.
    out = shell.run(f"vm create stay {STAY_PA:#x} 16M 1 stay")
    stay_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    shell.run(f"vm start {stay_id}")
    deadline = time.monotonic() + 60
    while "staying up" not in shell.run(f"vm log {stay_id}"):
        assert time.monotonic() < deadline, shell.run(f"vm log {stay_id}")
        time.sleep(0.5)
    assert shell.run_json(f"vm info {stay_id}")["vm"]["state"] == "running"
    # Typed while attached, a byte reaches the guest through its UART's interrupt (SPI 33).
    shell.write(f"vm console {stay_id}\r")
    shell.read_until("Ctrl-] returns to the shell]", timeout=10)
    shell.read_until("staying up", timeout=10)
    shell.write(b"k")
    assert "guest: rx 'k'" in shell.read_until("guest: rx 'k'", timeout=20)
    shell.write(b"\x1d")
    shell.wait_for_prompt(timeout=10)
    shell.run(f"vm stop {stay_id}", timeout=10)
    info = shell.run_json(f"vm info {stay_id}")["vm"]
    assert info["state"] == "stopped" and "shell" in info["stop_reason"], info
    assert all(v["state"] == "off" for v in info["vcpu"])
    assert shell.run_json("cpus check")["failures"] == 0
    # Stopped from outside in its WFI loop: where it was is kept, inside its image, at EL1h.
    entry, size = int(info["entry"], 16), guest_image(image, "basic").stat().st_size
    regs = info["vcpu"][0]["regs"]
    assert entry <= int(regs["pc"], 16) < entry + size, (hex(entry), size, regs)
    assert int(regs["spsr"], 16) & 0xF == 0b0101 and len(regs["x"]) == 31, regs


def test_console_attach_and_escape(shell: Shell) -> None:
    basic = vm_by_name(shell, "basic")
    wait_vm_state(shell, basic["id"], "stopped")
    shell.write(f"vm console {basic['id']}\r")
    attached = shell.read_until("Ctrl-] returns to the shell]", timeout=10)
    assert "attached to vm" in attached
    # The buffered output is replayed on attach.
    replay = shell.read_until("passed, 0 failed", timeout=10)
    assert "guest: hello from" in replay
    shell.write(b"xyz")  # typed while attached: goes to the guest, not the shell
    shell.write(b"\x1d")  # Ctrl-]
    detached = shell.wait_for_prompt(timeout=10)
    assert "detached from vm" in detached
    assert shell.run_json("version")["name"] == "monadic-hypervisor"


@pytest.mark.parametrize(
    "cmd",
    [
        "vm start 7",
        "vm stop 0",  # vm0 is not running
        "vm start 0",  # vm0 has no image
        "vm create",
        "vm create x",
        f"vm create bad/name {BASIC_PA:#x} 16M",
        "vm create x 0x1001 16M",
        "vm create x 0x44000000 3M",
        "vm create x 0x44000000 16M 9",
        "vm create x 0x1000 16M",  # not RAM
        "vm create x 0x43000000 16M",  # free RAM, but no Image there
        f"vm create x {BASIC_PA:#x} 16M",  # that Image is already another VM's
        "vm log 7",
        "vm console zz",
        "vm frob 0",
    ],
)
def test_bad_input(shell: Shell, cmd: str) -> None:
    assert error_lines(shell.run(cmd, check=False)), cmd
    assert shell.run_json("version")["name"] == "monadic-hypervisor"


@pytest.mark.parametrize("bench", ["hvc", "mmio", "virq", "virq-msi", "ipi"])
def test_guest_benchmarks(shell: Shell, bench: str) -> None:
    """`bench hvc|mmio|virq|ipi` run the built-in benchmark guest in a VM of their own (two
    vCPUs for ipi), read the samples it leaves in its RAM, and give the VM, its RAM and its CPUs
    back."""
    # Which VMs there are, not their states: the boot's VMs may stop meanwhile (run alone, this
    # test starts while they still run).
    def vms() -> list[tuple[int, str]]:
        return [(vm["id"], vm["name"]) for vm in shell.run_json("vm list")["vms"]]

    before = vms()
    result = shell.run_json(f"bench {bench} --iters 2000", timeout=120)
    assert result["bench"] == bench and result["params"]["iters"] == 2000
    stats = result["rtt_ns"]
    assert stats["n"] == 2000 and 0 < stats["min"] <= stats["p50"] <= stats["p99"] <= stats["max"]
    assert result["rtt_ticks"]["p50"] > 0
    assert vms() == before, "the benchmark VM was not destroyed"
    owners = [r["owner"] for r in shell.run_json("mem")["ranges"]]
    assert not any("bench" in o for o in owners), owners
    assert error_lines(shell.run(f"bench {bench} --iters 300000", check=False))


def test_virtual_interrupts(shell: Shell) -> None:
    """The timer guest's virtual timer interrupts (PPI 27) and an SGI to itself arrive through
    the list registers, and its WFI sleeps until they do: one trapped WFI per tick."""
    out = shell.run(f"vm create timer {TIMER_PA:#x} 16M 1")
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    shell.run(f"vm start {vm_id}")
    info = wait_vm_state(shell, vm_id, "stopped")
    log = shell.run(f"vm log {vm_id}")
    for check in ("timer-ticks", "timer-not-early", "sgi-to-self", "more-than-lrs",
                  "cntvoff-zero", "vtimer-idle-not-pending", "vtimer-pending",
                  "vtimer-masked-not-pending", "vtimer-unmasked-pending",
                  "vtimer-disabled-not-pending", "vtimer-active-in-handler", "ptimer-fires"):
        assert f"guest: ok {check}" in log, (check, log)
    assert "guest: 12 passed, 0 failed" in log, log
    vcpu = info["vcpu"][0]
    assert vcpu["irq_exits"] >= 20, vcpu
    wfis = vcpu["exits"].get("Trapped WFI/WFE", 0)
    assert 20 <= wfis <= 40, f"WFI should sleep until the tick: {wfis} WFI exits for 20 ticks"
    # Started again: CNTVOFF_EL2 is 0 again, and the timers are as after a reset.
    shell.run(f"vm start {vm_id}")
    wait_vm_state(shell, vm_id, "stopped")
    log = shell.run(f"vm log {vm_id}")
    assert log.count("guest: ok cntvoff-zero") == 2 and "FAIL" not in log, log[-2000:]


def test_self_hosted_debug(shell: Shell) -> None:
    """The debug guest's breakpoint, watchpoint and software step each fire once, at its own
    EL1; started a second time it finds them reset though it left them armed; the hypervisor
    never sees them (MDCR_EL2 traps none of its debug registers)."""
    out = shell.run(f"vm create debug {DEBUG_PA:#x} 16M 1")
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    for run in (1, 2):
        shell.run(f"vm start {vm_id}")
        info = wait_vm_state(shell, vm_id, "stopped")
        log = shell.run(f"vm log {vm_id}")
        for check in ("debug-id", "debug-reset-at-start", "os-unlock", "breakpoint-once",
                      "watchpoint-once", "step-once"):
            assert log.count(f"guest: ok {check}") == run, (check, log)
        assert "FAIL" not in log and log.count("guest: 6 passed, 0 failed") == run, log
    # One trapped register, its ID_AA64DFR0_EL1 read (HCR_EL2.TID3); the rest is its console.
    exits = info["vcpu"][0]["exits"]
    assert exits.get("Trapped MSR/MRS/system instruction") == 1, exits
    assert set(exits) <= {"HVC in AArch64", "Data Abort from a lower EL",
                          "Trapped MSR/MRS/system instruction"}, exits
    assert info["undefs_injected"] == 0, info


VGIC_CHECKS = ("ispendr-shows", "ispendr-signals", "icpendr-clears", "isactiver-eoimode1",
               "dir-deactivates", "icactiver-deactivates", "isactiver-sets",
               "isactiver-then-clear", "priority-order", "pmr-masks", "preemption",
               "preempting-first", "bpr-groups", "level-pending-while-high",
               "level-drops-with-line", "level-retriggers-after-eoi", "edge-per-rising-edge")


def test_vgic_state_and_priority(shell: Shell) -> None:
    """The vgic guest sees its SGIs' and PPIs' live pending and active state in GICR_ISPENDR0 and
    ISACTIVER0 while the list registers hold them, changes it with ICPENDR0, ISACTIVER0 and
    ICACTIVER0, and finds priority order, PMR masking, preemption by group priority (BPR1),
    EOImode 1 with ICC_DIR_EL1, and its UART's SPI level-sensitive or edge-triggered as
    GICD_ICFGR says, as GICv3 specifies."""
    out = shell.run(f"vm create vgic {VGIC_PA:#x} 16M 1")
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    shell.run(f"vm start {vm_id}")
    wait_vm_state(shell, vm_id, "stopped")
    log = shell.run(f"vm log {vm_id}")
    for check in VGIC_CHECKS:
        assert f"guest: ok {check}" in log, (check, log)
    assert f"guest: {len(VGIC_CHECKS)} passed, 0 failed" in log, log
    shell.run(f"vm destroy {vm_id}")  # the machine's VM slots are shared by the other tests


ITS_CHECKS = ("its-in-dtb", "its-typer", "its-baser-types", "its-queue-drained", "lpi-int",
              "lpi-translater", "movi-to-vcpu1", "lpi-enable-inv", "lpi-clear",
              "its-error-stalls", "its-retry-recovers", "its-unmapped-msi-dropped",
              "its-itt-outside-ram", "its-bogus-deviceid", "its-bogus-intid",
              "its-bogus-eventid", "its-garbage-stalls", "its-cbaser-recovers")
DEV_CHECKS = ("dev-msi-vcpu0", "dev-msi-aimed-elsewhere-dropped", "dev-msi-unmapped-event-dropped",
              "dev-msi-foreign-deviceid-dropped", "dev-msi-mme-held", "dev-msi-movi-vcpu1",
              "dev-msi-mapti-vcpu0", "dev-msi-mapti-vcpu1", "dev-msix-garbage-kept",
              "dev-msix-garbage-dropped", "dev-msix-to-vcpu1")


def test_its_delivers_lpis(shell: Shell) -> None:
    """The its guest (two vCPUs) programs the emulated ITS it finds in its DTB: after MAPD, MAPC
    and MAPTI an INT and a GITS_TRANSLATER write deliver the LPI to vCPU 0, MOVI moves it to
    vCPU 1, the property table's enable bit (with INV) and CLEAR are honoured. Bad commands
    (an unmapped event, an ITT outside its RAM, bogus DeviceID, EventID and INTID, a queue of
    garbage) stall the queue as GITS_CREADR shows, and the guest recovers; the hypervisor logs
    each refusal and carries on.

    It also has the edu function passed through, whose MSI the hypervisor mediates: the
    function's messages reach vCPU 0, and vCPU 1 after MOVI or MAPTI, taken each time on the CPU
    of the vCPU they are for (the physical ITS follows the guest's); the messages it aims at the
    hypervisor's RAM or its distributor, with an EventID its ITS does not map, or for a DeviceID
    that is not the function's, are dropped. An NVMe controller is its second function: the
    garbage it writes into that one's MSI-X table, past it and into the PBA never reaches the
    controller, whose message is dropped until vector 0 is aimed right. The timer guest runs
    beside it meanwhile, and its interrupts keep coming."""
    out = shell.run(f"vm create its {ITS_PA:#x} 16M 2")
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    shell.run(f"vm pci {vm_id} {EDU_BDF}")
    shell.run(f"vm pci {vm_id} {NVME_BDF}")
    timer = next((vm for vm in shell.run_json("vm list")["vms"] if vm["name"] == "timer"), None)
    if timer is None:  # this test alone: test_virtual_interrupts made none
        out = shell.run(f"vm create timer {TIMER_PA:#x} 16M 1")
        timer = {"id": int(re.search(r"vm(\d+)", out).group(1))}  # type: ignore[union-attr]
    timer_runs = shell.run(f"vm log {timer['id']}").count("guest: 12 passed, 0 failed")
    shell.run(f"vm start {timer['id']}")
    shell.run(f"vm start {vm_id}")
    info = wait_vm_state(shell, vm_id, "stopped")
    assert "SYSTEM_OFF" in info["stop_reason"], info
    log = shell.run(f"vm log {vm_id}")
    for check in ITS_CHECKS + DEV_CHECKS:
        assert f"guest: ok {check}" in log, (check, log)
    assert f"guest: {len(ITS_CHECKS) + len(DEV_CHECKS)} passed, 0 failed" in log, log
    its = info["its"]
    assert its["errors"] >= 7 and its["commands"] >= 20 and its["translations"] >= 2, its
    fn = info["pci"][0]
    # 4 messages aimed elsewhere or untranslatable dropped, 5 delivered; every one taken on the
    # CPU of the vCPU it was for, the last (for vCPU 1) on vCPU 1's.
    assert fn["msi_dropped"] >= 4 and fn["msis"] >= 5, fn
    assert fn["msi_remote"] == 0, fn
    assert fn["msi_last_cpu"] == info["vcpu"][1]["pcpu"] != info["vcpu"][0]["pcpu"], (fn, info)
    # The NVMe's MSI-X: its garbage-aimed completion dropped, the one aimed right delivered,
    # on vCPU 1's core; MSI-X off at the function once the VM stopped.
    nvme = info["pci"][1]
    assert nvme["msi_dropped"] >= 1 and nvme["msis"] >= 1 and nvme["msi_remote"] == 0, nvme
    assert nvme["msi_last_cpu"] == info["vcpu"][1]["pcpu"], (nvme, info)
    assert nvme["msi_mode"] == "off" and nvme["msi_vectors"] == 0, nvme
    wait_vm_state(shell, timer["id"], "stopped")
    log = shell.run(f"vm log {timer['id']}")
    assert log.count("guest: 12 passed, 0 failed") == timer_runs + 1, log[-2000:]
    assert shell.run_json("cpus check")["failures"] == 0
    shell.run(f"vm destroy {vm_id}")


def test_system_reset_restarts_the_vm(shell: Shell) -> None:
    """PSCI SYSTEM_RESET from the guest restarts its VM: fresh RAM, the pristine Image, the
    same cores. This guest resets at the end of every run, so it keeps restarting until stopped."""
    out = shell.run(f"vm create again {RESET_PA:#x} 16M 1 reset")
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    shell.run(f"vm start {vm_id}")
    deadline = time.monotonic() + 60
    while shell.run_json(f"vm info {vm_id}")["vm"]["resets"] < 2:
        assert time.monotonic() < deadline, shell.run_json(f"vm info {vm_id}")
        time.sleep(0.5)
    log = shell.run(f"vm log {vm_id}")
    assert log.count("guest: hello from") >= 2 and "FAIL" not in log, log[-1500:]
    shell.run(f"vm stop {vm_id}", timeout=10)
    info = shell.run_json(f"vm info {vm_id}")["vm"]
    assert info["state"] == "stopped" and all(v["state"] == "off" for v in info["vcpu"]), info


def test_initrd_reaches_the_guest(shell: Shell) -> None:
    """An initrd staged by the loader is copied below the guest's DTB, which describes it
    (linux,initrd-start/end); the guest finds the marker there."""
    size = len(INITRD_MARKER) + 256 * 40
    out = shell.run(f"vm create withrd {WITHRD_PA:#x} 16M 1 initrd")
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    assert error_lines(shell.run(f"vm initrd {vm_id} 0x1000 10", check=False))  # not RAM
    shell.run(f"vm initrd {vm_id} {INITRD_PA:#x} {size}")
    assert error_lines(shell.run(f"vm initrd {vm_id} {INITRD_PA:#x} {size}", check=False))
    shell.run(f"vm start {vm_id}")
    wait_vm_state(shell, vm_id, "stopped")
    log = shell.run(f"vm log {vm_id}")
    assert "guest: ok initrd" in log and f"initrd of {size} bytes" in log, log[-1500:]
