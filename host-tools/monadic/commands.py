# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The `run`, `bench` and `chart` subcommands (argument parsing is in cli.py)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import results as res
from .parse import error_lines
from .runner import EXIT_TARGET_FAILED, run_suite
from .suite import default_suite, load_suite
from .target import open_target


def cmd_run(args: argparse.Namespace) -> int:
    from .cli import target_spec

    log = args.transcript.open("wb") if args.transcript else None
    status = 0
    try:
        with open_target(target_spec(args), log) as target:
            for cmd in args.commands:
                out = target.shell.run(cmd, timeout=args.timeout, check=False)
                print(out, flush=True)
                if error_lines(out):
                    status = 1
    finally:
        if log is not None:
            log.close()
    return status


def host_commands(argv: list[str]) -> list[list[str]]:
    """How this run was started, for provenance: the Python command line, preceded by the
    `make bench ...` line when the Makefile passes it in MONADIC_INVOKED_BY."""
    cmds = [[sys.executable, "-m", "monadic", *argv]]
    invoked_by = os.environ.get("MONADIC_INVOKED_BY")
    if invoked_by:
        cmds.insert(0, invoked_by.split())
    return cmds


def cmd_bench(args: argparse.Namespace, argv: list[str]) -> int:
    from .cli import target_spec

    suite = load_suite(args.suite, args.timeout) if args.suite else default_suite(args.timeout)
    if args.show_suite:
        print(f"# suite {suite.name} ({suite.source})")
        for step in suite.steps:
            print(f"{step.command}    # timeout {step.timeout:g} s")
        return 0
    progress = None if args.quiet else sys.stderr
    outcome = run_suite(target_spec(args), suite, args.results, host_commands(argv), progress)
    if outcome.path is None:
        print(f"monadic bench: {outcome.message}", file=sys.stderr)
        return outcome.status
    charts: list[Path] = []
    if args.chart and outcome.n_results:
        from .charts import chart_run

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


def cmd_chart(args: argparse.Namespace) -> int:
    from .charts import chart_run

    if args.out is not None and len(args.folders) > 1:
        print("monadic chart: --out takes one folder; use compare for several", file=sys.stderr)
        return 2
    for folder in args.folders:
        run = res.load_run(folder)
        if not run.results:
            print(f"monadic chart: {folder} holds no results", file=sys.stderr)
            return 2
        written = chart_run(run, args.out)
        print(f"{folder}: {len(written)} files in {written[0].parent if written else '(none)'}")
        for path in written:
            print(f"  {path}")
    return 0
