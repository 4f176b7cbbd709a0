# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Fixtures that boot monadic-hypervisor in QEMU, kill it afterwards, and attach the serial
transcript (and QEMU's stderr) to the report of any failing test. Fixtures only: what tests
share besides them is in helpers.py.

Environment: MONADIC_IMAGE (default build/monadic-hypervisor.bin), MONADIC_QEMU (default
qemu-system-aarch64 from $PATH).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable, Generator, Iterator

import pytest
from helpers import DEFAULT_MACHINE, REPO_ROOT, SharedTarget, attach, report_sections, slowest_first

from monadic import MachineConfig, Shell, Target


@pytest.hookimpl(hookwrapper=True)  # type: ignore[misc]
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        report.sections.extend(report_sections(item))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest modules first (helpers.SLOWEST_FIRST), for the workers `make test` runs."""
    slowest_first(items)


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
) -> Iterator[Callable[..., Target]]:
    """Boot a private target for this test: `boot(cpu=..., smp=..., mem=...)` or
    `boot(MachineConfig(...))`. Every target booted here is killed when the test ends."""
    targets: list[Target] = []

    def _boot(config: MachineConfig | None = None, **fields: Any) -> Target:
        cfg = config or MachineConfig(**fields)
        target = Target.launch(image, cfg, binary=qemu_binary)
        targets.append(target)
        attach(request.node, cfg.describe(), target)
        target.wait_boot()
        return target

    yield _boot
    for target in targets:
        target.close()


@pytest.fixture(scope="module")
def linux_dir(image: Path) -> Path:
    """The Debian kernel and busybox initramfs, fetched into build/linux once (a no-op after)."""
    out = image.parent / "linux"
    run = subprocess.run(
        [str(REPO_ROOT / "scripts" / "fetch-guest-linux.sh"), str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, f"fetching the Debian kernel failed:\n{run.stdout}\n{run.stderr}"
    return out


@pytest.fixture(scope="module")
def shared_config(request: pytest.FixtureRequest) -> MachineConfig:
    """The machine a module's tests share: its MACHINE, or the default. A module whose machine
    needs other fixtures (guest images, a disk file) defines its own `shared_config` fixture."""
    config: MachineConfig = getattr(request.module, "MACHINE", DEFAULT_MACHINE)
    return config


@pytest.fixture(scope="module")
def _module_target(image: Path, qemu_binary: str, shared_config: MachineConfig
                   ) -> Iterator[SharedTarget]:
    shared = SharedTarget(image, qemu_binary, shared_config)
    yield shared
    shared.close()


@pytest.fixture
def machine(request: pytest.FixtureRequest, _module_target: SharedTarget) -> Target:
    """The module's shared target (QEMU with its `shared_config`), at a clean prompt."""
    return _module_target.get(request.node)


@pytest.fixture
def shell(machine: Target) -> Shell:
    """The shell of the module's shared target."""
    return machine.shell
