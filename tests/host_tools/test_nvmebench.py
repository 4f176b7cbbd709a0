# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`bench-nvme`: fio's JSON out of a Linux guest's console, `bench nvme --json` points, the
table, the targets, the results folder and its charts (no QEMU)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from monadic import charts
from monadic import results as res
from monadic.cli import main
from monadic.nvmebench import (
    PATHS,
    PathRun,
    Point,
    format_table,
    linux_commands,
    parse_console,
    points_from_bench,
    points_from_fio,
    series_from_results,
    table_rows,
    targets,
    write_folder,
)

from .recordings import FIXTURES

# A real direct boot's console from `Run /init` on (fio 3.33, queue depths 1 and 8, with fio's
# status line still on the console as an older /init left it), and a real `bench nvme --json`.
CONSOLE = (FIXTURES / "nvme-fio-console.txt").read_text().splitlines()
RING = json.loads((FIXTURES / "nvme-ring.jsonl").read_text())


def _fio_doc() -> dict[str, object]:
    body = [x.split("MONADIC-FIO| ", 1)[1] for x in CONSOLE if "MONADIC-FIO| " in x]
    doc: dict[str, object] = json.loads("\n".join(body))
    return doc


def test_fio_points_from_a_recorded_console() -> None:
    got = parse_console(CONSOLE)
    assert got.problem is None and got.kernel == "6.1.0-57-cloud-arm64"
    assert got.doc is not None
    pts = points_from_fio(got.doc)
    assert [(p.op, p.qd) for p in pts] == [("read", 1), ("read", 8), ("write", 1), ("write", 8)]
    # Each point is the job's own section, total latency (lat_ns: submission to completion).
    jobs = {j["jobname"]: j for j in _fio_doc()["jobs"]}  # type: ignore[attr-defined]
    read1 = jobs["randread-qd1"]["read"]
    assert pts[0].iops == round(read1["iops"], 1) and pts[0].ios == read1["total_ios"]
    assert pts[0].p999_ns == read1["lat_ns"]["percentile"]["99.900000"]
    assert pts[0].p50_ns != read1["clat_ns"]["percentile"]["50.000000"]
    write8 = jobs["randwrite-qd8"]["write"]
    assert pts[3].p99_ns == write8["lat_ns"]["percentile"]["99.000000"] and pts[3].iops > 0


def test_a_console_without_results_says_why() -> None:
    cut = [x for x in CONSOLE if "MONADIC-FIO-END" not in x]
    assert parse_console(cut).problem == "no MONADIC-FIO-END line (the guest did not finish)"
    broken = [x for x in CONSOLE if '"jobs"' not in x]
    assert "does not parse" in str(parse_console(broken).problem)
    nodisk = [
        "error: bootargs: 'disk=linux,00:01.0,1,virtio': want disk=NAME,BDF[,NSID[,START,COUNT]]",
        "vm1 (linux) started from bootargs: 1 vCPU, 512 MiB, in 424609 us",
        "MONADIC-FIO: error: no /dev/vda (block devices: )",
    ]
    got = parse_console(nodisk)
    assert got.problem == "no /dev/vda (block devices: )"
    assert got.bootargs_errors == [nodisk[0].removeprefix("error: ")]


def test_ring_points_from_bench_json() -> None:
    pts = points_from_bench(RING)
    assert len(pts) == 16 and {p.op for p in pts} == {"read", "write"}
    first = RING["points"][0]
    assert pts[0].iops == first["iops"] and pts[0].p999_ns == first["p999_ns"]
    assert pts[0].el2_cycles_per_io == first["el2_cycles_per_io"]
    assert pts[0].el2_insns_per_io is None  # null in the line: the PMU did not count them
    with pytest.raises(Exception, match="not a `bench nvme"):
        points_from_bench({"bench": "hvc"})


def _runs() -> dict[str, PathRun]:
    ring = PathRun("ring", [Point("read", 1, 900.0, p99_ns=5e6, el2_cycles_per_io=4000.0),
                            Point("read", 8, 5000.0, p99_ns=2e6),
                            Point("write", 1, 700.0, p99_ns=6e6)])
    icount = PathRun("ring-icount", [Point("read", 1, 1.0, el2_insns_per_io=1100.0),
                                     Point("read", 8, 1.0, el2_insns_per_io=1600.0)], icount=True)
    pt = PathRun("passthrough", [Point("read", 1, 800.0, p99_ns=7e6),
                                 Point("read", 8, 1000.0, p99_ns=9e6),
                                 Point("write", 1, 1400.0, p99_ns=3e6)])
    direct = PathRun("direct", [Point("read", 1, 850.0, p99_ns=6e6)])
    virtio = PathRun("virtio", skipped="no /dev/vda (block devices: )")
    return {"ring": ring, "ring-icount": icount, "passthrough": pt, "direct": direct,
            "virtio": virtio}


def test_table_and_targets_name_the_deciding_figures() -> None:
    runs = _runs()
    rows = table_rows(runs)
    read1 = next(r for r in rows if r["op"] == "read" and r["qd"] == 1)
    assert read1["ring_vs_passthrough"] == 1.12 and read1["ring_el2_insns"] == 1100.0
    assert read1["ring_el2_cycles"] == 4000.0 and read1["virtio_iops"] is None
    assert [(r["op"], r["qd"]) for r in rows] == [("read", 1), ("read", 8), ("write", 1)]
    insns, ring, virtio = targets(rows, runs)
    assert insns["met"] is False and "worst 1,600 (QD 8)" in insns["figure"]
    assert ring["met"] is False and "below 1x at write QD 1" in ring["figure"]
    assert virtio["met"] is None and "no /dev/vda" in virtio["why"]
    runs["passthrough"].points[2] = Point("write", 1, 600.0)
    runs["ring-icount"].points.pop()
    insns, ring, _ = targets(table_rows(runs), runs)
    assert insns["met"] is True and ring["met"] is True
    text = format_table(rows)
    assert "900 (5,000)" in text and text.splitlines()[0].split()[2:6] == list(PATHS)
    assert "Linux, virtio-blk on the engine" in format_table(rows, markdown=True)


def test_results_folder_loads_and_charts(tmp_path: Path) -> None:
    runs = _runs()
    prov = {"cpu": "max", "qemu_version": "QEMU emulator version 7.2.22"}
    write_folder(tmp_path, runs, {"direct": CONSOLE}, prov)
    run = res.load_run(tmp_path)
    # A skipped path writes no result line; the provenance says why.
    assert sorted(r.bench for r in run.results) == ["nvme-direct", "nvme-passthrough",
                                                    "nvme-ring", "nvme-ring-icount"]
    saved = json.loads((tmp_path / "provenance.json").read_text())
    assert saved["runs"]["virtio"]["skipped"].startswith("no /dev/vda")
    assert saved["targets"][1]["met"] is False
    series = series_from_results([r.raw for r in run.results])
    assert sorted(series) == ["direct", "passthrough", "ring"]  # not the instruction-time run
    assert "1,100" in (tmp_path / "table.txt").read_text()
    written = charts.chart_run(run)
    assert sorted(p.name for p in written if p.name.startswith("nvme")) == [
        "nvme_iops.png", "nvme_iops.svg", "nvme_p99.png", "nvme_p99.svg"]
    svg = (tmp_path / "charts" / "nvme_iops.svg").read_text()
    assert "Linux, NVMe passed through" in svg and "virtio: skipped (no /dev/vda" in svg
    assert "Linux, virtio-blk on the engine" not in svg


def _args(tmp_path: Path) -> argparse.Namespace:
    for name in ("Image", "initramfs-fio.cpio", "hyp.bin"):
        (tmp_path / name).write_bytes(b"x")
    return argparse.Namespace(qemu="qemu-system-aarch64", cpu="max", linux_dir=str(tmp_path),
                              image=str(tmp_path / "hyp.bin"), runtime=2, ramp=1,
                              qds=[1, 128], guest_cpus=1, guest_mem="512M")


def test_linux_paths_share_the_device_and_differ_in_the_disk(tmp_path: Path) -> None:
    disk = tmp_path / "d.img"
    cmds = linux_commands(_args(tmp_path), disk)
    assert set(cmds) == {"passthrough", "direct", "virtio"}
    for cmd in cmds.values():
        assert f"file={disk},if=none,id=d0,format=raw" in cmd
        assert "nvme,serial=bench,drive=d0,addr=01.0" in cmd
    assert "pci=linux,00:01.0 attach" in cmds["passthrough"][-5]
    assert "disk=linux,00:01.0,1,virtio attach" in cmds["virtio"][-5]
    assert 'monadic.qds=1,128 monadic.dev=vda"' in cmds["virtio"][-5]
    assert cmds["direct"][cmds["direct"].index("-smp") + 1] == "1"
    assert "monadic.runtime=2 monadic.ramp=1" in cmds["direct"][cmds["direct"].index("-append") + 1]


def test_missing_initramfs_is_named(tmp_path: Path) -> None:
    args = _args(tmp_path)
    (tmp_path / "initramfs-fio.cpio").unlink()
    with pytest.raises(Exception, match="initramfs-fio.cpio is missing"):
        linux_commands(args, tmp_path / "d.img")


def test_help_names_the_paths(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bench-nvme", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "passthrough" in out and "virtio" in out and "--icount-iters" in out
    with pytest.raises(SystemExit):
        main(["bench-nvme", "--qds", "1,256"])


def test_a_path_that_cannot_run_is_skipped_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from monadic import nvmebench

    args = _args(tmp_path)
    args.disk, args.disk_mib, args.results, args.chart = str(tmp_path / "d.img"), 1, None, False
    args.timeout, args.iters, args.icount_iters = 10.0, 10, 0
    ran: list[str] = []

    def fake_linux(path: str, cmd: list[str], timeout: float) -> tuple[PathRun, list[str]]:
        ran.append(path)
        return PathRun(path, [Point("read", 1, 500.0)]), []

    monkeypatch.setattr(nvmebench, "run_linux", fake_linux)
    args.paths = ["direct"]
    assert nvmebench.bench_nvme(args) == 0 and ran == ["direct"]
    assert (tmp_path / "d.img").stat().st_size == 1 << 20
    # Without the fio initramfs every Linux path is skipped, named, and nothing ran.
    (tmp_path / "initramfs-fio.cpio").unlink()
    args.paths = ["direct", "virtio"]
    assert nvmebench.bench_nvme(args) != 0 and ran == ["direct"]
    err = capsys.readouterr().err
    assert "virtio: 0 points" in err and "initramfs-fio.cpio is missing" in err
