# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Secondary CPUs, the PMU and the benchmarks: every bench speaks the documented JSON, its
statistics are ordered, and bad options are refused without hurting the shell.

The cheap checks run on -cpu max and -cpu neoverse-n1 (one shared machine each); the 10^6-message
sequence check runs once, on its own -cpu max machine.
"""

from __future__ import annotations

import time

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from helpers import SharedTarget  # the same reboot-if-unusable sharing as `shell`
from monadic import MachineConfig, Shell, Target, as_int, error_lines

SMP = 4
CPUS = ["max", "neoverse-n1"]
BENCH_TIMEOUT_S = 120.0
BENCHES = {
    "spsc-lat", "spsc-tput", "spsc-stress", "wfe", "c2c", "atomics", "hvc", "mmio", "virq",
    "virq-msi", "ipi",
}
BURSTS = [1 << i for i in range(9)]  # 1, 2, 4, ..., 256
ATOMIC_OPS = {
    "ldar+stlr",
    "ldr+str+dmb ish",
    "ldapr+stlr",
    "ldaddal (LSE)",
    "casal (LSE)",
    "ldaxr/stlxr loop",
}
STATS = ["min", "p50", "p90", "p99", "p999", "max"]
CPU_CYCLES = 0x11  # PMUv3 common event (Arm ARM D17.10)


def machine_config(cpu: str) -> MachineConfig:
    return MachineConfig(cpu=cpu, smp=SMP, mem="1G")


@pytest.fixture(scope="module", params=CPUS)
def _smp_machine(
    request: pytest.FixtureRequest, image: Path, qemu_binary: str
) -> Iterator[SharedTarget]:
    shared = SharedTarget(image, qemu_binary, machine_config(request.param))
    yield shared
    shared.close()


@pytest.fixture
def shell(request: pytest.FixtureRequest, _smp_machine: SharedTarget) -> Shell:
    return _smp_machine.get(request.node).shell


@pytest.fixture
def cpu(_smp_machine: SharedTarget) -> str:
    """The -cpu model of the machine under test."""
    return _smp_machine.config.cpu


def expect_error(shell: Shell, cmd: str) -> str:
    """Run `cmd`, demand an `error: ` line, and check the shell still answers afterwards."""
    out = shell.run(cmd, check=False, timeout=BENCH_TIMEOUT_S)
    errors = error_lines(out)
    assert errors, f"{cmd!r} answered {out!r} instead of an error"
    assert shell.run_json("version")["name"] == "monadic-hypervisor", f"shell dead after {cmd!r}"
    return errors[0]


def bench(shell: Shell, args: str) -> list[dict[str, Any]]:
    """`bench <args> --json` as a list of result lines."""
    out = shell.run_json(f"bench {args}", timeout=BENCH_TIMEOUT_S)
    return out if isinstance(out, list) else [out]


# --- checks shared by every bench line --------------------------------------------------------


def check_platform(line: dict[str, Any], shell: Shell) -> None:
    """The "platform" block repeats what `sysregs` and `pmu` say about this machine."""
    plat = line["platform"]
    regs = shell.run_json("sysregs")
    assert as_int(plat["midr"]) == as_int(regs["midr"]), plat
    assert plat["implementer"] == regs["implementer"] and plat["core"] == regs["core"], plat
    assert plat["cntfrq"] == as_int(regs["cntfrq"]) and plat["lse"] is regs["lse"], plat
    assert plat["pmu"] == shell.run_json("pmu")["version"], plat
    assert plat["cpus"] == SMP, plat


def check_params(line: dict[str, Any], iters: int, cpus: tuple[int, int] = (1, 2)) -> None:
    params = line["params"]
    assert params["iters"] == iters, params
    assert (params["cpu_a"], params["cpu_b"]) == cpus, params


def check_stats(stats: dict[str, Any], unit: str, n: int) -> None:
    assert stats["unit"] == unit and stats["n"] == n, stats
    values = [stats[k] for k in STATS]
    assert all(isinstance(v, int) for v in values), stats
    assert values == sorted(values), f"percentiles out of order: {stats}"
    assert values[0] > 0, f"a zero {unit} sample: {stats}"
    assert stats["min"] <= stats["mean"] <= stats["max"], stats


def check_line(line: dict[str, Any], iters: int, cpus: tuple[int, int] = (1, 2)) -> None:
    """The documented fields of one result line, by bench."""
    name = line["bench"]
    assert name in BENCHES, line
    if name in ("hvc", "mmio", "virq", "virq-msi"):
        # A guest VM of its own: both CPU fields name the core its one vCPU ran on.
        params = line["params"]
        assert params["iters"] == iters and params["cpu_a"] == params["cpu_b"] >= 1, line
        check_stats(line["rtt_ns"], "ns", iters)
        return
    if name == "ipi":
        # A two-vCPU guest VM: vCPU 0 sends from cpu_a, vCPU 1 takes the SGI on cpu_b.
        params = line["params"]
        assert params["iters"] == iters, line
        assert params["cpu_a"] >= 1 and params["cpu_b"] >= 1, line
        assert params["cpu_a"] != params["cpu_b"], line
        check_stats(line["rtt_ns"], "ns", iters)
        check_stats(line["rtt_ticks"], "ticks", iters)
        assert "insns_per_rtt" not in line, "a latency, not a counted round trip"
        return
    check_params(line, iters, cpus)
    if name == "spsc-lat":
        check_stats(line["rtt_ns"], "ns", iters)
    elif name == "spsc-tput":
        assert line["params"]["burst"] in BURSTS, line
        assert line["msgs"] == iters and line["ns"] > 0 and line["mps"] > 0, line
        # messages per second = messages / elapsed, to integer rounding
        expected = line["msgs"] * 1_000_000_000 / line["ns"]
        assert abs(line["mps"] - expected) <= expected * 0.01 + 1, line
    elif name == "spsc-stress":
        assert line["messages"] == iters and line["errors"] == 0, line
    elif name == "wfe":
        check_stats(line["wake_ns"], "ns", iters)
    elif name == "c2c":
        if "matrix" in line:
            check_matrix(line["matrix"])
        else:
            check_stats(line["rtt_ns"], "ns", iters)
    elif name == "atomics":
        check_atomics(line)


def check_matrix(matrix: list[list[int]]) -> None:
    """Every ordered pair: zero on the diagonal and in column 0 (CPU 0 runs the shell, so it
    never answers), a positive latency everywhere else."""
    assert len(matrix) == SMP and all(len(row) == SMP for row in matrix), matrix
    for a, row in enumerate(matrix):
        for b, ns in enumerate(row):
            if a == b or b == 0:
                assert ns == 0, f"matrix[{a}][{b}] = {ns}, want 0: {matrix}"
            else:
                assert ns > 0, f"matrix[{a}][{b}] = {ns}, want > 0: {matrix}"


def check_atomics(line: dict[str, Any]) -> None:
    ops = {op["op"]: op for op in line["ops"]}
    assert len(line["ops"]) == 6 and set(ops) == ATOMIC_OPS, list(ops)
    for name, op in ops.items():
        if "LSE" in name:
            assert op["supported"] is line["platform"]["lse"], op
        if op["supported"]:
            assert op["ns_x100"] > 0 and op["cycles_x100"] > 0, op


# --- cpus and pmu ----------------------------------------------------------------------------


def test_cpus(shell: Shell) -> None:
    cpus = shell.run_json("cpus")["cpus"]
    assert [c["cpu"] for c in cpus] == list(range(SMP)), cpus
    mpidrs = [as_int(c["mpidr"]) for c in shell.run_json("platform")["cpus"]]
    assert [as_int(c["mpidr"]) for c in cpus] == mpidrs
    assert (cpus[0]["state"], cpus[0]["doing"]) == ("busy", "shell"), cpus[0]
    for c in cpus[1:]:
        assert (c["state"], c["doing"]) == ("idle", "idle"), c


def test_cpus_check(shell: Shell) -> None:
    # Idle CPUs zero VM 0's RAM after boot, then read never-owned free RAM for the zero map
    # (mm/zmap.c), and take work between chunks without sleeping: wait for both to finish.
    deadline = time.monotonic() + 60
    while shell.run_json("vm info 0")["vm"]["ram_dirty"] and time.monotonic() < deadline:
        time.sleep(0.2)
    last = -1
    while time.monotonic() < deadline:
        left = shell.run_json("mem")["unchecked"]
        if left in (0, last):  # all read, or nothing more being read (a VM runs: they pause)
            break
        last = left
        time.sleep(0.5)
    before = {c["cpu"]: c["wakeups"] for c in shell.run_json("cpus")["cpus"]}
    check = shell.run_json("cpus check")
    assert check["failures"] == 0, check
    mpidrs = {c["cpu"]: as_int(c["mpidr"]) for c in shell.run_json("cpus")["cpus"]}
    assert [c["cpu"] for c in check["check"]] == list(range(1, SMP)), check
    for c in check["check"]:
        assert c["ok"] is True and c["el"] == 2, c
        assert as_int(c["mpidr"]) == mpidrs[c["cpu"]], c
    after = {c["cpu"]: c["wakeups"] for c in shell.run_json("cpus")["cpus"]}
    for n in range(1, SMP):
        assert after[n] > before[n], f"cpu{n} ran a work item without waking: {before} {after}"
    text = shell.run("cpus check")
    for n in range(1, SMP):
        assert f"cpu{n}" in text and f"MPIDR {mpidrs[n]:#x}" in text, text


@pytest.mark.parametrize("cmd", ["cpus bogus", "cpus check extra"])
def test_cpus_bad_arguments(shell: Shell, cmd: str) -> None:
    expect_error(shell, cmd)


def test_pmu(shell: Shell) -> None:
    pmu = shell.run_json("pmu")
    assert pmu["version"].startswith("PMUv3"), pmu
    assert pmu["version"] == shell.run_json("sysregs")["pmu_version"]
    assert 1 <= pmu["counters"] <= 31, pmu  # PMCR_EL0.N
    events = {as_int(e["event"]): e["name"] for e in pmu["events"]}
    assert events.get(CPU_CYCLES) == "CPU_CYCLES", events
    expect_error(shell, "pmu bogus")


# --- each bench -------------------------------------------------------------------------------


def test_bench_spsc_lat(shell: Shell) -> None:
    [line] = bench(shell, "spsc-lat --iters 200")
    assert line["bench"] == "spsc-lat"
    check_platform(line, shell)
    check_line(line, 200)
    assert line["params"]["ring"] == 256, line  # the default ring
    [line] = bench(shell, "spsc-lat --iters 100 --cpus 1,3 --ring 64")
    check_line(line, 100, (1, 3))
    assert line["params"]["ring"] == 64, line


def test_bench_spsc_tput(shell: Shell) -> None:
    lines = bench(shell, "spsc-tput --iters 2000")
    assert [line["params"]["burst"] for line in lines] == BURSTS
    for line in lines:
        assert line["bench"] == "spsc-tput"
        check_line(line, 2000)
    [line] = bench(shell, "spsc-tput --iters 100 --burst 8")
    assert line["params"]["burst"] == 8
    check_line(line, 100)


def test_bench_wfe(shell: Shell) -> None:
    [line] = bench(shell, "wfe --iters 200")
    assert line["bench"] == "wfe"
    check_platform(line, shell)
    check_line(line, 200)
    [line] = bench(shell, "wfe --iters 50 --cpus 3,1")
    check_line(line, 50, (3, 1))


def test_bench_c2c_matrix(shell: Shell) -> None:
    [line] = bench(shell, "c2c --iters 200")
    assert line["bench"] == "c2c" and "matrix" in line, line
    check_line(line, 200)


def test_bench_c2c_pair(shell: Shell) -> None:
    [line] = bench(shell, "c2c --cpus 1,2 --iters 200")
    assert line["bench"] == "c2c" and "matrix" not in line, line
    check_line(line, 200, (1, 2))


def test_bench_atomics(shell: Shell, cpu: str) -> None:
    [line] = bench(shell, "atomics --iters 200")
    assert line["bench"] == "atomics"
    check_platform(line, shell)
    check_line(line, 200)
    if cpu == "neoverse-n1":
        assert line["platform"]["core"] == "Neoverse N1", line["platform"]
        assert line["platform"]["implementer"] == "Arm", line["platform"]
        assert all(op["supported"] for op in line["ops"]), "Neoverse N1 has LSE and LDAPR"


def test_bench_ipi(shell: Shell) -> None:
    """`bench ipi`: a two-vCPU VM of its own whose vCPU 0 sends SGIs to vCPU 1 (trapped
    ICC_SGI1R_EL1 writes); vCPU 1 timestamps each in its handler. The VM is destroyed after."""
    before = shell.run_json("vm list")["vms"]
    [line] = bench(shell, "ipi --iters 300")
    assert line["bench"] == "ipi"
    check_platform(line, shell)
    check_line(line, 300)
    assert shell.run_json("vm list")["vms"] == before, "the benchmark VM was not destroyed"
    text = shell.run("bench ipi --iters 100", timeout=BENCH_TIMEOUT_S)
    assert "vCPU 0 on cpu" in text and "vCPU 1 on cpu" in text, text
    assert any(row.split()[:2] == ["latency", "ns"] for row in text.splitlines()), text


def test_bench_all(shell: Shell) -> None:
    lines = bench(shell, "all --iters 500")
    assert {line["bench"] for line in lines} == BENCHES
    counts = {name: sum(line["bench"] == name for line in lines) for name in BENCHES}
    assert counts == {**dict.fromkeys(BENCHES, 1), "spsc-tput": len(BURSTS)}, counts
    for line in lines:
        check_line(line, 500)


def test_bench_text(shell: Shell) -> None:
    text = shell.run("bench spsc-lat --iters 50", timeout=BENCH_TIMEOUT_S)
    assert not text.lstrip().startswith("{"), text
    assert "round trip" in text and "p99" in text, text


def test_spsc_stress_one_million(boot: Callable[..., Target]) -> None:
    """The required sequence-checked run: 10^6 messages, every one arrives, in order."""
    shell = boot(machine_config("max")).shell
    [line] = bench(shell, "spsc-stress --iters 1000000")
    assert line["bench"] == "spsc-stress"
    check_platform(line, shell)
    check_line(line, 1_000_000)
    assert line["ns"] > 0, line


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        "",
        "nope",
        "nope --json",
        "c2c --cpus 1,1",
        "c2c --cpus 0,9",
        "c2c --cpus 1",
        "c2c --cpus 1,2,3",
        "c2c --cpus a,b",
        "c2c --cpus 2,0",
        "wfe --cpus 2,0",
        "spsc-lat --iters 0",
        "spsc-lat --iters 2000000",
        "spsc-lat --ring 3",
        "spsc-lat --ring 131072",
        "spsc-tput --burst 0",
        "spsc-tput --burst 300",
        "spsc-lat --iters",
        "spsc-lat --frob",
        "spsc-lat --iters 0 --json",
    ],
)
def test_bench_bad_options(shell: Shell, args: str) -> None:
    err = expect_error(shell, f"bench {args}".rstrip())
    if "2,0" in args:
        assert "CPU 0" in err, err
