# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`bench-vs-kvm`: turning the benchmark guest's UART lines into instructions per operation,
the KVM mode check, the table, the results folder and the chart (no QEMU)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest

from monadic import charts
from monadic import results as res
from monadic.cli import main
from monadic.vskvm import (
    MODES,
    OPS,
    ModeRun,
    OpResult,
    build_commands,
    format_table,
    kvm_config,
    parse_console,
    table_rows,
    write_folder,
)

# Lines as the machines print them (the KVM host's console, the guest's UART through it).
KVM_VHE = [
    "KVMHOST: linux=6.1.0-57-cloud-arm64 cpus=3",
    "KVMHOST-LOG: [    0.126413] kvm [1]: VHE mode initialized successfully",
    "[    0.126413] kvm [1]: VHE mode initialized successfully",
    "uartbench: start iters=2000 vcpu=0",
    "uartbench: op=hvc n=2000 ticks=126787 base=375 frq=62500000\r",
    "uartbench: op=mmio-uart n=501 ticks=208491 base=62 frq=62500000",
    "uartbench: op=mmio-gicd n=2000 ticks=234807 base=250 frq=62500000",
    "uartbench: op=ipi n=402 ticks=387587 base=0 frq=62500000",
    "uartbench: done",
]
OURS = [
    "monadic-hypervisor ac45e20-dirty (built 2026-12-06T04:22:02Z), loaded at 0x40200000",
    "uartbench: op=hvc n=2000 ticks=22875 base=375 frq=62500000",
    "uartbench: op=mmio-uart n=501 ticks=9895 base=63 frq=62500000",
    "uartbench: op=ipi n=402 ticks=24327 base=0 frq=62500000",
    "uartbench: done",
]


def test_one_operation_in_instructions() -> None:
    # (126787 - 375) ticks / 2000 at 62.5 MHz: 16 ns, one instruction each, per tick.
    assert OpResult("hvc", 2000, 126787, 375, 62_500_000).insns == pytest.approx(1011.296)
    assert math.isnan(OpResult("hvc", 0, 1, 0, 62_500_000).insns)


def test_parse_a_kvm_run() -> None:
    run = parse_console("kvm-vhe", KVM_VHE)
    assert run.kvm_mode == "vhe" and run.host_kernel == "6.1.0-57-cloud-arm64"
    assert set(run.ops) == {"hvc", "mmio-uart", "mmio-gicd", "ipi"}
    assert run.ops["ipi"].n == 402 and run.done and run.problem() is None
    assert run.kvm_log == ["[    0.126413] kvm [1]: VHE mode initialized successfully"]


def test_the_median_round_counts() -> None:
    lines = [f"uartbench: op=hvc n=100 ticks={t} base=0 frq=62500000" for t in (900, 50, 70, 60)]
    run = parse_console("monadic", [*lines, "uartbench: done"])
    assert [r.ticks for r in run.rounds["hvc"]] == [900, 50, 70, 60]
    assert run.ops["hvc"].ticks == 60  # the lower middle of 50, 60, 70, 900: a measured round
    assert parse_console("monadic", lines[:3]).ops["hvc"].ticks == 70


def test_a_run_in_the_wrong_mode_is_a_problem() -> None:
    run = parse_console("kvm-nvhe", KVM_VHE)
    assert run.problem() == "KVM initialised in mode vhe, not nvhe"
    nvhe = [line.replace("VHE mode", "Hyp mode") for line in KVM_VHE]
    assert parse_console("kvm-nvhe", nvhe).problem() is None


def test_unfinished_and_failed_runs_are_problems() -> None:
    assert parse_console("monadic", OURS[:-1]).problem() == "no 'uartbench: done' line"
    bad = parse_console("monadic", [*OURS, "uartbench: error: vCPU 1 did not start (CPU_ON -2)"])
    assert bad.problem() == "guest: vCPU 1 did not start (CPU_ON -2)"
    nokvm = parse_console("kvm-vhe", ["KVMHOST: error: no /dev/kvm (KVM did not initialise)"])
    assert nokvm.problem() == "no /dev/kvm (KVM did not initialise)"


def test_banner_is_recorded() -> None:
    assert parse_console("monadic", OURS).banner == (
        "monadic-hypervisor ac45e20-dirty (built 2026-12-06T04:22:02Z)"
    )


def _runs() -> dict[str, ModeRun]:
    return {"monadic": parse_console("monadic", OURS), "kvm-vhe": parse_console("kvm-vhe", KVM_VHE)}


def test_table_rows_and_ratios() -> None:
    rows = {r["op"]: r for r in table_rows(_runs())}
    assert [r["op"] for r in table_rows(_runs())] == [op for op, _ in OPS]
    assert rows["hvc"]["monadic"] == pytest.approx(180.0)
    assert rows["hvc"]["ratio_vhe"] == pytest.approx(1011.3 / 180.0, abs=0.01)
    assert rows["hvc"]["kvm-nvhe"] is None and rows["hvc"]["ratio_nvhe"] is None
    # An operation only KVM reported has no ratio.
    assert rows["mmio-gicd"]["monadic"] is None and rows["mmio-gicd"]["ratio_vhe"] is None


def test_format_table_text_and_markdown() -> None:
    rows = table_rows(_runs())
    text = format_table(rows).splitlines()
    assert text[0].split() == ["operation", "monadic", "KVM", "VHE", "VHE/ours", "KVM", "nVHE",
                               "nVHE/ours"]
    hvc = text[1].split()
    assert hvc[:4] == ["hvc", "180", "1,011", "5.62x"] and hvc[4:] == ["n/a", "n/a"]
    md = format_table(rows, markdown=True).splitlines()
    assert md[1] == "|---|---:|---:|---:|---:|---:|"
    assert md[2].startswith("| hypercall round trip (SMCCC_VERSION) | 180 | 1,011 | 5.62x |")


def test_results_folder_loads_and_charts(tmp_path: Path) -> None:
    runs = _runs()
    prov = {"cpu": "max", "qemu_version": "QEMU emulator version 7.2.15",
            "debian_packages": {"qemu-system-arm": "1:7.2+dfsg-7+deb12u18"}}
    write_folder(tmp_path, runs, {"monadic": OURS}, prov)
    run = res.load_run(tmp_path)
    hvc = [r for r in run.results if r.bench == "vs-kvm-hvc"]
    assert {r.params["hypervisor"] for r in hvc} == {"monadic", "kvm-vhe"}
    assert all(isinstance(r.raw["insns_per_op"], float) for r in run.results)
    assert hvc[0].raw["rounds_insns_per_op"] == [hvc[0].raw["insns_per_op"]]
    saved = json.loads((tmp_path / "provenance.json").read_text())
    assert saved["runs"]["kvm-vhe"]["kvm_mode"] == "vhe" and saved["table"][0]["op"] == "hvc"
    assert (tmp_path / "transcript-monadic.txt").read_text().startswith("monadic-hypervisor")
    assert "5.62x" in (tmp_path / "table.md").read_text()
    assert len({r.key() for r in run.results}) == len(run.results)  # compare tells them apart
    assert [r.label() for r in hvc] == ["vs-kvm-hvc monadic", "vs-kvm-hvc kvm-vhe"]
    written = charts.chart_vs_kvm(table_rows(runs), tmp_path / "charts", prov)
    assert sorted(p.name for p in written) == ["vs_kvm.png", "vs_kvm.svg"]
    svg = (tmp_path / "charts" / "vs_kvm.svg").read_text()
    assert "KVM nVHE" in svg and "5.6x" in svg
    # `monadic chart` on the folder draws it again from provenance.json.
    (tmp_path / "charts" / "vs_kvm.svg").unlink()
    assert [p.name for p in charts.chart_run(res.load_run(tmp_path))] == ["vs_kvm.png", "vs_kvm.svg"]


def _args(tmp_path: Path) -> argparse.Namespace:
    for name in ("Image", "initramfs-kvm.cpio", "hyp.bin", "guest.bin"):
        (tmp_path / name).write_bytes(b"x")
    return argparse.Namespace(qemu="qemu-system-aarch64", cpu="max", smp=3, mem="1G",
                              iters=500, rounds=3, linux_dir=str(tmp_path), image=str(tmp_path / "hyp.bin"),
                              guest=str(tmp_path / "guest.bin"))


def test_every_mode_runs_the_same_machine(tmp_path: Path) -> None:
    cmds = build_commands(_args(tmp_path))
    assert set(cmds) == set(MODES)
    machine = cmds["monadic"][: cmds["monadic"].index("-kernel")]
    assert "shift=0,sleep=off" in machine and "virt,virtualization=on,gic-version=3" in machine
    for mode in MODES:
        assert cmds[mode][: len(machine)] == machine
    assert cmds["kvm-nvhe"][-1].endswith("monadic.iters=500 monadic.rounds=3 kvm-arm.mode=nvhe")
    assert "kvm-arm.mode" not in cmds["kvm-vhe"][-1]
    assert cmds["monadic"][-1].endswith('2,"iters=500 rounds=3" attach')


def test_missing_files_are_named(tmp_path: Path) -> None:
    args = _args(tmp_path)
    (tmp_path / "initramfs-kvm.cpio").unlink()
    with pytest.raises(Exception, match="initramfs-kvm.cpio is missing"):
        build_commands(args)
    # This hypervisor's run alone does not need the KVM host.
    assert list(build_commands(args, ["monadic"])) == ["monadic"]


def test_help_names_the_modes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bench-vs-kvm", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "kvm-arm.mode=nvhe" in out and "monadic kvm-vhe kvm-nvhe" in out


def test_kvm_config_from_the_kernel_package(tmp_path: Path) -> None:
    assert kvm_config(tmp_path) == "unknown"
    boot = tmp_path / "kernel" / "boot"
    boot.mkdir(parents=True)
    (boot / "config-6.1.0-57-cloud-arm64").write_text("CONFIG_VIRTUALIZATION=y\nCONFIG_KVM=y\n")
    assert kvm_config(tmp_path) == "y"
    (boot / "config-6.1.0-57-cloud-arm64").write_text("# CONFIG_KVM is not set\n")
    assert kvm_config(tmp_path) == "n"
