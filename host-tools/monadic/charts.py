# SPDX-License-Identifier: BSD-2-Clause-Patent
"""PNG and SVG charts of a results folder (matplotlib, Agg backend: no display needed).

The hypervisor summarises each latency distribution on the target (min, p50, p90, p99, p99.9,
max, mean) and sends no raw samples, so the "CDF" and "histogram" here are drawn from those
percentile points and say so on the chart: the shape between two points is not measured.

Charts are chosen by the shape of a result, not its name, so a new benchmark with a `*_ns`
statistics block appears in the latency charts without changes here.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, Iterable, Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on build machines

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from . import results as res  # noqa: E402

EMULATED_NOTE = "EMULATED (QEMU TCG): these numbers describe the emulator, not silicon"
PERCENTILE_NOTE = (
    "points are the reported percentiles (no raw samples); lines between them are not measured"
)
DPI = 100
FORMATS = ("png", "svg")
_SHARES = (0.5, 0.4, 0.09, 0.009, 0.001)  # samples between min-p50, p50-p90, ..., p99.9-max


def _style() -> None:
    plt.rcParams.update(
        {
            "figure.dpi": DPI,
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.fontsize": 8,
            "svg.fonttype": "none",  # keep text as text: smaller, searchable SVGs
            "svg.hashsalt": "monadic",  # stable ids: the same data gives the same SVG
        }
    )


def footer(fig: Figure, notes: Sequence[str]) -> None:
    fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, color="0.35", va="bottom", ha="left")


def save(fig: Figure, out_dir: Path, name: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in FORMATS:
        path = out_dir / f"{name}.{fmt}"
        if fmt == "png":
            buf = io.BytesIO()
            fig.savefig(buf, format="png", metadata={"Software": "monadic host-tools"})
            path.write_bytes(small_png(buf.getvalue()))
        else:
            fig.savefig(path, format=fmt, metadata={"Creator": "monadic host-tools", "Date": None})
        paths.append(path)
    plt.close(fig)
    return paths


def small_png(png: bytes) -> bytes:
    """The same chart in a 256-colour palette: a third of the size, no visible difference for
    flat-coloured plots (Pillow comes with matplotlib; without it, the PNG is kept as is)."""
    try:
        from PIL import Image
    except ImportError:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, "PNG", optimize=True
    )
    return out.getvalue() if out.tell() < len(png) else png


def fmt_ns(value: float) -> str:
    """A latency with a readable unit: 640 ns, 12.0 µs, 16.0 ms."""
    if value >= 1e6:
        return f"{value / 1e6:.3g} ms"
    if value >= 1e3:
        return f"{value / 1e3:.3g} µs"
    return f"{value:.3g} ns"


def percentile_points(stats: dict[str, Any]) -> tuple[list[float], list[float]]:
    """(values, cumulative fractions) of the percentiles a statistics block has."""
    xs, ys = [], []
    for key, q in res.PERCENTILES:
        v = stats.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            xs.append(float(v))
            ys.append(q)
    return xs, ys


def latency_series(results: Iterable[res.BenchResult]) -> list[tuple[str, dict[str, Any]]]:
    """(label, stats) for every statistics block measured in ns."""
    series = []
    for r in results:
        for key, stats in r.stat_blocks().items():
            if stats.get("unit", res.unit_of(key)) == "ns":
                series.append((f"{r.label()}: {key}", stats))
    return series


def run_notes(run: res.Run) -> list[str]:
    notes = [f"{run.label}, {run.name}"]
    if run.emulated:
        notes.append(EMULATED_NOTE)
    return notes


# --- the charts -----------------------------------------------------------------------------


def chart_latency_cdf(
    series: list[tuple[str, dict[str, Any]]], title: str, notes: list[str]
) -> Figure:
    """Cumulative share of samples at or below each reported percentile, and the tail 1-F."""
    fig, (ax, tail) = plt.subplots(1, 2, figsize=(10, 4.2))
    for label, stats in series:
        xs, ys = percentile_points(stats)
        pts = [(x, y) for x, y in zip(xs, ys) if x > 0]
        if not pts:
            continue
        line = ax.plot(
            [p[0] for p in pts], [p[1] for p in pts], marker="o", ms=4, ls="--", lw=1, label=label
        )[0]
        tail_pts = [(x, 1 - y) for x, y in pts if y < 1]
        tail.plot(
            [p[0] for p in tail_pts],
            [p[1] for p in tail_pts],
            marker="o",
            ms=4,
            ls="--",
            lw=1,
            color=line.get_color(),
        )
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("latency (ns, log scale)")
    ax.set_ylabel("share of samples at or below")
    ax.set_title("CDF from reported percentiles")
    ax.legend(loc="lower right")
    tail.set_xscale("log")
    tail.set_yscale("log")
    tail.set_yticks([1.0, 0.5, 0.1, 0.01, 0.001])
    tail.set_yticklabels(["100 % (min)", "50 % (p50)", "10 % (p90)", "1 % (p99)", "0.1 % (p99.9)"])
    tail.minorticks_off()
    tail.set_xlabel("latency (ns, log scale)")
    tail.set_ylabel("share of samples above (1 - F)")
    tail.set_title("tail: percentiles on a log scale")
    fig.suptitle(title)
    footer(fig, [PERCENTILE_NOTE, *notes])
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def chart_latency_hist(
    series: list[tuple[str, dict[str, Any]]], title: str, notes: list[str]
) -> Figure:
    """For each distribution, one bar between each pair of adjacent reported percentiles. The
    x axis is logarithmic, so a bar's height is its share of samples (50 %, 40 %, 9 %, 0.9 %,
    0.1 %) divided by the decades it spans: bar areas are proportional to shares, as in any
    histogram, and a wide bar is low because its samples are spread thin."""
    n = max(1, len(series))
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(
        rows, cols, figsize=(max(7.0, 5.2 * cols), 3.0 * rows + 0.9), squeeze=False
    )
    for ax, (label, stats) in zip(axes.flat, series):
        xs, ys = percentile_points(stats)
        heights = []
        for (lo, qlo), (hi, qhi) in zip(zip(xs, ys), zip(xs[1:], ys[1:])):
            share = qhi - qlo
            if lo <= 0 or share <= 0:
                continue
            hi = max(hi, lo * 1.02)  # equal percentiles: a sliver, not nothing
            decades = math.log10(hi / lo)
            height = share / decades
            heights.append(height)
            ax.bar(
                lo,
                height,
                width=hi - lo,
                align="edge",
                color="tab:blue",
                alpha=0.7,
                edgecolor="tab:blue",
            )
            ax.annotate(
                f"{share * 100:g} %",
                (math.sqrt(lo * hi), height),
                ha="center",
                va="bottom",
                fontsize=7,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        if heights:
            ax.set_ylim(min(heights) / 3, max(heights) * 4)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("latency (ns, log scale)")
        ax.set_ylabel("share of samples per decade")
    for ax in list(axes.flat)[len(series) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    footer(
        fig,
        [
            "bars span adjacent reported percentiles (min, p50, p90, p99, p99.9, max); "
            "area = share of samples; no raw samples",
            *notes,
        ],
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def chart_throughput(results: list[res.BenchResult], title: str, notes: list[str]) -> Figure:
    """Messages per second against burst size, one line per CPU pair and ring size."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    groups: dict[str, list[tuple[float, float]]] = {}
    for r in results:
        burst, mps = r.params.get("burst"), r.raw.get("mps")
        if isinstance(burst, (int, float)) and isinstance(mps, (int, float)):
            p = r.params
            key = f"cpu{p.get('cpu_a')}->cpu{p.get('cpu_b')}" + (
                f", ring {p['ring']}" if "ring" in p else ""
            )
            groups.setdefault(key, []).append((float(burst), float(mps)))
    for key, pts in groups.items():
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] / 1e6 for p in pts], marker="o", label=key)
        for x, y in pts:
            ax.annotate(
                f"{y / 1e6:.3g}",
                (x, y / 1e6),
                textcoords="offset points",
                xytext=(0, 5),
                ha="center",
                fontsize=7,
            )
    ax.set_xscale("log", base=2)
    xs = sorted({p[0] for pts in groups.values() for p in pts})
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{x:g}" for x in xs])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("burst size (messages per reserve/commit)")
    ax.set_ylabel("throughput (million messages / s)")
    ax.set_title(title)
    if groups:
        ax.legend(loc="upper left")
    footer(fig, notes)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def min_span(lo: float, hi: float, rel: float = 0.1) -> tuple[float, float]:
    """A colour range that covers [lo, hi] and at least +-rel of its centre, so that a 1 ns
    difference between cores does not fill the whole colour map."""
    centre = (lo + hi) / 2
    return min(lo, centre * (1 - rel)), max(hi, centre * (1 + rel))


def chart_matrix(
    result: res.BenchResult,
    title: str,
    notes: list[str],
    vmin: float | None = None,
    vmax: float | None = None,
    ax: Any = None,
) -> Figure | None:
    """The core-to-core matrix as a heatmap; cells without a measurement are grey."""
    import numpy as np  # matplotlib depends on numpy

    matrix = result.raw["matrix"]
    n = len(matrix)
    data = np.full((n, n), np.nan)
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if i != j and not (j == 0 and v == 0) and isinstance(v, (int, float)):
                data[i, j] = v
    fig = None
    if ax is None:
        size = 2.2 + 0.55 * n
        fig, ax = plt.subplots(figsize=(size + 1.4, size))
    cmap = matplotlib.colormaps["viridis"].copy()
    cmap.set_bad("0.88")
    finite = data[np.isfinite(data)]
    if vmin is None and vmax is None and finite.size:
        vmin, vmax = min_span(float(finite.min()), float(finite.max()))
    masked = np.ma.masked_invalid(data)  # type: ignore[no-untyped-call]
    im = ax.imshow(masked, cmap=cmap, vmin=vmin, vmax=vmax)
    for i in range(n):
        for j in range(n):
            v = data[i, j]
            text = "-" if not np.isfinite(v) else f"{v:.0f}"
            color = "0.4" if not np.isfinite(v) else ("white" if im.norm(v) < 0.6 else "black")
            ax.text(j, i, text, ha="center", va="center", fontsize=8 if n <= 8 else 6, color=color)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("responder CPU")
    ax.set_ylabel("initiator CPU")
    ax.set_title(title)
    ax.grid(False)
    unit = result.unit or "ns"
    if fig is not None:
        fig.colorbar(im, ax=ax, label=f"latency ({unit})", shrink=0.85)
        footer(
            fig,
            [
                *notes,
                "grey: not measured (diagonal; CPU 0 runs the shell); "
                "the colour scale spans at least +-10 % of its centre",
            ],
        )
        fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def chart_wfe(results: list[res.BenchResult], title: str, notes: list[str]) -> Figure:
    """Wake-up latency percentiles, one group of bars per measurement."""
    rows = []
    for r in results:
        for key, stats in r.stat_blocks().items():
            if stats.get("unit", res.unit_of(key)) == "ns":
                ticks_key = key.replace("_ns", "_ticks")
                rows.append((r.label(), stats, r.raw.get(ticks_key, {})))
    fig, axes = plt.subplots(
        len(rows) or 1, 1, figsize=(7.5, 0.6 + 2.6 * max(1, len(rows))), squeeze=False
    )
    for ax, (label, stats, ticks) in zip(axes.flat, rows):
        names = [k for k, _ in res.PERCENTILES if isinstance(stats.get(k), (int, float))]
        values = [float(stats[k]) for k in names]
        ypos = range(len(names))
        ax.barh(ypos, values, color="tab:orange", alpha=0.8)
        ax.set_yticks(list(ypos))
        ax.set_yticklabels([n.replace("p999", "p99.9") for n in names])
        ax.invert_yaxis()
        ax.set_xscale("log")
        for y, k, v in zip(ypos, names, values):
            extra = f"  ({ticks[k]} ticks)" if isinstance(ticks.get(k), (int, float)) else ""
            ax.text(v, y, f" {fmt_ns(v)}{extra}", va="center", fontsize=8)
        ax.set_xlim(right=max(values) * 30 if values else 10)
        ax.set_xlabel("wake-up latency (ns, log scale): SEV on one CPU to WFE return on the other")
        ax.set_title(
            f"{label}, n={stats.get('n', '?')}, mean {fmt_ns(float(stats.get('mean', 0)))}"
        )
    fig.suptitle(title)
    footer(fig, notes)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def chart_ops(result: res.BenchResult, title: str, notes: list[str]) -> Figure:
    """Cost per operation (the atomics benchmark): one bar per op, ns and cycles."""
    ops = [o for o in result.raw.get("ops", []) if isinstance(o, dict)]
    fig, ax = plt.subplots(figsize=(7.5, 0.8 + 0.42 * max(1, len(ops))))
    labels, values = [], []
    for o in ops:
        labels.append(str(o.get("op", "?")))
        ns = o.get("ns_x100")
        values.append(
            float(ns) / 100 if isinstance(ns, (int, float)) and o.get("supported", True) else 0.0
        )
    ypos = list(range(len(ops)))
    ax.barh(ypos, values, color="tab:green", alpha=0.8)
    ax.set_yticks(ypos)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    for y, o, v in zip(ypos, ops, values):
        if not o.get("supported", True):
            ax.text(0, y, " not supported on this CPU", va="center", fontsize=8, color="0.4")
            continue
        cyc = o.get("cycles_x100")
        extra = f", {cyc / 100:.2f} cycles" if isinstance(cyc, (int, float)) else ""
        ax.text(v, y, f" {v:.2f} ns{extra}", va="center", fontsize=8)
    ax.set_xlim(0, max(values + [1]) * 1.45)
    ax.set_xlabel(f"ns per operation ({result.raw.get('metric', 'mean')})")
    ax.set_title(title)
    footer(fig, notes)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


# --- a whole folder -------------------------------------------------------------------------


def chart_run(run: res.Run, out_dir: Path | None = None) -> list[Path]:
    """Every chart the results of `run` allow, into `out_dir` (default <run>/charts)."""
    _style()
    out = out_dir or run.charts_dir
    notes = run_notes(run)
    who = run.label
    written: list[Path] = []
    pairs = [r for r in run.results if "matrix" not in r.raw]
    series = latency_series(pairs)
    if series:
        written += save(
            chart_latency_cdf(series, f"Latency distributions: {who}", notes), out, "latency_cdf"
        )
        written += save(
            chart_latency_hist(series, f"Latency histograms: {who}", notes), out, "latency_hist"
        )
    tput = [r for r in run.results if "mps" in r.raw and "burst" in r.params]
    if tput:
        written += save(
            chart_throughput(tput, f"SPSC ring throughput by burst size: {who}", notes),
            out,
            "throughput",
        )
    for n, r in enumerate(r for r in run.results if isinstance(r.raw.get("matrix"), list)):
        name = "c2c_matrix" if n == 0 else f"c2c_matrix_{n + 1}"
        fig = chart_matrix(r, f"{r.bench}: {r.raw.get('metric', 'latency')}\n{who}", notes)
        if fig is not None:
            written += save(fig, out, name)
    wfe = [r for r in run.by_bench("wfe") if r.stat_blocks()]
    if wfe:
        written += save(chart_wfe(wfe, f"SEV -> WFE wake-up latency: {who}", notes), out, "wfe")
    for n, r in enumerate(r for r in run.results if isinstance(r.raw.get("ops"), list)):
        name = r.bench if n == 0 else f"{r.bench}_{n + 1}"
        written += save(chart_ops(r, f"{r.bench}: cost per operation, {who}", notes), out, name)
    table = run.provenance.get("table")
    if run.provenance.get("benchmark") == "bench-vs-kvm" and isinstance(table, list):
        written += chart_vs_kvm(table, out, run.provenance)
    if run.provenance.get("benchmark") == "bench-nvme":
        from .nvmebench import series_from_results

        written += chart_nvme(
            series_from_results([r.raw for r in run.results]), out, run.provenance
        )
    return written


# --- `make bench-vs-kvm` --------------------------------------------------------------------

VS_KVM_SERIES = (
    ("monadic", "monadic", "tab:green"),
    ("kvm-vhe", "KVM VHE", "tab:blue"),
    ("kvm-nvhe", "KVM nVHE", "tab:orange"),
)


def chart_vs_kvm(rows: list[dict[str, Any]], out_dir: Path, provenance: dict[str, Any]) -> list[Path]:
    """Instructions per operation, this hypervisor against KVM in both modes (the rows of
    monadic.vskvm.table_rows): one group of bars per operation, log scale, each KVM bar
    labelled with its ratio to ours."""
    _style()
    fig, ax = plt.subplots(figsize=(8.5, 1.2 + 0.75 * max(1, len(rows))))
    height = 0.8 / len(VS_KVM_SERIES)
    top = 1.0
    for k, (key, label, colour) in enumerate(VS_KVM_SERIES):
        ys = [i + (k - 1) * height for i in range(len(rows))]
        vals = [float(r[key]) if isinstance(r.get(key), (int, float)) else 0.0 for r in rows]
        ax.barh(ys, vals, height=height * 0.95, color=colour, alpha=0.85, label=label)
        for y, v, r in zip(ys, vals, rows):
            if v <= 0:
                ax.text(1, y, " n/a", va="center", fontsize=7, color="0.4")
                continue
            top = max(top, v)
            rk = {"kvm-vhe": "ratio_vhe", "kvm-nvhe": "ratio_nvhe"}.get(key)
            extra = f" ({r[rk]:.1f}x)" if rk and isinstance(r.get(rk), (int, float)) else ""
            ax.text(v, y, f" {v:,.0f}{extra}", va="center", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(10, top * 8)
    ax.set_yticks(list(range(len(rows))))
    ax.set_yticklabels([str(r.get("op", "?")) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("instructions per operation (log scale; -icount shift=0: 1 virtual ns = 1)")
    ax.legend(loc="lower right")
    ax.set_title(
        f"monadic-hypervisor against KVM, same guest, QEMU virt -cpu {provenance.get('cpu', '?')}"
    )
    notes = [EMULATED_NOTE, str(provenance.get("qemu_version", ""))]
    packages = provenance.get("debian_packages", {})
    if packages:
        notes.append("KVM host: Debian " + ", ".join(f"{k} {v}" for k, v in packages.items()))
    footer(fig, notes)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return save(fig, out_dir, "vs_kvm")


# --- `make bench-nvme` ----------------------------------------------------------------------

NVME_SERIES = (
    ("ring", "bare-metal guest, ring, EL2 engine", "tab:green"),
    ("passthrough", "Linux, NVMe passed through", "tab:blue"),
    ("direct", "Linux, no hypervisor", "tab:gray"),
    ("virtio", "Linux, virtio-blk on the engine", "tab:orange"),
)


def chart_nvme(
    series: dict[str, list[dict[str, Any]]], out_dir: Path, provenance: dict[str, Any]
) -> list[Path]:
    """IOPS and p99 latency against queue depth (log 2), reads and writes side by side, one line
    per path (monadic.nvmebench.series_from_results); a path with no points is named in the
    footer with the reason it was skipped."""
    _style()
    written: list[Path] = []
    runs = provenance.get("runs", {})
    skipped = [
        f"{key}: skipped ({runs[key].get('skipped')})"
        for key, _, _ in NVME_SERIES
        if key not in series and isinstance(runs.get(key), dict) and runs[key].get("skipped")
    ]
    notes = [EMULATED_NOTE, str(provenance.get("qemu_version", "")), *skipped]
    for metric, ylabel, name in (
        ("iops", "IOPS (4 KiB random)", "nvme_iops"),
        ("p99_ns", "p99 latency (µs)", "nvme_p99"),
    ):
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.2 + 0.15 * len(notes)), sharey=False)
        for ax, op in zip(axes, ("read", "write")):
            for key, label, colour in NVME_SERIES:
                pts = sorted(
                    (p for p in series.get(key, []) if p.get("op") == op
                     and isinstance(p.get(metric), (int, float))),
                    key=lambda p: int(p["qd"]),
                )
                if not pts:
                    continue
                scale = 1000.0 if metric.endswith("_ns") else 1.0
                ax.plot([int(p["qd"]) for p in pts], [float(p[metric]) / scale for p in pts],
                        marker="o", color=colour, label=label)
            ax.set_xscale("log", base=2)
            qds = sorted({int(p["qd"]) for pts in series.values() for p in pts})
            if qds:
                ax.set_xticks(qds)
                ax.set_xticklabels([str(q) for q in qds])
            ax.set_yscale("log")
            ax.set_xlabel("queue depth")
            ax.set_ylabel(ylabel)
            ax.set_title(f"random {op}s")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="best")
        fig.suptitle(f"NVMe 4 KiB random I/O by path, QEMU virt -cpu {provenance.get('cpu', '?')}")
        footer(fig, notes)
        fig.tight_layout(rect=(0, 0.04 + 0.025 * len(notes), 1, 1))
        written += save(fig, out_dir, name)
    return written
