# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Parsing recorded `bench ... --json` lines, flattening them, the CSV and the folder loader."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Callable

import pytest
from .recordings import FIXTURES, RECORDINGS, recorded_lines

from monadic import results as res


@pytest.mark.parametrize("name", RECORDINGS)
def test_every_recorded_line_is_a_result(name: str) -> None:
    text = (FIXTURES / f"{name}.jsonl").read_text()
    parsed = res.load_results_lines(text)
    assert len(parsed) == len(text.splitlines())
    for r in parsed:
        assert r.bench in {"c2c", "wfe", "atomics", "spsc-lat", "spsc-tput", "spsc-stress"}
        assert {"midr", "core", "cntfrq", "pmu", "lse", "cpus"} <= r.platform.keys()
        assert {"iters", "cpu_a", "cpu_b"} <= r.params.keys()
        assert res.flatten(r), f"{r.bench} gave no rows"


def test_matrix_skips_diagonal_and_column_zero() -> None:
    c2c = next(r for r in recorded_lines("qemu-max-smp4") if r["bench"] == "c2c" and "matrix" in r)
    rows = res.flatten(res.BenchResult(c2c))
    n = len(c2c["matrix"])
    assert len(rows) == (n - 1) * (n - 1)  # row 0 measures, column 0 and the diagonal do not
    assert {r.stat for r in rows} >= {"cpu0->cpu1", "cpu1->cpu2", "cpu3->cpu2"}
    assert not any(r.stat.endswith("->cpu0") for r in rows)
    assert all(r.unit == "ns" and r.value > 0 for r in rows)


def test_stats_blocks_become_rows_with_units() -> None:
    pair = next(r for r in recorded_lines("qemu-max-smp4") if r["bench"] == "c2c" and "rtt_ns" in r)
    rows = {(s.metric, s.stat): s for s in res.flatten(res.BenchResult(pair))}
    for stat in ("min", "p50", "p90", "p99", "p999", "max", "mean"):
        assert rows[("rtt_ns", stat)].unit == "ns"
        assert rows[("rtt_cycles", stat)].unit == "cycles"
    assert rows[("rtt_ns", "n")].unit == ""
    assert rows[("rtt_ns", "p50")].value == pair["rtt_ns"]["p50"]


def test_pmu_event_counts() -> None:
    pair = next(r for r in recorded_lines("qemu-max-smp4") if r["bench"] == "c2c" and "rtt_ns" in r)
    assert isinstance(pair["pmu"], dict) and pair["pmu"]
    rows = [s for s in res.flatten(res.BenchResult(pair)) if s.metric == "pmu"]
    assert {s.stat for s in rows} == set(pair["pmu"]) and all(s.unit == "count" for s in rows)


def test_fixed_point_fields_are_scaled() -> None:
    atomics = next(r for r in recorded_lines("qemu-max-smp4") if r["bench"] == "atomics")
    rows = res.flatten(res.BenchResult(atomics))
    first = atomics["ops"][0]
    ns = next(s for s in rows if s.metric == first["op"] and s.stat == "ns")
    assert ns.value == pytest.approx(first["ns_x100"] / 100)
    assert ns.unit == "ns"
    assert next(s for s in rows if s.metric == first["op"] and s.stat == "cycles").unit == "cycles"


def test_throughput_and_stress_numbers() -> None:
    lines = recorded_lines("qemu-max-smp4")
    tput = [r for r in lines if r["bench"] == "spsc-tput"]
    assert sorted(r["params"]["burst"] for r in tput) == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    rows = {s.stat: s for s in res.flatten(res.BenchResult(tput[0]))}
    assert rows["mps"].unit == "msg/s" and rows["ns"].unit == "ns" and rows["msgs"].unit == "count"
    stress = next(r for r in lines if r["bench"] == "spsc-stress")
    rows = {s.stat: s for s in res.flatten(res.BenchResult(stress))}
    assert rows["errors"].value == 0 and rows["messages"].value == stress["messages"]


def test_unknown_bench_is_flattened_by_shape() -> None:
    raw = {
        "bench": "future-thing",
        "platform": {},
        "params": {"iters": 10, "cpu_a": 1, "cpu_b": 3, "knob": "x"},
        "hop_ns": {
            "unit": "ns",
            "n": 10,
            "min": 1,
            "p50": 2,
            "p90": 3,
            "p99": 4,
            "p999": 5,
            "max": 6,
            "mean": 2,
        },
        "widgets": 3,
        "per_cpu": [7, 8],
        "label": "not a number",
    }
    r = res.BenchResult(raw)
    rows = res.flatten(r)
    assert ("hop_ns", "p99", 4.0, "ns") in [(s.metric, s.stat, s.value, s.unit) for s in rows]
    assert ("future-thing", "widgets", 3.0) in [(s.metric, s.stat, s.value) for s in rows]
    assert [s.value for s in rows if s.metric == "per_cpu"] == [7.0, 8.0]
    assert r.label() == "future-thing cpu1<->cpu3"
    csv_text = res.to_csv("run", [r])
    assert '"{""knob"": ""x""}"' in csv_text  # unknown params survive in other_params


def test_parse_output_separates_results_errors_and_noise() -> None:
    out = "\n".join(
        [
            '{"bench":"wfe","platform":{},"params":{}}',
            "error: wfe: cpu2 did not wake",
            '{"name":"not a result"}',
            "== bench wfe",
            "{broken json",
            "",
        ]
    )
    results, errors = res.parse_output(out)
    assert [r["bench"] for r in results] == ["wfe"]
    assert errors == ["error: wfe: cpu2 did not wake"]
    assert res.parse_line('["bench"]') is None


def test_csv_has_one_row_per_stat(make_run: Callable[[str], Path]) -> None:
    run = res.load_run(make_run("qemu-max-smp4"))
    rows = list(csv.DictReader(io.StringIO(res.to_csv(run.name, run.results))))
    assert len(rows) == sum(len(res.flatten(r)) for r in run.results)
    assert tuple(rows[0].keys()) == res.CSV_COLUMNS
    c2c = [
        row
        for row in rows
        if row["bench"] == "c2c" and row["metric"] == "rtt_ns" and row["stat"] == "p50"
    ]
    assert c2c and c2c[0]["command"] == "bench c2c --cpus 1,2 --json" and c2c[0]["cpu_a"] == "1"
    for row in rows:
        float(row["value"])


def test_load_run_maps_commands_and_labels(make_run: Callable[[str], Path]) -> None:
    run = res.load_run(make_run("qemu-neoverse-n1-smp4"))
    assert run.label == "Neoverse N1 (qemu -cpu neoverse-n1)"
    assert run.emulated
    assert all(r.command.startswith("bench ") for r in run.results)
    assert {r.label() for r in run.by_bench("spsc-tput")} >= {
        "spsc-tput cpu1<->cpu2 ring 256 burst 64"
    }


def test_load_run_errors(tmp_path: Path) -> None:
    with pytest.raises(res.ResultsError, match="no such directory"):
        res.load_run(tmp_path / "missing")
    with pytest.raises(res.ResultsError, match="no results.jsonl"):
        res.load_run(tmp_path)
    (tmp_path / "results.jsonl").write_text("")
    (tmp_path / "provenance.json").write_text("{nope")
    with pytest.raises(res.ResultsError, match="not valid JSON"):
        res.load_run(tmp_path)


def test_slug() -> None:
    assert res.slug("QEMU max") == "qemu-max"
    assert res.slug("Neoverse N1") == "neoverse-n1"
    assert res.slug("  ") == "unknown"
    assert json.loads(json.dumps(res.CSV_COLUMNS))
