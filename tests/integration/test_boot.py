# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Boot, reset and power-off: the hypervisor's life cycle as QEMU sees it."""

from __future__ import annotations

import subprocess
from typing import Callable

from monadic import BANNER, Target
from monadic.parse import BANNER_RE


def banner_line(boot_text: str) -> str:
    lines = [line for line in boot_text.split("\n") if line.startswith(BANNER)]
    assert lines, f"no line starting {BANNER!r} in the boot output:\n{boot_text}"
    return lines[0]


def test_boot_reaches_prompt(machine: Target) -> None:
    banner_line(machine.boot_text)
    assert machine.shell.at_prompt
    # Nothing printed at boot may be an error.
    assert not [line for line in machine.boot_text.split("\n") if line.startswith("error: ")]


def test_reset_brings_back_banner_and_prompt(boot: Callable[..., Target]) -> None:
    m = boot()
    first_banner = banner_line(m.boot_text)
    m.shell.write("reset\r")
    m.shell.read_until(BANNER_RE, timeout=20)
    rest = m.shell.wait_for_prompt(timeout=30)
    assert banner_line(BANNER + rest) == first_banner
    assert m.qemu.running
    assert m.shell.run_json("sysregs")["current_el"] == 2
    assert m.shell.run_json("version")["name"] == "monadic-hypervisor"


def test_poweroff_exits_qemu_with_status_0(boot: Callable[..., Target]) -> None:
    m = boot()
    m.shell.write("poweroff\r")
    try:
        status = m.qemu.wait(timeout=5)
    except subprocess.TimeoutExpired:
        raise AssertionError("QEMU still runs 5 s after `poweroff`") from None
    assert status == 0, f"QEMU exited with status {status}"


def test_reset_and_poweroff_refuse_arguments(boot: Callable[..., Target]) -> None:
    """A typo after `reset` or `poweroff` must not take the machine down."""
    m = boot()
    for cmd in ("reset now", "poweroff now"):
        out = m.shell.run(cmd, check=False)
        assert out.startswith("error: "), f"{cmd!r} answered {out!r}"
        assert m.qemu.running
    assert m.shell.run_json("version")["name"] == "monadic-hypervisor"
