# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`make bench-nvme`: 4 KiB random read and write IOPS and latency at queue depths 1 to 128 on
one QEMU NVMe device (one backing file), by four paths:

- ring: the bare-metal benchmark guest on the block engine's rings (`bench nvme`), with the EL2
  cycles per I/O; a second run under `-icount shift=0` counts the EL2 instructions per I/O;
- passthrough: Debian's arm64 Linux as a VM with the controller passed through, fio;
- direct: the same kernel and initramfs booted by QEMU with no hypervisor, fio;
- virtio: the same Linux VM on virtio-blk through the engine (`disk=...,virtio`), fio; skipped
  with the reason when the hypervisor or the guest has no such disk.

fio runs from the initramfs scripts/fetch-guest-linux.sh builds with Debian's fio package
(scripts/bench-nvme-init.sh is its /init). Results go to results/<date>-nvme/ (results.jsonl,
provenance.json, the tables, transcripts, charts/), like `monadic bench-vs-kvm`.
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

PATHS = ("ring", "passthrough", "direct", "virtio")
PATH_LABELS = {
    "ring": "bare-metal guest, ring, EL2 engine",
    "passthrough": "Linux, NVMe passed through",
    "direct": "Linux, no hypervisor",
    "virtio": "Linux, virtio-blk on the engine",
}
QDS = (1, 2, 4, 8, 16, 32, 64, 128)
OPS = ("read", "write")
FIO_OPS = {"randread": "read", "randwrite": "write"}
IMAGE_PA = 0x50000000
INITRD_PA = 0x58000000
INITRAMFS_NAME = "initramfs-fio.cpio"
BDF = "00:01.0"
# Targets of the block service (docs/block-service.md).
TARGET_EL2_INSNS = 1500
TARGET_VIRTIO_RATIO = 0.8

FIO_LINE = "MONADIC-FIO| "
FIO_BEGIN_RE = re.compile(r"MONADIC-FIO-BEGIN: rc=(\d+)")
FIO_END = "MONADIC-FIO-END"
FIO_ERROR_RE = re.compile(r"MONADIC-FIO: error: (.*)")
FIO_ERR_LINE = "MONADIC-FIO-ERR| "
JOB_RE = re.compile(r"(randread|randwrite)-qd(\d+)$")
BANNER_RE = re.compile(r"(monadic-hypervisor \S+ \(built [^)]*\))")
BOOTARGS_ERROR_RE = re.compile(r"error: (bootargs: .*)")
POWER_DOWN = "reboot: Power down"


@dataclass
class Point:
    """One operation at one queue depth on one path; None where the path does not say."""

    op: str
    qd: int
    iops: float
    p50_ns: float | None = None
    p99_ns: float | None = None
    p999_ns: float | None = None
    ios: int | None = None
    el2_insns_per_io: float | None = None
    el2_cycles_per_io: float | None = None


@dataclass
class PathRun:
    """What one path measured, or why it was skipped."""

    path: str
    points: list[Point] = field(default_factory=list)
    skipped: str | None = None
    icount: bool = False
    banner: str | None = None
    kernel: str | None = None
    fio_version: str | None = None
    wall_s: float = 0.0
    command: list[str] = field(default_factory=list)

    def point(self, op: str, qd: int) -> Point | None:
        return next((p for p in self.points if p.op == op and p.qd == qd), None)


# --- parsing --------------------------------------------------------------------------------


def points_from_bench(obj: dict[str, Any]) -> list[Point]:
    """The points of one `bench nvme --json` line."""
    if obj.get("bench") != "nvme" or not isinstance(obj.get("points"), list):
        raise MonadicError("not a `bench nvme --json` line")
    out = []
    for p in obj["points"]:
        out.append(
            Point(
                op=str(p["op"]),
                qd=int(p["qd"]),
                iops=float(p["iops"]),
                p50_ns=_num(p.get("p50_ns")),
                p99_ns=_num(p.get("p99_ns")),
                p999_ns=_num(p.get("p999_ns")),
                ios=int(p["ios"]) if isinstance(p.get("ios"), int) else None,
                el2_insns_per_io=_num(p.get("el2_insns_per_io")),
                el2_cycles_per_io=_num(p.get("el2_cycles_per_io")),
            )
        )
    return out


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _percentile(section: dict[str, Any], key: str) -> float | None:
    """fio's completion-inclusive latency percentile (lat_ns with lat_percentiles=1, else
    clat_ns): `key` as fio writes it ("99.900000")."""
    for block in ("lat_ns", "clat_ns"):
        pct = section.get(block, {}).get("percentile")
        if isinstance(pct, dict) and key in pct:
            return _num(pct[key])
    return None


def points_from_fio(doc: dict[str, Any]) -> list[Point]:
    """One point per job of fio's JSON output whose name is randread-qdN or randwrite-qdN."""
    out = []
    for job in doc.get("jobs", []):
        m = JOB_RE.match(str(job.get("jobname", "")))
        if not m:
            continue
        op = FIO_OPS[m[1]]
        sec = job.get(op, {})
        if int(job.get("error", 0)):
            raise MonadicError(f"fio job {job['jobname']}: error {job['error']}")
        out.append(
            Point(
                op=op,
                qd=int(m[2]),
                iops=round(float(sec.get("iops", 0.0)), 1),
                p50_ns=_percentile(sec, "50.000000"),
                p99_ns=_percentile(sec, "99.000000"),
                p999_ns=_percentile(sec, "99.900000"),
                ios=int(sec["total_ios"]) if "total_ios" in sec else None,
            )
        )
    return out


@dataclass
class FioConsole:
    """What a Linux guest's console said: fio's JSON, or why there is none."""

    doc: dict[str, Any] | None = None
    problem: str | None = None
    kernel: str | None = None
    banner: str | None = None
    bootargs_errors: list[str] = field(default_factory=list)
    fio_errors: list[str] = field(default_factory=list)


def parse_console(lines: Sequence[str]) -> FioConsole:
    """Collect the MONADIC-FIO| lines between the BEGIN and END markers into fio's JSON."""
    got = FioConsole()
    body: list[str] = []
    rc: int | None = None
    inside = ended = False
    for raw in lines:
        line = raw.rstrip("\r\n")
        m = BANNER_RE.search(line)
        if m and got.banner is None:
            got.banner = m[1]
        m = re.search(r"MONADIC-INIT: Linux (\S+),", line)
        if m:
            got.kernel = m[1]
        m = BOOTARGS_ERROR_RE.search(line)
        if m:
            got.bootargs_errors.append(m[1])
        m = FIO_ERROR_RE.search(line)
        if m and got.problem is None:
            got.problem = m[1]
        m = FIO_BEGIN_RE.search(line)
        if m:
            rc, inside = int(m[1]), True
            continue
        if FIO_END in line:
            inside, ended = False, True
            continue
        if inside and FIO_LINE in line:
            body.append(line.split(FIO_LINE, 1)[1])
        elif inside and FIO_ERR_LINE in line:
            got.fio_errors.append(line.split(FIO_ERR_LINE, 1)[1])
    if got.problem is not None:
        return got
    if not ended:
        got.problem = "no MONADIC-FIO-END line (the guest did not finish)"
        return got
    try:
        got.doc = json.loads("\n".join(body))
    except json.JSONDecodeError as exc:
        got.problem = f"fio exited {rc}; its JSON does not parse ({exc})"
        if got.fio_errors:
            got.problem += ": " + "; ".join(got.fio_errors[-3:])
    return got


# --- table and targets ----------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def table_rows(runs: dict[str, PathRun]) -> list[dict[str, Any]]:
    """One row per operation and queue depth: IOPS and p99 per path, and the two ratios the
    targets are about (ring / passthrough, virtio / passthrough)."""
    rows = []
    qds = sorted({p.qd for r in runs.values() for p in r.points} | set(QDS))
    for op in OPS:
        for qd in qds:
            row: dict[str, Any] = {"op": op, "qd": qd}
            for path in PATHS:
                r = runs.get(path)
                p = r.point(op, qd) if r else None
                row[f"{path}_iops"] = p.iops if p else None
                row[f"{path}_p99_ns"] = p.p99_ns if p else None
            icount = runs.get("ring-icount")
            p = icount.point(op, qd) if icount else None
            row["ring_el2_insns"] = p.el2_insns_per_io if p else None
            ring = runs.get("ring")
            p = ring.point(op, qd) if ring else None
            row["ring_el2_cycles"] = p.el2_cycles_per_io if p else None
            row["ring_vs_passthrough"] = ratio(row["ring_iops"], row["passthrough_iops"])
            row["virtio_vs_passthrough"] = ratio(row["virtio_iops"], row["passthrough_iops"])
            if any(row[f"{path}_iops"] is not None for path in PATHS):
                rows.append(row)
    return rows


def targets(rows: list[dict[str, Any]], runs: dict[str, PathRun]) -> list[dict[str, Any]]:
    """Each target with the figure that decides it; met is None when a path needed is missing
    (and `why` says which)."""
    out: list[dict[str, Any]] = []
    reads = [r for r in rows if r["op"] == "read"]

    insns = [r["ring_el2_insns"] for r in reads if r["ring_el2_insns"] is not None]
    t: dict[str, Any] = {"target": f"EL2 instructions per 4 KiB read <= {TARGET_EL2_INSNS:,}"}
    if insns:
        worst = max(insns)
        qd = next(r["qd"] for r in reads if r["ring_el2_insns"] == worst)
        t.update(figure=f"worst {worst:,.0f} (QD {qd}), best {min(insns):,.0f}",
                 met=worst <= TARGET_EL2_INSNS)
    else:
        t.update(figure=None, met=None, why=_why(runs, "ring-icount"))
    out.append(t)

    pairs = [r for r in rows if r["ring_vs_passthrough"] is not None]
    t = {"target": "ring guest IOPS >= passed-through Linux at every queue depth"}
    if pairs:
        worst_r = min(pairs, key=lambda r: float(r["ring_vs_passthrough"]))
        below = [f"{r['op']} QD {r['qd']}" for r in pairs if r["ring_vs_passthrough"] < 1.0]
        t.update(figure=f"lowest ratio {worst_r['ring_vs_passthrough']:.2f}x ({worst_r['op']} QD "
                 f"{worst_r['qd']})" + (f"; below 1x at {', '.join(below)}" if below else ""),
                 met=not below)
    else:
        t.update(figure=None, met=None, why=_why(runs, "ring", "passthrough"))
    out.append(t)

    pairs = [r for r in rows if r["virtio_vs_passthrough"] is not None]
    t = {"target": f"virtio-blk IOPS >= {TARGET_VIRTIO_RATIO}x passed-through Linux"}
    if pairs:
        worst_r = min(pairs, key=lambda r: float(r["virtio_vs_passthrough"]))
        t.update(figure=f"lowest ratio {worst_r['virtio_vs_passthrough']:.2f}x ({worst_r['op']} "
                 f"QD {worst_r['qd']})",
                 met=worst_r["virtio_vs_passthrough"] >= TARGET_VIRTIO_RATIO)
    else:
        t.update(figure=None, met=None, why=_why(runs, "virtio", "passthrough"))
    out.append(t)
    return out


def _why(runs: dict[str, PathRun], *paths: str) -> str:
    reasons = []
    for p in paths:
        r = runs.get(p)
        if r is None:
            reasons.append(f"{p}: not run")
        elif r.skipped:
            reasons.append(f"{p}: {r.skipped}")
    return "; ".join(reasons) or "no common points"


def _cell(v: Any, fmt: str) -> str:
    return "n/a" if v is None else format(v, fmt)


def format_table(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    """IOPS (p99 in µs) per path, the EL2 cost of the ring path, and the ratios."""
    head = ["op", "QD"] + [PATH_LABELS[p] if markdown else p for p in PATHS]
    head += ["EL2 insns/IO", "EL2 cycles/IO", "ring/pt", "virtio/pt"]
    body = []
    for r in rows:
        cells = [r["op"], str(r["qd"])]
        for p in PATHS:
            iops, p99 = r[f"{p}_iops"], r[f"{p}_p99_ns"]
            cells.append("n/a" if iops is None else
                         f"{iops:,.0f} ({_cell(p99 / 1000 if p99 is not None else None, ',.0f')})")
        cells += [_cell(r["ring_el2_insns"], ",.0f"), _cell(r["ring_el2_cycles"], ",.0f"),
                  _cell(r["ring_vs_passthrough"], ".2f"), _cell(r["virtio_vs_passthrough"], ".2f")]
        body.append(cells)
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
        out += ["| " + " | ".join(b) + " |" for b in body]
        return "\n".join(out)
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cs, widths)))
        for cs in [head] + body
    )


def format_targets(ts: list[dict[str, Any]]) -> str:
    lines = []
    for t in ts:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        lines.append(f"{t['target']}: {verdict}: {t.get('figure') or t.get('why', '')}")
    return "\n".join(lines)


# --- the machines ---------------------------------------------------------------------------


def write_disk(path: Path, mib: int) -> None:
    """A fresh backing file, every block written (not sparse), so every path reads real blocks
    from the host's page cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    block = bytes(range(256)) * 4096
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(block)


def nvme_args(disk: Path) -> list[str]:
    return ["-drive", f"file={disk},if=none,id=d0,format=raw",
            "-device", f"nvme,serial=bench,drive=d0,addr={BDF[3:]}"]


def linux_commands(args: argparse.Namespace, disk: Path) -> dict[str, list[str]]:
    """The QEMU command lines of the three Linux paths."""
    linux = Path(args.linux_dir)
    image, initrd = linux / "Image", linux / INITRAMFS_NAME
    for f in (image, initrd, Path(args.image)):
        if not f.exists():
            raise MonadicError(f"{f} is missing (make bench-nvme builds and fetches it)")
    words = [f"monadic.runtime={args.runtime}", f"monadic.ramp={args.ramp}",
             "monadic.qds=" + ",".join(str(q) for q in args.qds)]
    cmdline = " ".join(["console=ttyAMA0", *words])
    common = ["-cpu", args.cpu, "-nographic", "-net", "none"]
    direct = [args.qemu, "-M", "virt,gic-version=3", *common, "-smp", str(args.guest_cpus),
              "-m", args.guest_mem, "-kernel", str(image), "-initrd", str(initrd),
              "-append", cmdline, *nvme_args(disk)]

    def hyp(cmd: str, share: str) -> list[str]:
        vm = (f'vm=linux,{IMAGE_PA:#x},{args.guest_mem},{args.guest_cpus},"{cmd}" '
              f"initrd=linux,{INITRD_PA:#x},{initrd.stat().st_size} {share} attach")
        # The shell's CPU, the guest's, and the engine's (which no VM gets).
        return [args.qemu, "-M", "virt,virtualization=on,gic-version=3", *common,
                "-smp", str(args.guest_cpus + 2), "-m", "2G", "-kernel", str(args.image),
                "-device", f"loader,file={image},addr={IMAGE_PA:#x},force-raw=on",
                "-device", f"loader,file={initrd},addr={INITRD_PA:#x},force-raw=on",
                "-append", vm, *nvme_args(disk)]

    return {
        "passthrough": hyp(cmdline, f"pci=linux,{BDF}"),
        "direct": direct,
        "virtio": hyp(f"{cmdline} monadic.dev=vda", f"disk=linux,{BDF},1,virtio"),
    }


def run_linux(path: str, cmd: list[str], timeout: float) -> tuple[PathRun, list[str]]:
    """Boot one Linux path until its init is done (or `timeout`), and parse what fio said."""
    start = time.monotonic()
    lines: list[str] = []
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            lines.append(line)
            if FIO_END in line or POWER_DOWN in line or FIO_ERROR_RE.search(line):
                break
            if time.monotonic() - start > timeout:
                lines.append(f"[bench-nvme: gave up after {timeout:.0f} s]")
                break
    finally:
        proc.kill()
        proc.wait()
    run = PathRun(path=path, command=cmd, wall_s=round(time.monotonic() - start, 1))
    got = parse_console(lines)
    run.kernel, run.banner = got.kernel, got.banner
    if got.doc is not None:
        run.fio_version = str(got.doc.get("fio version", "")) or None
        try:
            run.points = points_from_fio(got.doc)
        except MonadicError as exc:
            got.problem = str(exc)
    if got.problem is not None or not run.points:
        why = got.problem or "fio reported no randread/randwrite jobs"
        if got.bootargs_errors:
            why = "the hypervisor said: " + "; ".join(got.bootargs_errors) + "; the guest: " + why
        run.skipped, run.points = why, []
    return run, lines


def run_ring(args: argparse.Namespace, disk: Path, icount: bool) -> tuple[PathRun, list[str]]:
    """`nvme claim` and `bench nvme --json` in a fresh hypervisor on the same device."""
    from .qemu import MachineConfig
    from .target import Target

    extra = (["-icount", "shift=0"] if icount else []) + nvme_args(disk)
    iters = args.icount_iters if icount else args.iters
    config = MachineConfig(cpu=args.cpu, smp=3, mem="1G", extra_args=tuple(extra))
    name = "ring-icount" if icount else "ring"
    run = PathRun(path=name, icount=icount)
    start = time.monotonic()
    target = Target.boot(Path(args.image), config, args.qemu, timeout=120)
    try:
        run.command = [str(x) for x in target.describe().get("qemu_command", [])] or extra
        m = BANNER_RE.search(target.boot_text)
        run.banner = m[1] if m else None
        claim = target.shell.run(f"nvme claim {BDF}", timeout=60)
        wait = f" --wait {args.ring_wait}" if getattr(args, "ring_wait", None) else ""
        out = target.shell.run(f"bench nvme --iters {iters}{wait} --json",
                               timeout=args.timeout)
    finally:
        target.close()
    transcript = target.boot_text.splitlines() + claim.splitlines() + out.splitlines()
    run.wall_s = round(time.monotonic() - start, 1)
    line = next((x for x in out.splitlines() if x.startswith('{"bench":"nvme"')), None)
    if line is None:
        run.skipped = "bench nvme printed no JSON line"
    else:
        run.points = points_from_bench(json.loads(line))
    return run, transcript


# --- results --------------------------------------------------------------------------------


def result_lines(runs: dict[str, PathRun], platform: dict[str, Any]) -> list[dict[str, Any]]:
    """results.jsonl: one line per path that ran, shaped like `bench --json` (points listed)."""
    out = []
    for name, r in runs.items():
        if r.skipped:
            continue
        out.append({
            "bench": f"nvme-{name}",
            "platform": platform,
            "params": {"path": name, "icount": r.icount},
            "unit": "insns" if r.icount else "ns",
            "points": [{k: v for k, v in asdict(p).items() if v is not None} for p in r.points],
        })
    return out


def series_from_results(results: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """{path: points} of the results.jsonl lines that are not in instruction time."""
    out = {}
    for line in results:
        params = line.get("params", {})
        if str(line.get("bench", "")).startswith("nvme-") and not params.get("icount"):
            out[str(params.get("path"))] = list(line.get("points", []))
    return out


def packages_used(linux_dir: Path) -> dict[str, str]:
    """The Debian packages of the Linux rows (kernel, fio, busybox), from <linux-dir>/dl."""
    want = ("linux-image-", "fio_", "busybox-static_", "libaio1_")
    found = {}
    for deb in sorted((linux_dir / "dl").glob("*.deb")):
        if deb.name.startswith(want):
            name, version = deb.name.split("_")[:2]
            found[name] = version.replace("%3a", ":")
    return found


def write_folder(path: Path, runs: dict[str, PathRun], transcripts: dict[str, list[str]],
                 provenance: dict[str, Any]) -> list[dict[str, Any]]:
    rows = table_rows(runs)
    platform = {"machine": "qemu-virt", "cpu": provenance.get("cpu", "?"), "emulated": True}
    with open(path / "results.jsonl", "w") as f:
        for line in result_lines(runs, platform):
            f.write(json.dumps(line, sort_keys=True) + "\n")
    provenance = dict(provenance)
    provenance["benchmark"] = "bench-nvme"  # for `monadic chart`: charts.chart_run
    provenance["runs"] = {
        n: {k: v for k, v in asdict(r).items() if k != "points"} for n, r in runs.items()
    }
    provenance["table"] = rows
    provenance["targets"] = targets(rows, runs)
    (path / "provenance.json").write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")
    (path / "table.txt").write_text(
        format_table(rows) + "\n\n" + format_targets(provenance["targets"]) + "\n")
    (path / "table.md").write_text(format_table(rows, markdown=True) + "\n")
    for name, lines in transcripts.items():
        (path / f"transcript-{name}.txt").write_text("\n".join(lines) + "\n")
    return rows


def bench_nvme(args: argparse.Namespace) -> int:
    """Every path in turn on one backing file, the table and targets on stdout, the folder."""
    disk = Path(args.disk)
    write_disk(disk, args.disk_mib)
    commands: dict[str, list[str]] = {}
    linux_problem = ""
    if any(p != "ring" for p in args.paths):
        try:
            commands = linux_commands(args, disk)
        except MonadicError as exc:
            linux_problem = str(exc)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    runs: dict[str, PathRun] = {}
    transcripts: dict[str, list[str]] = {}
    order = [p for p in args.paths if p != "ring"]
    if "ring" in args.paths:
        order = ["ring"] + (["ring-icount"] if args.icount_iters else []) + order
    for name in order:
        print(f"bench-nvme: {name} ...", file=sys.stderr, flush=True)
        try:
            if name.startswith("ring"):
                run, lines = run_ring(args, disk, icount=name == "ring-icount")
            elif linux_problem:
                run, lines = PathRun(path=name, skipped=linux_problem), []
            else:
                run, lines = run_linux(name, commands[name], args.timeout)
        except MonadicError as exc:
            run, lines = PathRun(path=name, skipped=f"{type(exc).__name__}: {exc}"), []
        runs[name], transcripts[name] = run, lines
        print(f"bench-nvme: {name}: {len(run.points)} points in {run.wall_s:.0f} s"
              + (f"; skipped: {run.skipped}" if run.skipped else ""), file=sys.stderr, flush=True)
    rows = table_rows(runs)
    print(format_table(rows))
    print(format_targets(targets(rows, runs)))
    # The ring is this hypervisor's own path: when it was asked for, it must have run.
    ring_failed = "ring" in runs and bool(runs["ring"].skipped)
    ran = any(not r.skipped for r in runs.values())
    status = EXIT_OK if ran and not ring_failed else EXIT_TARGET_FAILED
    if args.results:
        folder = new_folder(Path(args.results), "nvme")
        provenance = {
            "format": 1,
            "kind": "qemu",
            "started": started,
            "host_command": host_command(),
            "qemu_version": qemu_version(args.qemu),
            "cpu": args.cpu,
            "disk": {"file": str(disk), "mib": args.disk_mib, "device": "nvme", "bdf": BDF},
            "ring_iters": args.iters,
            "ring_icount_iters": args.icount_iters,
            "ring_wait": getattr(args, "ring_wait", None) or "default",
            "guest_cpus": args.guest_cpus,
            "guest_mem": args.guest_mem,
            "fio": {"runtime_s": args.runtime, "ramp_s": args.ramp, "qds": list(args.qds),
                    "bs": "4k", "ioengine": "libaio", "direct": 1},
            "debian_packages": packages_used(Path(args.linux_dir)),
            "units": "IOPS; latency in ns (the ring guest times with CNTVCT_EL0, fio with "
                     "clock_gettime); ring-icount in instruction time (-icount shift=0)",
        }
        rows = write_folder(folder, runs, transcripts, provenance)
        if args.chart:
            from . import charts

            written = json.loads((folder / "provenance.json").read_text())
            charts.chart_nvme(series_from_results(
                [json.loads(x) for x in (folder / "results.jsonl").read_text().splitlines()]),
                folder / "charts", written)
        print(f"bench-nvme: results in {folder}")
    return status
