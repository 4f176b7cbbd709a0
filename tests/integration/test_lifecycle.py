# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The VM lifecycle (docs/vm-model.md): a create that fails leaves nothing behind, `vm destroy`
gives everything back, a command on a VM in the wrong state says which state, and start/stop
cycles with random delays never lose a stop. The soak runs two VMs at once: the `nvmedma` guest
with a passed NVMe controller that keeps resetting itself (PSCI SYSTEM_RESET), and the basic
guest on two vCPUs that stays up; each is started and stopped at random moments (0-200 ms
apart), so stops land in every phase of a start, of a guest's reset and of a guest's run.

After every stop the VM's state and its vCPUs must agree (`vm info`) and its console log (the
last 4 KiB the hypervisor keeps) must hold no FAIL. A cycle costs about 0.37 s under TCG (`vm
log` 0.18 s, `vm info` 0.07 s, `vm start` and `vm stop` 0.05 s each, the delays mostly overlap
them), so `make test` runs 150 cycles (under a minute); LIFECYCLE_CYCLES sets the number (split
between the two VMs), LIFECYCLE_SEED the random seed (printed). `make soak` runs 1000."""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path
from typing import Any

import pytest

from monadic import MachineConfig, Shell, error_lines

DMA_PA = 0x44000000
BASIC_PA = 0x45000000
SCRUB_PA = 0x46000000
VM_SLOTS = 8
CYCLES = int(os.environ.get("LIFECYCLE_CYCLES", "150"))
SEED = int(os.environ.get("LIFECYCLE_SEED", "12"))
MAX_DELAY = 0.2


@pytest.fixture(scope="module")
def shared_config(image: Path) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    guests = image.parent / "guests"
    config = MachineConfig(
        cpu="max",
        smp=4,
        mem="1G",
        machine_opts=("iommu=smmuv3",),
        extra_args=(
            "-device", f"loader,file={guests / 'nvmedma.bin'},addr={DMA_PA:#x},force-raw=on",
            "-device", "nvme,serial=life0,addr=01.0",
            "-device", f"loader,file={guests / 'basic.bin'},addr={BASIC_PA:#x},force-raw=on",
            "-device", f"loader,file={guests / 'scrub.bin'},addr={SCRUB_PA:#x},force-raw=on",
        ),
    )
    return config


def expect_error(shell: Shell, cmd: str, *words: str) -> str:
    """Run `cmd`; it must answer `error: ...` containing every one of `words`."""
    out = shell.run(cmd, check=False)
    errors = error_lines(out)
    assert errors, f"{cmd!r} answered {out!r} instead of an error"
    for word in words:
        assert word in errors[0], f"{cmd!r}: {errors[0]!r} does not say {word!r}"
    return errors[0]


def create(shell: Shell, spec: str) -> int:
    out = shell.run(f"vm create {spec}")
    found = re.search(r"vm(\d+) \(", out)
    assert found, out
    return int(found.group(1))


def vm_names(shell: Shell) -> list[str]:
    return [vm["name"] for vm in shell.run_json("vm list")["vms"]]


def free_ram(shell: Shell) -> tuple[int, list[tuple[str, str, str]]]:
    mem = shell.run_json("mem")
    owned = sorted((r["base"], r["size"], r["owner"]) for r in mem["ranges"] if r["owner"])
    return mem["free"], owned


def agree(info: dict[str, Any]) -> str | None:
    """Why the VM's state and its vCPUs disagree after a stop, or None."""
    if info["state"] != "stopped":
        return f"state {info['state']} after vm stop"
    busy = [v for v in info["vcpu"] if v["state"] != "off"]
    if busy:
        return f"stopped, but vCPUs {busy} are not off"
    return None


def test_a_failed_create_leaves_no_half_vm(shell: Shell) -> None:
    before = free_ram(shell)
    # More times than there are slots: each failure must give its slot back.
    for _ in range(VM_SLOTS + 2):
        err = expect_error(shell, "vm create big 0x50000000 4G", "vm create", "4096 MiB")
        assert "big" not in vm_names(shell), (err, shell.run("vm list"))
    assert free_ram(shell) == before
    # An Image that is not there: RAM was taken first, and must be given back too.
    expect_error(shell, "vm create noimage 0x50000000 16M", "vm create", "Image")
    assert "noimage" not in vm_names(shell)
    assert free_ram(shell) == before
    # And a valid create still works afterwards.
    vm = create(shell, f"ok {BASIC_PA:#x} 16M 1 stay")
    assert "ok" in vm_names(shell)
    shell.run(f"vm destroy {vm}")
    assert free_ram(shell) == before


def test_no_view_of_a_vm_that_is_not_there(shell: Shell) -> None:
    """A failed or destroyed VM is not visible: s2map and s2walk refuse its id, never walk it."""
    expect_error(shell, "vm create big 0x50000000 4G")
    ids = {vm["id"] for vm in shell.run_json("vm list")["vms"]}
    free_id = min(set(range(VM_SLOTS)) - ids)
    expect_error(shell, f"s2map {free_id}", f"no VM {free_id}")
    expect_error(shell, f"s2walk {free_id} 0x40000000", f"no VM {free_id}")
    vm = create(shell, f"gone {BASIC_PA:#x} 16M 1 stay")
    assert shell.run_json(f"s2map {vm}")["runs"], "a created VM maps its RAM"
    shell.run(f"vm destroy {vm}")
    expect_error(shell, f"s2map {vm}", f"no VM {vm}")
    expect_error(shell, f"s2walk {vm} 0x40000000", f"no VM {vm}")
    expect_error(shell, f"vm info {vm}", f"no VM {vm}")
    assert shell.run_json("version")["name"] == "monadic-hypervisor"


def test_commands_in_the_wrong_state_name_it(shell: Shell) -> None:
    vm = create(shell, f"states {BASIC_PA:#x} 16M 2 stay")
    expect_error(shell, f"vm stop {vm}", f"vm{vm} is created")
    shell.run(f"vm start {vm}")
    deadline = time.monotonic() + 30
    while "staying up" not in shell.run(f"vm log {vm}"):
        assert time.monotonic() < deadline, shell.run(f"vm log {vm}")
        time.sleep(0.2)
    expect_error(shell, f"vm start {vm}", f"vm{vm} is running")
    expect_error(shell, f"vm destroy {vm}", f"vm{vm} is running", "stop it first")
    expect_error(shell, f"vm initrd {vm} 0x50000000 4096", f"vm{vm} is running")
    expect_error(shell, f"vm pci {vm} 00:01.0", f"vm{vm} is running")
    shell.run(f"vm stop {vm}")
    assert agree(shell.run_json(f"vm info {vm}")["vm"]) is None
    expect_error(shell, f"vm stop {vm}", f"vm{vm} is stopped")
    out = shell.run_json(f"vm destroy {vm}")
    assert out["destroyed"] == vm and out["ram_freed"] == 16 << 20, out
    expect_error(shell, f"vm destroy {vm}", f"no VM {vm}")


def test_destroy_gives_everything_back(shell: Shell) -> None:
    before = free_ram(shell)
    vm = create(shell, f"dma {DMA_PA:#x} 32M 1")
    shell.run(f"vm pci {vm} 00:01.0")
    owners = [o for _b, _s, o in free_ram(shell)[1]]
    assert f"vm{vm} RAM" in owners and f"vm{vm} kernel" in owners, owners
    shell.run(f"vm start {vm}")
    deadline = time.monotonic() + 30
    while shell.run_json(f"vm info {vm}")["vm"]["state"] != "stopped":
        assert time.monotonic() < deadline, shell.run(f"vm log {vm}")
        time.sleep(0.2)
    log = shell.run(f"vm log {vm}")
    assert "guest: ok identify-inside" in log and "FAIL" not in log, log
    text = shell.run(f"vm destroy {vm}")
    assert f"vm{vm} destroyed" in text, text
    assert free_ram(shell) == before
    streams = {s["bdf"]: s["ste"] for s in shell.run_json("smmu")["streams"]}
    assert streams.get("00:01.0") == "abort", streams
    assert "dma" not in vm_names(shell)


def test_the_shell_answers_while_ram_is_scrubbed(shell: Shell) -> None:
    """Commands typed the moment the prompt is back, and at random moments after it, are
    answered while the shell's idle loop and the idle CPUs zero a stopped VM's RAM. Among them
    creates that fail, each claiming and rewriting the free slot below the VM being scrubbed:
    the slot every scrubber looks at (and locks) on its way to the dirty one. A lock taken as
    one slot's and released as another's (it was found by the VM's id, which a claim rewrites)
    left the shell spinning on it after its prompt. Each command has 5 s where it takes
    milliseconds. The scrub guest fills its RAM with a pattern before it powers off, so every
    page of it is written again by the scrub (RAM that reads zero is only read: quick).

    The scrub takes tens of milliseconds, and on a loaded host the idle CPUs can finish it
    before the next command is answered (all 3 cycles of one run in 12 saw nothing). Such a
    cycle tests nothing, so further cycles run, up to 12, until a command has come during a
    scrub."""
    rng = random.Random(SEED)
    spacer = create(shell, f"spacer {DMA_PA:#x} 16M 1")
    vm = create(shell, f"scrubbed {SCRUB_PA:#x} 128M 1")
    shell.run(f"vm destroy {spacer}")
    answered = during_scrub = 0
    for cycle in range(12):
        if cycle >= 3 and during_scrub:
            break
        shell.run(f"vm start {vm}", timeout=60)
        while True:
            # Straight after the prompt (the shell is between chunks or about to sleep)...
            out = shell.run("vm create big 0x50000000 4G", timeout=5, check=False)
            assert error_lines(out), out
            # ... and after a pause, so the bytes arrive in every phase of the idle loop.
            time.sleep(rng.uniform(0, 0.004))
            info = shell.run_json(f"vm info {vm}", timeout=5)["vm"]
            answered += 2
            if info["state"] == "stopped":
                if not info["ram_dirty"]:
                    break
                during_scrub += 1
        # Idle and clean now: the shell sleeps in WFI; it must still wake for every line.
        for _ in range(40 if cycle < 3 else 0):
            time.sleep(rng.uniform(0, 0.004))
            assert shell.run_json("version", timeout=5)["name"] == "monadic-hypervisor"
            answered += 1
    shell.run(f"vm destroy {vm}")
    assert during_scrub > 0, "no command came while the RAM was being scrubbed"
    assert answered > 120, answered


def test_start_stop_soak(shell: Shell) -> None:
    """CYCLES start/stop cycles with random delays, two VMs interleaved: no stop lost, no guest
    FAIL, every CPU answering at the end, and all memory back after a final destroy."""
    print(f"\nlifecycle soak: {CYCLES} cycles, seed {SEED}")
    rng = random.Random(SEED)
    logs_before = len(shell.logs)
    before = free_ram(shell)
    # Small RAM: every start zeroes and cleans all of it, which is most of a start's time.
    dma = create(shell, f"soakdma {DMA_PA:#x} 4M 1 reset")
    shell.run(f"vm pci {dma} 00:01.0")
    basic = create(shell, f"soak2 {BASIC_PA:#x} 4M 2 stay")
    vms = {dma: "nvmedma+NVMe", basic: "basic, 2 vCPUs"}
    running: dict[int, float] = {}  # vm id -> when to stop it
    idle: dict[int, float] = {dma: 0.0, basic: 0.0}  # vm id -> when to start it
    done = {dma: 0, basic: 0}
    lost: list[str] = []
    fails: list[str] = []
    spent: dict[str, float] = {"start": 0.0, "stop": 0.0, "info": 0.0, "log": 0.0, "wait": 0.0}
    t0 = time.monotonic()
    while sum(done.values()) < CYCLES:
        # The next event of either VM, in time order: both run at once.
        events = [(at, vm, "stop") for vm, at in running.items()]
        events += [(at, vm, "start") for vm, at in idle.items()
                   if sum(done.values()) + len(running) < CYCLES]
        at, vm, what = min(events)
        t = time.monotonic()
        if at > t:
            time.sleep(at - t)
        spent["wait"] += time.monotonic() - t
        t = time.monotonic()
        if what == "start":
            del idle[vm]
            shell.run(f"vm start {vm}")
            running[vm] = time.monotonic() + rng.uniform(0, MAX_DELAY)
            spent["start"] += time.monotonic() - t
            continue
        del running[vm]
        out = shell.run(f"vm stop {vm}", check=False)
        spent["stop"] += time.monotonic() - t
        t = time.monotonic()
        info = shell.run_json(f"vm info {vm}")["vm"]
        spent["info"] += time.monotonic() - t
        why = agree(info)
        if error_lines(out) or why:
            lost.append(f"cycle {done[vm]} of vm{vm}: {out.strip()} {why}")
        t = time.monotonic()
        log = shell.run(f"vm log {vm}")
        spent["log"] += time.monotonic() - t
        fails += [f"vm{vm}: {line}" for line in log.splitlines() if "FAIL" in line]
        done[vm] += 1
        idle[vm] = time.monotonic() + rng.uniform(0, MAX_DELAY)
        if lost or fails:
            break
    elapsed = time.monotonic() - t0
    resets = shell.run_json(f"vm info {dma}")["vm"]["resets"]
    print(f"lifecycle soak: {sum(done.values())} cycles in {elapsed:.1f} s "
          f"({', '.join(f'{vms[v]} {n}' for v, n in done.items())}), guest resets {resets}, "
          f"stops lost {len(lost)}, guest FAILs {len(fails)}; seconds spent: "
          f"{', '.join(f'{k} {v:.1f}' for k, v in spent.items())}")
    assert not lost, lost[:5]
    assert not fails, fails[:5]
    # A guest's reset always restarts it (unless a stop came first): never a failed restart.
    failed = [line for line in shell.logs[logs_before:] if "restart after reset failed" in line]
    assert not failed, failed[:5]
    checked = shell.run_json("cpus check")
    assert checked["failures"] == 0, checked
    shell.run(f"vm destroy {dma}")
    shell.run(f"vm destroy {basic}")
    after = free_ram(shell)
    print(f"lifecycle soak: free RAM {before[0]} before, {after[0]} after destroy")
    assert after == before, "memory leaked"
    assert sum(done.values()) == CYCLES
