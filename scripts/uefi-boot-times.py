#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Time from the firmware's hand-off to the shell prompt on each boot path, as the boot log's
`boot:` line reports it (CNTPCT_EL0 from efi_main(), or from boot_main() on the Image path, to
just before the shell), and when that hand-off came after reset. Boots QEMU `-M virt` (-cpu max,
-smp 2, -m 1G) REPEAT times per path and prints one line per boot and a summary per path.

Paths: kernel (-kernel), acpi and dt (removable-media BOOTAA64.EFI; EDK2 hands over ACPI tables,
or its DT with acpi=off), entry (a Boot#### written into the variable store), shell (the UEFI
shell's startup.nsh; the countdown is skipped with a key), grub (GRUB's chainloader; needs
scripts/fetch-grub.sh). Run it on an otherwise idle host:

    PYTHONPATH=host-tools scripts/uefi-boot-times.py [--repeat 3] [PATH...]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from monadic import MachineConfig
from monadic.qemu import prepare_esp
from monadic.target import Target

ROOT = Path(__file__).resolve().parents[1]
IMAGE = ROOT / "build" / "monadic-hypervisor.bin"
BOOT_RE = re.compile(r"boot: (\d+) us from hand-off to the shell; hand-off at (\d+) us")
PATHS = ("kernel", "acpi", "dt", "entry", "shell", "grub")
COUNTDOWN = "any other key to continue"


def one_boot(path: str, work: Path, grub: Path | None) -> tuple[int, int]:
    opts: tuple[str, ...] = ("acpi=off",) if path == "dt" else ()
    esp = ""
    if path != "kernel":
        boot = {"acpi": "removable", "dt": "removable"}.get(path, path)
        esp = str(prepare_esp(IMAGE, work / f"esp-{path}", "", boot=boot, grub_efi=grub))
    config = MachineConfig(cpu="max", smp=2, mem="1G", machine_opts=opts, esp=esp)
    target = Target.launch(IMAGE, config)
    try:
        before = ""
        if path == "shell":
            before = target.shell.read_until(COUNTDOWN, timeout=120)
            target.shell.write(b"\r")
        text = before + target.wait_boot(timeout=120)
    finally:
        target.close()
    m = BOOT_RE.search(text)
    if not m:
        raise SystemExit(f"{path}: no 'boot:' line in the boot log:\n{text[-2000:]}")
    return int(m.group(1)), int(m.group(2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="boots per path (default 3)")
    ap.add_argument("paths", nargs="*", metavar="PATH",
                    help=f"any of {', '.join(PATHS)} (default: all)")
    args = ap.parse_args()
    args.paths = args.paths or list(PATHS)
    for path in args.paths:
        if path not in PATHS:
            ap.error(f"unknown path {path!r}: choose from {', '.join(PATHS)}")
    grub = None
    if "grub" in args.paths:
        run = subprocess.run([str(ROOT / "scripts" / "fetch-grub.sh")], capture_output=True,
                             text=True, cwd=ROOT)
        if run.returncode:
            print(f"grub: skipped, scripts/fetch-grub.sh failed: {run.stderr.strip()}")
            args.paths.remove("grub")
        else:
            grub = Path(run.stdout.strip().splitlines()[-1])
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.paths:
            runs = [one_boot(path, Path(tmp), grub) for _ in range(args.repeat)]
            for prompt_us, handoff_us in runs:
                print(f"{path:7} hand-off to prompt {prompt_us / 1000:7.1f} ms, "
                      f"hand-off at {handoff_us / 1e6:6.2f} s after reset")
            p = [r[0] / 1000 for r in runs]
            h = [r[1] / 1e6 for r in runs]
            print(f"{path:7} SUMMARY {min(p):.1f}-{max(p):.1f} ms; hand-off at "
                  f"{min(h):.2f}-{max(h):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
