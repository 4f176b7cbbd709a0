# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A TCP server that plays the hypervisor's serial shell, for tests that need no QEMU.

It echoes what is typed, answers Enter with "\\r\\n", the canned answer and a prompt, as the real
line editor does (monitor/line.c). An answer may be a crash (bytes, then silence) or a hang (no
answer until Ctrl-C), and `silent=True` makes a board that never says anything.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

PROMPT = b"monadic> "
HANG = object()  # an answer that never comes (Ctrl-C brings the prompt back)


@dataclass
class Crash:
    """An answer that is a crash dump: the bytes are sent and the board goes silent."""

    dump: bytes


Answer = str | Crash | object | None
Answers = Mapping[str, Answer] | Callable[[str], Answer]


class FakeBoard:
    def __init__(
        self, answers: Answers | None = None, banner: bytes = b"", silent: bool = False
    ) -> None:
        self.answers = answers or {}
        self.banner = banner
        self.silent = silent
        self.commands: list[str] = []  # every line received, in order
        self._srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._srv.bind(("127.0.0.1", 0))
        self._srv.listen(4)
        self._srv.settimeout(0.2)
        self.port = int(self._srv.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fakeboard", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self._srv.close()

    def __enter__(self) -> "FakeBoard":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def answer(self, line: str) -> Answer:
        if callable(self.answers):
            return self.answers(line)
        if line in self.answers:
            return self.answers[line]
        if not line:
            return ""
        return f"error: unknown command '{line.split()[0]}' (try help)"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.1)
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        if not self.silent:
            # pyserial's socket:// discards what arrived before open() returns; a real board
            # has been talking for a while by then, so the banner is not meant to be seen whole.
            time.sleep(0.2)
            conn.sendall(self.banner + PROMPT)
        line = bytearray()
        dead = False
        hung = False
        while not self._stop.is_set():
            try:
                data = conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            if self.silent or dead:
                continue
            for b in data:
                ch = bytes([b])
                if hung:
                    if ch == b"\x03":
                        hung = False
                        conn.sendall(b"^C\r\n" + PROMPT)
                    continue
                if ch in (b"\x15", b"\x03"):
                    line.clear()
                elif ch == b"\r":
                    text = line.decode(errors="replace").strip()
                    line.clear()
                    self.commands.append(text)
                    conn.sendall(b"\r\n")
                    ans = self.answer(text)
                    if isinstance(ans, Crash):
                        conn.sendall(ans.dump)
                        dead = True
                        break
                    if ans is HANG:
                        hung = True
                        continue
                    body = str(ans or "")
                    out = "".join(part + "\r\n" for part in body.split("\n")) if body else ""
                    conn.sendall(out.encode() + PROMPT)
                elif 0x20 <= b < 0x7F:
                    line += ch
                    conn.sendall(ch)


def answers_from_recording(jsonl: Path, provenance: Path) -> dict[str, Answer]:
    """Replay a recorded run: the provenance commands answer with what the target answered
    then, and each suite command with its recorded result lines and error lines."""
    prov: dict[str, Any] = json.loads(provenance.read_text())
    lines = [line for line in jsonl.read_text().splitlines() if line.strip()]
    answers: dict[str, Answer] = {
        "version --json": json.dumps(prov["image_version"], separators=(",", ":")),
    }
    for name in ("sysregs", "platform", "pmu", "cpus"):
        answers[f"{name} --json"] = json.dumps(prov[name], separators=(",", ":"))
    for step in prov["steps"]:
        first, last = step["results"]
        answers[step["command"]] = "\n".join(lines[first:last] + step["errors"])
    return answers
