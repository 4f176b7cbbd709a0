# SPDX-License-Identifier: BSD-2-Clause-Patent
"""End to end against the real image in QEMU: one tiny `bench` run into a results folder, and
the GDB commands of scripts/gdb/monadic.py on a halted QEMU."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from .recordings import REPO_ROOT

from monadic import MachineConfig
from monadic import results as res
from monadic.charts import chart_run
from monadic.exitcodes import EXIT_OK
from monadic.runner import run_suite
from monadic.suite import Step, Suite
from monadic.target import TargetSpec

pytestmark = pytest.mark.qemu
IMAGE = Path(os.environ.get("MONADIC_IMAGE", REPO_ROOT / "build" / "monadic-hypervisor.bin"))
ELF = IMAGE.with_suffix(".elf")
QEMU = os.environ.get("MONADIC_QEMU", "qemu-system-aarch64")
LOAD_ADDRESS = 0x40200000  # where QEMU's virt board puts the Image (see scripts/gdb-init.gdb)


@pytest.fixture(scope="module", autouse=True)
def need_qemu() -> None:
    if shutil.which(QEMU) is None:
        pytest.fail(f"{QEMU} not found (scripts/setup-toolchain.sh qemu installs it)")
    if not IMAGE.is_file():
        pytest.fail(f"{IMAGE} not found: run `make` first")


def test_tiny_suite_in_qemu(tmp_path: Path) -> None:
    suite = Suite(
        "tiny",
        [
            Step("bench atomics --iters 1000 --json", 120),
            Step("bench c2c --cpus 1,2 --iters 200 --json", 120),
        ],
        text="bench atomics --iters 1000\nbench c2c --cpus 1,2 --iters 200\n",
    )
    spec = TargetSpec(image=IMAGE, qemu=QEMU, config=MachineConfig(cpu="max", smp=4, mem="1G"))
    out = run_suite(spec, suite, tmp_path, [["pytest"]], None)
    assert out.status == EXIT_OK, out.message
    assert out.path is not None and out.path.name.endswith("-qemu-max-qemu")
    prov = json.loads((out.path / "provenance.json").read_text())
    assert prov["kind"] == "qemu" and prov["qemu_version"].startswith("QEMU emulator version")
    assert prov["target"]["machine"] == {"cpu": "max", "smp": 4, "mem": "1G"}
    assert prov["sysregs"]["current_el"] == 2 and prov["features"]["lse"] is True
    assert prov["image_version"]["name"] == "monadic-hypervisor"
    run = res.load_run(out.path)
    assert [r.bench for r in run.results] == ["atomics", "c2c"]
    assert run.results[1].raw["rtt_ns"]["n"] == 200
    assert "monadic> bench atomics --iters 1000 --json" in (out.path / "transcript.txt").read_text()
    assert {p.stem for p in chart_run(run)} == {"atomics", "latency_cdf", "latency_hist"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gdb_commands_on_a_halted_qemu() -> None:
    gdb = shutil.which("gdb-multiarch")
    if gdb is None:
        pytest.fail("gdb-multiarch not found (scripts/setup-toolchain.sh gdb installs it)")
    port = free_port()  # not :1234, which `make debug` may be using
    qemu = subprocess.Popen(
        [
            QEMU,
            "-M",
            "virt,virtualization=on,gic-version=3",
            "-cpu",
            "max",
            "-smp",
            "4",
            "-m",
            "1G",
            "-display",
            "none",
            "-serial",
            "null",
            "-monitor",
            "none",
            "-net",
            "none",
            "-kernel",
            str(IMAGE),
            "-S",
            "-gdb",
            f"tcp:127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(0.3)
        commands = [
            "set architecture aarch64",
            "set pagination off",
            "set confirm off",
            f"symbol-file -o {LOAD_ADDRESS:#x} {ELF}",
            f"target remote 127.0.0.1:{port}",
            f"source {REPO_ROOT / 'scripts' / 'gdb' / 'monadic.py'}",
            "break shell_run",
            "continue",
            "monadic-cpus",
            "monadic-vms",
            "monadic-s2walk 0 0x70000000",
            "monadic-s2walk 0 0x9000000",
            "kill",
        ]
        argv = [gdb, "-q", "-nx", "-batch"] + [a for c in commands for a in ("-ex", c)]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    finally:
        qemu.kill()
        qemu.wait(10)
    out = proc.stdout
    assert "4 CPUs described" in out, out + proc.stderr
    assert "0    0x0          busy" in out and "shell" in out
    assert "vm0" in out and "created" in out
    assert (
        "L2 table" in out
        and "block, OA 0x70000000: MemAttr 0xf (Normal Outer WB Inner WB), S2AP RW" in out
    )
    assert "IPA 0x70000000 -> PA 0x70000000 (block of 2 MiB)" in out
    assert "IPA 0x9000000: translation fault at level 1 (descriptor invalid)" in out
