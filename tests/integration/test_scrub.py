# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A VM's RAM is scrubbed after it stops, off the start path: the scrub guest finds every byte
of its RAM outside its image and DTB zero, fills it with a pattern and powers off. Restarted, and
as a second VM given the same memory after a destroy, it must find zeros again."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import vm_by_name, wait_vm_state
from monadic import MachineConfig, Shell

SCRUB_PA = 0x44000000


@pytest.fixture(scope="module")
def shared_config(image: Path) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    guest = image.parent / "guests" / "scrub.bin"
    if not guest.exists():
        pytest.fail(f"{guest} is missing: run `make guests`")
    config = MachineConfig(
        cpu="max",
        smp=3,
        mem="1G",
        extra_args=(
            "-device", f"loader,file={guest},addr={SCRUB_PA:#x},force-raw=on",
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
