# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Run a benchmark suite on a target and write a results folder (layout: see results.py).

The folder is written even when things go wrong: a command that answers `error: ...` is logged
and the suite goes on; a timeout, a crash or a lost link stops the suite, and what arrived so far
(results, transcript, the crash dump) is kept.
"""

from __future__ import annotations

import io
import json
import os
import platform as host_platform
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from . import results as res
from .errors import (
    CommandError,
    DeviceError,
    HypervisorCrash,
    LinkClosed,
    MonadicError,
    ProtocolError,
    QemuError,
    ShellTimeout,
)
from .exitcodes import EXIT_COMMAND_ERROR, EXIT_OK, EXIT_TARGET_FAILED
from .shell import Shell
from .suite import Suite
from .target import QEMU_VIRT_MODEL, Target, TargetSpec


# Queried before the suite, for provenance; `version` and `sysregs` must answer.
PROVENANCE_COMMANDS = ("version", "sysregs", "platform", "pmu", "cpus")
PROVENANCE_TIMEOUT_S = 30.0
RECOVER_TIMEOUT_S = 10.0


@dataclass
class StepLog:
    """What happened to one command of the suite."""

    command: str
    status: str = "not run"  # ok, error, timeout, crashed, link closed, not run
    started: str = ""
    seconds: float = 0.0
    results: list[int] = field(default_factory=lambda: [0, 0])  # [first, last) in results.jsonl
    errors: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What `run_suite()` did: the folder (None if nothing was worth keeping) and the status."""

    path: Path | None
    status: int
    message: str
    n_results: int = 0
    steps: list[StepLog] = field(default_factory=list)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def platform_slug(sysregs: dict[str, Any], kind: str) -> str:
    """`qemu-max-qemu`, `neoverse-n1-metal`: the core's name (or MIDR) and how it ran."""
    core = sysregs.get("core") or sysregs.get("midr") or "unknown"
    return f"{res.slug(str(core))}-{kind}"


def new_results_dir(root: Path, when: datetime, slug: str) -> Path:
    """results/<YYYYmmdd-HHMMSS>-<slug>, with -2, -3 ... if that exists already."""
    base = root / f"{when.strftime('%Y%m%d-%H%M%S')}-{slug}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    path.mkdir(parents=True)
    return path


def host_info() -> dict[str, Any]:
    return {
        "hostname": host_platform.node(),
        "os": host_platform.platform(),
        "machine": host_platform.machine(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def collect_provenance(shell: Shell) -> dict[str, Any]:
    """The target's own description: `version`, `sysregs`, `platform`, `pmu`, `cpus` as JSON.
    The first two must work; the others are recorded as {"error": ...} when they do not."""
    info: dict[str, Any] = {}
    for name in PROVENANCE_COMMANDS:
        try:
            info[name] = shell.run_json(name, timeout=PROVENANCE_TIMEOUT_S)
        except (CommandError, ProtocolError) as exc:
            if name in ("version", "sysregs"):
                raise
            info[name] = {"error": str(exc)}
    return info


def features(sysregs: dict[str, Any]) -> dict[str, Any]:
    """The architectural features the benchmarks depend on, from `sysregs --json`."""
    keys = (
        "midr",
        "implementer",
        "core",
        "variant",
        "revision",
        "lse",
        "vhe",
        "pmu_version",
        "pa_bits",
        "ipa_bits",
        "cntfrq",
    )
    return {k: sysregs[k] for k in keys if k in sysregs}


class Progress:
    """One line per command on a pipe; on a terminal, a line that counts seconds and results
    while the command runs."""

    def __init__(self, stream: TextIO | None, total: int) -> None:
        self.stream = stream
        self.total = total
        self.live = bool(stream is not None and stream.isatty())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def say(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(text + "\n")
            self.stream.flush()

    def start(self, n: int, command: str, shell: Shell) -> None:
        head = f"[{n}/{self.total}] {command}"
        if self.stream is None:
            return
        if not self.live:
            self.say(head)
            return
        mark = shell.mark()
        t0 = time.monotonic()
        self._stop.clear()

        def tick() -> None:
            assert self.stream is not None
            while not self._stop.wait(0.5):
                got = shell.received(mark).count(b'{"bench"')
                self.stream.write(
                    f"\r{head}  {time.monotonic() - t0:4.0f} s  {got} result(s)\x1b[K"
                )
                self.stream.flush()

        self._thread = threading.Thread(target=tick, name="progress", daemon=True)
        self._thread.start()

    def finish(self, n: int, step: StepLog) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        if self.stream is None:
            return
        got = step.results[1] - step.results[0]
        text = f"{step.status}, {step.seconds:.1f} s, {got} result{'s' if got != 1 else ''}"
        for err in step.errors:
            text += f"\n      {err}"
        if self.live:
            self.stream.write(f"\r[{n}/{self.total}] {step.command}  {text}\x1b[K\n")
            self.stream.flush()
        else:
            self.say(f"      {text}")


@dataclass
class _State:
    """Everything a run has gathered so far, so a failure at any point can still be saved."""

    log: io.BytesIO
    provenance: dict[str, Any]
    steps: list[StepLog]
    lines: list[str] = field(default_factory=list)  # result lines, verbatim
    path: Path | None = None
    crash: str = ""


def run_suite(
    spec: TargetSpec,
    suite: Suite,
    results_root: Path,
    host_commands: list[list[str]],
    progress: TextIO | None = sys.stderr,
) -> Outcome:
    """Open the target, record provenance, run every command of `suite`, write the folder."""
    started = utc_now()
    state = _State(
        log=io.BytesIO(),
        provenance={
            "format": 1,
            "started": iso(started),
            "host": host_info(),
            "host_commands": host_commands,
            "suite": {
                "name": suite.name,
                "source": suite.source,
                "commands": [s.command for s in suite.steps],
            },
        },
        steps=[StepLog(s.command) for s in suite.steps],
    )
    prog = Progress(progress, len(suite.steps))
    target: Target | None = None
    outcome: Outcome
    try:
        try:
            prog.say(f"monadic bench: connecting to {spec.where()}")
            target = Target.open(spec, state.log)
            info = collect_provenance(target.shell)
        except DeviceError as exc:
            return Outcome(None, EXIT_TARGET_FAILED, str(exc))
        except QemuError as exc:
            return Outcome(None, EXIT_TARGET_FAILED, str(exc))
        except (ShellTimeout, HypervisorCrash, LinkClosed, CommandError, ProtocolError) as exc:
            state.crash = exc.dump if isinstance(exc, HypervisorCrash) else ""
            if not state.log.getvalue():
                return Outcome(None, EXIT_TARGET_FAILED, str(exc))  # nothing arrived to keep
            state.path = new_results_dir(
                results_root, started, f"unknown-{'metal' if spec.attached else 'qemu'}"
            )
            if target is not None:
                state.provenance["target"] = target.describe()
            state.provenance["failure"] = f"before the suite: {exc}"
            return Outcome(state.path, EXIT_TARGET_FAILED, _failure_text(exc, state.path))
        model = str(info.get("platform", {}).get("model", ""))
        kind = "qemu" if target.started_qemu or model == QEMU_VIRT_MODEL else "metal"
        slug = platform_slug(info["sysregs"], kind)
        state.path = new_results_dir(results_root, started, slug)
        state.provenance.update(
            kind=kind,
            platform_slug=slug,
            target=target.describe(),
            qemu_version=target.describe().get(
                "qemu_version", "metal" if kind == "metal" else "unknown (attached)"
            ),
            image_version=info["version"],
            features=features(info["sysregs"]),
            **{k: v for k, v in info.items() if k != "version"},
        )
        (state.path / f"suite{suite.suffix}").write_text(suite.text)
        prog.say(
            f"monadic bench: {info['sysregs'].get('core', '?')} ({kind}), "
            f"{len(suite.steps)} commands, results in {state.path}"
        )
        outcome = _run_steps(target, suite, state, prog)
    finally:
        if target is not None:
            target.close()
        if state.path is not None:
            _save(state)
    return outcome


def _failure_text(exc: MonadicError, path: Path | None) -> str:
    where = (
        f" (transcript{', crash dump' if isinstance(exc, HypervisorCrash) else ''} in {path})"
        if path
        else ""
    )
    first = str(exc).split("\n", 1)[0]
    return f"{first}{where}"


def _run_steps(target: Target, suite: Suite, state: _State, prog: Progress) -> Outcome:
    shell = target.shell
    status = EXIT_OK
    for n, (step, log) in enumerate(zip(suite.steps, state.steps), 1):
        log.started = iso(utc_now())
        first = len(state.lines)
        mark = shell.mark()
        t0 = time.monotonic()
        prog.start(n, step.command, shell)
        failure: MonadicError | None = None
        try:
            output = shell.run(step.command, timeout=step.timeout, check=False)
            log.status = "ok"
        except ShellTimeout as exc:
            failure, log.status = exc, "timeout"
        except HypervisorCrash as exc:
            failure, log.status = exc, "crashed"
            state.crash = exc.dump
        except LinkClosed as exc:
            failure, log.status = exc, "link closed"
        if failure is not None:
            # Keep whatever complete result lines arrived before things went wrong.
            output = shell.transcript(mark)
        for line in output.split("\n"):
            if line.startswith("error: "):
                log.errors.append(line)
            elif res.parse_line(line) is not None:
                state.lines.append(line.strip())
        if log.status == "ok" and log.errors:
            log.status = "error"
            status = EXIT_COMMAND_ERROR
        log.seconds = round(time.monotonic() - t0, 3)
        log.results = [first, len(state.lines)]
        prog.finish(n, log)
        if isinstance(failure, ShellTimeout) and _recover(shell):
            status = max(status, EXIT_TARGET_FAILED)
            continue  # the shell is back: the rest of the suite may still work
        if failure is not None:
            state.provenance["failure"] = f"{step.command}: {failure}"
            return Outcome(
                state.path,
                EXIT_TARGET_FAILED,
                _failure_text(failure, state.path),
                len(state.lines),
                state.steps,
            )
    word = {
        EXIT_OK: "ok",
        EXIT_COMMAND_ERROR: "some commands failed",
        EXIT_TARGET_FAILED: "some commands timed out",
    }[status]
    return Outcome(state.path, status, word, len(state.lines), state.steps)


def _recover(shell: Shell) -> bool:
    """After a timeout: Ctrl-C, then a prompt within a few seconds? A benchmark that does not
    poll the console cannot be interrupted, and then the suite stops."""
    try:
        shell.resync(b"\x03\r", quiet=0.5, timeout=RECOVER_TIMEOUT_S)
        return True
    except MonadicError:
        return False


def _save(state: _State) -> None:
    """Write every file of the folder from what was gathered (also after a failure)."""
    assert state.path is not None
    state.provenance["finished"] = iso(utc_now())
    state.provenance["steps"] = [asdict(s) for s in state.steps]
    (state.path / res.RESULTS_FILE).write_text("".join(line + "\n" for line in state.lines))
    (state.path / res.PROVENANCE_FILE).write_text(json.dumps(state.provenance, indent=2) + "\n")
    (state.path / res.TRANSCRIPT_FILE).write_bytes(state.log.getvalue())
    if state.crash:
        (state.path / res.CRASH_FILE).write_text(state.crash + "\n")
    res.write_csv(res.load_run(state.path))
