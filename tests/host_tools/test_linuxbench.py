# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`linux-bench`: the console parsing that turns a guest's boot into numbers, and its help."""

from __future__ import annotations

import pytest

from monadic.cli import main
from monadic.linuxbench import parse_console, ratio

CONSOLE = [
    (0.5, "monadic-hypervisor ... booting"),
    (6.25, "MONADIC-INIT: Linux 6.1.0-56-cloud-arm64, 2 CPUs, uptime 4.69 s"),
    (6.3, "MONADIC-BLOCK: nvme0n1 "),
    (7.0, "MONADIC-DD: mib=128 start=4.90 end=5.50 128+0 records out"),
    (7.1, "[    5.155778] reboot: Power down"),
]


def test_parse_a_whole_boot() -> None:
    run = parse_console("hypervisor", CONSOLE)
    assert run.wall_to_init_s == 6.25 and run.uptime_at_init_s == 4.69
    assert run.kernel == "6.1.0-56-cloud-arm64" and run.cpus == 2
    assert run.dd_mib == 128 and run.dd_seconds == 0.6
    assert run.dd_mib_per_s == pytest.approx(213.3)
    assert run.powered_off


def test_missing_lines_stay_unknown() -> None:
    run = parse_console("direct", CONSOLE[:1])
    assert run.wall_to_init_s is None and run.dd_mib_per_s is None and not run.powered_off


def test_a_read_too_short_to_time_is_not_a_number() -> None:
    run = parse_console("direct", [(1.0, "MONADIC-DD: mib=1 start=4.90 end=4.91")])
    assert run.dd_mib == 1 and run.dd_mib_per_s is None


def test_ratio() -> None:
    assert ratio(7.2, 5.76) == 1.25
    assert ratio(None, 1.0) is None and ratio(1.0, None) is None and ratio(1.0, 0.0) is None


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["linux-bench", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: python3 -m monadic linux-bench" in out and "--dd-mib" in out
