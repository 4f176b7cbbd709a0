# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The side-by-side against KVM (`make bench-vs-kvm`): one benchmark guest
(tests/guests/uartbench.c), one QEMU machine, three hypervisors.

The machine is QEMU's virt board with EL2 (`-M virt,virtualization=on,gic-version=3`), the same
CPU model and `-icount shift=0,sleep=off`: one virtual ns is one instruction, and a CPU idle in
WFI lets virtual time jump to the next timer instead of following the host's clock, so a
figure counts the instructions every CPU executed, not time spent waiting. On it run, in turn:

- Debian's arm64 kernel at EL2 with KVM in VHE mode (the default on a CPU with VHE), whose
  initramfs (scripts/bench-vs-kvm-init.sh) runs the guest under Debian's qemu-system-aarch64
  with `-accel kvm`;
- the same with `kvm-arm.mode=nvhe`;
- this hypervisor, with the guest staged by QEMU's loader and started from its command line.

The guest prints one `uartbench: op=...` line per operation on its PL011; this module turns
them into instructions per operation, the table (KVM / ours) and a results folder like
`monadic bench` writes (results.jsonl, provenance.json, transcripts, charts/).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .errors import MonadicError
from .exitcodes import EXIT_OK, EXIT_TARGET_FAILED
from .results import host_command, new_folder
from .target import qemu_version

MODES = ("monadic", "kvm-vhe", "kvm-nvhe")
MODE_LABELS = {"monadic": "monadic", "kvm-vhe": "KVM VHE", "kvm-nvhe": "KVM nVHE"}
# (op, what it is); the order of the table.
OPS: tuple[tuple[str, str], ...] = (
    ("hvc", "hypercall round trip (SMCCC_VERSION)"),
    ("mmio-gicd", "MMIO read, GICD_TYPER (KVM: in-kernel vGIC)"),
    ("mmio-uart", "MMIO read, PL011 FR (KVM: QEMU in user space)"),
    ("ipi", "IPI, SGI send to the other vCPU's handler"),
    ("virq", "virtual timer expiry, vCPU in WFI"),
    ("virq-busy", "virtual timer expiry, vCPU busy"),
)
OP_RE = re.compile(
    r"uartbench: op=(?P<op>[\w-]+) n=(?P<n>\d+) ticks=(?P<ticks>\d+) base=(?P<base>\d+) "
    r"frq=(?P<frq>\d+)"
)
DONE_MARK = "uartbench: done"
GUEST_ERROR_RE = re.compile(r"uartbench: error: (.*)")
KVM_MODE_RE = re.compile(
    r"kvm \[\d+\]: (VHE mode|Hyp mode|Protected nVHE mode) initialized successfully"
)
KVM_MODES = {"VHE mode": "vhe", "Hyp mode": "nvhe", "Protected nVHE mode": "protected"}
BANNER_RE = re.compile(r"(monadic-hypervisor \S+ \(built [^)]*\))")
GUEST_PA = 0x50000000  # where QEMU's loader stages the guest for this hypervisor
GUEST_MEM = "64M"
GUEST_CPUS = 2  # the IPI needs two
INITRAMFS_NAME = "initramfs-kvm.cpio"
GUEST_PATH = "/uartbench.bin"  # inside that initramfs


@dataclass
class OpResult:
    """One `uartbench: op=` line: (ticks - base) / n ticks per operation."""

    op: str
    n: int
    ticks: int
    base: int
    frq: int

    @property
    def insns(self) -> float:
        """Instructions (virtual ns under -icount shift=0) per operation."""
        if self.n <= 0 or self.frq <= 0:
            return float("nan")
        return (self.ticks - self.base) * 1e9 / self.frq / self.n


@dataclass
class ModeRun:
    """What one boot of the machine printed and what it measured."""

    mode: str
    ops: dict[str, OpResult] = field(default_factory=dict)  # each operation's median round
    rounds: dict[str, list[OpResult]] = field(default_factory=dict)  # every round, in order
    done: bool = False
    errors: list[str] = field(default_factory=list)
    kvm_mode: str | None = None  # what the host kernel said it initialised
    kvm_log: list[str] = field(default_factory=list)
    host_kernel: str | None = None
    banner: str | None = None  # this hypervisor's version line
    wall_s: float = 0.0
    command: list[str] = field(default_factory=list)

    def problem(self) -> str | None:
        """Why this run cannot be trusted, or None."""
        if self.errors:
            return "; ".join(self.errors)
        if not self.done:
            return f"no '{DONE_MARK}' line"
        want = {"kvm-vhe": "vhe", "kvm-nvhe": "nvhe"}.get(self.mode)
        if want and self.kvm_mode != want:
            return f"KVM initialised in mode {self.kvm_mode or 'none'}, not {want}"
        return None


def parse_console(mode: str, lines: Sequence[str]) -> ModeRun:
    """Fill a ModeRun from the machine's console lines (the guest's and its host's)."""
    run = ModeRun(mode=mode)
    for raw in lines:
        line = raw.strip("\r\n")
        m = OP_RE.search(line)
        if m:
            r = OpResult(m["op"], int(m["n"]), int(m["ticks"]), int(m["base"]), int(m["frq"]))
            run.rounds.setdefault(r.op, []).append(r)
            continue
        m = GUEST_ERROR_RE.search(line)
        if m:
            run.errors.append(f"guest: {m[1]}")
        if DONE_MARK in line:
            run.done = True
        if line.startswith("KVMHOST-LOG: "):
            run.kvm_log.append(line.removeprefix("KVMHOST-LOG: "))
        m = KVM_MODE_RE.search(line)
        if m:
            run.kvm_mode = KVM_MODES[m[1]]
        m = re.search(r"KVMHOST: linux=(\S+)", line)
        if m:
            run.host_kernel = m[1]
        m = re.search(r"KVMHOST: error: (.*)", line)
        if m:
            run.errors.append(m[1])
        m = BANNER_RE.search(line)
        if m and run.banner is None:
            run.banner = m[1]
    run.ops = {op: median_round(rs) for op, rs in run.rounds.items()}
    return run


def median_round(rounds: Sequence[OpResult]) -> OpResult:
    """The round with the median cost (the lower middle one of an even number): a measured
    round, not an average, so a round the host's own work fell into does not move it."""
    ordered = sorted(rounds, key=lambda r: r.insns)
    return ordered[(len(ordered) - 1) // 2]


def ratio(kvm: OpResult | None, ours: OpResult | None) -> float | None:
    """KVM's instructions per operation over ours (how many times more KVM spends)."""
    if kvm is None or ours is None or not ours.insns > 0:
        return None
    return kvm.insns / ours.insns


def table_rows(runs: dict[str, ModeRun]) -> list[dict[str, Any]]:
    """One row per operation: instructions per op in each mode and the two ratios."""
    rows = []
    for op, what in OPS:
        got = {mode: runs[mode].ops.get(op) if mode in runs else None for mode in MODES}
        row: dict[str, Any] = {"op": op, "what": what}
        for mode in MODES:
            r = got[mode]
            row[mode] = round(r.insns, 1) if r is not None else None
        row["ratio_vhe"] = _round(ratio(got["kvm-vhe"], got["monadic"]))
        row["ratio_nvhe"] = _round(ratio(got["kvm-nvhe"], got["monadic"]))
        rows.append(row)
    return rows


def _round(x: float | None) -> float | None:
    return round(x, 2) if x is not None else None


def _cell(v: Any, fmt: str) -> str:
    return "n/a" if v is None else format(v, fmt)


def format_table(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    """The table: text for a terminal, or Markdown for docs/."""
    head = ["operation", "monadic", "KVM VHE", "VHE/ours", "KVM nVHE", "nVHE/ours"]
    body = [
        [
            r["what"] if markdown else r["op"],
            _cell(r["monadic"], ",.0f"),
            _cell(r["kvm-vhe"], ",.0f"),
            _cell(r["ratio_vhe"], ".2f") + ("x" if r["ratio_vhe"] is not None else ""),
            _cell(r["kvm-nvhe"], ",.0f"),
            _cell(r["ratio_nvhe"], ".2f") + ("x" if r["ratio_nvhe"] is not None else ""),
        ]
        for r in rows
    ]
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
        out += ["| " + " | ".join(b) + " |" for b in body]
        return "\n".join(out)
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = []
    for cells in [head] + body:
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
            )
        )
    return "\n".join(lines)


# --- the three machines ---------------------------------------------------------------------


def machine_args(args: argparse.Namespace) -> list[str]:
    """What every run shares: the board, CPU model, CPUs, RAM and instruction counting."""
    return [
        args.qemu,
        "-M",
        "virt,virtualization=on,gic-version=3",
        "-cpu",
        args.cpu,
        "-smp",
        str(args.smp),
        "-m",
        args.mem,
        "-icount",
        "shift=0,sleep=off",
        "-nographic",
        "-net",
        "none",
    ]


def build_commands(
    args: argparse.Namespace, modes: Sequence[str] = MODES
) -> dict[str, list[str]]:
    """The QEMU command line of each of `modes`."""
    linux = Path(args.linux_dir)
    kernel, initramfs = linux / "Image", linux / INITRAMFS_NAME
    need = [Path(args.image), Path(args.guest)] if "monadic" in modes else []
    if any(m.startswith("kvm") for m in modes):
        need += [kernel, initramfs]
    for f in need:
        if not f.exists():
            raise MonadicError(f"{f} is missing (make bench-vs-kvm builds and fetches it)")
    base = machine_args(args)
    # halt_poll_ns=0: a vCPU that waits in WFI sleeps at once instead of polling for up to
    # 200 us, whose spinning would count as instructions (and, under round-robin TCG, keep
    # the other CPU from running).
    host_cmdline = (
        f"console=ttyAMA0 kvm.halt_poll_ns=0 monadic.iters={args.iters} "
        f"monadic.rounds={args.rounds}"
    )
    kvm = [*base, "-kernel", str(kernel), "-initrd", str(initramfs), "-append"]
    commands = {
        "monadic": [
            *base,
            "-kernel",
            str(args.image),
            "-device",
            f"loader,file={args.guest},addr={GUEST_PA:#x},force-raw=on",
            "-append",
            f"vm=uartbench,{GUEST_PA:#x},{GUEST_MEM},{GUEST_CPUS},"
            f'"iters={args.iters} rounds={args.rounds}" attach',
        ],
        "kvm-vhe": [*kvm, host_cmdline],
        "kvm-nvhe": [*kvm, f"{host_cmdline} kvm-arm.mode=nvhe"],
    }
    return {m: commands[m] for m in modes}


def run_qemu(cmd: list[str], timeout: float) -> tuple[list[str], float]:
    """Run one machine until the guest is done (this hypervisor keeps running after its guest
    powers off; a Linux host powers off), the host powers down, or `timeout` seconds pass."""
    start = time.monotonic()
    lines: list[str] = []
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            lines.append(line)
            if DONE_MARK in line or "reboot: Power down" in line:
                break
            if time.monotonic() - start > timeout:
                lines.append(f"[bench-vs-kvm: gave up after {timeout:.0f} s]")
                break
    finally:
        proc.kill()
        proc.wait()
    return lines, time.monotonic() - start


# --- results --------------------------------------------------------------------------------


def result_lines(runs: dict[str, ModeRun], platform: dict[str, Any]) -> list[dict[str, Any]]:
    """The results.jsonl lines: one per mode and operation, shaped like `bench --json`."""
    out = []
    for mode in MODES:
        run = runs.get(mode)
        if run is None:
            continue
        for op, _ in OPS:
            r = run.ops.get(op)
            if r is None:
                continue
            out.append(
                {
                    "bench": f"vs-kvm-{op}",
                    "platform": platform,
                    "params": {"hypervisor": mode, "iters": r.n},
                    "unit": "insns",
                    "insns_per_op": round(r.insns, 1),
                    "rounds_insns_per_op": [round(x.insns, 1) for x in run.rounds[op]],
                    "ticks": r.ticks,
                    "base_ticks": r.base,
                    "cntfrq": r.frq,
                }
            )
    return out


def kvm_config(linux_dir: Path) -> str:
    """CONFIG_KVM in the Debian kernel package's config (kernel/boot/config-*): "y" (built in:
    on arm64 KVM is a bool option, never a module), "n", or "unknown" without the config."""
    for config in sorted((linux_dir / "kernel" / "boot").glob("config-*")):
        for line in config.read_text(errors="replace").splitlines():
            if line.startswith("CONFIG_KVM="):
                return line.split("=", 1)[1]
            if line == "# CONFIG_KVM is not set":
                return "n"
        return "n"
    return "unknown"


def packages_used(linux_dir: Path) -> dict[str, str]:
    """The Debian packages behind the KVM host, from the .deb names in <linux-dir>/dl."""
    want = ("linux-image-", "qemu-system-arm_", "busybox-static_")
    found = {}
    for deb in sorted((linux_dir / "dl").glob("*.deb")):
        if deb.name.startswith(want):
            name, version = deb.name.split("_")[:2]
            found[name] = version.replace("%3a", ":")
    return found


def write_folder(
    path: Path,
    runs: dict[str, ModeRun],
    transcripts: dict[str, list[str]],
    provenance: dict[str, Any],
) -> None:
    rows = table_rows(runs)
    platform = {"machine": "qemu-virt", "cpu": provenance.get("cpu", "?"), "emulated": True}
    with open(path / "results.jsonl", "w") as f:
        for line in result_lines(runs, platform):
            f.write(json.dumps(line, sort_keys=True) + "\n")
    provenance = dict(provenance)
    provenance["benchmark"] = "bench-vs-kvm"  # for `monadic chart`: charts.chart_run
    provenance["runs"] = {m: _run_record(r) for m, r in runs.items()}
    provenance["table"] = rows
    (path / "provenance.json").write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")
    (path / "table.txt").write_text(format_table(rows) + "\n")
    (path / "table.md").write_text(format_table(rows, markdown=True) + "\n")
    for mode, lines in transcripts.items():
        (path / f"transcript-{mode}.txt").write_text("\n".join(lines) + "\n")


def _run_record(run: ModeRun) -> dict[str, Any]:
    rec = asdict(run)
    rec["ops"] = {op: {**asdict(r), "insns_per_op": round(r.insns, 1)} for op, r in run.ops.items()}
    rec["rounds"] = {op: [round(r.insns, 1) for r in rs] for op, rs in run.rounds.items()}
    rec["problem"] = run.problem()
    return rec


def bench_vs_kvm(args: argparse.Namespace) -> int:
    """All three runs, the table on stdout, the results folder and its chart."""
    commands = build_commands(args, args.modes)
    kvm = kvm_config(Path(args.linux_dir))
    if any(m.startswith("kvm") for m in args.modes) and kvm not in ("y", "unknown"):
        raise MonadicError(f"the Debian kernel in {args.linux_dir} has CONFIG_KVM={kvm}: no KVM")
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    runs: dict[str, ModeRun] = {}
    transcripts: dict[str, list[str]] = {}
    for mode in args.modes:
        print(f"bench-vs-kvm: {MODE_LABELS[mode]} ...", file=sys.stderr, flush=True)
        lines, wall = run_qemu(commands[mode], args.timeout)
        run = parse_console(mode, lines)
        run.wall_s, run.command = round(wall, 1), commands[mode]
        runs[mode], transcripts[mode] = run, lines
        problem = run.problem()
        print(
            f"bench-vs-kvm: {MODE_LABELS[mode]}: {len(run.ops)} operations in {wall:.0f} s"
            + (f"; error: {problem}" if problem else ""),
            file=sys.stderr,
            flush=True,
        )
    rows = table_rows(runs)
    print(format_table(rows))
    status = EXIT_OK if all(r.problem() is None for r in runs.values()) else EXIT_TARGET_FAILED
    if args.results:
        folder = new_folder(Path(args.results), "vs-kvm")
        provenance = {
            "format": 1,
            "kind": "qemu",
            "started": started,
            "host_command": host_command(),
            "qemu_version": qemu_version(args.qemu),
            "cpu": args.cpu,
            "smp": args.smp,
            "mem": args.mem,
            "iters": args.iters,
            "rounds": args.rounds,
            "icount": "shift=0,sleep=off",
            "guest": str(args.guest),
            "debian_packages": packages_used(Path(args.linux_dir)),
            "config_kvm": kvm,
            "unit": "instructions per operation (virtual ns under -icount shift=0)",
        }
        write_folder(folder, runs, transcripts, provenance)
        if args.chart:
            from . import charts

            charts.chart_vs_kvm(rows, folder / "charts", provenance)
        print(f"bench-vs-kvm: results in {folder}")
    return status
