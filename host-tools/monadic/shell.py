# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Talk to the hypervisor's shell over any pyserial URL: socket://host:port, a pty, /dev/ttyXXX.

Everything received is kept in one transcript; a cursor marks how far callers have consumed it.
Every wait watches the stream for crash dumps and raises HypervisorCrash as soon as one is complete,
so a test sees the dump instead of a bare timeout.
"""

from __future__ import annotations

import re
import time
from typing import Any, BinaryIO, Protocol

import serial  # pyserial

from . import parse
from .errors import CommandError, HypervisorCrash, LinkClosed, ShellTimeout

# How long an `EXCEPTION at EL2:` report may go without a following prompt before it counts as a
# crash; recovery (print the report, unwind, print the prompt) takes milliseconds even under TCG.
EXCEPTION_GRACE_S = 3.0
# After a PANIC:/HALTED: line, keep reading until the link is quiet this long (or DUMP_MAX_S
# passes) so the exception carries the whole register dump, not its first line.
DUMP_QUIET_S = 0.3
DUMP_MAX_S = 3.0
POLL_S = 0.05


class Port(Protocol):
    """The part of pyserial's SerialBase the shell uses; fakes in the unit tests provide it too."""

    timeout: float | None

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


class Shell:
    """The `monadic> ` shell on one serial link.

    Errors: `run()` with `check=True` (the default) raises CommandError when the output has a line
    starting `error: `; with `check=False` it returns the output and the caller inspects it (see
    `parse.error_lines()`). Crash dumps raise HypervisorCrash from any method, and keep raising it:
    a crashed hypervisor does not come back.
    """

    def __init__(self, port: Port, log: BinaryIO | None = None, char_delay: float = 0.0) -> None:
        """Wrap an already open port. `log`, if given, gets every received byte as it arrives;
        `char_delay` paces writes byte by byte for real UARTs without flow control."""
        self.port = port
        self.log = log
        self.char_delay = char_delay
        self.logs: list[str] = []  # asynchronous `log: ` lines seen in command output
        self._rx = bytearray()  # everything received, in order
        self._pos = 0  # bytes before this index have been handed to a caller
        self._scan = 0  # start of the first line not yet fully scanned for crash markers
        self._exception: parse.Crash | None = None
        self._exception_seen = 0.0
        self._crash: HypervisorCrash | None = None
        self._closed = False
        self.at_prompt = False  # the last thing consumed was a prompt and nothing was sent since

    @classmethod
    def open(
        cls,
        url: str,
        baudrate: int = 115200,
        connect_timeout: float = 10.0,
        **kwargs: Any,
    ) -> "Shell":
        """Open `url` with pyserial, retrying until `connect_timeout` while it is refused (QEMU
        may not be listening yet)."""
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                port = serial.serial_for_url(url, baudrate=baudrate, timeout=POLL_S)
                return cls(port, **kwargs)
            except serial.SerialException:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def __enter__(self) -> "Shell":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the port; the transcript stays readable."""
        if not self._closed:
            self._closed = True
            try:
                self.port.close()
            except (OSError, serial.SerialException):
                pass

    @property
    def crashed(self) -> bool:
        return self._crash is not None

    @property
    def closed(self) -> bool:
        return self._closed

    # --- transcript -------------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the transcript, for `transcript(since=...)`."""
        return len(self._rx)

    def transcript(self, since: int = 0) -> str:
        """Everything received since `since`, decoded, with \\r\\n turned into \\n."""
        return parse.normalise(parse.decode(self._rx[since:]))

    def received(self, since: int = 0) -> bytes:
        """The raw bytes received since `since` (a `mark()`), line ends untouched."""
        return bytes(self._rx[since:])

    def tail(self, chars: int = 800) -> str:
        """The last `chars` characters received, raw line ends kept (for error messages)."""
        return parse.decode(self._rx[-chars:])

    # --- sending ----------------------------------------------------------------------------

    def write(self, data: bytes | str) -> None:
        """Send raw bytes (a str is UTF-8 encoded) without waiting for anything."""
        if self._crash is not None:
            raise self._crash
        if isinstance(data, str):
            data = data.encode()
        self.at_prompt = False
        try:
            if self.char_delay > 0:
                for i in range(len(data)):
                    self.port.write(data[i : i + 1])
                    time.sleep(self.char_delay)
            else:
                self.port.write(data)
        except (OSError, serial.SerialException) as exc:
            self._closed = True
            raise LinkClosed("a write to go through", self.tail()) from exc

    # --- receiving --------------------------------------------------------------------------

    def _read_chunk(self) -> bool:
        """Read what is waiting, blocking at most POLL_S; True if anything came."""
        if self._closed:
            raise LinkClosed("more output", self.tail())
        try:
            waiting = self.port.in_waiting
            data = self.port.read(max(1, waiting))
        except (OSError, serial.SerialException) as exc:
            self._closed = True
            self._check_crash(link_gone=True)
            raise LinkClosed("more output", self.tail()) from exc
        if data:
            self._rx += data
            if self.log is not None:
                self.log.write(data)
                self.log.flush()
        return bool(data)

    def _collect_dump(self) -> None:
        """Keep reading until the link is quiet, so a dump is complete before we report it."""
        end = time.monotonic() + DUMP_MAX_S
        quiet_since = time.monotonic()
        while time.monotonic() < end and time.monotonic() - quiet_since < DUMP_QUIET_S:
            try:
                if self._read_chunk():
                    quiet_since = time.monotonic()
            except LinkClosed:
                break

    def _raise_crash(self, crash: parse.Crash, link_gone: bool = False) -> None:
        if not link_gone:
            self._collect_dump()
        start = crash.start
        if self._exception is not None:
            start = min(start, self._exception.start)
        self._crash = HypervisorCrash(crash.reason, parse.crash_dump(self._rx, start))
        raise self._crash

    def _check_crash(self, deadline_passed: bool = False, link_gone: bool = False) -> None:
        """Scan newly received complete lines for crash markers; raise HypervisorCrash if the
        hypervisor is dead, remember an unrecovered EL2 exception until its grace period ends."""
        if self._crash is not None:
            raise self._crash
        fatal = parse.find_fatal(self._rx, self._scan)
        if fatal is not None:
            self._raise_crash(fatal, link_gone)
        if self._exception is None:
            exc = parse.find_unrecovered_exception(self._rx, self._scan)
            if exc is not None:
                self._exception = exc
                self._exception_seen = time.monotonic()
        elif parse.find_prompt(self._rx, self._exception.start) is not None:
            # Recovered: rescan from just after this report so a later one is not skipped.
            self._scan = min(self._scan, self._exception.start + 1)
            self._exception = None
            self._check_crash(deadline_passed, link_gone)
            return
        # Markers sit at line starts, so only complete lines need no rescan.
        last_nl = self._rx.rfind(b"\n")
        if last_nl + 1 > self._scan:
            self._scan = last_nl + 1
        if self._exception is not None:
            expired = time.monotonic() - self._exception_seen >= EXCEPTION_GRACE_S
            if expired or deadline_passed or link_gone:
                self._raise_crash(self._exception, link_gone)

    def _wait(self, find: Any, timeout: float, what: str) -> Any:
        """Read until `find()` returns something other than None, checking for crashes."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_crash()
            found = find()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                self._check_crash(deadline_passed=True)
                raise ShellTimeout(what, timeout, self.tail())
            try:
                self._read_chunk()
            except LinkClosed as exc:
                raise LinkClosed(what, self.tail()) from exc

    def _consume(self, end: int) -> str:
        text = parse.decode(self._rx[self._pos : end])
        self._pos = end
        return text

    def drain(self) -> str:
        """Consume whatever has already arrived without waiting, normalised (crash-checked)."""
        try:
            while not self._closed and self.port.in_waiting > 0:
                self._read_chunk()
        except (OSError, serial.SerialException) as exc:
            self._closed = True
            raise LinkClosed("pending output", self.tail()) from exc
        finally:
            self._check_crash()
        return parse.normalise(self._consume(len(self._rx)))

    def read_until(self, marker: bytes | str | re.Pattern[bytes], timeout: float = 10.0) -> str:
        """Consume and return the text up to and including `marker` (bytes, text or a compiled
        bytes regex), with \\r\\n normalised."""
        if isinstance(marker, str):
            marker = marker.encode()
        if isinstance(marker, (bytes, bytearray)):
            needle = bytes(marker)

            def find() -> int | None:
                i = self._rx.find(needle, self._pos)
                return None if i < 0 else i + len(needle)

            what = repr(needle.decode(errors="replace"))
        else:
            pattern = marker

            def find() -> int | None:
                m = pattern.search(self._rx, self._pos)
                return None if m is None else m.end()

            what = f"/{pattern.pattern.decode(errors='replace')}/"
        end = self._wait(find, timeout, what)
        self.at_prompt = False
        return parse.normalise(self._consume(end))

    def wait_for_prompt(self, timeout: float = 10.0) -> str:
        """Wait for `monadic> ` at the start of a line; consume it and return the text before it
        (normalised, prompt not included)."""

        def find() -> re.Match[bytes] | None:
            return parse.find_prompt(self._rx, self._pos)

        m = self._wait(find, timeout, f"the prompt {parse.PROMPT!r}")
        text = self._consume(m.start())
        self._pos = m.end()
        self.at_prompt = True
        return parse.normalise(text)

    def wait_quiet(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Read until nothing has arrived for `quiet` seconds (crash-checked); nothing consumed."""
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < quiet:
            self._check_crash()
            if time.monotonic() >= deadline:
                raise ShellTimeout(f"{quiet}s of silence", timeout, self.tail())
            if self._read_chunk():
                quiet_since = time.monotonic()
        self._check_crash()

    def resync(self, poke: bytes = b"\x15\r", quiet: float = 0.3, timeout: float = 10.0) -> str:
        """Get back to a clean prompt after sending junk: send `poke` (default Ctrl-U, Enter),
        wait until the link is quiet and the last thing received is a prompt at a line start,
        then consume everything. Returns what was consumed."""
        if poke:
            self.write(poke)
        deadline = time.monotonic() + timeout
        while True:
            self.wait_quiet(quiet, max(0.1, deadline - time.monotonic()))
            m = None
            for m in parse.PROMPT_RE.finditer(self._rx, self._pos):
                pass
            if m is not None and m.end() == len(self._rx):
                self.at_prompt = True
                return parse.normalise(self._consume(len(self._rx)))
            if time.monotonic() >= deadline:
                raise ShellTimeout("a prompt after resync", timeout, self.tail())

    # --- commands ---------------------------------------------------------------------------

    def interact(self, data: bytes | str, timeout: float = 10.0) -> str:
        """Send raw bytes, wait for the next prompt and return everything before it (echo
        included, normalised). For line-editing and bad-input tests."""
        self.drain()
        self.write(data)
        return self.wait_for_prompt(timeout)

    def run(self, cmd: str, timeout: float = 10.0, check: bool = True) -> str:
        """Type `cmd` and Enter; return its output without the echoed line and the prompt.

        With `check=True` a line starting `error: ` raises CommandError; with `check=False` the
        output is returned as is.
        """
        text = self.interact(cmd + "\r", timeout)
        _echo, output = parse.split_echo(text)
        # Asynchronous log lines stay in the transcript (and self.logs), not in the output.
        output, logs = parse.split_log(output)
        self.logs.extend(logs)
        if check:
            errors = parse.error_lines(output)
            if errors:
                raise CommandError(cmd, output, errors)
        return output

    def run_json(self, cmd: str, timeout: float = 10.0) -> Any:
        """Run `cmd` with `--json` (added if missing) and return the parsed value: one object
        when the command printed one line, else the list of them."""
        if "--json" not in cmd.split():
            cmd += " --json"
        values = parse.parse_json_lines(self.run(cmd, timeout, check=True))
        return values[0] if len(values) == 1 else values
