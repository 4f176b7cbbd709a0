# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Tests of host-tools/monadic itself: parsing, results folders, charts, compare, error paths.

Most use recorded benchmark output (tests/fixtures/bench/) and a fake serial shell on a local TCP
socket (fakeboard.py); the tests marked `qemu` boot the real image once each.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

# Helpers live in modules of this package (recordings, fakeboard), not here: tests import them
# from there. host-tools/ is on sys.path through pyproject.toml's pytest settings.
from .recordings import FIXTURES


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[[str], Path]:
    """A results folder in tmp_path built from a recording: results.jsonl and provenance.json."""

    def make(name: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(FIXTURES / f"{name}.jsonl", folder / "results.jsonl")
        shutil.copy(FIXTURES / f"{name}.provenance.json", folder / "provenance.json")
        return folder

    return make
