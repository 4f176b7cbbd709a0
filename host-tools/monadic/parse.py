# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Pure functions that read the shell's byte stream: prompt and crash markers, echo, errors, JSON.

Nothing here touches a port, so the unit tests can feed these canned bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import ProtocolError

PROMPT = "monadic> "
BANNER = "monadic-hypervisor"

# `^` with MULTILINE matches at the start of the buffer and after every "\n"; a search that starts
# at an index inside the buffer only matches there if the byte before it is "\n" (re docs), which
# is exactly "at the start of a line" for a stream we read incrementally.
PROMPT_RE = re.compile(rb"^" + re.escape(PROMPT.encode()), re.MULTILINE)
BANNER_RE = re.compile(rb"^" + re.escape(BANNER.encode()), re.MULTILINE)
FATAL_RE = re.compile(rb"^(PANIC:|HALTED:)", re.MULTILINE)
EXCEPTION_RE = re.compile(rb"^EXCEPTION at EL2:", re.MULTILINE)
ERROR_PREFIX = "error: "


def decode(data: bytes | bytearray) -> str:
    """Bytes from the UART as text; junk bytes become U+FFFD instead of failing."""
    return bytes(data).decode("utf-8", errors="replace")


_LINE_END_RE = re.compile(r"\r+\n")


def normalise(text: str) -> str:
    """Turn the UART's \\r\\n line ends (and the \\r\\r\\n a terminal shows the same way)
    into \\n; a lone \\r (a line redraw) is kept."""
    return _LINE_END_RE.sub("\n", text)


def find_prompt(buf: bytes | bytearray, start: int = 0) -> re.Match[bytes] | None:
    """The first prompt at the start of a line, at or after index `start`."""
    return PROMPT_RE.search(buf, start)


def split_echo(text: str) -> tuple[str, str]:
    """Split normalised text received after a command into (echoed line, output).

    The shell echoes what was typed and answers Enter with a line break, so the echo is the whole
    first line; everything after it is the command's output, without its final line break.
    """
    echo, sep, rest = text.partition("\n")
    if not sep:
        return echo, ""
    return echo, rest.rstrip("\n")


LOG_PREFIX = "log: "


def split_log(output: str) -> tuple[str, list[str]]:
    """Separate the hypervisor's asynchronous log lines (`log: ...`, printed by the shell's CPU
    for other CPUs just before a prompt) from a command's own output."""
    kept: list[str] = []
    logs: list[str] = []
    for line in output.split("\n"):
        (logs if line.startswith(LOG_PREFIX) else kept).append(line)
    return "\n".join(kept), logs


def error_lines(output: str) -> list[str]:
    """Every line of `output` that starts with `error: `."""
    return [line for line in output.split("\n") if line.startswith(ERROR_PREFIX)]


def parse_json_lines(output: str) -> list[Any]:
    """Parse output made of one JSON value per line; blank lines are allowed, anything else is a
    ProtocolError because `--json` promises machine-readable output only."""
    values: list[Any] = []
    for n, line in enumerate(output.split("\n"), 1):
        line = line.strip()
        if not line:
            continue
        try:
            values.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ProtocolError(f"line {n} of --json output is not JSON ({exc}): {line!r}") from exc
    if not values:
        raise ProtocolError("--json output held no JSON value")
    return values


@dataclass(frozen=True)
class Crash:
    """A crash marker found in the stream: where its line starts and which marker it was."""

    start: int
    reason: str


def find_fatal(buf: bytes | bytearray, start: int = 0) -> Crash | None:
    """A `PANIC:` or `HALTED:` line at or after `start`; these are always fatal."""
    m = FATAL_RE.search(buf, start)
    if m is None:
        return None
    return Crash(m.start(), m.group(1).decode().rstrip(":"))


def find_unrecovered_exception(buf: bytes | bytearray, start: int = 0) -> Crash | None:
    """The first `EXCEPTION at EL2:` line at or after `start` that no prompt follows (yet).

    An exception report followed by a prompt means the hypervisor recovered and went back to the
    shell; one with no prompt after it is a crash once the caller has waited long enough.
    """
    pos = start
    while True:
        m = EXCEPTION_RE.search(buf, pos)
        if m is None:
            return None
        if find_prompt(buf, m.end()) is None:
            return Crash(m.start(), "EXCEPTION at EL2")
        pos = m.end()


def crash_dump(buf: bytes | bytearray, start: int) -> str:
    """The dump text from `start` to the end of the buffer, line ends normalised."""
    return normalise(decode(buf[start:])).rstrip("\n")


def parse_hexdump(output: str) -> dict[int, int]:
    """Bytes shown by `md`, as {address: value}.

    Each line starts with the address in hex (an optional `0x` and trailing `:` are accepted),
    followed by byte values as two-digit hex numbers; the first token that is not a two-digit hex
    number ends the bytes (the ASCII column comes after them).
    """
    shown: dict[int, int] = {}
    for line in output.split("\n"):
        tokens = line.split()
        if not tokens:
            continue
        addr_text = tokens[0].rstrip(":")
        if addr_text.lower().startswith("0x"):
            addr_text = addr_text[2:]
        try:
            addr = int(addr_text, 16)
        except ValueError as exc:
            raise ProtocolError(f"md line does not start with a hex address: {line!r}") from exc
        for offset, tok in enumerate(tokens[1:]):
            if len(tok) != 2 or not all(c in "0123456789abcdefABCDEF" for c in tok):
                break
            shown[addr + offset] = int(tok, 16)
    return shown


def as_int(value: Any) -> int:
    """A number from `--json` output: an integer, or a string in decimal or 0x hex (registers and
    addresses may be printed as hex strings so they keep all 64 bits in any JSON reader)."""
    if isinstance(value, bool):
        raise ProtocolError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            pass
    raise ProtocolError(f"expected a number, got {value!r}")


def numbers_in(value: Any) -> set[int]:
    """Every number (integer or numeric string) anywhere inside a JSON value."""
    found: set[int] = set()
    if isinstance(value, dict):
        for item in value.values():
            found |= numbers_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= numbers_in(item)
    elif not isinstance(value, bool):
        try:
            found.add(as_int(value))
        except ProtocolError:
            pass
    return found
