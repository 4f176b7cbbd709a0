# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`bench`: run a benchmark suite into a results folder, optionally with charts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import results as res
from ..exitcodes import (
    COMMAND_ERROR,
    EXIT_OK,
    EXIT_TARGET_FAILED,
    INTERRUPTED,
    OK,
    TARGET_FAILED,
)
from ..options import (
    DEFAULT_RESULTS,
    ENVIRONMENT,
    TARGET_EPILOG,
    SubParsers,
    add_command,
    add_target_options,
    target_spec,
)
from ..runner import run_suite
from ..suite import default_suite, load_suite

EPILOG = (
    TARGET_EPILOG
    + """
suite files:
  text: one shell command per line, `#` comments.   JSON: ["cmd", ...] or
  {"name": "...", "timeout": 300, "commands": ["cmd", {"command": "cmd", "timeout": 600}]}.
  `--json` is added to `bench` commands that lack it. The default suite runs every benchmark
  once with the hypervisor's default parameters (print it with --show-suite).

examples:
  python3 -m monadic bench --chart
  python3 -m monadic bench --cpu neoverse-n1 --suite quick.txt
  python3 -m monadic bench --device /dev/ttyUSB0 --baud 115200 --chart

"""
    + ENVIRONMENT
    + """  MONADIC_INVOKED_BY
                 the command that started this one (`make bench` sets it), for provenance
"""
)


def register(sub: SubParsers) -> None:
    p = add_command(
        sub,
        "bench",
        main,
        "run a benchmark suite and keep the results",
        "Run a suite of `bench ... --json` commands and collect their JSON lines into "
        "RESULTS/<date>-<platform>/ (platform: the core's name and `qemu` or `metal`) with "
        "provenance.json (MIDR, core, features, CNTFRQ, QEMU version or metal, `version --json`, "
        "this command line, the suite), the suite file, results.csv (one row per statistic), and "
        "the serial transcript. A crash dump is saved as crash.txt. Progress goes to stderr.",
        EPILOG,
        exits=(OK, COMMAND_ERROR, TARGET_FAILED, INTERRUPTED),
    )
    add_target_options(p)
    p.add_argument(
        "--suite", type=Path, metavar="FILE", help="suite file (default: the built-in suite)"
    )
    p.add_argument("--show-suite", action="store_true", help="print the suite and exit")
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="seconds per command unless the suite says otherwise (default: 300)",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        metavar="DIR",
        help="parent folder of results folders (default: results/ in the checkout)",
    )
    p.add_argument("--chart", action="store_true", help="also draw the charts into <folder>/charts")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def host_commands(argv: list[str]) -> list[list[str]]:
    """How this run was started, for provenance: the Python command line, preceded by the
    `make bench ...` line when the Makefile passes it in MONADIC_INVOKED_BY."""
    cmds = [[sys.executable, "-m", "monadic", *argv]]
    invoked_by = os.environ.get("MONADIC_INVOKED_BY")
    if invoked_by:
        cmds.insert(0, invoked_by.split())
    return cmds


def main(args: argparse.Namespace) -> int:
    suite = load_suite(args.suite, args.timeout) if args.suite else default_suite(args.timeout)
    if args.show_suite:
        print(f"# suite {suite.name} ({suite.source})")
        for step in suite.steps:
            print(f"{step.command}    # timeout {step.timeout:g} s")
        return EXIT_OK
    progress = None if args.quiet else sys.stderr
    outcome = run_suite(target_spec(args), suite, args.results, host_commands(args.argv), progress)
    if outcome.path is None:
        print(f"monadic bench: {outcome.message}", file=sys.stderr)
        return outcome.status
    charts: list[Path] = []
    if args.chart and outcome.n_results:
        from ..charts import chart_run

        charts = chart_run(res.load_run(outcome.path))
    failed = [s for s in outcome.steps if s.status != "ok"]
    print(f"results: {outcome.path}")
    print(
        f"  {outcome.n_results} results from {len(outcome.steps)} commands"
        + (
            f", {len(failed)} failed: " + "; ".join(f"{s.command} ({s.status})" for s in failed)
            if failed
            else ""
        )
    )
    print(f"  {outcome.path / res.CSV_FILE}")
    if charts:
        print(
            f"  charts: {outcome.path / res.CHARTS_DIR} ({len(charts)} files: "
            + ", ".join(sorted({p.stem for p in charts}))
            + ")"
        )
    if outcome.status == EXIT_TARGET_FAILED:
        print(f"monadic bench: {outcome.message}", file=sys.stderr)
    return outcome.status
