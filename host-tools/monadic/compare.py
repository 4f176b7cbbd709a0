# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Results folders side by side, as a table (stdout, CSV, Markdown) and charts: what the
`compare` command shows.

Results are matched by what they measured (benchmark, matrix or pair, CPUs, ring, burst), not by
position, so two suites that ran in a different order, or where one command failed, still line
up; a measurement missing from a run shows as `-`.
"""

from __future__ import annotations

import csv
import io
import math
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from . import results as res


@dataclass
class Row:
    label: str  # c2c cpu1<->cpu2
    metric: str  # rtt_ns
    stat: str  # p50
    unit: str
    values: list[float | None] = field(default_factory=list)

    def ratio(self, i: int) -> float | None:
        """values[i] / values[0], when both exist and the first is not 0."""
        a, b = self.values[0], self.values[i]
        if a is None or b is None or a == 0:
            return None
        return b / a


def run_letters(n: int) -> list[str]:
    return list(string.ascii_uppercase[:n]) if n <= 26 else [f"R{i + 1}" for i in range(n)]


def build_rows(runs: Sequence[res.Run]) -> list[Row]:
    """One row per (measurement, metric, stat) found in any run, in order of first appearance."""
    rows: dict[tuple[Any, ...], Row] = {}
    for i, run in enumerate(runs):
        seen: dict[tuple[Any, ...], int] = {}
        for r in run.results:
            base = r.key()
            occurrence = seen.get(base, 0)  # the same measurement twice in one suite
            seen[base] = occurrence + 1
            label = r.label() + (f" #{occurrence + 1}" if occurrence else "")
            for s in res.flatten(r):
                key = (base, occurrence, s.metric, s.stat)
                if key not in rows:
                    rows[key] = Row(label, s.metric, s.stat, s.unit, [None] * len(runs))
                rows[key].values[i] = s.value
    return list(rows.values())


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if 0.01 <= value < 1000 else f"{value:.2g}x"


def shown(row: Row, stats: set[str] | None) -> bool:
    """Stdout shows the chosen statistics of distributions, and everything that is not one."""
    if row.stat == "supported":
        return False
    if row.unit == "count" and "error" not in row.stat and len(set(row.values)) == 1:
        return False  # the same message count or size everywhere: an input, not a result
    if stats is None or row.stat not in res.STAT_KEYS:
        return True
    return row.stat in stats


def text_table(headers: list[str], body: list[list[str]], right_from: int) -> str:
    widths = [
        max(len(h), *(len(r[c]) for r in body)) if body else len(h) for c, h in enumerate(headers)
    ]
    lines = []
    for row in [headers, ["-" * w for w in widths], *body]:
        cells = [
            cell.rjust(w) if c >= right_from else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def table_cells(rows: list[Row], n: int) -> tuple[list[str], list[list[str]]]:
    letters = run_letters(n)
    headers = ["measurement", "metric", "stat", "unit", *letters, *[f"{x}/A" for x in letters[1:]]]
    body = [
        [
            r.label,
            r.metric,
            r.stat,
            r.unit,
            *(fmt(v) for v in r.values),
            *(fmt_ratio(r.ratio(i)) for i in range(1, n)),
        ]
        for r in rows
    ]
    return headers, body


def legend(runs: Sequence[res.Run]) -> list[str]:
    out = []
    for letter, run in zip(run_letters(len(runs)), runs):
        prov = run.provenance
        ver = prov.get("image_version", {}).get("version", "?")
        qv = prov.get("qemu_version", "?")
        out.append(f"{letter} = {run.label}: {run.path} (image {ver}; {qv})")
    return out


def to_csv(runs: Sequence[res.Run], rows: list[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = [r.name for r in runs]
    w.writerow(
        ["measurement", "metric", "stat", "unit", *names, *[f"{n}/{names[0]}" for n in names[1:]]]
    )
    for r in rows:
        ratios = [r.ratio(i) for i in range(1, len(runs))]
        w.writerow(
            [
                r.label,
                r.metric,
                r.stat,
                r.unit,
                *("" if v is None else res.format_number(v) for v in r.values),
                *("" if x is None else f"{x:.4f}" for x in ratios),
            ]
        )
    return buf.getvalue()


def to_markdown(runs: Sequence[res.Run], rows: list[Row]) -> str:
    headers, body = table_cells(rows, len(runs))
    out = ["# Benchmark comparison", ""]
    out += [f"- {line}" for line in legend(runs)]
    if any(run.emulated for run in runs):
        out += [
            "",
            "**Emulated runs (QEMU TCG) measure the emulator on its host, not any silicon.**",
        ]
    out += [
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if i >= 4 else "---" for i in range(len(headers))) + "|",
    ]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]
    return "\n".join(out) + "\n"


# --- charts ---------------------------------------------------------------------------------


def chart_compare(runs: Sequence[res.Run], out_dir: Path) -> list[Path]:
    from . import charts

    charts._style()
    import matplotlib.pyplot as plt
    import numpy as np

    labels = [f"{x}: {run.label}" for x, run in zip(run_letters(len(runs)), runs)]
    notes = [charts.EMULATED_NOTE] if any(r.emulated for r in runs) else []
    written: list[Path] = []

    # Latency: p50 and p99 of every ns distribution, grouped by measurement.
    groups: dict[tuple[Any, ...], tuple[str, list[dict[str, Any] | None]]] = {}
    for i, run in enumerate(runs):
        for r in run.results:
            if "matrix" in r.raw:
                continue
            for key, stats in r.stat_blocks().items():
                if stats.get("unit", res.unit_of(key)) != "ns":
                    continue
                g = groups.setdefault((r.key(), key), (f"{r.label()}\n{key}", [None] * len(runs)))
                g[1][i] = stats
    if groups:
        fig, axes = plt.subplots(1, 2, figsize=(max(8.0, 2.2 * len(groups) * 2), 4.4))
        x = np.arange(len(groups))
        width = 0.8 / len(runs)
        for ax, stat in zip(axes, ("p50", "p99")):
            everything = []
            for i, label in enumerate(labels):
                vals = [
                    got[stat] if (got := g[1][i]) is not None and stat in got else np.nan
                    for g in groups.values()
                ]
                bars = ax.bar(x + (i - (len(runs) - 1) / 2) * width, vals, width, label=label)
                for bar, v in zip(bars, vals):
                    if np.isfinite(v):
                        everything.append(v)
                        ax.annotate(
                            charts.fmt_ns(v),
                            (bar.get_x() + bar.get_width() / 2, v),
                            ha="center",
                            va="bottom",
                            fontsize=7,
                        )
            ax.set_xticks(x)
            ax.set_xticklabels([g[0] for g in groups.values()], fontsize=7)
            ax.set_yscale("log")
            if everything:
                # Bars on a log axis need a common floor: the power of ten below the smallest.
                ax.set_ylim(
                    10 ** math.floor(math.log10(max(min(everything), 1e-3))), max(everything) * 4
                )
            ax.set_ylabel(f"{stat} latency (ns, log scale)")
            ax.set_title(f"{stat} of each latency distribution")
        fig.legend(
            *axes[0].get_legend_handles_labels(),
            loc="upper center",
            ncol=min(len(runs), 3),
            bbox_to_anchor=(0.5, 0.93),
            fontsize=8,
        )
        fig.suptitle("Latency, side by side")
        charts.footer(fig, notes)
        fig.tight_layout(rect=(0, 0.05, 1, 0.9))
        written += charts.save(fig, out_dir, "compare_latency")

    # Atomics (any list of ops): ns per op.
    ops_by_run: list[dict[str, Any]] = []
    for run in runs:
        found = [r for r in run.results if isinstance(r.raw.get("ops"), list)]
        ops_by_run.append(
            {str(o.get("op")): o for o in found[0].raw["ops"] if isinstance(o, dict)}
            if found
            else {}
        )
    op_names = list(dict.fromkeys(name for ops in ops_by_run for name in ops))
    if op_names:
        fig, ax = plt.subplots(figsize=(8, 0.9 + 0.5 * len(op_names)))
        y = np.arange(len(op_names))
        height = 0.8 / len(runs)
        for i, (label, ops) in enumerate(zip(labels, ops_by_run)):
            vals = [
                ops[n]["ns_x100"] / 100
                if n in ops
                and ops[n].get("supported", True)
                and isinstance(ops[n].get("ns_x100"), (int, float))
                else np.nan
                for n in op_names
            ]
            ax.barh(y + (i - (len(runs) - 1) / 2) * height, vals, height, label=label)
        ax.set_yticks(y)
        ax.set_yticklabels(op_names)
        ax.invert_yaxis()
        ax.set_xlabel("ns per operation")
        ax.set_title("Atomics and barriers: cost per operation")
        ax.legend(fontsize=7, loc="lower right")
        charts.footer(fig, notes)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        written += charts.save(fig, out_dir, "compare_atomics")

    # Throughput by burst size.
    tput = [[r for r in run.results if "mps" in r.raw and "burst" in r.params] for run in runs]
    if any(tput):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for label, rs in zip(labels, tput):
            pts = sorted((float(r.params["burst"]), float(r.raw["mps"])) for r in rs)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] / 1e6 for p in pts], marker="o", label=label)
        ax.set_xscale("log", base=2)
        bursts = sorted({float(r.params["burst"]) for rs in tput for r in rs})
        ax.set_xticks(bursts)
        ax.set_xticklabels([f"{b:g}" for b in bursts])
        ax.set_ylim(bottom=0)
        ax.set_xlabel("burst size (messages)")
        ax.set_ylabel("million messages / s")
        ax.set_title("SPSC ring throughput by burst size")
        ax.legend(fontsize=7)
        charts.footer(fig, notes)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        written += charts.save(fig, out_dir, "compare_throughput")

    # Core-to-core matrices on one colour scale.
    mats = [
        next((r for r in run.results if isinstance(r.raw.get("matrix"), list)), None)
        for run in runs
    ]
    present = [(label, m) for label, m in zip(labels, mats) if m is not None]
    if present:
        cells = [
            v
            for _, m in present
            for i, row in enumerate(m.raw["matrix"])
            for j, v in enumerate(row)
            if i != j and j != 0 and isinstance(v, (int, float))
        ]
        vmin, vmax = charts.min_span(min(cells), max(cells)) if cells else (None, None)
        fig, axes = plt.subplots(
            1, len(present), figsize=(3.8 * len(present) + 1.2, 4.2), squeeze=False
        )
        im = None
        for ax, (label, m) in zip(axes.flat, present):
            charts.chart_matrix(m, label, [], vmin=vmin, vmax=vmax, ax=ax)
            im = ax.images[-1]
        if im is not None:
            fig.colorbar(im, ax=list(axes.flat), label="one-way latency (ns)", shrink=0.8)
        fig.suptitle("Core-to-core latency, same colour scale")
        charts.footer(fig, [*notes, "grey: not measured"])
        written += charts.save(fig, out_dir, "compare_c2c")
    return written
