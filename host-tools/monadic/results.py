# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Benchmark results: the `bench ... --json` lines, a results folder, and its CSV export.

Every result line carries "bench", "platform" and "params"; what else it carries depends on the
benchmark. Nothing here knows a benchmark by name except to give its numbers nicer labels:
`flatten()` turns any result into (metric, stat, value, unit) rows by shape (a statistics object,
a matrix, a list of labelled objects, plain numbers), so a benchmark added tomorrow still lands
in the CSV and in `compare`, just without a chart of its own.

A results folder holds:

    results.jsonl     the JSON result lines, verbatim, in the order they arrived
    provenance.json   target, image version, system registers, host command line, per-step log
    suite.txt|.json   the suite that was run
    results.csv       one row per statistic per result
    transcript.txt    every byte the serial link carried
    crash.txt         the crash dump, only if the hypervisor crashed
    charts/           PNG and SVG charts (`monadic chart`)
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .errors import MonadicError

RESULTS_FILE = "results.jsonl"
PROVENANCE_FILE = "provenance.json"
CSV_FILE = "results.csv"
TRANSCRIPT_FILE = "transcript.txt"
CRASH_FILE = "crash.txt"
CHARTS_DIR = "charts"

# The statistics object the hypervisor prints for a latency distribution (bench/stats.c).
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("min", 0.0),
    ("p50", 0.5),
    ("p90", 0.9),
    ("p99", 0.99),
    ("p999", 0.999),
    ("max", 1.0),
)
STAT_KEYS = ("n", "min", "p50", "p90", "p99", "p999", "max", "mean")
# Keys every result has that are not measurements.
META_KEYS = {"bench", "platform", "params", "unit", "metric"}
_UNIT_SUFFIXES = {"ns": "ns", "cycles": "cycles", "ticks": "ticks", "mps": "msg/s"}

CSV_COLUMNS = (
    "run",
    "result",
    "bench",
    "command",
    "cpu_a",
    "cpu_b",
    "iters",
    "ring",
    "burst",
    "other_params",
    "metric",
    "stat",
    "value",
    "unit",
)


class ResultsError(MonadicError):
    """A results folder that is missing, empty or malformed."""


@dataclass
class BenchResult:
    """One JSON result line."""

    raw: dict[str, Any]
    index: int = 0  # position in results.jsonl
    command: str = ""  # the shell command that printed it, when known

    @property
    def bench(self) -> str:
        return str(self.raw.get("bench", "?"))

    @property
    def params(self) -> dict[str, Any]:
        p = self.raw.get("params")
        return p if isinstance(p, dict) else {}

    @property
    def platform(self) -> dict[str, Any]:
        p = self.raw.get("platform")
        return p if isinstance(p, dict) else {}

    @property
    def unit(self) -> str:
        return str(self.raw.get("unit", ""))

    def stat_blocks(self) -> dict[str, dict[str, Any]]:
        """Every distribution summary in the result, by key (rtt_ns, wake_ticks, ...)."""
        return {k: v for k, v in self.raw.items() if is_stats(v)}

    def key(self) -> tuple[Any, ...]:
        """What identifies "the same measurement" across runs: benchmark, CPUs and shape
        parameters, and which form of the result it is (a matrix or a pair), not the number of
        iterations."""
        p = self.params
        shape = "matrix" if "matrix" in self.raw else ""
        return (
            self.bench,
            shape,
            p.get("cpu_a"),
            p.get("cpu_b"),
            p.get("ring"),
            p.get("burst"),
            p.get("hypervisor"),  # bench-vs-kvm: the same operation under each
        )

    def label(self) -> str:
        """Short human label: `c2c cpu1<->cpu2`, `spsc-tput burst 16`, `c2c matrix`."""
        p = self.params
        parts = [self.bench]
        if "matrix" in self.raw:
            parts.append("matrix")
        elif "cpu_a" in p and "cpu_b" in p and self.bench not in ("atomics",):
            parts.append(f"cpu{p['cpu_a']}<->cpu{p['cpu_b']}")
        if "ring" in p:
            parts.append(f"ring {p['ring']}")
        if "burst" in p:
            parts.append(f"burst {p['burst']}")
        if "hypervisor" in p:
            parts.append(str(p["hypervisor"]))
        return " ".join(parts)


def is_stats(value: Any) -> bool:
    """A distribution summary: an object with at least p50 and max as numbers."""
    return isinstance(value, dict) and all(
        isinstance(value.get(k), (int, float)) for k in ("p50", "max")
    )


def parse_line(line: str) -> dict[str, Any] | None:
    """A result from one line of output: the JSON object if it has a "bench" key, else None
    (error lines, tables, JSON that is not a result)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    if isinstance(value, dict) and isinstance(value.get("bench"), str):
        return value
    return None


def parse_output(output: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(results, error lines) from a command's output; other lines are ignored."""
    results, errors = [], []
    for line in output.split("\n"):
        if line.startswith("error: "):
            errors.append(line)
            continue
        r = parse_line(line)
        if r is not None:
            results.append(r)
    return results, errors


# --- flattening into rows -------------------------------------------------------------------


@dataclass(frozen=True)
class StatRow:
    metric: str  # rtt_ns, matrix, ldaddal (LSE), spsc-tput ...
    stat: str  # p50, cpu1->cpu2, ns, mps ...
    value: float
    unit: str


def unit_of(key: str, default: str = "") -> str:
    """The unit a key's suffix names: rtt_ns -> ns, rtt_cycles -> cycles, mps -> msg/s."""
    last = key.rsplit("_", 1)[-1]
    return _UNIT_SUFFIXES.get(last, _UNIT_SUFFIXES.get(key, default))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _scaled(key: str, value: float) -> tuple[str, float]:
    """`ns_x100: 947` is 9.47 ns: fixed-point fields become plain ones."""
    m = re.fullmatch(r"(.+)_x(\d+)", key)
    if m:
        return m.group(1), value / int(m.group(2))
    return key, value


def flatten(result: BenchResult) -> list[StatRow]:
    """Every number in a result as a row, by the shape it has."""
    rows: list[StatRow] = []
    for key, value in result.raw.items():
        if key in META_KEYS:
            continue
        if is_stats(value) or (isinstance(value, dict) and value):
            unit = str(value.get("unit", unit_of(key, "count")))  # "pmu": event counts
            for stat, v in value.items():
                num = _number(v)
                if num is not None:
                    stat, num = _scaled(stat, num)
                    rows.append(StatRow(key, stat, num, "" if stat == "n" else unit))
        elif isinstance(value, list) and value and all(isinstance(r, list) for r in value):
            # A CPU matrix: row initiator, column responder; the diagonal and column 0 (CPU 0 runs
            # the shell and never answers) hold no measurement.
            for i, row in enumerate(value):
                for j, v in enumerate(row):
                    num = _number(v)
                    if num is None or i == j or (num == 0 and j == 0):
                        continue
                    rows.append(StatRow(key, f"cpu{i}->cpu{j}", num, result.unit))
        elif isinstance(value, list):
            for n, item in enumerate(value):
                if not isinstance(item, dict):
                    num = _number(item)
                    if num is not None:
                        rows.append(StatRow(key, str(n), num, unit_of(key, result.unit)))
                    continue
                label = next((str(v) for v in item.values() if isinstance(v, str)), str(n))
                for stat, v in item.items():
                    num = _number(v)
                    if num is not None:
                        stat, num = _scaled(stat, num)
                        unit = "" if isinstance(v, bool) else unit_of(stat, result.unit)
                        rows.append(StatRow(label, stat, num, unit))
        else:
            num = _number(value)
            if num is not None:
                rows.append(StatRow(result.bench, key, num, unit_of(key, "count")))
    return rows


# --- a results folder -----------------------------------------------------------------------


@dataclass
class Run:
    """A results folder, loaded."""

    path: Path
    provenance: dict[str, Any]
    results: list[BenchResult] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem if self.path.is_file() else self.path.name

    @property
    def charts_dir(self) -> Path:
        """<folder>/charts, or <name>-charts next to a lone .jsonl file."""
        if self.path.is_file():
            return self.path.with_name(f"{self.name}-charts")
        return self.path / CHARTS_DIR

    @property
    def label(self) -> str:
        """`QEMU max (qemu)`, `Neoverse N1 (metal)`: what a chart legend calls this run."""
        core = self.provenance.get("sysregs", {}).get("core") or self.platform_slug
        kind = self.provenance.get("kind", "?")
        cpu = self.provenance.get("target", {}).get("machine", {}).get("cpu")
        text = f"{core} ({kind})"
        if kind == "qemu" and cpu and cpu.lower() not in str(core).lower():
            text = f"{core} (qemu -cpu {cpu})"
        return text

    @property
    def platform_slug(self) -> str:
        return str(self.provenance.get("platform_slug", self.path.name))

    @property
    def emulated(self) -> bool:
        return self.provenance.get("kind") != "metal"

    def by_bench(self, bench: str) -> list[BenchResult]:
        return [r for r in self.results if r.bench == bench]


def load_results_lines(text: str) -> list[BenchResult]:
    """Results from the text of a results.jsonl; lines that are not results are skipped."""
    out: list[BenchResult] = []
    for line in text.splitlines():
        raw = parse_line(line)
        if raw is not None:
            out.append(BenchResult(raw, len(out)))
    return out


def load_run(path: Path) -> Run:
    """Read a results folder written by `monadic bench`, or a lone JSON-lines file (a recording
    such as tests/fixtures/bench/X.jsonl, with its provenance in X.provenance.json if any)."""
    path = Path(path)
    if path.is_file() and path.suffix == ".jsonl":
        results_file, prov_file = path, path.with_suffix(".provenance.json")
    elif not path.is_dir():
        raise ResultsError(f"{path} is not a results folder (no such directory)")
    else:
        results_file, prov_file = path / RESULTS_FILE, path / PROVENANCE_FILE
    if not results_file.is_file():
        raise ResultsError(f"{path} is not a results folder (no {RESULTS_FILE})")
    provenance: dict[str, Any] = {}
    if prov_file.is_file():
        try:
            provenance = json.loads(prov_file.read_text())
        except json.JSONDecodeError as exc:
            raise ResultsError(f"{prov_file} is not valid JSON: {exc}") from exc
    results = load_results_lines(results_file.read_text())
    # The per-step log says which command printed which lines.
    for step in provenance.get("steps", []):
        first, last = step.get("results", [0, 0])
        for r in results[first:last]:
            r.command = step.get("command", "")
    return Run(path, provenance, results)


def csv_rows(run_name: str, results: Iterable[BenchResult]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        p = r.params
        other = {
            k: v for k, v in p.items() if k not in ("cpu_a", "cpu_b", "iters", "ring", "burst")
        }
        for s in flatten(r):
            rows.append(
                {
                    "run": run_name,
                    "result": r.index,
                    "bench": r.bench,
                    "command": r.command,
                    "cpu_a": p.get("cpu_a", ""),
                    "cpu_b": p.get("cpu_b", ""),
                    "iters": p.get("iters", ""),
                    "ring": p.get("ring", ""),
                    "burst": p.get("burst", ""),
                    "other_params": json.dumps(other, sort_keys=True) if other else "",
                    "metric": s.metric,
                    "stat": s.stat,
                    "value": format_number(s.value),
                    "unit": s.unit,
                }
            )
    return rows


def format_number(value: float) -> str:
    """Integers without a decimal point; others with up to 4 significant decimals."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


def to_csv(run_name: str, results: Iterable[BenchResult]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(run_name, results))
    return buf.getvalue()


def write_csv(run: Run) -> Path:
    out = run.path / CSV_FILE
    out.write_text(to_csv(run.name, run.results))
    return out


def slug(text: str) -> str:
    """`QEMU max` -> `qemu-max`, `Neoverse N1` -> `neoverse-n1`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def host_command() -> str:
    """The command that produced a result, for its provenance: the make target that ran it
    (MONADIC_INVOKED_BY), else this process's own command line."""
    return os.environ.get("MONADIC_INVOKED_BY") or " ".join(sys.argv)


def new_folder(root: Path, kind: str) -> Path:
    """<root>/<YYYYmmdd-HHMMSS>-<kind>, with -2, -3 ... if that exists already."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path, n = root / f"{stamp}-{kind}", 1
    while path.exists():
        n += 1
        path = root / f"{stamp}-{kind}-{n}"
    path.mkdir(parents=True)
    return path
