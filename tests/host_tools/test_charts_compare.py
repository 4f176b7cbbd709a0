# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Charts of a results folder and `compare` of two recorded runs (max against neoverse-n1)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Callable

import pytest
from .recordings import RECORDINGS

from monadic import charts
from monadic import compare as cmp
from monadic import results as res
from monadic.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPECTED = {"latency_cdf", "latency_hist", "throughput", "c2c_matrix", "wfe", "atomics"}


def check_image(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) > 2000, f"{path} is suspiciously small"
    if path.suffix == ".png":
        assert data.startswith(PNG_MAGIC)
    else:
        head = data[:400].decode()
        assert head.startswith("<?xml") and "<svg" in data.decode()
        assert data.rstrip().endswith(b"</svg>")


@pytest.mark.parametrize("name", RECORDINGS)
def test_chart_run_draws_every_chart(make_run: Callable[[str], Path], name: str) -> None:
    run = res.load_run(make_run(name))
    written = charts.chart_run(run)
    assert {p.stem for p in written} == EXPECTED
    assert {p.suffix for p in written} == {".png", ".svg"}
    for path in written:
        assert path.parent == run.path / "charts"
        check_image(path)
    svg = (run.path / "charts" / "latency_cdf.svg").read_text()
    assert "no raw samples" in svg and "EMULATED" in svg  # labelled honestly, text kept as text


def test_unknown_bench_lands_in_latency_charts(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text(
        '{"bench":"future","platform":{},"params":{"cpu_a":1,"cpu_b":2},'
        '"hop_ns":{"unit":"ns","n":100,"min":10,"p50":20,"p90":30,"p99":40,"p999":50,"max":60,"mean":22}}\n'
    )
    written = charts.chart_run(res.load_run(tmp_path))
    assert {p.stem for p in written} == {"latency_cdf", "latency_hist"}


def test_percentile_points() -> None:
    xs, ys = charts.percentile_points(
        {"min": 1, "p50": 2, "p90": 3, "p99": 4, "p999": 5, "max": 6, "n": 9}
    )
    assert xs == [1, 2, 3, 4, 5, 6] and ys == [0.0, 0.5, 0.9, 0.99, 0.999, 1.0]
    assert charts.fmt_ns(640) == "640 ns" and charts.fmt_ns(12000) == "12 µs"
    assert charts.min_span(100, 101) == pytest.approx((90.45, 110.55))
    assert charts.min_span(50, 500) == (50, 500)


def test_compare_rows_line_up(make_run: Callable[[str], Path]) -> None:
    runs = [res.load_run(make_run(name)) for name in RECORDINGS]
    rows = cmp.build_rows(runs)
    p50 = next(
        r for r in rows if r.label == "c2c cpu1<->cpu2" and r.metric == "rtt_ns" and r.stat == "p50"
    )
    assert p50.values == [runs[i].by_bench("c2c")[1].raw["rtt_ns"]["p50"] for i in range(2)]
    first, second = p50.values
    assert first is not None and second is not None
    assert p50.ratio(1) == pytest.approx(second / first)
    burst64 = [r for r in rows if r.label.endswith("burst 64") and r.stat == "mps"]
    assert len(burst64) == 1 and None not in burst64[0].values


def test_compare_missing_measurement_shows_dash(make_run: Callable[[str], Path]) -> None:
    a = make_run(RECORDINGS[0])
    b = make_run(RECORDINGS[1])
    lines = (b / "results.jsonl").read_text().splitlines()
    kept = [line for line in lines if '"bench":"wfe"' not in line]
    (b / "results.jsonl").write_text("\n".join(kept) + "\n")
    rows = cmp.build_rows([res.load_run(a), res.load_run(b)])
    wfe = [r for r in rows if r.label.startswith("wfe")]
    assert wfe and all(r.values[1] is None and r.ratio(1) is None for r in wfe)
    headers, body = cmp.table_cells(wfe, 2)
    assert headers[-1] == "B/A" and body[0][-1] == "-" and body[0][-2] == "-"


def test_compare_command(
    make_run: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = [str(make_run(name)) for name in RECORDINGS]
    out = tmp_path / "cmp"
    assert main(["compare", *folders, "--out", str(out), "--stats", "p50,p99"]) == 0
    text = capsys.readouterr().out
    assert (
        text.startswith("A = QEMU max (qemu)") and "B = Neoverse N1 (qemu -cpu neoverse-n1)" in text
    )
    assert "emulated runs (QEMU TCG)" in text
    assert " p50 " in text and " p999 " not in text  # --stats filters stdout only
    rows = list(csv.reader(io.StringIO((out / "compare.csv").read_text())))
    assert rows[0][4:6] == [Path(f).name for f in folders]
    assert any(r[2] == "p999" for r in rows)
    md = (out / "compare.md").read_text()
    assert "**Emulated runs (QEMU TCG)" in md and "| measurement | metric |" in md
    names = {p.stem for p in out.iterdir() if p.suffix == ".png"}
    assert names == {"compare_latency", "compare_atomics", "compare_throughput", "compare_c2c"}
    for p in out.glob("compare_*.*"):
        check_image(p)


def test_compare_needs_two(
    make_run: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(make_run(RECORDINGS[0]))]) == 2
    assert "two or more" in capsys.readouterr().err


def test_chart_command(
    make_run: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_run(RECORDINGS[0])
    assert main(["chart", str(folder), "--out", str(tmp_path / "c")]) == 0
    assert len(list((tmp_path / "c").glob("*.png"))) == len(EXPECTED)
    assert main(["chart", str(tmp_path / "nope")]) == 2
    assert "not a results folder" in capsys.readouterr().err
