# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A VM's RAM is scrubbed after it stops, off the start path: the scrub guest finds every byte
of its RAM outside its image and DTB zero, fills it with a pattern and powers off. Restarted, and
as a second VM given the same memory after a destroy, it must find zeros again.

RAM nothing has owned since boot is read by idle CPUs, never written: a loader's image and a
block of junk QEMU put in free RAM are still there once the reads are done, the zero blocks are
known zero, and a VM later given RAM that held the junk finds zeros."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import vm_by_name, wait_vm_state
from monadic import MachineConfig, Shell

SCRUB_PA = 0x44000000
# A second copy of the guest, created from the shell once the idle CPUs have read free RAM.
LATER_PA = 0x46000000
# Junk in free RAM, just below the RAM of VM 0 and of the first scrub VM (pmem_alloc takes the
# highest free RAM), where a 32 MiB VM created while those exist is put: it overlaps the top of
# the junk; the bottom 8 MiB stay free.
JUNK_PA = 0x6B000000
JUNK_SIZE = 32 << 20
JUNK_BYTE = 0x5A


@pytest.fixture(scope="module")
def shared_config(image: Path, tmp_path_factory: pytest.TempPathFactory) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    guest = image.parent / "guests" / "scrub.bin"
    if not guest.exists():
        pytest.fail(f"{guest} is missing: run `make guests`")
    junk = tmp_path_factory.mktemp("scrub") / "junk.bin"
    junk.write_bytes(bytes([JUNK_BYTE]) * JUNK_SIZE)
    config = MachineConfig(
        cpu="max",
        smp=3,
        mem="1G",
        extra_args=(
            "-device", f"loader,file={guest},addr={SCRUB_PA:#x},force-raw=on",
            "-device", f"loader,file={guest},addr={LATER_PA:#x},force-raw=on",
            "-device", f"loader,file={junk},addr={JUNK_PA:#x},force-raw=on",
            "-append", f"vm=scrub,{SCRUB_PA:#x},32M,1",
        ),
    )
    return config


def runs_checked(shell: Shell, vm_id: int) -> list[str]:
    """The result of every run's ram-zero check in the VM's console log, oldest first."""
    log = shell.run(f"vm log {vm_id}")
    assert "ram-pattern" in log, log[-2000:]
    assert not re.search(r"FAIL ram-(found|pattern)", log), log[-2000:]
    return re.findall(r"guest: (ok|FAIL) ram-zero", log)


def wait_clean(shell: Shell, vm_id: int, timeout: float = 60.0) -> dict[str, Any]:
    """Poll until idle CPUs have scrubbed the stopped VM's RAM; its info then."""
    deadline = time.monotonic() + timeout
    while True:
        info: dict[str, Any] = shell.run_json(f"vm info {vm_id}")["vm"]
        if info["ram_dirty"] == 0:
            return info
        assert time.monotonic() < deadline, f"vm{vm_id} RAM still dirty: {info}"
        time.sleep(0.2)


def test_ram_is_zero_at_every_start_and_for_the_next_owner(shell: Shell) -> None:
    vm = vm_by_name(shell, "scrub")
    info = wait_vm_state(shell, vm["id"], "stopped")
    assert "SYSTEM_OFF" in info["stop_reason"], info
    assert runs_checked(shell, vm["id"]) == ["ok"]
    # The guest's pattern is zeroed by idle CPUs while the VM is stopped, not by the next start.
    info = wait_clean(shell, vm["id"])
    out = shell.run(f"vm start {vm['id']}")
    assert re.search(r"started on cpu\d+ in \d+ us", out), out
    wait_vm_state(shell, vm["id"], "stopped")
    assert runs_checked(shell, vm["id"]) == ["ok", "ok"]
    # A second VM given the same memory: the first one's pattern must not show through.
    ram_pa = info["ram_pa"]
    shell.run(f"vm destroy {vm['id']}")
    shell.run(f"vm create scrub2 {SCRUB_PA:#x} 32M 1")
    second = vm_by_name(shell, "scrub2")
    info = shell.run_json(f"vm info {second['id']}")["vm"]
    assert info["ram_pa"] == ram_pa, (info, ram_pa)
    shell.run(f"vm start {second['id']}")
    wait_vm_state(shell, second["id"], "stopped")
    assert runs_checked(shell, second["id"]) == ["ok"]
    # Its restart right after the stop, before idle CPUs could finish: the start waits.
    shell.run(f"vm start {second['id']}")
    wait_vm_state(shell, second["id"], "stopped")
    assert runs_checked(shell, second["id"]) == ["ok", "ok"]


def wait_read(shell: Shell, timeout: float = 120.0) -> dict[str, Any]:
    """Poll until idle CPUs have read all never-owned free RAM; `mem --json` then."""
    deadline = time.monotonic() + timeout
    while True:
        mem: dict[str, Any] = shell.run_json("mem --json")
        if mem["unchecked"] == 0:
            return mem
        assert time.monotonic() < deadline, f"never-owned RAM still unread: {mem['unchecked']}"
        time.sleep(0.5)


def md_bytes(shell: Shell, pa: int, length: int = 16) -> bytes:
    """`length` bytes at `pa`, from the shell's hex dump."""
    out = shell.run(f"md {pa:#x} {length}")
    data = bytearray()
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]{16}: ((?:[0-9a-f]{2} )+)", line.strip())
        if m:
            data += bytes(int(x, 16) for x in m.group(1).split())
    return bytes(data[:length])


def test_never_owned_ram_is_read_not_written(shell: Shell) -> None:
    vm = vm_by_name(shell, "scrub2")  # the earlier test's VM, holding the top 32 MiB
    wait_vm_state(shell, vm["id"], "stopped")
    mem = wait_read(shell)
    # Free RAM that read zero is known zero; the junk and the images were only read.
    assert mem["known_zero"] >= 512 << 20, mem
    junk = bytes([JUNK_BYTE]) * 16
    assert md_bytes(shell, JUNK_PA) == junk
    assert md_bytes(shell, JUNK_PA + JUNK_SIZE - 16) == junk
    # The later guest's image, staged by QEMU's loader, is intact: it runs and finds its RAM
    # zero, though part of that RAM held the junk.
    shell.run(f"vm create later {LATER_PA:#x} 32M 1")
    later = vm_by_name(shell, "later")
    info = shell.run_json(f"vm info {later['id']}")["vm"]
    ram_pa = int(info["ram_pa"], 16)
    ram_end = ram_pa + (32 << 20)
    assert JUNK_PA < ram_pa < JUNK_PA + JUNK_SIZE < ram_end, (hex(ram_pa), mem["ranges"])
    out = shell.run(f"vm start {later['id']}")
    assert re.search(r"started on cpu\d+ in \d+ us", out), out
    wait_vm_state(shell, later["id"], "stopped")
    assert runs_checked(shell, later["id"]) == ["ok"]
    # The junk outside that VM's RAM is still there.
    assert md_bytes(shell, JUNK_PA) == junk
    assert md_bytes(shell, ram_pa - 16) == junk
    shell.run(f"vm destroy {later['id']}")
