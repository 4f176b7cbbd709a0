# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The information commands: help, version, sysregs, platform, in plain text and JSON."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monadic import MachineConfig, Shell, as_int, error_lines, mem_bytes, numbers_in

MACHINE = MachineConfig(cpu="max", smp=2, mem="1G")

COMMANDS = ["help", "version", "sysregs", "platform", "md", "reset", "poweroff"]
JSON_COMMANDS = ["version", "sysregs", "platform"]
CMD_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def help_entries(text: str) -> dict[str, str]:
    """{command: summary} from `help`: lines that start with a command name and go on."""
    entries: dict[str, str] = {}
    for line in text.split("\n"):
        parts = line.strip().split(None, 1)
        if len(parts) == 2 and CMD_NAME.match(parts[0]):
            entries.setdefault(parts[0], parts[1])
    return entries


def test_help_lists_every_command(shell: Shell) -> None:
    entries = help_entries(shell.run("help"))
    missing = [c for c in COMMANDS if c not in entries]
    assert not missing, f"help does not list {missing}"
    for name in COMMANDS:
        assert len(entries[name].strip(" -:")) > 3, f"no summary for {name}: {entries[name]!r}"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_of_each_command(shell: Shell, cmd: str) -> None:
    out = shell.run(f"help {cmd}")
    assert cmd in out
    assert out != shell.run("help"), "help <cmd> printed the whole list"
    if cmd in JSON_COMMANDS:
        assert "--json" in out, f"help {cmd} does not mention --json"
    if cmd == "md":
        assert "addr" in out and "len" in out, out


def test_help_of_every_listed_command(shell: Shell) -> None:
    """Commands added later get help too: every name `help` lists has a `help <name>`."""
    for name in help_entries(shell.run("help")):
        shell.run(f"help {name}")


def test_readme_shows_the_current_help(shell: Shell) -> None:
    """The README's `monadic> help` block is what the shell prints today."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("monadic> help\n", 1)[1].split("```", 1)[0]
    shown = [line.rstrip() for line in block.strip("\n").split("\n")]
    printed = [line.rstrip() for line in shell.run("help").strip("\n").split("\n")]
    assert shown == printed, "README.md's help block is stale: paste the shell's `help` output"


def test_help_of_unknown_command(shell: Shell) -> None:
    out = shell.run("help frobnicate", check=False)
    assert error_lines(out), out


def test_version(shell: Shell) -> None:
    info = shell.run_json("version")
    assert set(info) >= {"name", "version", "build_date", "compiler"}
    assert info["name"] == "monadic-hypervisor"
    for key in ("version", "build_date", "compiler"):
        assert isinstance(info[key], str) and info[key], f"{key} = {info[key]!r}"
    assert re.match(r"\d{4}-\d\d-\d\d", info["build_date"]), info["build_date"]
    plain = shell.run("version")
    assert info["version"] in plain
    assert "monadic-hypervisor" in plain


def test_version_json_is_one_line(shell: Shell) -> None:
    out = shell.run("version --json")
    assert len(out.split("\n")) == 1, out


def test_sysregs(shell: Shell) -> None:
    regs = shell.run_json("sysregs")
    expected = {
        "current_el", "midr", "implementer", "core", "mpidr", "pa_bits", "lse", "vhe",
        "pmu_version", "cntfrq", "hcr_el2", "vtcr_el2", "vttbr_el2", "sctlr_el2",
    }  # fmt: skip
    assert set(regs) >= expected, f"missing {expected - set(regs)}"
    assert as_int(regs["current_el"]) == 2
    midr = as_int(regs["midr"])
    # -cpu max: IMPLEMENTER 0 ("reserved for software use"), PARTNUM 'Q' (QEMU target/arm).
    assert midr >> 24 == 0 and (midr >> 4) & 0xFFF == ord("Q"), hex(midr)
    assert regs["core"] != "Neoverse N1"
    # The boot CPU is cpu@0: Aff0..Aff3 all zero.
    assert as_int(regs["mpidr"]) & 0xFF00FFFFFF == 0
    assert as_int(regs["pa_bits"]) in (32, 36, 40, 42, 44, 48, 52)
    assert regs["lse"] is True and regs["vhe"] is True  # -cpu max has both
    # PMUv3 on -cpu max; the value may be a number (ID_AA64DFR0_EL1.PMUVer) or a name.
    pmu = regs["pmu_version"]
    assert (isinstance(pmu, int) and pmu > 0) or (isinstance(pmu, str) and "3" in pmu), pmu
    assert as_int(regs["cntfrq"]) >= 1_000_000
    plain = shell.run("sysregs").lower()
    for name in ("hcr_el2", "vtcr_el2", "vttbr_el2", "sctlr_el2", "midr"):
        assert name in plain, f"{name} missing from plain sysregs"
        assert f"{as_int(regs[name]):x}" in plain, f"{name} value differs between plain and JSON"


def test_platform_json(shell: Shell) -> None:
    plat = shell.run_json("platform")
    assert set(plat) >= {"model", "cpus", "mem", "mem_total", "uart", "gic", "psci", "pcie"}
    assert plat["model"] == "linux,dummy-virt"
    mpidrs = [as_int(cpu["mpidr"]) for cpu in plat["cpus"]]
    assert len(mpidrs) == MACHINE.smp and len(set(mpidrs)) == MACHINE.smp, mpidrs
    assert isinstance(plat["mem_total"], int)
    assert plat["mem_total"] == mem_bytes(MACHINE.mem)
    bases = [as_int(r["base"]) for r in plat["mem"]]
    assert 0x4000_0000 in bases  # the virt board's RAM starts at 1 GiB
    assert sum(as_int(r["size"]) for r in plat["mem"]) == plat["mem_total"]
    assert 0x0900_0000 in numbers_in(plat["uart"]), plat["uart"]  # PL011 of the virt board
    assert as_int(plat["gic"]["version"]) == 3
    # With virtualization=on and no EL3, QEMU's PSCI firmware is reached by SMC.
    assert plat["psci"]["conduit"] == "smc"
    assert plat["pcie"]["present"] is True


def test_platform_plain(shell: Shell) -> None:
    plain = shell.run("platform")
    assert "linux,dummy-virt" in plain
    assert "9000000" in plain.lower()


@pytest.mark.parametrize("cmd", JSON_COMMANDS)
def test_json_is_json_and_plain_is_not(shell: Shell, cmd: str) -> None:
    plain = shell.run(cmd)
    assert not plain.lstrip().startswith("{"), f"{cmd} without --json printed JSON"
    assert isinstance(shell.run_json(cmd), dict)
