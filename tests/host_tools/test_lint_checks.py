# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The include-order and inline-assembly checks of `make lint` on small trees made up here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ROOT / "scripts" / "check-layers.py"
ASM = ROOT / "scripts" / "check-inline-asm.py"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          check=False)


def test_the_repository_passes_the_inline_assembly_check() -> None:
    out = run(ASM, str(ROOT))
    assert out.returncode == 0, out.stdout


def test_include_from_a_higher_layer_is_reported_with_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, {
        "kernel/lib/fmt.h": "#pragma once\n",
        "kernel/arch/arch.h": '#include "kernel/lib/fmt.h"\n',  # down: allowed
        "kernel/vmm/vm.h": "#pragma once\n",
        "kernel/vmm/vcpu.c": '#include "kernel/vmm/vm.h"\n',  # same layer: allowed
        "monitor/shell.h": "#pragma once\n",
        "kernel/main.c": '/* boot */\n#include "kernel/arch/arch.h"\n#include "monitor/shell.h"\n',
    })
    out = run(LAYERS, "--layers", str(ROOT / "scripts" / "layers.txt"), str(tmp_path))
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        'kernel/main.c:3: #include "monitor/shell.h": layer core includes monitor/shell.h '
        "from the higher layer monitor"
    ]


def test_bench_may_use_the_monitor_but_not_the_other_way(tmp_path: Path) -> None:
    write(tmp_path, {
        "monitor/shell.h": "#pragma once\n",
        "bench/bench.h": '#include "monitor/shell.h"\n',
        "monitor/cmd_dp.c": '#include "bench/bench.h"\n',
    })
    out = run(LAYERS, "--layers", str(ROOT / "scripts" / "layers.txt"), str(tmp_path))
    assert out.returncode == 1
    assert [line.split(":")[0] for line in out.stdout.splitlines()] == ["monitor/cmd_dp.c"]


def test_test_guests_may_use_only_lib_and_the_ring(tmp_path: Path) -> None:
    write(tmp_path, {
        "kernel/lib/fmt.h": "#pragma once\n",
        "dataplane/spsc.h": "#pragma once\n",
        "kernel/vmm/vm.h": "#pragma once\n",
        "tests/guests/guest.h": "#pragma once\n",
        "tests/guests/ok.c": '#include "kernel/lib/fmt.h"\n#include "dataplane/spsc.h"\n'
                             '#include "guest.h"\n',
        "tests/guests/bad.c": '#include "kernel/vmm/vm.h"\n',
    })
    out = run(LAYERS, "--layers", str(ROOT / "scripts" / "layers.txt"), str(tmp_path))
    assert out.returncode == 1
    assert [line.split(":")[0] for line in out.stdout.splitlines()] == ["tests/guests/bad.c"]


def test_inline_assembly_outside_kernel_arch_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {
        "kernel/arch/arch.h": 'static inline void isb(void) { __asm__ volatile("isb"); }\n',
        "bench/bench_core.c": '__asm__ volatile("ldar x0, [x1]");\n',  # listed as deliberate
        "bench/host/bench.c": '__asm__ volatile("yield");\n',  # a host program
        "mm/stage2.c": "/* no asm( here: a comment */\nvoid f(void)\n{\n"
                       '\tasm volatile("tlbi vmalle1is");\n}\n',
    })
    out = run(ASM, str(tmp_path))
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        'mm/stage2.c:4: inline assembly outside kernel/arch/: asm volatile("tlbi vmalle1is");'
    ]
