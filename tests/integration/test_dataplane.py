# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`dp`: the data-plane engine on a dedicated core echoes sequence-numbered messages from the
shell's core; it starts, answers, reports, stops and frees its rings, and refuses bad input."""

from __future__ import annotations

import pytest

from monadic import MachineConfig, Shell, error_lines


@pytest.fixture(scope="module")
def shared_config() -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once)."""
    return MachineConfig(cpu="max", smp=4, mem="1G")


def owners(shell: Shell) -> list[str]:
    return [r["owner"] for r in shell.run_json("mem")["ranges"]]


def test_engine_round_trip(shell: Shell) -> None:
    assert shell.run_json("dp stats")["running"] is False
    out = shell.run("dp start 3 --ring 64 --burst 16", timeout=10)
    assert "running on cpu3" in out
    assert "dp rings" in owners(shell)
    cpus = shell.run_json("cpus")["cpus"]
    assert cpus[3]["state"] == "busy" and "dp engine" in cpus[3]["doing"], cpus[3]

    first = shell.run_json("dp send 100000", timeout=60)
    assert first["sent"] == first["echoed"] == 100000 and first["errors"] == 0, first
    assert first["mps"] > 0
    # Sequence numbers continue across sends: a stale or duplicated echo would be an error.
    second = shell.run_json("dp send 777", timeout=30)
    assert second["errors"] == 0 and second["echoed"] == 777

    stats = shell.run_json("dp stats")
    assert stats["running"] is True and stats["cpu"] == 3
    assert stats["msgs"] == stats["sent"] == 100777
    assert stats["polls"] >= 1

    assert "stopped on cpu3 after 100777 messages" in shell.run("dp stop", timeout=10)
    assert "dp rings" not in owners(shell), "the rings' RAM was not given back"
    assert shell.run_json("cpus")["cpus"][3]["state"] == "idle"
    assert shell.run_json("dp stats")["running"] is False


def test_engine_restarts_on_another_core(shell: Shell) -> None:
    shell.run("dp start 1")
    assert shell.run_json("dp send 5000", timeout=30)["errors"] == 0
    shell.run("dp stop")


@pytest.mark.parametrize(
    "cmd",
    [
        "dp",
        "dp frob",
        "dp start",
        "dp start 0",  # the shell's core
        "dp start 4",  # no such CPU with -smp 4
        "dp start zz",
        "dp start 1 --ring 3",
        "dp start 1 --ring 131072",
        "dp start 1 --burst 0",
        "dp start 1 --ring 16 --burst 32",
        "dp start 1 --ring",
        "dp send 10",  # nothing running
        "dp stop",  # nothing running
        "dp send",
    ],
)
def test_bad_input(shell: Shell, cmd: str) -> None:
    assert error_lines(shell.run(cmd, check=False)), cmd
    assert shell.run_json("version")["name"] == "monadic-hypervisor"


def test_send_bounds_and_double_start(shell: Shell) -> None:
    shell.run("dp start 2")
    try:
        for cmd in ("dp start 3", "dp send 0", "dp send 1000001", "dp send -5"):
            assert error_lines(shell.run(cmd, check=False)), cmd
        assert shell.run_json("dp send 1")["errors"] == 0
    finally:
        shell.run("dp stop")
