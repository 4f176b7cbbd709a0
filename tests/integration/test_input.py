# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Hostile and clumsy input: bad arguments, long lines, random bytes, and the line editor."""

from __future__ import annotations

import os
import random

import pytest

from monadic import MachineConfig, Shell, error_lines, split_echo

MACHINE = MachineConfig(cpu="max", smp=1, mem="512M")
SEED = int(os.environ.get("MONADIC_SEED", "20240601"))
MAX_LINE = 255


@pytest.fixture
def version_out(shell: Shell) -> str:
    """What a clean `version` prints, to compare edited lines against."""
    return shell.run("version")


def expect_error(shell: Shell, cmd: str) -> str:
    out = shell.run(cmd, check=False)
    errors = error_lines(out)
    assert errors, f"{cmd!r} answered {out!r} instead of an error"
    return errors[0]


def test_echo_and_line_ends(shell: Shell) -> None:
    """Typed characters are echoed, Enter echoes exactly \\r\\n and output lines end \\r\\n."""
    start = shell.mark()
    shell.run("version")
    raw = shell.received(start)
    assert raw.startswith(b"version\r\n"), raw[:24]
    assert raw.endswith(b"\r\nmonadic> "), raw[-24:]
    assert b"\r\r\n" not in raw, raw


def test_unknown_command(shell: Shell) -> None:
    assert expect_error(shell, "frobnicate").startswith("error: unknown command")


def test_empty_line_prints_nothing(shell: Shell) -> None:
    assert shell.run("") == ""
    assert shell.run("    ") == ""


@pytest.mark.parametrize(
    "cmd",
    [
        "md",
        "md zzz",
        "md 0x",
        "md 0xg1",
        "md 12abc",
        "md -1",
        "md 99999999999999999999999",
        "md 0x1ffffffffffffffff",
        "md 0x40000000 99999",
        "md 0x40000000 4097",
        "md 0x40000000 abc",
        "md 0x40000000 -4",
    ],
)
def test_bad_numbers(shell: Shell, cmd: str) -> None:
    expect_error(shell, cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "md 0x40000000 16 7",
        "version extra",
        "version --json extra",
        "sysregs --bogus",
        "platform a b",
        "help version extra",
    ],
)
def test_bad_arguments(shell: Shell, cmd: str) -> None:
    expect_error(shell, cmd)


def test_longest_line_is_accepted(shell: Shell, version_out: str) -> None:
    line = "version".ljust(MAX_LINE)
    assert shell.run(line) == version_out


def test_one_char_too_long(shell: Shell, version_out: str) -> None:
    assert expect_error(shell, "version".ljust(MAX_LINE + 1)).startswith("error: line too long")
    assert shell.run("version") == version_out


def test_5000_bytes_of_printable_junk(shell: Shell, version_out: str) -> None:
    rng = random.Random(SEED)
    junk = "".join(chr(rng.randrange(0x20, 0x7F)) for _ in range(5000))
    assert expect_error(shell, junk).startswith("error: line too long"), f"seed {SEED}"
    assert shell.run("version") == version_out


def test_random_bytes_and_escapes(shell: Shell, version_out: str) -> None:
    """Every byte value but CR/LF (so no junk line runs), with escape sequences whole and
    broken mixed in; then Ctrl-U and Enter. The shell must come back to a working prompt."""
    rng = random.Random(SEED)
    pieces = [
        b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D", b"\x1b[1;5C", b"\x1b[200~", b"\x1bOP",
        b"\x1b", b"\x1b[", b"\x1b[99999999999999999999", b"\x1b]0;title\x07", b"\x9b",
    ]  # fmt: skip
    burst = bytearray()
    for _ in range(400):
        if rng.random() < 0.1:
            burst += rng.choice(pieces)
        else:
            burst.append(rng.choice([b for b in range(256) if b not in (0x0A, 0x0D)]))
    shell.write(bytes(burst))
    shell.resync(b"\x15\r", quiet=0.5, timeout=20)
    assert shell.run("version") == version_out, f"seed {SEED}"


def test_backspace_edits_the_line(shell: Shell, version_out: str) -> None:
    _echo, out = split_echo(shell.interact(b"versiox\x7fn\r"))
    assert out == version_out
    _echo, out = split_echo(shell.interact(b"versix\x08\x08ion\r"))
    assert out == version_out


def test_backspace_on_empty_line(shell: Shell, version_out: str) -> None:
    _echo, out = split_echo(shell.interact(b"\x7f\x7f\x08version\r"))
    assert out == version_out


def test_ctrl_u_clears_the_line(shell: Shell, version_out: str) -> None:
    _echo, out = split_echo(shell.interact(b"frobnicate\x15version\r"))
    assert out == version_out


def test_other_control_bytes_are_ignored(shell: Shell, version_out: str) -> None:
    noise = b"\x00\x02\x07\x0f\x11\x12\x13\x14\x16\x18\x19\x1a\x1c\x1d\x1e\x1f"
    _echo, out = split_echo(shell.interact(b"ver" + noise + b"sion\r"))
    assert out == version_out


def test_ctrl_c_cancels_the_line(shell: Shell, version_out: str) -> None:
    text = shell.interact(b"version\x03")
    assert "^C" in text
    assert version_out not in text
    assert shell.run("version") == version_out


def test_history_up_arrow(shell: Shell, version_out: str) -> None:
    help_md = shell.run("help md")
    _echo, out = split_echo(shell.interact(b"\x1b[A\r"))
    assert out == help_md
    shell.run("version")
    # History ends `help md`, `version` (whether or not a repeat is stored twice): up, up.
    _echo, out = split_echo(shell.interact(b"\x1b[A\x1b[A\r"))
    assert out == help_md
    # Now it ends `version`, `help md`: up to `help md`, up to `version`, down to `help md`.
    _echo, out = split_echo(shell.interact(b"\x1b[A\x1b[A\x1b[B\r"))
    assert out == help_md
