# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`chart`: PNG and SVG charts of one or more results folders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import results as res
from ..exitcodes import EXIT_OK, EXIT_USAGE, INTERRUPTED, OK
from ..options import SubParsers, add_command

EPILOG = """\
examples:
  python3 -m monadic chart results/20261124-071646-qemu-max-qemu
  python3 -m monadic chart results/20261124-071646-qemu-max-qemu --out /tmp/charts
"""


def register(sub: SubParsers) -> None:
    p = add_command(
        sub,
        "chart",
        main,
        "draw charts of a results folder",
        "Draw PNG and SVG charts of each results FOLDER into FOLDER/charts (or --out): latency "
        "CDF and histogram from the reported percentiles (the target sends no raw samples; the "
        "charts say so), SPSC throughput by burst size, the core-to-core matrix as a heatmap, "
        "WFE wake-up latency, and the cost of each atomic operation.",
        EPILOG,
        exits=(
            OK,
            (EXIT_USAGE, "a folder holds no results or cannot be read, or bad usage"),
            INTERRUPTED,
        ),
    )
    p.add_argument(
        "folders",
        nargs="+",
        type=Path,
        metavar="FOLDER",
        help="results folder, or a results .jsonl file (its charts go to NAME-charts/)",
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="write the charts here (one folder only)"
    )


def main(args: argparse.Namespace) -> int:
    from ..charts import chart_run  # matplotlib loads only for the commands that draw

    if args.out is not None and len(args.folders) > 1:
        print("monadic chart: --out takes one folder; use compare for several", file=sys.stderr)
        return EXIT_USAGE
    for folder in args.folders:
        run = res.load_run(folder)
        if not run.results:
            print(f"monadic chart: {folder} holds no results", file=sys.stderr)
            return EXIT_USAGE
        written = chart_run(run, args.out)
        print(f"{folder}: {len(written)} files in {written[0].parent if written else '(none)'}")
        for path in written:
            print(f"  {path}")
    return EXIT_OK
