# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Tests of host-tools/monadic itself: parsing, results folders, charts, compare, error paths.

Most use recorded benchmark output (tests/fixtures/bench/) and a fake serial shell on a local TCP
socket (fakeboard.py); the tests marked `qemu` boot the real image once each.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Callable

import pytest

# Helpers are imported by module name (recordings, fakeboard), not from conftest, which may be
# another folder's conftest when pytest runs tests/integration and tests/host_tools together.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host-tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recordings import FIXTURES  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "qemu: boots build/monadic-hypervisor.bin in QEMU")


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
