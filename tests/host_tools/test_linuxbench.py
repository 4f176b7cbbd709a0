# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`linux-bench`: the console parsing that turns a guest's boot into numbers, and its help."""

from __future__ import annotations

import pytest

from monadic.cli import main
from monadic.linuxbench import LinuxRun, format_table, median, parse_console, ratio, summarize

CONSOLE = [
    (0.5, "monadic-hypervisor f1c617a (built 2026-12-06T07:06:10Z), loaded at 0x40200000"),
    (0.6, "boot: 44486 us from hand-off to the shell; hand-off at 727 us"),
    (0.7, "vm1 (linux) started from bootargs: 2 vCPUs, 512 MiB, in 10698 us"),
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
    assert run.hyp_boot_us == 44486 and run.vm_start_us == 10698
    assert run.banner == "monadic-hypervisor f1c617a (built 2026-12-06T07:06:10Z)"


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


def test_median_skips_boots_that_never_said() -> None:
    assert median([3.0, None, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert median([None]) is None


def _boots(mode: str, walls: list[float]) -> list[LinuxRun]:
    return [LinuxRun(mode=mode, wall_to_init_s=w, uptime_at_init_s=w - 1.0) for w in walls]


def test_summary_is_the_ratio_of_medians_with_the_spread_beside_it() -> None:
    # One hypervisor boot the host slowed down (9.0) does not move the median.
    runs = {"direct": _boots("direct", [5.0, 5.5, 5.2]),
            "hypervisor": _boots("hypervisor", [5.6, 9.0, 5.4])}
    s = summarize(runs)
    assert s["boot_wall_median"] == {"direct": 5.2, "hypervisor": 5.6}
    assert s["boot_wall_ratio"] == ratio(5.6, 5.2) == 1.077
    assert s["boot_wall_range"] == {"direct": [5.0, 5.5], "hypervisor": [5.4, 9.0]}
    assert s["boot_wall_pair_ratios"] == [1.12, 1.636, 1.038]
    assert s["boot_uptime_ratio"] == ratio(4.6, 4.2)
    assert s["dd_throughput_ratio"] is None and s["dd_throughput_pair_ratios"] == [None] * 3
    table = format_table(s, 128)
    assert "5.2" in table and "1.077" in table and "5.4-9" in table and "1.636" in table
    assert "dd 128 MiB direct (MiB/s)" in table


def test_help_names_repeat(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["linux-bench", "--help"])
    assert "--repeat" in capsys.readouterr().out
