# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The subcommands of `python3 -m monadic`, one module each.

Each module has `register(sub)`, which adds its parser to the subparsers `sub` with
`set_defaults(func=handler)`; the handler takes the parsed arguments and returns the exit status
(monadic/exitcodes.py). Besides its own options, every namespace carries `argv`, the command
line as given, for provenance.
"""

from __future__ import annotations

from . import bench, bench_nvme, bench_vs_kvm, chart, compare, console, linux_bench, run

# In the order `--help` lists them.
MODULES = (console, run, bench, chart, compare, linux_bench, bench_vs_kvm, bench_nvme)
