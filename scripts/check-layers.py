#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Check that every #include points down the layer order written in scripts/layers.txt.

usage: check-layers.py [--layers FILE] [ROOT]

Reads the hypervisor's C sources and headers under ROOT (default: the repository holding this
script) and prints, for every include of a header from a higher layer, the including file, the
line, the include and both layers. Files in no layer (boot/'s assembly, tests/, host-tools/)
are not checked, except the folders an `outside` line names, which may include only what it
lists. Exit status: 0 when every include is allowed, 1 when one is not, 2 on a bad layers file.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCES = ("*.c", "*.h", "*.S")


class Layers:
    """The layers file: ordered layers of path patterns, and the `outside` allow lists."""

    def __init__(self, path: Path) -> None:
        self.patterns: list[tuple[str, int, str]] = []  # (pattern, rank, layer name)
        self.outside: list[tuple[str, list[str]]] = []
        for n, raw in enumerate(path.read_text().splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"(layer|outside)\s+([^:]+):\s*(.+)", line)
            if not m:
                raise ValueError(f"{path}:{n}: cannot read: {raw}")
            kind, name, pats = m.group(1), m.group(2).strip(), m.group(3).split()
            if kind == "layer":
                rank = len({r for _, r, _ in self.patterns})
                self.patterns += [(p, rank, name) for p in pats]
            else:
                self.outside.append((name, pats))

    @staticmethod
    def _match(pattern: str, rel: str) -> bool:
        if pattern.endswith("/*"):
            folder = pattern[:-1]
            return rel.startswith(folder) and "/" not in rel[len(folder):]
        if pattern.endswith("/"):
            return rel.startswith(pattern)
        return rel == pattern

    def layer_of(self, rel: str) -> tuple[int, str] | None:
        best = None
        for pat, rank, name in self.patterns:
            if self._match(pat, rel) and (best is None or len(pat) > len(best[0])):
                best = (pat, rank, name)
        return (best[1], best[2]) if best else None

    def allow_list(self, rel: str) -> list[str] | None:
        for folder, pats in self.outside:
            if rel.startswith(folder):
                return pats
        return None


def resolve(root: Path, src: Path, name: str) -> str | None:
    """The repository path an include names: root-relative, else beside the including file."""
    for cand in (root / name, src.parent / name):
        if cand.is_file():
            return cand.resolve().relative_to(root).as_posix()
    return None


def check(root: Path, layers: Layers) -> list[str]:
    problems = []
    files = sorted({p for pat in SOURCES for p in root.rglob(pat)})
    for src in files:
        rel = src.relative_to(root).as_posix()
        if rel.startswith(("build/", ".git/")):
            continue
        own = layers.layer_of(rel)
        allowed = layers.allow_list(rel)
        if own is None and allowed is None:
            continue
        for n, line in enumerate(src.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = resolve(root, src, m.group(1))
            if target is None:
                continue  # not ours (or generated); the compiler reports a missing file
            if allowed is not None:
                if not any(Layers._match(p, target) for p in allowed):
                    problems.append(f'{rel}:{n}: #include "{m.group(1)}": '
                                    f"{target} is not in what this folder may use")
                continue
            theirs = layers.layer_of(target)
            if theirs is not None and own is not None and theirs[0] > own[0]:
                problems.append(f'{rel}:{n}: #include "{m.group(1)}": layer {own[1]} '
                                f"includes {target} from the higher layer {theirs[1]}")
    return problems


def main() -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="The order and its reasons are in scripts/layers.txt.")
    ap.add_argument("--layers", type=Path, default=here / "layers.txt",
                    help="the layer order (default: %(default)s)")
    ap.add_argument("root", nargs="?", type=Path, default=here.parent,
                    help="repository root (default: %(default)s)")
    args = ap.parse_args()
    try:
        layers = Layers(args.layers)
    except (OSError, ValueError) as e:
        print(f"check-layers: {e}", file=sys.stderr)
        return 2
    problems = check(args.root.resolve(), layers)
    for p in problems:
        print(p)
    if problems:
        print(f"check-layers: {len(problems)} include(s) against the order in {args.layers}",
              file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
