# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A guest sharing SPSC rings with the data-plane engine (tests/guests/ring.c, kernel/vmm/vring.c):
the guest writes sequence-numbered messages in place into a ring in its own RAM, the engine on
its own core transforms each in place into the ring back, the guest checks every reply. A
hostile guest publishes an impossible index: its port is shut and reported, and the engine,
the other ports and the shell carry on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from helpers import wait_vm_state
from monadic import MachineConfig, Shell

RING_PA = 0x44000000
HOSTILE_PA = 0x45000000
NOENGINE_PA = 0x46000000
MESSAGES = 20000


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
            for pa in (RING_PA, HOSTILE_PA, NOENGINE_PA)
            for arg in ("-device", f"loader,file={ring},addr={pa:#x},force-raw=on")
        ),
    )
    return config


def run_guest(shell: Shell, name: str, pa: int, cmdline: str) -> tuple[dict[str, Any], str]:
    """Create and start a one-vCPU VM for the ring guest, wait until it powers off, and return
    its `vm info` and its console log."""
    out = shell.run(f"vm create {name} {pa:#x} 32M 1 {cmdline}")
    vm_id = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    shell.run(f"vm start {vm_id}")
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
