# SPDX-License-Identifier: BSD-2-Clause-Patent
"""`bench` against a fake serial shell: the results folder, provenance, and every error path
(command errors, a hang, a crash dump, no device, a silent link)."""

from __future__ import annotations

import io
import json
import re
import socket
from pathlib import Path

import pytest
from .recordings import FIXTURES
from .fakeboard import HANG, Crash, FakeBoard, answers_from_recording

from monadic import DeviceError, HypervisorCrash, ShellTimeout
from monadic import results as res
from monadic import runner
from monadic.suite import Step, Suite, default_suite
from monadic.exitcodes import EXIT_COMMAND_ERROR, EXIT_OK, EXIT_TARGET_FAILED
from monadic.target import Target, TargetSpec, attach_url, check_device

CRASH_DUMP = (
    b"EXCEPTION at EL2: Data Abort from EL2 (EC 0x25) on CPU 1\r\n"
    b"  ESR_EL2 0x96000045  FAR_EL2 0xdead0000  ELR_EL2 0x40212345 (image+0x12345)\r\n"
    b"  x0  0x0000000000000000 x1  0x00000000dead0000\r\n"
    b"HALTED: unrecoverable exception on CPU 1\r\n"
)


def replay(name: str) -> dict[str, object]:
    return answers_from_recording(FIXTURES / f"{name}.jsonl", FIXTURES / f"{name}.provenance.json")


def spec_for(board: FakeBoard, **kw: object) -> TargetSpec:
    return TargetSpec(attach=board.address, boot_timeout=kw.pop("boot_timeout", 5.0), **kw)  # type: ignore[arg-type]


def suite_of(*commands: str, timeout: float = 5.0) -> Suite:
    return Suite("test", [Step(c, timeout) for c in commands], text="\n".join(commands) + "\n")


def test_replayed_default_suite_makes_a_complete_folder(tmp_path: Path) -> None:
    progress = io.StringIO()
    with FakeBoard(replay("qemu-max-smp4")) as board:
        out = runner.run_suite(
            spec_for(board), default_suite(), tmp_path, [["monadic", "bench"]], progress
        )
    assert out.status == EXIT_OK, out.message
    assert out.path is not None and re.fullmatch(r"\d{8}-\d{6}-qemu-max-qemu", out.path.name)
    names = {p.name for p in out.path.iterdir()}
    assert names == {
        "results.jsonl",
        "provenance.json",
        "suite.txt",
        "results.csv",
        "transcript.txt",
    }
    # Result lines are kept verbatim.
    assert (out.path / "results.jsonl").read_text() == (
        FIXTURES / "qemu-max-smp4.jsonl"
    ).read_text()
    prov = json.loads((out.path / "provenance.json").read_text())
    assert prov["kind"] == "qemu"  # attached, but the DTB model says QEMU's virt board
    assert prov["qemu_version"] == "unknown (attached)"
    assert prov["target"]["kind"] == "attached" and prov["target"]["attach"] == board.address
    assert prov["image_version"]["name"] == "monadic-hypervisor"
    assert {"midr", "core", "lse", "cntfrq", "pmu_version"} <= prov["features"].keys()
    assert prov["host_commands"] == [["monadic", "bench"]]
    assert prov["suite"]["commands"] == [s.command for s in default_suite().steps]
    assert [s["status"] for s in prov["steps"]] == ["ok"] * 7
    assert "monadic> bench c2c --json" in (out.path / "transcript.txt").read_text()
    run = res.load_run(out.path)
    assert len(run.results) == out.n_results == 15
    assert (out.path / "results.csv").read_text().count("\n") == 1 + sum(
        len(res.flatten(r)) for r in run.results
    )
    assert "[7/7] bench spsc-stress --json" in progress.getvalue()
    assert board.commands[:5] == [
        "",
        "version --json",
        "sysregs --json",
        "platform --json",
        "pmu --json",
    ]


def test_metal_target_and_command_errors(tmp_path: Path) -> None:
    answers = replay("qemu-neoverse-n1-smp4")
    platform = json.loads(str(answers["platform --json"]))
    platform["model"] = "AWS Graviton (pretend)"
    answers["platform --json"] = json.dumps(platform)
    answers["bench wfe --json"] = "error: wfe: cpu2 did not wake"
    with FakeBoard(answers) as board:
        out = runner.run_suite(
            spec_for(board),
            suite_of("bench wfe --json", "bench atomics --json", "bench nosuch --json"),
            tmp_path,
            [],
            None,
        )
    assert out.status == EXIT_COMMAND_ERROR
    assert out.path is not None and out.path.name.endswith("-neoverse-n1-metal")
    prov = json.loads((out.path / "provenance.json").read_text())
    assert prov["kind"] == "metal" and prov["qemu_version"] == "metal"
    assert [s["status"] for s in prov["steps"]] == ["ok" if i == 1 else "error" for i in range(3)]
    assert prov["steps"][0]["errors"] == ["error: wfe: cpu2 did not wake"]
    assert [r.bench for r in res.load_run(out.path).results] == ["atomics"]


def test_crash_dump_is_saved(tmp_path: Path) -> None:
    answers = replay("qemu-max-smp4")
    answers["bench c2c --json"] = Crash(CRASH_DUMP)
    with FakeBoard(answers) as board:
        out = runner.run_suite(spec_for(board), default_suite(), tmp_path, [], None)
    assert out.status == EXIT_TARGET_FAILED
    assert out.path is not None and "crash dump" in out.message
    crash = (out.path / "crash.txt").read_text()
    assert (
        crash.startswith("EXCEPTION at EL2:")
        and "HALTED:" in crash
        and "FAR_EL2 0xdead0000" in crash
    )
    assert "HALTED:" in (out.path / "transcript.txt").read_text()
    prov = json.loads((out.path / "provenance.json").read_text())
    assert [s["status"] for s in prov["steps"]] == ["crashed"] + ["not run"] * 6
    assert "crashed" in prov["failure"]


def test_hang_times_out_and_recovers(tmp_path: Path) -> None:
    answers = replay("qemu-max-smp4")
    answers["bench wfe --json"] = HANG  # Ctrl-C brings the prompt back
    with FakeBoard(answers) as board:
        out = runner.run_suite(
            spec_for(board),
            suite_of("bench wfe --json", "bench atomics --json", timeout=1.0),
            tmp_path,
            [],
            None,
        )
    assert out.status == EXIT_TARGET_FAILED
    assert [s.status for s in out.steps] == ["timeout", "ok"]
    assert out.n_results == 1


def test_crash_while_booting_keeps_transcript(tmp_path: Path) -> None:
    with FakeBoard(banner=b"monadic-hypervisor\r\n" + CRASH_DUMP) as board:
        board.answers = lambda line: Crash(b"")  # answers nothing after the dump
        out = runner.run_suite(spec_for(board), default_suite(), tmp_path, [], None)
    assert out.status == EXIT_TARGET_FAILED
    assert out.path is not None and out.path.name.endswith("-unknown-metal")
    assert "HALTED:" in (out.path / "crash.txt").read_text()


def test_silent_link_is_a_clear_timeout(tmp_path: Path) -> None:
    with FakeBoard(silent=True) as board:
        out = runner.run_suite(
            spec_for(board, boot_timeout=1.0), default_suite(), tmp_path, [], None
        )
        with pytest.raises(ShellTimeout, match="is the hypervisor running"):
            Target.open(spec_for(board, boot_timeout=1.0))
    assert out.status == EXIT_TARGET_FAILED and out.path is None
    assert "is this its serial console?" in out.message
    assert list(tmp_path.iterdir()) == []  # nothing arrived: nothing to keep


def test_loop_url_times_out() -> None:
    # pyserial's loop:// hands back what we send: never a prompt.
    with pytest.raises(ShellTimeout, match="loop://.*115200 baud"):
        Target.open(TargetSpec(device="loop://", boot_timeout=1.0))


def test_no_device(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="no such device"):
        check_device("/dev/ttyUSB-monadic-missing")
    with pytest.raises(DeviceError, match="not a character device"):
        check_device(str(tmp_path))
    out = runner.run_suite(
        TargetSpec(device="/dev/ttyUSB-monadic-missing"), default_suite(), tmp_path, [], None
    )
    assert out.status == EXIT_TARGET_FAILED and out.path is None
    assert "/dev/ttyUSB-monadic-missing" in out.message


def test_attach_errors() -> None:
    with pytest.raises(DeviceError, match="HOST:PORT"):
        attach_url("localhost")
    assert attach_url("[::1]:4444") == "socket://[::1]:4444"
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DeviceError, match=f"127.0.0.1:{port}"):
        Target.open(TargetSpec(attach=f"127.0.0.1:{port}"))


def test_crash_error_is_a_hypervisor_crash() -> None:
    with FakeBoard({"fault read": Crash(CRASH_DUMP)}) as board:
        with Target.open(spec_for(board)) as target:
            with pytest.raises(HypervisorCrash) as exc:
                target.shell.run("fault read")
    assert exc.value.reason == "HALTED"
