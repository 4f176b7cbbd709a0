# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The command line: help, `run` (and the old form without a subcommand), `console` on a pipe,
`bench` options and its exit statuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from .recordings import REPO_ROOT
from .fakeboard import FakeBoard

from monadic.cli import build_parser, main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("console", "run", "bench", "chart", "compare", "exit status:"):
        assert cmd in out
    for sub in ("console", "run", "bench", "chart", "compare"):
        with pytest.raises(SystemExit) as exc:
            main([sub, "--help"])
        assert exc.value.code == 0
        assert f"usage: python3 -m monadic {sub}" in capsys.readouterr().out


def test_run_and_old_form(capsys: pytest.CaptureFixture[str]) -> None:
    answers = {"version": "monadic-hypervisor test", "bad": "error: bad: no"}
    with FakeBoard(answers) as board:
        assert main(["run", "--attach", board.address, "version"]) == 0
        assert capsys.readouterr().out == "monadic-hypervisor test\n"
        # No subcommand: the original `python3 -m monadic [options] COMMAND...` interface.
        assert main(["--attach", board.address, "version", "bad"]) == 1
        assert capsys.readouterr().out == "monadic-hypervisor test\nerror: bad: no\n"


def test_run_old_defaults_are_kept() -> None:
    args = build_parser().parse_args(["run", "version"])
    assert (args.smp, args.mem, args.cpu, args.timeout) == (1, "512M", "max", 10.0)
    args = build_parser().parse_args(["bench"])
    assert (args.smp, args.mem, args.timeout) == (4, "2G", 300.0)


def test_no_device_exit_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(["bench", "--device", "/dev/ttyUSB-monadic-missing", "--results", str(tmp_path)]) == 2
    )
    err = capsys.readouterr().err
    assert "cannot open /dev/ttyUSB-monadic-missing: no such device" in err
    assert main(["run", "--device", "/dev/ttyUSB-monadic-missing", "version"]) == 2


def test_bench_show_suite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    suite = tmp_path / "s.txt"
    suite.write_text("bench wfe --iters 10\n")
    assert main(["bench", "--suite", str(suite), "--show-suite", "--timeout", "9"]) == 0
    assert "bench wfe --iters 10 --json    # timeout 9 s" in capsys.readouterr().out
    suite.write_text("# empty\n")
    assert main(["bench", "--suite", str(suite)]) == 2


def test_console_on_a_pipe() -> None:
    with FakeBoard({"version": "monadic-hypervisor 1.2.3"}, banner=b"booted\r\n") as board:
        proc = subprocess.run(
            [sys.executable, "-m", "monadic", "console", "--attach", board.address],
            input=b"version\n",
            capture_output=True,
            cwd=REPO_ROOT / "host-tools",
            timeout=30,
        )
    assert proc.returncode == 0, proc.stderr
    assert b"monadic> version\r\nmonadic-hypervisor 1.2.3\r\nmonadic> " in proc.stdout
    assert b"monadic console: bye" in proc.stderr
