# SPDX-License-Identifier: BSD-2-Clause-Patent
"""The terminal connected to the hypervisor's shell, byte for byte.

A small raw-mode loop rather than pyserial's miniterm: it works the same on a socket://, a pty
and a /dev/tty*, needs no keymap, and lets QEMU's lifetime follow the session. On a terminal,
keys go out as typed (the shell does its own line editing) and Ctrl-] quits. With stdin a pipe
or a file, each line is sent with a carriage return and the console ends after the last answer.
"""

from __future__ import annotations

import os
import select
import sys
import termios
import threading
import time
import tty
from typing import BinaryIO

import serial  # pyserial

from . import parse
from .shell import Port

EXIT_KEY = b"\x1d"  # Ctrl-]
QUIET_AFTER_INPUT_S = 1.0  # piped input: end once the target is quiet this long after EOF


class Reader(threading.Thread):
    """Copy everything the port receives to stdout (and a log); note a crash or a lost link."""

    def __init__(self, port: Port, out: BinaryIO, log: BinaryIO | None) -> None:
        super().__init__(name="console-rx", daemon=True)
        self.port = port
        self.out = out
        self.log = log
        self.stop = threading.Event()
        self.closed = threading.Event()
        self.last_rx = time.monotonic()
        self._buf = bytearray()
        self._scan = 0
        self.crash_reported = False

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                data = self.port.read(max(1, self.port.in_waiting))
            except (OSError, serial.SerialException):
                self.closed.set()
                return
            if not data:
                continue
            self.last_rx = time.monotonic()
            self.out.write(data)
            self.out.flush()
            if self.log is not None:
                self.log.write(data)
                self.log.flush()
            self._buf += data
            if not self.crash_reported and parse.find_fatal(self._buf, self._scan) is not None:
                self.crash_reported = True
                self.out.write(b"\r\n[monadic console: the hypervisor halted; Ctrl-] quits]\r\n")
                self.out.flush()
            self._scan = self._buf.rfind(b"\n") + 1


def interactive(port: Port, reader: Reader) -> None:
    """Keys to the port in raw mode until Ctrl-] or a lost link; the terminal is restored."""
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        while not reader.closed.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            data = os.read(fd, 1024)
            if not data:
                return
            if EXIT_KEY in data:
                data = data[: data.index(EXIT_KEY)]
                if data:
                    port.write(data)
                return
            port.write(data)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def piped(port: Port, reader: Reader, char_delay: float) -> None:
    """Each line of stdin with a carriage return; returns once the target is quiet after EOF."""
    for line in sys.stdin.buffer:
        if reader.closed.is_set():
            return
        data = line.rstrip(b"\r\n") + b"\r"
        if char_delay > 0:
            for i in range(len(data)):
                port.write(data[i : i + 1])
                time.sleep(char_delay)
        else:
            port.write(data)
        time.sleep(0.05)
    while not reader.closed.is_set() and time.monotonic() - reader.last_rx < QUIET_AFTER_INPUT_S:
        time.sleep(0.05)
