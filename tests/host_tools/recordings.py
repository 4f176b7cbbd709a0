# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Where the recorded benchmark output lives, and how to read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "bench"
# The two recorded runs of the default suite (see tests/fixtures/bench/README.md).
RECORDINGS = ("qemu-max-smp4", "qemu-neoverse-n1-smp4")


def recorded_lines(name: str) -> list[dict[str, Any]]:
    """The result objects of one recording, in order."""
    text = (FIXTURES / f"{name}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]
