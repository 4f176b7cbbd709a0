# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Benchmark suites: the shell commands a `bench` run types, from a file or the default list.

Two file formats:

* text: one shell command per line; blank lines and lines starting `#` are ignored.
* JSON: a list of commands, or {"name": ..., "timeout": seconds, "commands": [...]} where each
  command is a string or {"command": "...", "timeout": seconds}.

`bench ...` commands get `--json` appended when it is missing, because results are collected
from JSON lines only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import MonadicError

DEFAULT_TIMEOUT_S = 300.0

DEFAULT_SUITE_TEXT = """\
# monadic default benchmark suite: every benchmark once, with the hypervisor's own defaults
# (iteration counts, CPU pair 1,2 when there are more than two CPUs, else 0,1).
bench c2c --json
bench c2c --cpus 1,2 --json
bench wfe --json
bench atomics --json
bench spsc-lat --json
bench spsc-tput --json
bench spsc-stress --json
"""


class SuiteError(MonadicError):
    """A suite file that cannot be read or does not follow the format."""


@dataclass(frozen=True)
class Step:
    """One shell command of a suite and how long it may take."""

    command: str
    timeout: float = DEFAULT_TIMEOUT_S


@dataclass
class Suite:
    name: str
    steps: list[Step]
    source: str = "(built in)"  # the file it came from
    text: str = ""  # the file's content, copied into the results folder
    suffix: str = ".txt"  # file name suffix of that copy
    extra: dict[str, Any] = field(default_factory=dict)


def normalise_command(command: str) -> str:
    """Collapse whitespace; add `--json` to a `bench` command that lacks it."""
    words = command.split()
    if words and words[0] == "bench" and "--json" not in words:
        words.append("--json")
    return " ".join(words)


def parse_text(text: str, default_timeout: float = DEFAULT_TIMEOUT_S) -> list[Step]:
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            steps.append(Step(normalise_command(line), default_timeout))
    return steps


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise SuiteError(f"{where}: timeout must be a positive number of seconds, not {value!r}")
    return float(value)


def parse_json(
    text: str, default_timeout: float = DEFAULT_TIMEOUT_S
) -> tuple[str | None, list[Step]]:
    """(name, steps) from the JSON format; SuiteError says what is wrong."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SuiteError(f"not valid JSON: {exc}") from exc
    name = None
    if isinstance(doc, dict):
        name = doc.get("name")
        if name is not None and not isinstance(name, str):
            raise SuiteError("'name' must be a string")
        if "timeout" in doc:
            default_timeout = _positive(doc["timeout"], "suite")
        doc = doc.get("commands")
    if not isinstance(doc, list):
        raise SuiteError("expected a list of commands, or an object with a 'commands' list")
    steps = []
    for n, item in enumerate(doc, 1):
        if isinstance(item, str):
            cmd, timeout = item, default_timeout
        elif isinstance(item, dict) and isinstance(item.get("command"), str):
            cmd = item["command"]
            timeout = (
                _positive(item["timeout"], f"command {n}") if "timeout" in item else default_timeout
            )
        else:
            raise SuiteError(f'command {n} must be a string or {{"command": ..., "timeout": ...}}')
        if not cmd.strip():
            raise SuiteError(f"command {n} is empty")
        steps.append(Step(normalise_command(cmd), timeout))
    return name, steps


def default_suite(timeout: float = DEFAULT_TIMEOUT_S) -> Suite:
    return Suite("default", parse_text(DEFAULT_SUITE_TEXT, timeout), text=DEFAULT_SUITE_TEXT)


def load_suite(path: Path, timeout: float = DEFAULT_TIMEOUT_S) -> Suite:
    """A suite from a file: JSON if it ends in .json or starts with `[` or `{`, else text."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SuiteError(f"cannot read suite {path}: {exc.strerror}") from exc
    stripped = text.lstrip()
    try:
        if Path(path).suffix == ".json" or stripped.startswith(("[", "{")):
            name, steps = parse_json(text, timeout)
            suffix = ".json"
        else:
            name, steps = None, parse_text(text, timeout)
            suffix = ".txt"
    except SuiteError as exc:
        raise SuiteError(f"suite {path}: {exc}") from None
    if not steps:
        raise SuiteError(f"suite {path} lists no commands")
    return Suite(name or Path(path).stem, steps, str(path), text, suffix)
