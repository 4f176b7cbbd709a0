# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`compare`: two or more results folders side by side (the tables and charts themselves:
monadic/compare.py)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from .. import compare as cmp
from .. import results as res
from ..errors import MonadicError
from ..exitcodes import EXIT_OK, EXIT_USAGE, INTERRUPTED, OK
from ..options import DEFAULT_RESULTS, SubParsers, add_command

EPILOG = """\
examples:
  python3 -m monadic compare results/*-qemu-max-qemu results/*-neoverse-n1-qemu
  python3 -m monadic compare A B --stats p50,p99,max --out /tmp/cmp
"""


def register(sub: SubParsers) -> None:
    p = add_command(
        sub,
        "compare",
        main,
        "compare results folders side by side",
        "Match the results of two or more FOLDERs by benchmark, CPU pair, ring and burst size, "
        "and show each statistic side by side: a table on stdout (with the ratio to the first "
        "folder), compare.csv and compare.md with every statistic, and charts.",
        EPILOG,
        exits=(
            OK,
            (EXIT_USAGE, "fewer than two folders, or one holds no results or cannot be read"),
            INTERRUPTED,
        ),
    )
    p.add_argument(
        "folders",
        nargs="+",
        type=Path,
        metavar="FOLDER",
        help="results folder or results .jsonl file (two or more)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where compare.csv, compare.md and charts go (default: results/compare-<date>)",
    )
    p.add_argument(
        "--stats",
        default="p50,p99,mean",
        metavar="LIST",
        help="statistics of latency distributions shown on stdout (default: p50,p99,mean; "
        "`all` for every one). Stdout also leaves out counts that are the same in every "
        "folder (messages sent, message size); the files always have every row",
    )
    p.add_argument("--no-charts", action="store_true", help="write the table files only")


def main(args: argparse.Namespace) -> int:
    if len(args.folders) < 2:
        raise MonadicError("compare needs two or more results folders")
    runs = [res.load_run(f) for f in args.folders]
    for run in runs:
        if not run.results:
            raise res.ResultsError(f"{run.path} holds no results")
    rows = cmp.build_rows(runs)
    stats = None if args.stats == "all" else {s.strip() for s in args.stats.split(",") if s.strip()}
    for line in cmp.legend(runs):
        print(line)
    if any(run.emulated for run in runs):
        print("note: emulated runs (QEMU TCG) measure the emulator on its host, not silicon")
    print()
    headers, body = cmp.table_cells([r for r in rows if cmp.shown(r, stats)], len(runs))
    print(cmp.text_table(headers, body, right_from=4))
    out = args.out or DEFAULT_RESULTS / f"compare-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.csv").write_text(cmp.to_csv(runs, rows))
    (out / "compare.md").write_text(cmp.to_markdown(runs, rows))
    written = [] if args.no_charts else cmp.chart_compare(runs, out)
    print(
        f"\nwritten: {out / 'compare.csv'}, {out / 'compare.md'}"
        + (f", {len(written)} chart files in {out}" if written else "")
    )
    return EXIT_OK
