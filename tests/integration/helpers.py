# SPDX-License-Identifier: BSD-2-Clause-Patent
"""What the integration tests share besides fixtures: a target shared by a module's tests, the
transcripts a failing test's report shows, and waiting on VMs through the shell.

Tests import these from here (`from helpers import SharedTarget`); conftest.py holds only the
fixtures and the report hook, and builds them from this module too.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from monadic import MachineConfig, Shell, Target
from monadic import linuxbench

REPO_ROOT = Path(__file__).resolve().parents[2]

# The machine a module gets unless it sets MACHINE = MachineConfig(...) at module level; its CPU
# model is $MONADIC_CPU when set (`make test CPU=...`).
DEFAULT_MACHINE = MachineConfig(cpu=os.environ.get("MONADIC_CPU", "max"), smp=2, mem="1G")

# Where the Linux guest's Image and initramfs are loaded (QEMU's loader device) and started
# from: the same addresses as `python3 -m monadic linux-bench`.
LINUX_IMAGE_PA = linuxbench.IMAGE_PA
LINUX_INITRD_PA = linuxbench.INITRD_PA

# The slowest modules, slowest first (each boots Linux or EDK2, or soaks; `make test` with
# --durations=40 shows the times). `make test` runs the modules on two pytest-xdist workers, a
# module at a time on each: these start first so that neither worker is left with one of them at
# the end while the other idles. The other modules follow in their usual order.
SLOWEST_FIRST = (
    "test_passthrough.py",
    "test_uefi.py",
    "test_lifecycle.py",
    "test_vblk.py",
    "test_linux.py",
    "test_linux_perf.py",
    "test_smp_bench.py",
    "test_disk.py",
    "test_smmu_s2.py",
)


def slowest_first(items: list[pytest.Item]) -> None:
    """Reorder `items` in place: the modules in SLOWEST_FIRST first, in that order; within a
    module, and among the other modules, the order stays as collected."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


# The targets whose transcripts a test's report shows if it fails: [(label, target, mark)].
ATTACHED = pytest.StashKey[list[tuple[str, Target, int]]]()


def attach(node: pytest.Item, label: str, target: Target) -> None:
    """Show `target`'s transcript from now on in `node`'s report if the test fails."""
    attached: list[tuple[str, Target, int]] = node.stash.setdefault(ATTACHED, [])
    attached.append((label, target, target.shell.mark()))


def report_sections(node: pytest.Item) -> list[tuple[str, str]]:
    """The report sections of a failed test: each attached target's transcript since it was
    attached, and QEMU's command line, exit status and stderr."""
    sections: list[tuple[str, str]] = []
    for label, target, start in node.stash.get(ATTACHED, []):
        sections.append(
            (f"serial transcript: {label}", target.shell.transcript(start) or "(nothing)")
        )
        if target.started_qemu:
            qemu = target.qemu
            sections.append(
                (
                    f"qemu: {label}",
                    f"{' '.join(qemu.command)}\nexit status: {qemu.returncode}\n"
                    f"stderr:\n{qemu.stderr}",
                )
            )
    return sections


class SharedTarget:
    """One QEMU target shared by a module's tests, rebooted when a test leaves it unusable.

    conftest's module fixture makes one from the module's `shared_config` (its MACHINE, or a
    `shared_config` fixture of its own) and closes it at the end; each test calls
    `get(request.node)` for the target at a clean prompt (the `machine` and `shell` fixtures).
    """

    def __init__(self, image: Path, binary: str, config: MachineConfig) -> None:
        self.image = image
        self.binary = binary
        self.config = config
        self.target: Target | None = None

    def get(self, node: pytest.Item) -> Target:
        """The target at a clean prompt, booted (again) if need be; its transcript goes into
        `node`'s report if the test fails."""
        if self.target is not None and not self.target.recover():
            self.close()
        if self.target is None:
            self.target = Target.launch(self.image, self.config, binary=self.binary)
            attach(node, self.config.describe(), self.target)
            self.target.wait_boot()
        else:
            attach(node, self.config.describe(), self.target)
        return self.target

    def close(self) -> None:
        if self.target is not None:
            self.target.close()
            self.target = None


def fetch_qemu10() -> str:
    """A QEMU 10 qemu-system-aarch64 ($MONADIC_QEMU10, or scripts/fetch-qemu.sh's, fetched into
    build/qemu10 on first use); skips the calling test, with the reason, when there is none."""
    given = os.environ.get("MONADIC_QEMU10")
    if given:
        return given
    try:
        proc = subprocess.run(
            [str(REPO_ROOT / "scripts" / "fetch-qemu.sh"), str(REPO_ROOT / "build" / "qemu10")],
            capture_output=True, text=True, timeout=600, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"QEMU 10 could not be fetched: {e}")
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        pytest.skip(f"QEMU 10 could not be fetched (scripts/fetch-qemu.sh): {why}")
    return proc.stdout.strip().splitlines()[-1]


def vm_by_name(shell: Shell, name: str) -> dict[str, Any]:
    """The `vm list --json` entry of the VM called `name`."""
    for vm in shell.run_json("vm list")["vms"]:
        if vm["name"] == name:
            found: dict[str, Any] = vm
            return found
    raise AssertionError(f"no VM named {name}")


def wait_vm_state(
    shell: Shell, vm_id: int, state: str = "stopped", timeout: float = 60.0
) -> dict[str, Any]:
    """Poll `vm info` until the VM is in `state`; its info then. Fails after `timeout` seconds
    with the info and the end of the guest's console log."""
    deadline = time.monotonic() + timeout
    while True:
        info: dict[str, Any] = shell.run_json(f"vm info {vm_id}")["vm"]
        if info["state"] == state:
            return info
        if time.monotonic() > deadline:
            log = shell.run(f"vm log {vm_id}")[-3000:]
            raise AssertionError(
                f"vm{vm_id} still {info['state']} after {timeout} s: {info}\n{log}"
            )
        time.sleep(0.5)
