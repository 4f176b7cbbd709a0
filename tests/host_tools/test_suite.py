# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Suite files: the default suite, the text and JSON formats, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from monadic.suite import SuiteError, default_suite, load_suite, normalise_command


def test_default_suite_runs_every_benchmark_as_json() -> None:
    suite = default_suite()
    benches = {s.command.split()[1] for s in suite.steps}
    assert benches == {"c2c", "wfe", "atomics", "spsc-lat", "spsc-tput", "spsc-stress"}
    assert all(s.command.endswith("--json") for s in suite.steps)
    assert suite.text.startswith("#")


def test_normalise_command() -> None:
    assert normalise_command("  bench  wfe ") == "bench wfe --json"
    assert normalise_command("bench wfe --json --iters 5") == "bench wfe --json --iters 5"
    assert normalise_command("version") == "version"


def test_text_suite(tmp_path: Path) -> None:
    f = tmp_path / "quick.txt"
    f.write_text("# comment\n\nbench atomics --iters 1000\n  sysregs --json  \n")
    suite = load_suite(f, timeout=7)
    assert suite.name == "quick"
    assert [(s.command, s.timeout) for s in suite.steps] == [
        ("bench atomics --iters 1000 --json", 7),
        ("sysregs --json", 7),
    ]
    assert suite.suffix == ".txt" and suite.text == f.read_text()


def test_json_suite(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    f.write_text(
        '{"name": "n1", "timeout": 20, "commands": ["bench wfe", {"command": "bench c2c", "timeout": 600}]}'
    )
    suite = load_suite(f)
    assert suite.name == "n1"
    assert [(s.command, s.timeout) for s in suite.steps] == [
        ("bench wfe --json", 20),
        ("bench c2c --json", 600),
    ]
    g = tmp_path / "list"
    g.write_text('["bench atomics"]')  # JSON detected by content, whatever the suffix
    assert load_suite(g).steps[0].command == "bench atomics --json"


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "not valid JSON"),
        ('{"commands": "bench wfe"}', "expected a list"),
        ('[{"command": "bench wfe", "timeout": -1}]', "positive number"),
        ("[42]", "must be a string"),
        ('[" "]', "is empty"),
        ("# nothing\n", "lists no commands"),
    ],
)
def test_bad_suites(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(SuiteError, match=message):
        load_suite(f)


def test_missing_suite(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="cannot read suite"):
        load_suite(tmp_path / "nope.txt")
