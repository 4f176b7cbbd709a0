# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Unit tests of host-tools/monadic against canned bytes; no QEMU needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import serial

from monadic import (
    CommandError,
    HypervisorCrash,
    LinkClosed,
    ProtocolError,
    Shell,
    ShellTimeout,
    error_lines,
    mem_bytes,
    parse_hexdump,
    split_echo,
)
from monadic import qemu as qemu_mod
from monadic import shell as shell_mod
from monadic.parse import as_int, find_prompt, normalise, numbers_in, parse_json_lines

PROMPT = b"monadic> "


class FakeHypervisor:
    """A port that behaves like the shell: echoes typed bytes, answers Enter from a table."""

    def __init__(self, answers: dict[str, bytes], banner: bytes = b"") -> None:
        self.answers = answers
        self.timeout: float | None = 0.01
        self.rx = bytearray(banner)  # what the host will read
        self.line = bytearray()
        self.closed = False

    @property
    def in_waiting(self) -> int:
        return len(self.rx)

    def read(self, size: int = 1) -> bytes:
        if self.closed:
            raise serial.SerialException("socket disconnected")
        data = bytes(self.rx[:size])
        del self.rx[:size]
        return data

    def write(self, data: bytes) -> int:
        for byte in data:
            if byte == 0x0D:
                self.rx += b"\r\n" + self.answers.get(self.line.decode(), b"") + PROMPT
                self.line.clear()
            elif byte == 0x7F:
                if self.line:
                    self.line.pop()
                    self.rx += b"\b \b"
            else:
                self.line.append(byte)
                self.rx.append(byte)
        return len(data)

    def close(self) -> None:
        self.closed = True


def loop_shell(canned: bytes) -> Shell:
    """A shell over pyserial's loop:// with `canned` already waiting to be read."""
    port = serial.serial_for_url("loop://", timeout=0.01)
    port.write(canned)
    return Shell(port)


@pytest.fixture(autouse=True)
def fast_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell_mod, "EXCEPTION_GRACE_S", 0.2)
    monkeypatch.setattr(shell_mod, "DUMP_QUIET_S", 0.05)


def test_normalise_line_ends() -> None:
    assert normalise("a\r\nb\r\r\nc\rd\n") == "a\nb\nc\rd\n"


def test_prompt_only_counts_at_line_start() -> None:
    assert find_prompt(b"say monadic> here\r\n") is None
    m = find_prompt(b"say monadic> here\r\nmonadic> ")
    assert m is not None and m.start() == 19
    assert find_prompt(b"monadic> ") is not None
    # Searching from inside the buffer only matches right after a newline.
    assert find_prompt(b"xmonadic> ", 1) is None


def test_wait_for_prompt_returns_boot_text() -> None:
    sh = loop_shell(b"monadic-hypervisor 0.1\r\ncpus: 2\r\nmonadic> ")
    assert sh.wait_for_prompt(1.0) == "monadic-hypervisor 0.1\ncpus: 2\n"
    assert sh.at_prompt


def test_run_strips_echo_and_prompt() -> None:
    fake = FakeHypervisor({"version": b"monadic-hypervisor 0.1\r\nbuilt today\r\n"})
    sh = Shell(fake)
    assert sh.run("version") == "monadic-hypervisor 0.1\nbuilt today"


def test_backspace_echo_is_part_of_the_echo_line() -> None:
    fake = FakeHypervisor({"version": b"v1\r\n"})
    sh = Shell(fake)
    echo, out = split_echo(sh.interact(b"versiox\x7fn\r"))
    assert echo == "versiox\b \bn"
    assert out == "v1"


def test_error_lines_raise_or_return() -> None:
    fake = FakeHypervisor({"bogus": b"error: unknown command 'bogus'\r\n"})
    sh = Shell(fake)
    with pytest.raises(CommandError) as info:
        sh.run("bogus")
    assert info.value.errors == ["error: unknown command 'bogus'"]
    assert sh.run("bogus", check=False) == "error: unknown command 'bogus'"
    assert error_lines("ok\nerror: x\n error: not at start") == ["error: x"]


def test_run_json_single_and_list() -> None:
    obj = {"name": "monadic-hypervisor", "version": "0.1"}
    fake = FakeHypervisor(
        {
            "version --json": json.dumps(obj).encode() + b"\r\n",
            "cpus --json": b'{"mpidr": 0}\r\n{"mpidr": 1}\r\n',
            "broken --json": b"{not json\r\n",
        }
    )
    sh = Shell(fake)
    assert sh.run_json("version") == obj
    assert sh.run_json("cpus --json") == [{"mpidr": 0}, {"mpidr": 1}]
    with pytest.raises(ProtocolError):
        sh.run_json("broken")
    with pytest.raises(ProtocolError):
        parse_json_lines("\n\n")


def test_panic_raises_crash_with_whole_dump() -> None:
    sh = loop_shell(b"md 0\r\nPANIC: data abort at EL2\r\n  x0 = 0\r\n  x1 = 1\r\n")
    with pytest.raises(HypervisorCrash) as info:
        sh.wait_for_prompt(2.0)
    assert info.value.reason == "PANIC"
    assert info.value.dump == "PANIC: data abort at EL2\n  x0 = 0\n  x1 = 1"
    # A dead hypervisor stays dead.
    with pytest.raises(HypervisorCrash):
        sh.run("version")


def test_halted_is_a_crash() -> None:
    sh = loop_shell(b"\r\nHALTED: cpu 0\r\n")
    with pytest.raises(HypervisorCrash) as info:
        sh.wait_for_prompt(2.0)
    assert info.value.reason == "HALTED"


def test_marker_inside_a_line_is_not_a_crash() -> None:
    sh = loop_shell(b"help: PANIC: is how a crash starts\r\nmonadic> ")
    assert "PANIC" in sh.wait_for_prompt(1.0)


def test_recovered_exception_is_not_a_crash() -> None:
    sh = loop_shell(b"EXCEPTION at EL2: ESR 0x96000010\r\nerror: md: unmapped\r\nmonadic> ")
    text = sh.wait_for_prompt(1.0)
    assert text.endswith("error: md: unmapped\n")


def test_unrecovered_exception_is_a_crash() -> None:
    sh = loop_shell(b"EXCEPTION at EL2: ESR 0x96000010\r\n  ELR 0x40080000\r\n")
    with pytest.raises(HypervisorCrash) as info:
        sh.wait_for_prompt(5.0)
    assert info.value.reason == "EXCEPTION at EL2"
    assert "ELR 0x40080000" in info.value.dump


def test_timeout_names_what_and_shows_tail() -> None:
    sh = loop_shell(b"half a line")
    with pytest.raises(ShellTimeout) as info:
        sh.wait_for_prompt(0.2)
    assert "prompt" in info.value.waiting_for
    assert info.value.received_tail == "half a line"


def test_read_until_and_transcript() -> None:
    sh = loop_shell(b"one\r\ntwo\r\nthree\r\n")
    start = sh.mark()
    assert sh.read_until("two\r\n", 1.0) == "one\ntwo\n"
    assert sh.read_until(b"three", 1.0) == "three"
    assert sh.transcript(start) == "one\ntwo\nthree\n"


def test_resync_consumes_junk_prompts() -> None:
    sh = loop_shell(b"junk\r\nmonadic> \r\nerror: x\r\nmonadic> ")
    assert sh.resync(poke=b"", quiet=0.05, timeout=1.0).endswith("monadic> ")
    assert sh.at_prompt


def test_closed_link() -> None:
    fake = FakeHypervisor({})
    sh = Shell(fake)
    fake.close()
    with pytest.raises(LinkClosed):
        sh.wait_for_prompt(1.0)


def test_hexdump_parser() -> None:
    out = (
        "0000000009000fe0: 11 00 00 00 10 00 00 00  14 00 00 00 00 00 00 00  |................|\n"
        "0x9000ff0: 0d 00 00 00 f0 00 00 00 05 00 00 00 b1 00 00 00 ................"
    )
    shown = parse_hexdump(out)
    assert len(shown) == 32
    assert shown[0x9000FE0] == 0x11 and shown[0x9000FE4] == 0x10
    assert shown[0x9000FF0] == 0x0D and shown[0x9000FFC] == 0xB1
    with pytest.raises(ProtocolError):
        parse_hexdump("not a dump")


def test_qemu_command_line() -> None:
    q = qemu_mod.Qemu(
        image="hv.bin",  # type: ignore[arg-type]
        config=qemu_mod.MachineConfig(
            cpu="neoverse-n1", smp=4, mem="2G", machine_opts=("its=off",), extra_args=("-s",)
        ),
    )
    assert q.build_command("pty") == [
        "qemu-system-aarch64",
        "-M", "virt,virtualization=on,gic-version=3,its=off",
        "-cpu", "neoverse-n1", "-smp", "4", "-m", "2G",
        "-display", "none", "-monitor", "none", "-net", "none",
        "-kernel", "hv.bin", "-serial", "pty", "-s",
    ]  # fmt: skip


def test_json_numbers() -> None:
    assert as_int(12) == 12 and as_int("0x10") == 16 and as_int("17") == 17
    with pytest.raises(ProtocolError):
        as_int(True)
    with pytest.raises(ProtocolError):
        as_int("PMUv3")
    assert numbers_in({"uart": {"base": "0x9000000", "name": "pl011"}, "ok": True}) == {0x9000000}


def test_image_load_address(tmp_path: Path) -> None:
    header = bytearray(64)
    header[0x38:0x3C] = b"ARM\x64"
    image = tmp_path / "Image"
    image.write_bytes(bytes(header))
    assert qemu_mod.image_load_address(image) == 0x4020_0000  # text_offset 0: base + 2 MiB
    header[8:16] = (0x80000).to_bytes(8, "little")
    image.write_bytes(bytes(header))
    assert qemu_mod.image_load_address(image) == 0x4008_0000


def test_mem_bytes() -> None:
    assert mem_bytes("512M") == 512 << 20
    assert mem_bytes("4G") == 4 << 30
    assert mem_bytes("1024") == 1 << 30


def test_split_log_keeps_log_lines_out_of_output() -> None:
    from monadic import parse

    out = '{"a":1}\nlog: warning: vm2 vcpu0: read of IPA 0x0\nlog: vm2 (hostile) stopped: x'
    kept, logs = parse.split_log(out)
    assert kept == '{"a":1}'
    assert logs == ["log: warning: vm2 vcpu0: read of IPA 0x0", "log: vm2 (hostile) stopped: x"]
    assert parse.parse_json_lines(kept) == [{"a": 1}]
