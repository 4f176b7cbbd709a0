# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Guests' disks on the EL2 block engines (docs/block-service.md): the hypervisor keeps an NVMe
controller (bootargs nvme=) with two engines, on cpu3 and cpu4, each with its own queue pair;
VMs get disjoint shares of its namespace (`vm disk`), and each drives its share through rings
in its own RAM, zero copy (tests/guests/disk.c). Two VMs on the two engines write patterns over
their whole shares and read them back next to each other, and the backing file shows each
pattern where its share is; a hostile guest's lies each come back as an error while another
VM's I/O goes on; a VM stopped with I/O in flight on one engine loses nothing of the other's on
the other engine; a controller reset fails what is in flight and both engines carry on."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import pytest

from helpers import wait_vm_state
from monadic import MachineConfig, Shell

PAS = {"a": 0x44000000, "b": 0x45000000, "h": 0x46000000}
BLOCK = 512
HALF = 4096  # blocks: each VM's share is one half of a 4 MiB namespace
DISK_BYTES = 2 * HALF * BLOCK


@pytest.fixture(scope="module")
def disk_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("disk") / "nvme.img"
    path.write_bytes(bytes(DISK_BYTES))
    return path


@pytest.fixture(scope="module")
def shared_config(image: Path, disk_file: Path) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    guest = image.parent / "guests" / "disk.bin"
    if not guest.exists():
        pytest.fail(f"{guest} is missing: run `make guests`")
    loaders = [
        arg
        for pa in PAS.values()
        for arg in ("-device", f"loader,file={guest},addr={pa:#x},force-raw=on")
    ]
    config = MachineConfig(
        cpu="max",
        smp=5,
        mem="1G",
        extra_args=(
            "-drive", f"file={disk_file},if=none,id=d0,format=raw",
            "-device", "nvme,serial=blk0,drive=d0,addr=01.0,max_ioqpairs=3",
            *loaders,
            "-append", "nvme=00:01.0,3,4",
        ),
    )
    return config


def fresh_vm(shell: Shell, name: str, cmdline: str, start: int) -> int:
    """A one-vCPU VM running the disk guest at its loader address with blocks
    [start, start + HALF) of namespace 1; destroyed first if a test before left one."""
    for vm in shell.run_json("vm list")["vms"]:
        if vm["name"] == name:
            if vm["state"] not in ("stopped", "created"):
                shell.run(f"vm stop {vm['id']}")
                wait_vm_state(shell, vm["id"])
            shell.run(f"vm destroy {vm['id']}")
    out = shell.run(f"vm create {name} {PAS[name]:#x} 32M 1 {cmdline}".rstrip())
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    out = shell.run(f"vm disk {vm_id} 00:01.0 1 {start} {HALF}")
    assert f"blocks {start}+{HALF}" in out, out
    return vm_id


def passed(log: str) -> tuple[int, int]:
    m = re.search(r"guest: (\d+) passed, (\d+) failed", log)
    assert m, log
    return int(m.group(1)), int(m.group(2))


def engine(shell: Shell) -> dict[str, Any]:
    data: dict[str, Any] = shell.run_json("nvme engine --json")
    return data


def disk_of(data: dict[str, Any], vm_id: int) -> dict[str, Any]:
    """The VM's disk at whichever engine serves it (or served it last): not the counters an
    earlier VM of the same id left at another engine."""
    disks = [d for d in data["disks"] if d["vm"] == vm_id and d["current"]]
    assert len(disks) == 1, data
    return disks[0]


def wait_attached(shell: Shell, vm_id: int, more_than: int = 0) -> None:
    """Until the VM's disk is up at the engine and has completed more than `more_than`."""
    for _ in range(200):
        disks = [
            d
            for d in engine(shell)["disks"]
            if d["vm"] == vm_id and d["state"] == "up" and d["current"]
        ]
        if disks and disks[0]["completed"] > more_than:
            return
    raise AssertionError(f"vm{vm_id}'s disk never came up: {engine(shell)}")


def pattern_ok(disk_file: Path, vm_id: int, first: int, skip: int = 16) -> bool:
    """The guest's pattern (tests/guests/disk.c) is in the file over its share."""
    data = disk_file.read_bytes()
    for rel in range(skip, HALF):
        off = (first + rel) * BLOCK
        for k in (0, 63):
            (word,) = struct.unpack_from("<Q", data, off + 8 * k)
            if word != 0xD15C000000000000 | vm_id << 40 | rel << 8 | k:
                return False
    return True


def test_the_engine_keeps_the_controller(shell: Shell) -> None:
    data = engine(shell)
    assert data["claimed"] and data["bdf"] == "00:01.0" and data["cpu"] == 3, data
    assert data["up"] and data["namespaces"] == [{"nsid": 1, "blocks": 2 * HALF, "block": 512}]
    # Set Features Number of Queues: the controller's answer (max_ioqpairs), a pair per engine.
    assert data["io_queues_granted"] == 3 and len(data["queues"]) == 2, data
    assert [(e["engine"], e["cpu"], e["qid"]) for e in data["engines"]] == [(0, 3, 1), (1, 4, 2)]
    assert "engine 1 on cpu4: I/O queue 2" in shell.run("nvme engine")
    # Not VM 0's any more, and not for passing through.
    assert "nvme 00:01.0" not in shell.run("vm info 0")
    out = shell.run("vm create p 0x44000000 32M 1")
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    assert "block engine" in shell.run(f"vm pci {vm_id} 00:01.0", check=False)
    out = shell.run(f"vm disk {vm_id} 00:01.0 2", check=False)
    assert out.startswith("error:") and "namespace 2" in out, out
    out = shell.run(f"vm disk {vm_id} 00:01.0 1 8000 500", check=False)
    assert out.startswith("error:") and "not inside" in out, out
    shell.run(f"vm destroy {vm_id}")


def test_two_vms_write_and_check_their_shares(shell: Shell, disk_file: Path) -> None:
    a = fresh_vm(shell, "a", "", 0)
    b = fresh_vm(shell, "b", "irq", HALF)  # completions also raise an SPI
    # Shares never overlap.
    out = shell.run(f"vm disk {b} 00:01.0 1 {HALF - 8} 16", check=False)
    assert out.startswith("error:") and "overlap" in out, out
    shell.run(f"vm disk {b} 00:01.0 1 {HALF} {HALF}")
    shell.run(f"vm start {a}")
    shell.run(f"vm start {b}")
    for vm_id, checks in ((a, 9), (b, 10)):
        info = wait_vm_state(shell, vm_id, timeout=120)
        log = shell.run(f"vm log {vm_id}")
        assert passed(log) == (checks, 0), log
    assert "guest: ok completion-irqs" in log, log
    assert info["vcpu"][0]["virqs"]["spi"] > 0, info
    # Each pattern is where its share is, and only there.
    assert pattern_ok(disk_file, a, 0) and pattern_ok(disk_file, b, HALF)
    data = engine(shell)
    for vm_id in (a, b):
        d = disk_of(data, vm_id)
        assert d["bytes_written"] >= HALF * BLOCK and d["bytes_read"] >= HALF * BLOCK, d
        assert sum(d["errors"].values()) == 0, d
        assert d["state"] == "gone" and d["inflight"] == 0, d
    # One VM per engine, each engine's I/O on its own queue pair.
    assert {disk_of(data, a)["engine"], disk_of(data, b)["engine"]} == {0, 1}, data
    for e in data["engines"]:
        q = e["queue"]
        assert q["submitted"] >= 2 * HALF // 8 and q["doorbells"] < q["submitted"], e


def test_hostile_lies_get_errors_while_another_vm_works(shell: Shell, disk_file: Path) -> None:
    mark = shell.mark()
    for vm in shell.run_json("vm list")["vms"]:
        if vm["name"] == "b":
            shell.run(f"vm destroy {vm['id']}")  # its share goes to the hostile guest
    a = fresh_vm(shell, "a", "loop", 0)
    h = fresh_vm(shell, "h", "hostile", HALF)
    shell.run(f"vm start {a}")
    wait_attached(shell, a)
    shell.run(f"vm start {h}")
    wait_vm_state(shell, h, timeout=120)
    log = shell.run(f"vm log {h}")
    for lie in ("past-end", "straddle", "huge-lba", "zero-count", "zeroes-range", "below-ram",
                "mmio", "ram-end", "wrap", "misaligned", "op", "flags", "rsvd", "too-big"):
        assert f"guest: ok lie-{lie}" in log, log
    assert "guest: ok flood" in log and "guest: ok ring-shut" in log, log
    assert passed(log) == (18, 0), log
    data = engine(shell)
    d = disk_of(data, h)
    assert d["errors"]["out-of-range"] == 5 and d["errors"]["bad-buffer"] == 5, d
    assert d["errors"]["bad-op"] == 3 and d["errors"]["too-big"] == 1, d
    assert 0 < d["inflight_max"] <= d["qd_limit"] == 128, d
    # The honest VM's I/O went on, without an error, and goes on still.
    before = disk_of(data, a)
    assert before["state"] == "up" and sum(before["errors"].values()) == 0, before
    wait_attached(shell, a, more_than=before["completed"] + 2000)
    shell.run(f"vm stop {a}")
    wait_vm_state(shell, a)
    after = disk_of(engine(shell), a)
    assert sum(after["errors"].values()) == 0, after
    assert re.findall(r"guest: \d+ rounds, (\d+) errors", shell.run(f"vm log {a}"))[-1] == "0"
    # Its lies were logged, rate-limited (the 1st to 4th, then powers of two).
    shown = shell.transcript(mark)
    assert 1 <= shown.count(f"vm{h}: disk request refused") <= 6, shown
    assert f"vm{h}: disk rings shut" in shown


def test_stop_with_io_in_flight(shell: Shell, disk_file: Path) -> None:
    a = fresh_vm(shell, "a", "long", 0)
    h = fresh_vm(shell, "h", "loop", HALF)
    shell.run(f"vm start {h}")
    wait_attached(shell, h)
    shell.run(f"vm start {a}")
    wait_attached(shell, a)
    data = engine(shell)
    assert disk_of(data, h)["engine"] != disk_of(data, a)["engine"], data
    # The looping guest has I/O at the controller most of the time; stop it while the other
    # VM, on the other engine, is in the middle of its run.
    shell.run(f"vm stop {h}")
    assert shell.run_json(f"vm info {a}")["vm"]["state"] == "running"
    wait_vm_state(shell, h)
    d = disk_of(engine(shell), h)
    assert d["state"] == "gone" and d["inflight"] == 0, d
    wait_vm_state(shell, a, timeout=120)
    assert passed(shell.run(f"vm log {a}")) == (9, 0)
    assert pattern_ok(disk_file, a, 0)
    # A controller reset fails what is in flight, and the engines serve again after it: the
    # reset is the controller's, so both engines took part.
    assert "resets its controller" in shell.run("nvme reset")
    for _ in range(100):
        data = engine(shell)
        if all(e["resets"] >= 1 for e in data["engines"]):
            break
    assert all(e["resets"] >= 1 for e in data["engines"]) and data["up"], data
    shell.run(f"vm start {a}")
    wait_vm_state(shell, a, timeout=120)
    assert passed(shell.run(f"vm log {a}")) == (9, 0)
    assert sum(disk_of(engine(shell), a)["errors"].values()) == 0


def test_the_engine_sleeps_and_is_woken(shell: Shell, disk_file: Path) -> None:
    """An idle engine sleeps in WFI: the guest ("wfi+pause"), 20 ms after attaching, finds its
    sleep word set and kicks it (BLK_HVC_KICK); its timer wakes it for the periodic check; the
    controller's MSI-X, unmasked while it sleeps, wakes it too; the guest itself waits for
    completions in WFI on its SPI, raised only while it waits. The pattern checks pass all the
    same."""
    before = engine(shell)
    a = fresh_vm(shell, "a", "wfi+pause", 0)
    shell.run(f"vm start {a}")
    wait_vm_state(shell, a, timeout=120)
    log = shell.run(f"vm log {a}")
    assert passed(log) == (10, 0) and "guest: ok wfi-waits" in log, log
    m = re.search(r"guest: (\d+) kicks, (\d+) WFI waits", log)
    assert m and int(m.group(1)) >= 1 and int(m.group(2)) >= 1, log
    assert pattern_ok(disk_file, a, 0)
    data = engine(shell)
    d = disk_of(data, a)
    assert d["kicks"] >= 1 and sum(d["errors"].values()) == 0, d
    e, was = data["engines"][d["engine"]], before["engines"][d["engine"]]
    assert e["idle"] == "wfi-msi", e  # QEMU's NVMe has MSI-X, virt's GICv3 an ITS
    assert e["wfi_sleeps"] > was["wfi_sleeps"], (was, e)
    for source in ("kick", "timer", "msi"):
        assert e[f"wakes_{source}"] > was[f"wakes_{source}"], (source, was, e)


def test_bench_nvme(shell: Shell) -> None:
    """`bench nvme` from the built-in guest over the whole namespace: every point of the
    sweep measured, percentiles in order, the engine's EL2 cost counted."""
    for vm in shell.run_json("vm list")["vms"]:
        if vm["id"] != 0:
            if vm["state"] not in ("stopped", "created"):
                shell.run(f"vm stop {vm['id']}")
                wait_vm_state(shell, vm["id"])
            shell.run(f"vm destroy {vm['id']}")
    data = shell.run_json("bench nvme --iters 64 --json", timeout=300)
    points = data["points"]
    assert [(p["op"], p["qd"]) for p in points] == [
        (op, 1 << i) for op in ("read", "write") for i in range(8)
    ], points
    for p in points:
        assert p["ios"] == 64 and p["iops"] > 0, p
        assert 0 < p["p50_ns"] <= p["p99_ns"] <= p["p999_ns"] <= p["max_ns"], p
        assert p["engine_ios"] >= 64 and p["el2_cycles_per_io"] > 0, p
        assert (p["el2_insns_per_io"] is not None) == data["inst_retired"], p


def test_bench_vblk(shell: Shell) -> None:
    """`bench vblk`: N virtio-blk reads at queue depth 1 from the built-in guest, EL2's cost on
    the guest's core and the engines' counted between the guest's marks."""
    data = shell.run_json("bench vblk --iters 100 --json", timeout=300)
    assert data["reads"] == 100 and data["errors"] == 0, data
    # Every read went through an engine inside the counting window.
    assert data["engine_ios"] >= 100, data
    assert data["vcpu_el2_cycles_per_read"] > 0 and data["engine_el2_cycles_per_read"] > 0, data
    assert (data["el2_insns_per_read"] is not None) == data["inst_retired"], data
