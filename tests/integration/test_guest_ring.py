# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A guest sharing SPSC rings with the data-plane engine (tests/guests/ring.c, kernel/vmm/vring.c):
the guest writes sequence-numbered messages in place into a ring in its own RAM, the engine on
its own core transforms each in place into the ring back, the guest checks every reply. A
hostile guest publishes an impossible index: its port is shut and reported, and the engine,
the other ports and the shell carry on. The same for rings in the sequence layout (a sequence
word per slot, dataplane/spsc_seq.h): an honest guest's echo with the trailers in an array and
in the slots, and a hostile guest's lies about words, run lengths and its tail, told while
another VM's ring keeps going."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import wait_vm_state
from monadic import MachineConfig, Shell

RING_PA = 0x44000000
HOSTILE_PA = 0x45000000
NOENGINE_PA = 0x46000000
SEQ_PA = 0x47000000
SEQ56_PA = 0x4B000000
SEQ_HOSTILE_PA = 0x49000000
SEQ_BESIDE_PA = 0x4A000000
MESSAGES = 20000
SEQ_LIES = ("seq-lie-garbage-word", "seq-lie-goes-backwards", "seq-lie-slot-not-ours",
            "seq-lie-run-length", "seq-lie-tail")


@pytest.fixture(scope="module")
def shared_config(image: Path) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    ring = image.parent / "guests" / "ring.bin"
    if not ring.exists():
        pytest.fail(f"{ring} is missing: run `make guests`")
    config = MachineConfig(
        cpu="max",
        smp=4,
        mem="1G",
        extra_args=tuple(
            arg
            for pa in (RING_PA, HOSTILE_PA, NOENGINE_PA, SEQ_PA, SEQ56_PA, SEQ_HOSTILE_PA,
                       SEQ_BESIDE_PA)
            for arg in ("-device", f"loader,file={ring},addr={pa:#x},force-raw=on")
        ),
    )
    return config


def start_guest(shell: Shell, name: str, pa: int, cmdline: str) -> int:
    """Create and start a one-vCPU VM for the ring guest; its id."""
    out = shell.run(f'vm create {name} {pa:#x} 32M 1 "{cmdline}"')
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    shell.run(f"vm start {vm_id}")
    return vm_id


def run_guest(shell: Shell, name: str, pa: int, cmdline: str) -> tuple[dict[str, Any], str]:
    """Create and start a one-vCPU VM for the ring guest, wait until it powers off, and return
    its `vm info` and its console log."""
    vm_id = start_guest(shell, name, pa, cmdline)
    info = wait_vm_state(shell, vm_id, timeout=90)
    return info, shell.run(f"vm log {vm_id}")


def summary(log: str) -> tuple[int, int]:
    m = re.search(r"guest: (\d+) passed, (\d+) failed", log)
    assert m, log
    return int(m.group(1)), int(m.group(2))


def test_guest_ring_echo(shell: Shell) -> None:
    shell.run("dp start 1")
    info, log = run_guest(shell, "ring", RING_PA, f"count={MESSAGES}")
    assert "SYSTEM_OFF" in info["stop_reason"], info
    m = re.search(r"guest: ring: sent (\d+), echoed (\d+), errors (\d+)", log)
    assert m, log
    sent, echoed, errors = (int(g) for g in m.groups())
    assert (sent, echoed, errors) == (MESSAGES, MESSAGES, 0), log
    for check in ("mmu-on", "ring-attach", "ring-echo", "ring-engine-honest", "ring-status",
                  "ring-refuses-unaligned", "ring-refuses-outside-ram",
                  "ring-refuses-past-ram-end", "ring-refuses-bad-capacity",
                  "ring-refuses-huge-capacity", "ring-refuses-bad-slot",
                  "ring-refuses-unknown-op", "ring-refuses-second-attach"):
        assert f"guest: ok {check}" in log, (check, log)
    passed, failed = summary(log)
    assert failed == 0 and passed >= 13, log
    # The engine saw the same: its guest port handled and sent every message. The port was
    # detached when the VM stopped (before its RAM is scrubbed), keeping its counts.
    stats = shell.run_json("dp stats")
    assert not [p for p in stats["ports"] if p["vm"] == info["id"]], stats
    guest_ports = [p for p in stats["ports"] if p["port"] != 0 and p["msgs"] == MESSAGES]
    assert len(guest_ports) == 1, stats
    assert guest_ports[0]["sent"] == MESSAGES, stats
    assert guest_ports[0]["state"] == "free", stats
    # The shell's own port works beside it.
    assert shell.run_json("dp send 1000")["errors"] == 0


def test_hostile_guest_ring_is_shut(shell: Shell) -> None:
    if not shell.run_json("dp stats")["running"]:
        shell.run("dp start 1")
    faults_before = shell.run_json("dp stats")["faults"]
    mark = shell.mark()
    info, log = run_guest(shell, "ringbad", HOSTILE_PA, "hostile")
    assert "SYSTEM_OFF" in info["stop_reason"], info
    published = re.search(r"guest: published head (0x[0-9a-f]+)", log)
    assert published, log
    for check in ("ring-works-before", "ring-port-shut", "ring-own-end-checks", "ring-reattach",
                  "ring-works-after"):
        assert f"guest: ok {check}" in log, (check, log)
    assert summary(log)[1] == 0, log
    # The hypervisor reported it, naming the index the guest published.
    transcript = shell.transcript(mark)
    assert re.search(
        rf"vm{info['id']}: ring port \d+ shut: the guest published head {published.group(1)}",
        transcript,
    ), transcript
    stats = shell.run_json("dp stats")
    assert stats["running"] and stats["faults"] == faults_before + 1, stats
    # The engine, its other port and the shell carry on; the engine stops when told and every
    # CPU answers afterwards.
    assert shell.run_json("dp send 5000")["errors"] == 0
    assert "stopped on cpu1" in shell.run("dp stop")
    assert shell.run_json("cpus check")["failures"] == 0
    assert shell.run_json("version")["name"] == "monadic-hypervisor"


def test_no_engine_no_ring(shell: Shell) -> None:
    if shell.run_json("dp stats")["running"]:
        shell.run("dp stop")
    # After a stop the guests' ports are gone with the engine.
    assert shell.run_json("dp stats")["ports"] == []
    info, log = run_guest(shell, "ringnone", NOENGINE_PA, "count=100")
    # Without an engine the attach fails, and the guest says so rather than hanging.
    assert "guest: FAIL ring-attach: error -3" in log, log
    assert summary(log)[1] == 1, log
    assert "SYSTEM_OFF" in info["stop_reason"], info


def echo_ok(log: str, messages: int) -> None:
    m = re.search(r"guest: ring: sent (\d+), echoed (\d+), errors (\d+)", log)
    assert m, log
    assert tuple(int(g) for g in m.groups()) == (messages, messages, 0), log


@pytest.mark.parametrize("slot,pa", [(64, SEQ_PA), (56, SEQ56_PA)])
def test_guest_ring_echo_seq(shell: Shell, slot: int, pa: int) -> None:
    """The sequence layout: 64-byte messages (trailers in an array after the slots) and 56-byte
    ones (each trailer in its message's line)."""
    if not shell.run_json("dp stats")["running"]:
        shell.run("dp start 1")
    mark = shell.mark()
    info, log = run_guest(shell, f"seq{slot}", pa, f"layout=seq slot={slot} count={MESSAGES}")
    assert "SYSTEM_OFF" in info["stop_reason"], info
    assert f"rings of 64 x {slot} bytes, seq layout" in log, log
    echo_ok(log, MESSAGES)
    for check in ("ring-attach", "ring-echo", "ring-engine-honest", "ring-status",
                  "ring-refuses-bad-seq-slot", "ring-refuses-seq-past-ram-end",
                  "ring-refuses-second-attach"):
        assert f"guest: ok {check}" in log, (check, log)
    assert summary(log)[1] == 0, log
    assert re.search(rf"vm{info['id']}: ring pair at IPA 0x[0-9a-f]+ \(64 x {slot} bytes each "
                     r"way, seq layout\)", shell.transcript(mark)), shell.transcript(mark)
    # The engine's port served it in the sequence layout, every message, and is free again.
    stats = shell.run_json("dp stats")
    ports = [p for p in stats["ports"] if p["port"] != 0 and p["msgs"] == MESSAGES
             and p["layout"] == "seq"]
    assert len(ports) == 1 and ports[0]["sent"] == MESSAGES, stats
    assert ports[0]["state"] == "free", stats
    assert [p["layout"] for p in stats["ports"] if p["port"] == 0] == ["index"], stats


def test_hostile_seq_guest_beside_honest(shell: Shell) -> None:
    """A guest tells the sequence layout's lies, one after the other, each on a fresh port,
    while another VM's sequence ring is busy: every lie shuts the liar's port with a log line,
    and the other VM's echo finishes whole."""
    if not shell.run_json("dp stats")["running"]:
        shell.run("dp start 1")
    faults_before = shell.run_json("dp stats")["faults"]
    mark = shell.mark()
    # It echoes, checking every reply, until it is stopped (or two minutes pass).
    honest = start_guest(shell, "seqbeside", SEQ_BESIDE_PA, "layout=seq count=1000 secs=120")
    # The honest VM's port is up, in the sequence layout, before the liar starts.
    deadline = time.monotonic() + 30
    while True:
        ring = shell.run_json(f"vm info {honest}")["vm"]["ring"]
        if ring or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert ring and ring["state"] == "up" and ring["layout"] == "seq", ring
    info, log = run_guest(shell, "seqbad", SEQ_HOSTILE_PA, "layout=seq hostile")
    assert "SYSTEM_OFF" in info["stop_reason"], info
    for check in SEQ_LIES + ("ring-works-before", "ring-reattach", "ring-works-after"):
        assert f"guest: ok {check}" in log, (check, log)
    assert summary(log)[1] == 0, log
    transcript = shell.transcript(mark)
    vm = info["id"]
    wrote = dict(re.findall(r"guest: (seq-lie-[a-z-]+): wrote (0x[0-9a-f]+)", log))
    assert set(wrote) == set(SEQ_LIES), log
    # The first four lies were logged, naming what the guest wrote; the fifth only counted
    # (a VM's faults are logged 1-4, then at powers of two).
    for lie in ("seq-lie-garbage-word", "seq-lie-slot-not-ours"):
        assert re.search(rf"vm{vm}: ring port \d+ shut: the guest wrote sequence word "
                         rf"{wrote[lie]} in slot", transcript), (lie, transcript)
    assert len(re.findall(rf"vm{vm}: ring port \d+ shut", transcript)) == 4, transcript
    assert re.search(rf"vm{vm}: ring port \d+ shut: the guest's slot 0x[0-9a-f]+ claims a run "
                     r"of 4294901760", transcript), transcript
    assert re.search(rf"vm{vm}: ring port \d+ shut: the guest published tail "
                     rf"{wrote['seq-lie-tail']}", transcript), transcript
    # The honest VM's port is still up and still moving messages after all of it.
    def honest_msgs() -> int:
        ring = shell.run_json(f"vm info {honest}")["vm"]["ring"]
        assert ring and ring["state"] == "up", ring
        ports = shell.run_json("dp stats")["ports"]
        return int(next(p["msgs"] for p in ports if p["port"] == ring["port"]))

    before = honest_msgs()
    deadline = time.monotonic() + 30
    while honest_msgs() == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert honest_msgs() > before > 0
    shell.run(f"vm stop {honest}")
    beside_log = shell.run(f"vm log {honest}")
    assert "guest: ok ring-attach" in beside_log, beside_log
    assert "guest: FAIL" not in beside_log and "guest: reply" not in beside_log, beside_log
    stats = shell.run_json("dp stats")
    assert stats["running"] and stats["faults"] == faults_before + len(SEQ_LIES), stats
    assert shell.run_json("dp send 1000")["errors"] == 0
    assert shell.run_json("version")["name"] == "monadic-hypervisor"


def test_bench_ring_both_layouts(shell: Shell) -> None:
    """`bench ring` runs the built-in ring guest in each layout on the running engine; the
    engine's port served every round trip of each, in the layout asked for."""
    if not shell.run_json("dp stats")["running"]:
        shell.run("dp start 1")
    # Room for the benchmark's VM: the module's stopped guests go.
    for vm in shell.run_json("vm list")["vms"]:
        if vm["state"] == "stopped":
            shell.run(f"vm destroy {vm['id']}")
    mark = shell.mark()
    result = shell.run_json("bench ring --iters 200 --json", timeout=300)
    rows = [(r["layout"], r["msg_bytes"]) for r in result["layouts"]]
    assert rows == [("index", 64), ("seq", 64), ("seq", 56)], result
    # The hypervisor attached each guest's rings in the layout its row says.
    attached = re.findall(r"ring pair at IPA 0x[0-9a-f]+ \(64 x (\d+) bytes each way, (\w+) "
                          r"layout\)", shell.transcript(mark))
    assert [(layout, int(size)) for size, layout in attached] == rows, shell.transcript(mark)
    for r in result["layouts"]:
        assert r["engine_msgs"] == 200 and r["rtt_ns"]["n"] == 200, r
        assert 0 < r["rtt_ns"]["min"] <= r["rtt_ns"]["p50"] <= r["rtt_ns"]["max"], r
        assert r["el2_cycles_per_msg"] is not None, r
        # Instructions are counted only under -icount; never a guess without it.
        assert (r["el2_insns_per_msg"] is None) == (not result["inst_retired"]), r
    stats = shell.run_json("dp stats")
    assert stats["running"] and stats["cpu"] == 1, stats
    out = shell.run("bench ring --iters 100001", check=False)
    assert "error: ring: at most 100000 round trips" in out, out
