# SPDX-License-Identifier: BSD-2-Clause-Patent
"""scripts/fetch-guest-linux.sh: its options are checked before anything is fetched, and a named
initramfs gets the init and the files it is given (offline: a kernel and busybox are faked)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fetch-guest-linux.sh"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--packages", "fio"], "--packages, --init and --add need --name"),
        (["--name", "t", "--init", "/nonexistent/init"], "cannot read /nonexistent/init"),
        (["--name", "t", "--add", "/nonexistent=/x"], "--add /nonexistent=/x: want SRC=/DEST"),
        (["--name", "t", "--add", "README.md"], "--add README.md: want SRC=/DEST"),
        (["--bogus"], "unknown option --bogus"),
    ],
)
def test_bad_options_are_refused_before_fetching(
    tmp_path: Path, args: list[str], message: str
) -> None:
    run = _run(*args, str(tmp_path / "out"))
    assert run.returncode == 2 and message in run.stderr
    assert not (tmp_path / "out" / "apt").exists()  # nothing was fetched


@pytest.mark.skipif(shutil.which("cpio") is None, reason="needs cpio")
def test_named_initramfs_holds_init_and_added_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "bb" / "bin").mkdir(parents=True)
    (out / "Image").write_bytes(b"not a kernel")
    shutil.copy("/bin/true", out / "bb" / "bin" / "busybox")
    init, extra = tmp_path / "init.sh", tmp_path / "payload.bin"
    init.write_text("#!/bin/sh\necho hello\n")
    extra.write_bytes(b"\x01\x02payload")
    run = _run("--name", "t", "--init", str(init), "--add", f"{extra}=/opt/payload.bin", str(out))
    assert run.returncode == 0, run.stderr
    root = out / "root-t"
    assert (root / "init").read_text() == init.read_text()
    assert (root / "opt" / "payload.bin").read_bytes() == extra.read_bytes()
    listing = subprocess.run(["cpio", "-it", "--quiet"], stdin=open(out / "initramfs-t.cpio", "rb"),
                             capture_output=True, text=True, check=True).stdout.split()
    assert {"init", "bin/busybox", "bin/sh", "opt/payload.bin"} <= set(listing)
    # The default initramfs is still built beside it, with its own init.
    assert (out / "initramfs.cpio.gz").is_file() and "MONADIC-INIT" in (out / "root" / "init").read_text()
