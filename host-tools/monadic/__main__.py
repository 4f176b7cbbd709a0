# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`python3 -m monadic`: see cli.py (console, run, bench, chart, compare)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
