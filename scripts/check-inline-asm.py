#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Check that inline assembly appears only in the hardware layer, kernel/arch/.

usage: check-inline-asm.py [ROOT]

Every instruction the hypervisor's C code needs is a named inline function or macro in
kernel/arch/, so a reader finds all of them in one place and a host build can replace them.
Prints file:line and the line for each __asm__, asm( or asm volatile in the hypervisor's C
sources outside kernel/arch/ and the files listed in DELIBERATE. Exit status 0 when there is
none, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# The hypervisor's C sources (boot/ is assembly; tests/ and bench/host/ are other programs).
CHECKED = ("kernel", "mm", "pci", "dataplane", "monitor", "bench")
NOT_CHECKED = ("bench/host/",)
ALLOWED = ("kernel/arch/",)

# Files whose point is an exact instruction sequence, which an accessor would hide.
DELIBERATE = {
    # Each benchmark measures one specific sequence (LDAR/STLR, LDR+DMB, LDAPR, LDADDAL,
    # LDAXR/STLXR loops, SEVL+WFE), written out so the compiler cannot choose another.
    "bench/bench_core.c",
}

ASM = re.compile(r"\b__asm__\b|\basm\s*\(|\basm\s+volatile\b|\b__asm\b")


def strip_comments(text: str) -> str:
    """Blank out /* */ and // comments, keeping line numbers, so prose may say 'asm('."""
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def check(root: Path) -> list[str]:
    problems = []
    for top in CHECKED:
        for src in sorted((root / top).rglob("*")):
            if src.suffix not in (".c", ".h") or not src.is_file():
                continue
            rel = src.relative_to(root).as_posix()
            if rel.startswith(ALLOWED + NOT_CHECKED) or rel in DELIBERATE:
                continue
            text = strip_comments(src.read_text(errors="replace"))
            for n, line in enumerate(text.splitlines(), 1):
                if ASM.search(line):
                    problems.append(f"{rel}:{n}: inline assembly outside kernel/arch/: "
                                    f"{line.strip()}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="repository root (default: %(default)s)")
    problems = check(ap.parse_args().root.resolve())
    for p in problems:
        print(p)
    if problems:
        print(f"check-inline-asm: {len(problems)} line(s); add an accessor in kernel/arch/",
              file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
