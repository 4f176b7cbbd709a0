# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Fixtures that boot monadic-hypervisor in QEMU, kill it afterwards, and attach the serial
transcript (and QEMU's stderr) to the report of any failing test.

Environment: MONADIC_IMAGE (default build/monadic-hypervisor.bin), MONADIC_QEMU (default
qemu-system-aarch64 from $PATH).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "host-tools"))

from monadic import Machine, MachineConfig, Shell  # noqa: E402

# The machine a module gets unless it sets MACHINE = MachineConfig(...) at module level.
DEFAULT_MACHINE = MachineConfig(cpu="max", smp=2, mem="1G")

# Where each test's machines are recorded for the failure report: item -> [(label, machine, mark)]
_ATTACHED = pytest.StashKey[list[tuple[str, Machine, int]]]()


def attach(node: pytest.Item, label: str, machine: Machine) -> None:
    """Show `machine`'s transcript from now on in `node`'s report if the test fails."""
    node.stash.setdefault(_ATTACHED, []).append((label, machine, machine.shell.mark()))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not report.failed:
        return
    for label, machine, start in item.stash.get(_ATTACHED, []):
        report.sections.append(
            (f"serial transcript: {label}", machine.shell.transcript(start) or "(nothing)")
        )
        cmd = " ".join(machine.qemu.command)
        status = machine.qemu.returncode
        report.sections.append(
            (f"qemu: {label}", f"{cmd}\nexit status: {status}\nstderr:\n{machine.qemu.stderr}")
        )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The monadic-hypervisor checkout these tests belong to."""
    if not (REPO_ROOT / "host-tools" / "monadic").is_dir():
        pytest.fail(f"{REPO_ROOT} does not look like the monadic-hypervisor repository")
    return REPO_ROOT


@pytest.fixture(scope="session")
def image(repo_root: Path) -> Path:
    """The hypervisor image; a missing image is a failure (run `make`), never a skip."""
    path = Path(os.environ.get("MONADIC_IMAGE", repo_root / "build" / "monadic-hypervisor.bin"))
    if not path.is_file():
        pytest.fail(f"hypervisor image {path} not found: run `make` in {repo_root} first")
    return path


@pytest.fixture(scope="session")
def qemu_binary() -> str:
    binary = os.environ.get("MONADIC_QEMU", "qemu-system-aarch64")
    if shutil.which(binary) is None:
        pytest.fail(f"{binary} not found (scripts/setup-toolchain.sh qemu installs it)")
    return binary


@pytest.fixture
def boot(
    request: pytest.FixtureRequest, image: Path, qemu_binary: str
) -> Iterator[Callable[..., Machine]]:
    """Boot a private machine for this test: `boot(cpu=..., smp=..., mem=...)`. Every machine
    booted here is killed when the test ends."""
    machines: list[Machine] = []

    def _boot(config: MachineConfig | None = None, **fields: Any) -> Machine:
        cfg = config or MachineConfig(**fields)
        machine = Machine.launch(image, cfg, binary=qemu_binary)
        machines.append(machine)
        attach(request.node, cfg.describe(), machine)
        machine.wait_boot()
        return machine

    yield _boot
    for machine in machines:
        machine.close()


def vm_by_name(shell: Shell, name: str) -> dict[str, Any]:
    """The `vm list --json` entry of the VM called `name`."""
    for vm in shell.run_json("vm list")["vms"]:
        if vm["name"] == name:
            return vm
    raise AssertionError(f"no VM named {name}")


def wait_vm_state(shell: Shell, vm_id: int, state: str = "stopped",
                  timeout: float = 60.0) -> dict[str, Any]:
    """Poll `vm info` until the VM is in `state`; its info then. Fails after `timeout` seconds
    with the info and the end of the guest's console log."""
    deadline = time.monotonic() + timeout
    while True:
        info = shell.run_json(f"vm info {vm_id}")["vm"]
        if info["state"] == state:
            return info
        if time.monotonic() > deadline:
            log = shell.run(f"vm log {vm_id}")[-3000:]
            raise AssertionError(f"vm{vm_id} still {info['state']} after {timeout} s: {info}\n{log}")
        time.sleep(0.5)


class _ModuleMachine:
    """One machine shared by a module's tests, rebooted when a test leaves it unusable."""

    def __init__(self, image: Path, binary: str, config: MachineConfig) -> None:
        self.image = image
        self.binary = binary
        self.config = config
        self.machine: Machine | None = None

    def get(self, node: pytest.Item) -> Machine:
        if self.machine is not None and not self.machine.recover():
            self.close()
        if self.machine is None:
            self.machine = Machine.launch(self.image, self.config, binary=self.binary)
            attach(node, self.config.describe(), self.machine)
            self.machine.wait_boot()
        else:
            attach(node, self.config.describe(), self.machine)
        return self.machine

    def close(self) -> None:
        if self.machine is not None:
            self.machine.close()
            self.machine = None


@pytest.fixture(scope="module")
def _module_machine(
    request: pytest.FixtureRequest, image: Path, qemu_binary: str
) -> Iterator[_ModuleMachine]:
    shared = _ModuleMachine(image, qemu_binary, getattr(request.module, "MACHINE", DEFAULT_MACHINE))
    yield shared
    shared.close()


@pytest.fixture
def machine(request: pytest.FixtureRequest, _module_machine: _ModuleMachine) -> Machine:
    """The module's shared machine, at a clean prompt."""
    return _module_machine.get(request.node)


@pytest.fixture
def shell(machine: Machine) -> Shell:
    """The shell of the module's shared machine."""
    return machine.shell
